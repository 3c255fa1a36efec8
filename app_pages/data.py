"""Data: fetch calls by ticker and quarters, import files, manage stored calls, jobs, the watchlist, export."""
import uuid

import pandas as pd
import streamlit as st

from core.errors import TranscriptError
from core.ingest.files import IMPORT_SUFFIXES
from core.ingest.parsers import PARSER_VERSION
from core.ingest.sources import SOURCES, plan_refetch
from core.model import Period, period_range, ticker_symbol
from core.work import jobs, watch
from ui import filters, resources, widgets
from ui import jobs as ui_jobs

st.title("Data")
store = resources.store()
SOURCE_HELP = "; ".join(f"{name} needs {' and '.join(source.secrets)} in the environment or secrets.toml"
                        for name, source in SOURCES.items() if source.secrets) or None


def _period(text: str) -> Period | None:
    return Period.parse(text) if text.strip() else None


def queue(kind: str, args: dict, what: str) -> None:
    """Queue a job and say so; it runs in the background and shows in the sidebar and under Jobs."""
    job = ui_jobs.submit(kind, args)
    if job:
        st.success(f"{what}: job #{job.job_id} {'is ' + job.state if job.state == 'running' else 'queued'}. "
                   "It runs in the background — you can leave this page.", icon=":material/schedule:")


def analysis_job() -> jobs.Job | None:
    """The analysis queued or running now, if any."""
    return next((j for j in ui_jobs.status().active if j.kind == "analyze"), None)


def offer_upkeep() -> None:
    """Counts of stored calls parsed by an older parser or not analysed yet, each with the button that fixes it."""
    pending = resources.query("stored_calls")
    outdated = 0 if pending.empty else int((pending["parser_version"] < PARSER_VERSION).sum())
    if outdated:
        left, right = st.columns([3, 1], vertical_alignment="center")
        left.info(f"{outdated} stored calls were parsed by an older parser version; re-parse them (from the stored "
                  "documents, no network) to get its fixes, then analyse them again.", icon=":material/update:")
        if right.button("Re-parse now", icon=":material/update:"):
            queue("reparse", {}, "Re-parse")
    unanalysed = 0 if pending.empty else int(pending["analysed_sentences"].isna().sum())
    running = analysis_job()
    if running:
        st.info(f"Analysis {_progress(running)} — running in the background.", icon=":material/insights:")
    elif unanalysed:
        left, right = st.columns([3, 1], vertical_alignment="center")
        left.info(f"{unanalysed} stored calls are not analysed yet: their tone, topics and search come from the "
                  "analysis.", icon=":material/pending:")
        if right.button("Analyse now", type="primary", icon=":material/insights:"):
            queue("analyze", {"ticker": None, "rescore": False}, "Analysis")


def _progress(job: jobs.Job) -> str:
    if job.state == "queued":
        return f"#{job.job_id} queued"
    return f"#{job.job_id}: {job.done}/{job.total if job.total is not None else '?'} calls"


offer_upkeep()
fetch_tab, import_tab, calls_tab, jobs_tab, watch_tab, export_tab = st.tabs(
    ["Fetch", "Import files", "Stored calls", "Jobs", "Watchlist", "Export"])

with fetch_tab:
    with st.form("fetch"):
        left, middle, right = st.columns(3)
        ticker = left.text_input("Ticker", placeholder="NVDA", max_chars=10).strip().upper()
        source = middle.selectbox("Source", list(SOURCES), help=SOURCE_HELP)
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
            if not ticker:
                raise ValueError("enter a ticker symbol such as NVDA")
            ticker = ticker_symbol(ticker)
            if (first is None) != (final is None):
                raise ValueError("give both ends of the quarter range, or neither")
        except ValueError as exc:
            st.error(str(exc))
        else:
            periods = [str(p) for p in period_range(first, final)] if first else None
            queue("fetch", {"ticker": ticker, "source": source, "periods": periods,
                            "last": None if first else int(last), "refresh": refresh, "analyse": then_analyse},
                  f"Fetch of {ticker}")

with import_tab:
    uploads = st.file_uploader("Transcript files (fool.com pages or their text, StreetEvents text, 'Name: text' "
                               "transcripts; a name such as 2016-02-17-NVDA.txt gives the ticker)",
                               type=[s.lstrip(".") for s in sorted(IMPORT_SUFFIXES)], accept_multiple_files=True)
    if uploads and st.button("Import", type="primary", icon=":material/upload_file:"):
        paths = []
        for upload in uploads:  # each upload in a folder of its own: the job removes it once imported
            folder = resources.settings().data_dir / "uploads" / uuid.uuid4().hex
            folder.mkdir(parents=True)
            target = folder / upload.name.replace("/", "_").replace("\\", "_")
            target.write_bytes(upload.getvalue())
            paths.append(str(target))
        queue("import", {"paths": paths, "remove_after": True}, f"Import of {len(paths)} files")

