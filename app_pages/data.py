"""Data: fetch calls by ticker and quarters, import files, manage stored calls, export sentences."""
import pandas as pd
import streamlit as st

from core.analyze import analyze
from core.errors import TranscriptError
from core.export import to_csv
from core.fetch import fetch_calls, reparse_calls
from core.ingest import IMPORT_SUFFIXES, import_bytes
from core.model import Period, period_range
from core.parsers import PARSER_VERSION
from ui import filters, resources, widgets

st.title("Data")
store = resources.store()


def _period(text: str) -> Period | None:
    return Period.parse(text) if text.strip() else None


def run_fetch(ticker: str, *, source: str, periods: list[Period] | None, last: int | None, refresh: bool) -> None:
    """Fetch with a progress bar and a line per quarter; list what failed and why."""
    with st.status(f"Fetching {ticker} from {source}…", expanded=True) as status:
        bar = st.progress(0.0, text="Locating transcripts…")

        def progress(report, done: int, total: int) -> None:
            bar.progress(done / total, text=f"{done}/{total} quarters")
            reason = f" — {report.reason}" if report.reason else ""
            st.write(f"{report.label}: {report.status}{reason}")

        try:
            reports = fetch_calls(store, ticker, periods=periods, last=last, source=source, refresh=refresh,
                                  progress=progress)
        except TranscriptError as exc:
            status.update(label=f"Fetch of {ticker} stopped: {exc.message}", state="error")
            return
        finally:
            resources.invalidate()
        failed = [r for r in reports if r.status == "failed"]
        status.update(label=f"{ticker}: {len(reports) - len(failed)} of {len(reports)} quarters stored"
                      + (f", {len(failed)} failed" if failed else ""), state="error" if failed else "complete")
    if failed:
        st.error("Failed quarters:")
        widgets.table(
            pd.DataFrame([{"quarter": r.label, "reason": r.reason, "url": r.url} for r in failed]),
            f"fetch-failures-{ticker}")


def run_analysis() -> None:
    """Analyse every stored call not yet analysed with the current models, with a progress bar."""
    with st.status("Analysing calls (sentences, tone, topics, vectors)…", expanded=True) as status:
        bar = st.progress(0.0, text="Loading the models…")
        try:
            report = analyze(store, resources.vector_index(),
                             progress=lambda done, total: bar.progress(done / total, text=f"{done}/{total} calls"))
            resources.vector_index().ensure_index()
        except TranscriptError as exc:
            status.update(label=f"Analysis stopped: {exc}", state="error")
            return
        finally:
            resources.invalidate()
        status.update(label=f"Analysed {len(report.analysed)} calls ({report.sentences:,} sentences, "
                      f"{report.sentences_per_second:.0f}/s); {report.skipped} already up to date", state="complete")


def run_reparse() -> None:
    """Parse every stored call's raw document again (no network); changed calls need analysing again."""
    with st.status("Re-parsing the stored documents…", expanded=True) as status:
        try:
            outcomes = reparse_calls(store)
        finally:
            resources.invalidate()
        failed = [o for o in outcomes if o.outcome == "failed"]
        for outcome in failed:
            st.write(f"{outcome.call}: {outcome.reason}")
        status.update(label=f"Re-parsed {len(outcomes)} calls, {len(failed)} failed",
                      state="error" if failed else "complete")


def offer_upkeep() -> None:
    """Counts of stored calls parsed by an older parser or not analysed yet, each with the button that fixes it."""
    pending = resources.query("stored_calls")
    outdated = 0 if pending.empty else int((pending["parser_version"] < PARSER_VERSION).sum())
    if outdated:
        left, right = st.columns([3, 1], vertical_alignment="center")
        left.info(f"{outdated} stored calls were parsed by an older parser version; re-parse them (from the stored "
                  "documents, no network) to get its fixes, then analyse them again.", icon=":material/update:")
        if right.button("Re-parse now", icon=":material/update:"):
            run_reparse()
            pending = resources.query("stored_calls")
    unanalysed = 0 if pending.empty else int(pending["analysed_sentences"].isna().sum())
    if unanalysed:
        left, right = st.columns([3, 1], vertical_alignment="center")
        left.info(f"{unanalysed} stored calls are not analysed yet: their tone, topics and search come from the "
                  "analysis.", icon=":material/pending:")
        if right.button("Analyse now", type="primary", icon=":material/insights:"):
            run_analysis()


prompt = st.container()  # filled last, so that it counts the calls this run imported or fetched
fetch_tab, import_tab, calls_tab, export_tab = st.tabs(["Fetch", "Import files", "Stored calls", "Export"])

