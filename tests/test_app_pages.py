"""Every page under AppTest: empty database (teaching empty states), a hand-analysed database (exact figures,
filters, downloads equal to tables, safe rendering of hostile text) and the real corpus slice (tests/conftest.py)."""
from __future__ import annotations

import io
import os
from pathlib import Path

import pandas as pd
import pytest
from apprunner import open_page
from jobwait import wait_for_job
from streamlit.testing.v1 import AppTest

PAGES = ["overview", "trends", "topics", "guidance", "digest", "questions", "analysts", "search", "reader", "compare",
         "data"]
HOSTILE = "[click me](http://evil.example) **bold** <script>alert(1)</script> $x$ :red[boom]"


def texts(at: AppTest) -> str:
    """Everything the page wrote as markdown, captions, info, successes, warnings and code blocks."""
    parts = [e.value for kind in ("markdown", "caption", "info", "success", "warning", "error", "title", "subheader",
                                  "header", "code")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


@pytest.fixture
def empty_app(tmp_path, monkeypatch):
    monkeypatch.setenv("EARNINGS_DATA_DIR", str(tmp_path / "empty"))


@pytest.fixture
def hand_app(tmp_path, monkeypatch, analysed_store):
    data = tmp_path / "hand"
    data.mkdir()
    analysed_store(path=str(data / "calls.duckdb"), hostile=HOSTILE).close()
    monkeypatch.setenv("EARNINGS_DATA_DIR", str(data))


@pytest.fixture
def undated_app(tmp_path, monkeypatch, analysed_store):
    data = tmp_path / "undated"
    data.mkdir()
    analysed_store(path=str(data / "calls.duckdb"), undated=True).close()
    monkeypatch.setenv("EARNINGS_DATA_DIR", str(data))


@pytest.mark.parametrize("page", PAGES)
def test_every_page_teaches_on_an_empty_database(empty_app, page):
    at = open_page(page)
    shown = texts(at)
    if page == "data":
        assert [t.label for t in at.tabs] == ["Fetch", "Import files", "Stored calls", "Jobs", "Watchlist", "Export"]
        assert at.text_input[0].label == "Ticker"
    assert "Open **Data** to fetch" in shown
    assert "python -m core fetch" in shown


def test_overview_shows_the_latest_call_against_the_previous(hand_app):
    at = open_page("overview")
    metrics = {m.label: (m.value, m.delta) for m in at.metric}
    assert metrics["Net tone"] == ("+0.250", "+0.500 QoQ")
    assert metrics["Prepared"] == ("+1.000", "+1.000 QoQ")
    assert metrics["Uncertainty index"] == ("71.43", "-5.495 QoQ")
    assert metrics["Forward-looking share"] == ("0.0%", "+0.0 pts QoQ")
    assert "ACME · FY2025 Q2" in texts(at)


def test_overview_download_is_the_table(hand_app, downloads):
    """The CSV and the table hold the hand store's figures (uncertainty: 1 hedge in 14 and in 13 words), one column
    per summary measure of the registry."""
    from core.queries.views import OVERVIEW_COLUMNS

    at = open_page("overview")
    assert len(downloads) == 2  # the overview table and the topic movers
    expected = pd.DataFrame({
        "ticker": ["ACME", "ACME"], "which": ["Latest", "Previous call"], "calls_in_scope": [2, 2],
        "fiscal_period": ["FY2025 Q2", "FY2025 Q1"], "call_date": ["2024-08-01", "2024-05-01"], "sentences": [4, 4],
        "net_tone": [0.25, -0.25], "net_tone_prepared": [1.0, 0.0], "net_tone_qa": [-0.5, -0.5],
        "tone_gap": [-1.5, -0.5], "uncertainty_per_1000": [1000 / 14, 1000 / 13], "fls_share": [0.0, 0.0]})
    downloaded = pd.read_csv(io.BytesIO(downloads[0][1]))
    assert downloaded.columns.tolist() == OVERVIEW_COLUMNS
    pd.testing.assert_frame_equal(downloaded[expected.columns], expected, check_dtype=False)
    shown = at.dataframe[0].value
    pd.testing.assert_frame_equal(shown.assign(call_date=shown["call_date"].dt.strftime("%Y-%m-%d"))[expected.columns],
                                  expected, check_dtype=False)


def test_sidebar_filters_change_the_trends(hand_app):
    everything = open_page("trends").dataframe[0].value
    assert set(everything["series"]) == {"Prepared remarks", "Q&A", "CEO", "CFO", "Analysts"}
    # The filters are bound to the URL's query parameters; AppTest cannot play the browser's part of writing a
    # widget change into the URL (tests/test_e2e_browser.py does), so the filtered view is opened from its link.
    at = open_page("trends", params={"section": "Q&A"})
    qa_only = at.dataframe[0].value
    assert set(qa_only["series"]) == {"Q&A", "CFO", "Analysts"}
    assert "all tickers · Q&A" in texts(at)


def test_trends_tabs_draw_only_the_open_view(hand_app):
    """The tabs are lazy (only the open tab's chart is built and sent) and bound to the URL (`view=`)."""
    tone = open_page("trends")
    assert len(tone.get("plotly_chart")) == 1 and "qoq_change" not in tone.dataframe[0].value
    change = open_page("trends", params={"view": "Quarter-on-quarter change"})
    assert len(change.get("plotly_chart")) == 1 and change.dataframe[0].value["qoq_change"].notna().all()
    uncertainty = open_page("trends", params={"view": "Uncertainty index"})
    assert "uncertainty_per_1000" in uncertainty.dataframe[0].value
    assert "net_tone" not in uncertainty.dataframe[0].value


def test_query_parameters_set_the_filters(hand_app):
    at = open_page("trends", params={"quarters": ["FY2025 Q2", "FY2025 Q2"], "speaker": ["CEO"]})
    table = at.dataframe[0].value
    assert table["fiscal_period"].unique().tolist() == ["FY2025 Q2"]
    assert sorted(table["series"].unique()) == ["CEO", "Prepared remarks"]  # the CEO speaks only in prepared


def test_topics_heatmap_table_and_download(hand_app, downloads):
    at = open_page("topics")
    table = at.dataframe[0].value
    assert sorted(table["topic_label"].unique()) == ["Demand", "Guidance & outlook", "Margins & profitability",
                                                     "Pricing", "Revenue & growth"]
    assert pd.read_csv(io.BytesIO(downloads[-1][1]))["share"].tolist() == table["share"].tolist()


def test_reader_colours_tone_and_escapes_hostile_text(hand_app):
    at = open_page("reader", params={"call": "2", "at": "2"})
    shown = texts(at)
    assert ":blue-background[Revenue grew again\\.]" in shown
    assert ":red-background[Pricing may be volatile\\.]" in shown
    assert "\\[click me\\]\\(http\\:" in shown and "\\<script\\>" in shown and "\\:red\\[boom\\]" in shown
    assert "[click me](http" not in shown
    assert "**Opened at** Bob Smith" in shown
    assert "1 of 1 Q&A exchanges flagged as likely non-answers" in shown
    assert "Likely non-answer to Bob Smith's question (question–answer similarity 0.10; refusal phrase “too early to " \
        "say”)" in shown


def test_reader_shows_the_calls_clock_where_the_document_gives_it(hand_app):
    from core.storage.store import Store

    with Store(Path(os.environ["EARNINGS_DATA_DIR"]) / "calls.duckdb") as store, store.transaction() as cur:
        cur.execute("UPDATE turns SET marks = [[0, 1770], [20, 1805]], offset_s = 1770 WHERE call_id = 2 AND idx = 0")
        cur.execute("UPDATE sentences SET offset_s = CASE pos WHEN 0 THEN 1770 WHEN 1 THEN 1805 END WHERE call_id = 2")
    shown = texts(open_page("reader", params={"call": "2"}))
    assert "**Jane Doe · Chief Executive Officer** · :gray[00\\:29\\:30]" in shown
    assert ":blue-background[Revenue grew again\\.] :gray[00\\:30\\:05] :blue-background[We expect more growth\\.]" \
        in shown  # the first sentence's clock is the turn's, shown once
    assert "**Bob Smith · Analyst**\n" in shown + "\n" and shown.count(":gray[") == 2
    with Store(Path(os.environ["EARNINGS_DATA_DIR"]) / "calls.duckdb") as store, store.transaction() as cur:
        cur.execute("DELETE FROM analysis_runs WHERE call_id = 2")  # not analysed: the turns are shown as stored
    shown = texts(open_page("reader", params={"call": "2"}))
    assert "**Jane Doe** · Chief Executive Officer · :gray[00\\:29\\:30]" in shown


@pytest.mark.parametrize("page, params", [("overview", {}), ("reader", {"call": "2"}), ("trends", {}),
                                          ("compare", {}), ("data", {}), ("topics", {})])
def test_a_call_without_a_date_renders_as_undated(undated_app, page, params):
    at = open_page(page, params=params)
    assert not at.exception
    if page in ("overview", "reader"):
        assert "undated" in texts(at)


def test_compare_previous_quarter(hand_app):
    at = open_page("compare")
    tone = at.dataframe[0].value.set_index("group")
    assert tone.loc["whole call", "net_tone_change"] == 0.5
    assert "A: ACME · FY2025 Q1  →  B: ACME · FY2025 Q2" in texts(at)


def test_data_page_lists_calls_and_exports_sentences(hand_app):
    at = open_page("data")
    stored = at.dataframe[0].value
    assert stored["fiscal_period"].tolist() == ["FY2025 Q1", "FY2025 Q2"]
    assert at.download_button[-1].label == "Download 8 sentences (CSV)"


def test_search_without_vectors_says_so(hand_app):
    at = open_page("search", params={"q": "pricing"})
    assert "No analysed sentence matches" in texts(at)


@pytest.fixture
def corpus_app(corpus_data_dir, monkeypatch):
    monkeypatch.setenv("EARNINGS_DATA_DIR", str(corpus_data_dir))


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_the_real_corpus(corpus_app, page):
    at = open_page(page)
    assert "Open **Data** to fetch" not in texts(at)
    if page in ("overview", "trends", "topics", "guidance", "questions", "compare", "data"):
        assert len(at.dataframe) >= 1


@pytest.mark.slow
def test_real_corpus_overview_covers_both_tickers(corpus_app):
    at = open_page("overview")
    table = at.dataframe[0].value
    assert sorted(table["ticker"].unique()) == ["AMD", "NVDA"]
    latest = table[table["which"] == "Latest"].set_index("ticker")
    assert latest.loc["NVDA", "fiscal_period"] == "FY2025 Q3" and latest.loc["AMD", "fiscal_period"] == "FY2024 Q3"
    assert latest.loc["NVDA", "calls_in_scope"] == 8


@pytest.mark.slow
def test_real_corpus_ticker_filter(corpus_app):
    at = open_page("trends", params={"ticker": ["AMD"]})
    assert at.dataframe[0].value["ticker"].unique().tolist() == ["AMD"]


@pytest.mark.slow
def test_real_corpus_search_opens_the_reader_at_the_hit(corpus_app):
    at = open_page("search", params={"q": "Blackwell", "mode": "Keyword"})
    results = at.dataframe[0].value
    # NVDA's own product; AMD's calls name it too (an answer on MI350 vs "Blackwell Ultra or Rubin").
    assert set(results["ticker"]) == {"NVDA", "AMD"} and (results["ticker"] == "NVDA").sum() > len(results) / 2
    assert all("blackwell" in s.lower() for s in results["sentence"])
    first = results.iloc[0]
    links = [e.proto for e in at.get("page_link")]
    assert [link.label for link in links] == ["Open in the reader"] * len(results)  # a link per hit, in order
    assert (links[0].page, links[0].query_string) == ("reader", f"call={first['call_id']}&at={first['pos']}")
    reader = open_page("reader", params={"call": str(first["call_id"]), "at": str(first["pos"])})
    assert "**Opened at**" in texts(reader)


def test_data_page_offers_a_reparse_that_loses_nothing_when_documents_do_not_parse(hand_app):
    """The hand-built calls were stored by parser version 1 from documents that are not transcripts: the page says
    so, and re-parsing reports each failure and keeps the stored calls and their analysis."""
    at = open_page("data")
    assert "2 stored calls were parsed by an older parser version" in texts(at)
    at.button(key=next(b.key for b in at.button if b.label == "Re-parse now")).click().run()
    assert not at.exception
    assert "Re-parse: job #1 queued" in texts(at)
    job = wait_for_job(Path(os.environ["EARNINGS_DATA_DIR"]) / "calls.duckdb", 1)  # run by the app's worker
    assert (job.kind, job.origin, job.state) == ("reparse", "app", "failed")
    at.run()
    shown = texts(at)
    assert "ACME 2025Q1: failed — not a transcript" in shown and "ACME 2025Q2: failed — not a transcript" in shown
    assert at.dataframe[0].value["analysed_sentences"].notna().all()


def test_an_imports_warnings_show_in_the_data_pages_job_log(hand_app, tmp_path):
    from invented_call import streetevents_text

    from core.storage.store import Store
    from core.work import jobs

    path = tmp_path / "2024-05-22-ACME.txt"
    path.write_text(streetevents_text(body={3: ["<Sync id='L9'/>"]}), encoding="utf-8")
    db = Path(os.environ["EARNINGS_DATA_DIR"]) / "calls.duckdb"
    job = jobs.submit(Store(db), "import", {"paths": [str(path)]}, origin="cli")
    at = open_page("data")  # this run starts the app's worker, which runs the import
    assert wait_for_job(db, job.job_id).state == "succeeded"
    at.run()
    assert f"warning   {path}  speaker turn 4 of 10 (Operator) has no text; dropped" in texts(at)


def test_the_jobs_tab_cancels_a_running_job_and_resumes_it(hand_app):
    """Catches: Cancel or Resume buttons on the Data page that do not reach the job, or a job list that does not
    show a job's new state (it is read again only when the jobs table changed). The test holds the analysis lock,
    so the job provably runs while Cancel is pressed."""
    import time

    from core.storage.locks import FileLock
    from core.storage.store import Store
    from core.work import jobs

    db = Path(os.environ["EARNINGS_DATA_DIR"]) / "calls.duckdb"
    store = Store(db)
    hold = FileLock(Path(str(db) + ".analysis"))
    assert hold.acquire()
    try:
        job = jobs.submit(store, "analyze", {"ticker": None, "rescore": True}, origin="cli")
        at = open_page("data")  # this run starts the app's worker, which takes the job and waits for the lock
        deadline = time.monotonic() + 120
        while jobs.get(store, job.job_id).state != "running":
            assert time.monotonic() < deadline, jobs.get(store, job.job_id)
            time.sleep(0.1)
        at.run()
        assert f"**analyze #{job.job_id} (rescore=True)** · running" in texts(at)
        at.button(key=f"cancel-{job.job_id}").click().run()
        assert not at.exception
        assert jobs.get(store, job.job_id).cancel_requested
    finally:
        hold.release()
    cancelled = wait_for_job(db, job.job_id)
    assert cancelled.state == "cancelled" and cancelled.attempts == 1
    at.run()
    assert f"**analyze #{job.job_id} (rescore=True)** · cancelled" in texts(at)
    at.button(key=f"resume-{job.job_id}").click().run()
    assert not at.exception
    resumed = wait_for_job(db, job.job_id)
    assert (resumed.state, resumed.attempts, resumed.result["analysed"]) == ("succeeded", 2, 2)
    at.run()
    assert f"**analyze #{job.job_id} (rescore=True)** · succeeded" in texts(at)


@pytest.mark.slow
def test_real_corpus_topics_page_discovers_topics_with_a_trend(corpus_app):
    at = open_page("topics", params={"topics-ticker": "NVDA"})
    at.toggle(key="discover").set_value(True).run()
    assert not at.exception
    discovered = at.dataframe[-1].value
    assert list(discovered.columns) == ["topic", "label", "terms"] and len(discovered) == 10
    assert all(len(terms.split(", ")) == 5 for terms in discovered["terms"])
    assert len(at.get("plotly_chart")) == 2  # the share heatmap and the discovered topics over time