with calls_tab:
    calls = resources.query("stored_calls")
    if calls.empty:
        widgets.empty_state("No call is stored yet.")
    else:
        shown = calls[["call_id", "ticker", "fiscal_period", "call_date", "title", "turns", "qa_turns",
                       "analysed_sentences", "origin", "format", "source", "fetched_at", "http_status",
                       "parser_version", "stored_at"]]
        st.caption("Select rows to re-fetch or delete them.")
        picked = st.dataframe(shown, hide_index=True, width="stretch", on_select="rerun",
                              selection_mode="multi-row", key="stored")
        widgets.download(shown, "stored-calls")
        rows = shown.iloc[picked.selection.rows] if picked and picked.selection.rows else shown.iloc[0:0]
        left, right = st.columns(2)
        if left.button(f"Re-fetch {len(rows)} selected", disabled=rows.empty, icon=":material/refresh:"):
            picked_calls = calls.loc[rows.index, ["ticker", "fiscal_year", "fiscal_quarter", "origin"]]
            refetches, problems = plan_refetch((ticker, Period(int(year), int(quarter)), origin) for
                                               ticker, year, quarter, origin in picked_calls.itertuples(index=False))
            for problem in problems:
                st.warning(problem)
            for refetch in refetches:
                queue("fetch", {"ticker": refetch.ticker, "source": refetch.source,
                                "periods": [str(p) for p in refetch.periods], "last": None, "refresh": True,
                                "analyse": True}, f"Re-fetch of {refetch.ticker}")
        if right.button(f"Delete {len(rows)} selected", disabled=rows.empty, icon=":material/delete:"):
            queue("delete", {"call_ids": [int(c) for c in rows["call_id"]]}, f"Delete of {len(rows)} calls")


_JOB_PROBLEM = "_job_problem"


def _act(action: str, job_id: int) -> None:
    """Cancel or resume a job (a button's callback); a refusal is shown under the buttons."""
    try:
        if action == "cancel":
            jobs.cancel(store, job_id)
        else:
            jobs.resume(store, job_id)
            ui_jobs.ensure_worker()
    except TranscriptError as exc:
        st.session_state[_JOB_PROBLEM] = str(exc)


def job_list() -> None:
    """Recent jobs, live: pick one to read its log and cancel or resume it."""
    listed = ui_jobs.recent(limit=30)
    if not listed:
        st.info("No job yet: fetching, importing, analysing and re-parsing run as jobs.", icon=":material/info:")
        return
    frame = ui_jobs.table(listed)
    picked = st.dataframe(frame, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
                          key="jobs")
    rows = picked.selection.rows if picked else []
    job = listed[rows[0]] if rows else listed[0]
    st.markdown(f"**{job.describe()}** · {job.state}" + (f" — {job.error}" if job.error else ""))
    if job.active:
        st.progress(job.fraction, text=f"{job.done}/{job.total if job.total is not None else '?'} "
                                       f"{job.current or ''}")
    left, right = st.columns(2)
    if job.active:  # callbacks: they act before the run that draws the list, which then shows the new state
        left.button("Cancel", key=f"cancel-{job.job_id}", icon=":material/cancel:", disabled=job.cancel_requested,
                    on_click=_act, args=("cancel", job.job_id))
    if job.state in ("interrupted", "failed", "cancelled"):
        right.button("Resume", key=f"resume-{job.job_id}", icon=":material/replay:", on_click=_act,
                     args=("resume", job.job_id))
    if problem := st.session_state.pop(_JOB_PROBLEM, None):
        st.error(problem)
    lines = ui_jobs.log(job.job_id)
    st.code("\n".join(f"{str(at)[11:19]}  {line}" for _seq, at, line in lines[-200:]) or "(no log yet)",
            language=None)


with jobs_tab:
    st.fragment(job_list, run_every=ui_jobs.REFRESH_S if ui_jobs.status().active else ui_jobs.IDLE_REFRESH_S)()

with watch_tab:
    st.markdown("Watched tickers are checked for new calls on a schedule by the app's background worker (or by "
                "`python -m core refresh` from cron when the app is not running); new calls are fetched and "
                "analysed.")
    with st.form("watch"):
        left, middle, right = st.columns(3)
        watched = left.text_input("Ticker to watch", placeholder="NVDA", max_chars=10)
        watch_source = middle.selectbox("Source", list(SOURCES), help=SOURCE_HELP, key="watch-source")
        hours = right.number_input("Check every (hours)", min_value=0.01, max_value=8784.0,
                                   value=watch.interval(store).total_seconds() / 3600)
        if st.form_submit_button("Save", icon=":material/visibility:"):
            try:
                if watched.strip():
                    watch.add(store, watched, source=watch_source)
                watch.set_interval(store, float(hours))
                ui_jobs.ensure_worker()  # the schedule runs in it
            except TranscriptError as exc:
                st.error(str(exc))
    entries = watch.entries(store)
    if entries:
        frame = pd.DataFrame([{"ticker": e.ticker, "source": e.source, "last check": e.last_check,
                               "next check": e.next_check, "outcome": e.last_outcome or "",
                               "ok": e.last_ok} for e in entries])
        st.dataframe(frame, hide_index=True, width="stretch")
        left, right = st.columns(2)
        drop = left.selectbox("Stop watching", [e.ticker for e in entries], index=None, placeholder="ticker")
        if drop and right.button("Remove", icon=":material/visibility_off:"):
            watch.remove(store, drop)
            st.rerun()
        if st.button("Check now", icon=":material/sync:"):
            queue("refresh", {"tickers": [e.ticker for e in entries]}, "Check of the watchlist")

with export_tab:
    scope = filters.scope()
    st.markdown(f"Every analysed sentence in the sidebar's scope ({filters.describe(scope)}): ticker, fiscal "
                "period, call date, section, speaker, role, sentence, tone label and score, topics.")
    sentences = resources.query("sentence_export", scope=scope)
    if sentences.empty:
        widgets.empty_state("No analysed sentence in this scope.", analysed=True)
    else:
        st.dataframe(sentences.head(200), hide_index=True, width="stretch")
        widgets.download(sentences, "sentences", label=f"Download {len(sentences):,} sentences (CSV)", type="primary")