with fetch_tab:
    with st.form("fetch"):
        left, middle, right = st.columns(3)
        ticker = left.text_input("Ticker", placeholder="NVDA", max_chars=10).strip().upper()
        source = middle.selectbox("Source", ["fool", "alphavantage"],
                                  help="alphavantage needs ALPHAVANTAGE_API_KEY in the environment or secrets.toml")
        last = right.number_input("Last N quarters", min_value=1, max_value=80, value=8)
        left, right = st.columns(2)
        start = left.text_input("…or from quarter", placeholder="2023Q1")
        end = right.text_input("to quarter", placeholder="2025Q2")
        refresh = st.checkbox("Fetch again even when stored (refresh)")
        then_analyse = st.checkbox("Analyse the new calls afterwards", value=True)
        submitted = st.form_submit_button("Fetch", type="primary", icon=":material/download:")
    if submitted:
        try:
            first, final = _period(start), _period(end)
            if not ticker or not all(c.isalnum() or c in ".-" for c in ticker):
                raise ValueError("enter a ticker symbol such as NVDA")
            if (first is None) != (final is None):
                raise ValueError("give both ends of the quarter range, or neither")
        except ValueError as exc:
            st.error(str(exc))
        else:
            run_fetch(ticker, source=source, periods=period_range(first, final) if first else None,
                      last=None if first else int(last), refresh=refresh)
            if then_analyse:
                run_analysis()

with import_tab:
    uploads = st.file_uploader("Transcript files (fool.com pages, StreetEvents text, 'Name: text' transcripts)",
                               type=[s.lstrip(".") for s in sorted(IMPORT_SUFFIXES)], accept_multiple_files=True)
    if uploads and st.button("Import", type="primary", icon=":material/upload_file:"):
        outcomes = [import_bytes(store, upload.getvalue(), source=upload.name) for upload in uploads]
        resources.invalidate()
        widgets.table(pd.DataFrame([vars(o) for o in outcomes]), "import-outcomes")
        failed = [o for o in outcomes if o.outcome == "failed"]
        (st.error if failed else st.success)(f"{len(outcomes) - len(failed)} imported, {len(failed)} failed")

with calls_tab:
    calls = resources.query("stored_calls")
    if calls.empty:
        widgets.empty_state("No call is stored yet.")
    else:
        shown = calls[["call_id", "ticker", "fiscal_period", "call_date", "title", "turns", "qa_turns",
                       "analysed_sentences", "origin", "source_kind", "source", "fetched_at", "http_status",
                       "parser_version", "stored_at"]]
        st.caption("Select rows to re-fetch or delete them.")
        picked = st.dataframe(shown, hide_index=True, width="stretch", on_select="rerun",
                              selection_mode="multi-row", key="stored")
        widgets.download(shown, "stored-calls")
        rows = shown.iloc[picked.selection.rows] if picked and picked.selection.rows else shown.iloc[0:0]
        left, right = st.columns(2)
        if left.button(f"Re-fetch {len(rows)} selected", disabled=rows.empty, icon=":material/refresh:"):
            for ticker, group in calls.loc[rows.index].groupby("ticker"):
                web = group[group["origin"] != "file"]
                if len(web) < len(group):
                    st.warning(f"{ticker}: calls imported from files cannot be re-fetched; import the file again.")
                for origin, same in web.groupby("origin"):
                    run_fetch(ticker, source=origin, refresh=True, last=None,
                              periods=[Period(int(y), int(q)) for y, q in zip(same["fiscal_year"],
                                                                              same["fiscal_quarter"])])
        if right.button(f"Delete {len(rows)} selected", disabled=rows.empty, icon=":material/delete:"):
            for call_id in rows["call_id"]:
                store.delete_call(int(call_id))
                resources.vector_index().delete_call(int(call_id))
            resources.invalidate()
            st.rerun()

with export_tab:
    scope = filters.scope()
    st.markdown(f"Every analysed sentence in the sidebar's scope ({filters.describe(scope)}): ticker, fiscal "
                "period, call date, section, speaker, role, sentence, tone label and score, topics.")
    sentences = resources.query("sentence_export", scope=scope)
    if sentences.empty:
        widgets.empty_state("No analysed sentence in this scope.", analysed=True)
    else:
        st.dataframe(sentences.head(200), hide_index=True, width="stretch")
        st.download_button(f"Download {len(sentences):,} sentences (CSV)", to_csv(sentences),
                           file_name="sentences.csv", mime="text/csv", icon=":material/download:",
                           on_click="ignore", type="primary")

with prompt:
    offer_upkeep()
