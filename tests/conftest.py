"""Shared test fixtures, and the rule for missing prerequisites: a test whose real data (../shared), browser
(/usr/bin/chromium), shipped models, mount rights or network address is absent skips on a developer's machine and
FAILS under CI=1, where every one of them is provided, so that a run cannot stay green by not running."""
from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
# Skip reasons that name a prerequisite CI provides: such a skip fails the run under CI=1, wherever it is raised
# (also in helpers that do not call missing_prerequisite, e.g. tests/apprunner.py).
PREREQUISITE_REASONS = ("../shared", "(real test data)", "/usr/bin/chromium is absent", "the analysis cannot run",
                        "no trained sentiment model", "cannot mount", "cannot remount", "not root",
                        "no non-loopback address")


def under_ci() -> bool:
    """CI=1: the run must have every prerequisite (CI installs chromium, ships the models and ../shared)."""
    return os.environ.get("CI") == "1"


def missing_prerequisite(reason: str) -> NoReturn:
    """Skip the test for a missing prerequisite; under CI=1 fail it instead."""
    if under_ci():
        pytest.fail(f"{reason} (CI=1: a missing prerequisite fails the run)", pytrace=False)
    pytest.skip(reason)


def require_shared(*parts: str | Path) -> Path:
    """A path in ../shared (the folder itself without parts); skips when absent, fails under CI=1."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        shown = f"../{path.relative_to(SHARED.parent)}" if path.is_relative_to(SHARED.parent) else str(path)
        missing_prerequisite(f"{shown} (real test data) is not beside the repo")
    return path


def needs_shared(*parts: str | Path) -> pytest.MarkDecorator:
    """A mark (one test or a module's pytestmark): the tests need ../shared, or these paths in it."""
    return pytest.mark.needs_shared(*parts)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "needs_shared(*parts): needs ../shared (or these paths in it); a missing "
                                       "one skips the test, and fails it under CI=1")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    for mark in item.iter_markers("needs_shared"):
        for part in mark.args or ("",):
            require_shared(part)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Under CI=1, a skip whose reason names a missing prerequisite is a failure, whoever raised it."""
    outcome = yield
    report = outcome.get_result()
    if not (under_ci() and report.skipped and not hasattr(report, "wasxfail")):
        return
    reason = (report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)).removeprefix(
        "Skipped: ")
    if any(text in reason for text in PREREQUISITE_REASONS):
        report.outcome = "failed"
        report.longrepr = f"{reason} (CI=1: a missing prerequisite fails the run)"


@pytest.fixture
def shared_dir() -> Path:
    """The real third-party test data beside the repo (../shared); skips when it is absent (fails under CI=1)."""
    return require_shared()


# --- fool.com pages (tests/test_parse_fool_current.py, tests/test_parse_fool_legacy.py) ---
FOOLCOM = SHARED / "fixtures" / "foolcom"
_LEGACY_PAGES = sorted((FOOLCOM / "legacy-2020").glob("*.html"))


@pytest.fixture(params=_LEGACY_PAGES or [None], ids=lambda p: p.stem[11:45] if p else "absent")
def legacy_page(request: pytest.FixtureRequest, shared_dir: Path) -> Path:
    """Each real legacy-layout fool.com page (its expected parse is expected/<stem>.json)."""
    return request.param


@pytest.fixture
def current_page(shared_dir: Path) -> str:
    """The real current-layout fool.com page of NVIDIA's Q3 FY2026 call."""
    (page,) = sorted((shared_dir / "fixtures" / "foolcom" / "current-2025").glob("*.html"))
    return page.read_text(encoding="utf-8")


# --- dashboard (tests/test_export.py, tests/test_views.py, tests/test_app_pages.py) ---
def _hand_analysed_store(*, hostile: str | None = None, path: str = ":memory:", undated: bool = False):
    """Two ACME calls, four sentences each, with hand-set tones, LM counts and topics (exact expectations).

    undated=True leaves the second call without a call date, as a plain-text import without one would.
    """
    import datetime as dt

    from core.analysis.aggregates import complete
    from core.model import Transcript, Turn
    from core.storage.store import RawDocument, Store

    store = Store(path)
    calls = {
        1: (dt.date(2024, 5, 1), [
            ("Jane Doe", "Chief Executive Officer", "executive", "prepared", "presentation", [
                ("Revenue grew strongly.", "positive", 0.9, 0, 3, [("revenue_growth", 0.8), ("demand", 0.5)]),
                ("Margins were under pressure.", "negative", -0.7, 0, 4, [("margins", 0.7)])]),
            ("Bob Smith", "Analyst", "analyst", "qa", "question", [
                ("How is demand?", "neutral", 0.0, 0, 3, [("demand", 0.6)])]),
            ("John Roe", "Chief Financial Officer", "executive", "qa", "answer", [
                ("Demand is uncertain.", "negative", -0.6, 1, 3, [("demand", 0.7)])])]),
        2: (dt.date(2024, 8, 1), [
            ("Jane Doe", "Chief Executive Officer", "executive", "prepared", "presentation", [
                ("Revenue grew again.", "positive", 0.8, 0, 3, [("revenue_growth", 0.9)]),
                ("We expect more growth.", "positive", 0.6, 0, 4, [("guidance", 0.6)])]),
            ("Bob Smith", "Analyst", "analyst", "qa", "question", [
                (hostile or "What about pricing?", "neutral", 0.0, 0, 3, [("pricing", 0.6)])]),
            ("John Roe", "Chief Financial Officer", "executive", "qa", "answer", [
                ("Pricing may be volatile.", "negative", -0.5, 1, 4, [("pricing", 0.8)])])]),
    }
    for quarter, (date, turns) in calls.items():
        transcript = Transcript(
            "ACME", "Acme Corp", 2025, quarter, None if undated and quarter == 2 else date,
            f"Q{quarter} 2025 Acme Earnings Call", "plain", "acme.txt",
            tuple(Turn(i, who, role, "Acme", kind, section, kind_of, " ".join(s[0] for s in sents))
                  for i, (who, role, kind, section, kind_of, sents) in enumerate(turns)))
        call_id = store.save_transcript(transcript, RawDocument(f"doc {quarter}".encode(), "file", "acme.txt"),
                                        parser_version=1).call_id
        pos = 0
        with store.transaction() as cur:
            for turn_idx, (*_, sents) in enumerate(turns):
                for sent_idx, (text, label, score, uncertain, words, topics) in enumerate(sents):
                    cur.execute(
                        "INSERT INTO sentences (call_id, pos, turn_idx, sent_idx, text, word_count, sentiment_label, "
                        "sentiment_score, sentiment_model, lm_positive, lm_negative, lm_uncertainty, lm_litigious, "
                        "lm_constraining, forward_looking, topic) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'hand', 0, 0, ?, 0, 0, FALSE, ?)",
                        [call_id, pos, turn_idx, sent_idx, text, words, label, score, uncertain, topics[0][0]])
                    for topic, topic_score in topics:
                        cur.execute("INSERT INTO sentence_topics VALUES (?, ?, ?, ?)",
                                    [call_id, pos, topic, topic_score])
                    pos += 1
            cur.execute("INSERT INTO analysis_runs VALUES (?, now(), 'hand', 'none', 'v0', ?)", [call_id, pos])
            # one Q&A exchange: Bob's question (turn 1) answered by John (turn 2); the second call's is a non-answer
            cur.execute("INSERT INTO qa_exchanges VALUES (?, 1, [2], ?, ?, ?)",
                        [call_id, 0.7 if quarter == 1 else 0.1, None if quarter == 1 else "too early to say",
                         quarter == 2])
            complete(cur, [call_id])  # speaker groups, facts and aggregates, as the analysis derives them
    return store


@pytest.fixture
def analysed_store():
    """A factory of the hand-analysed two-call store (optionally with a hostile analyst sentence)."""
    return _hand_analysed_store


CORPUS_SLICE = {"NVDA": 8, "AMD": 4}  # the latest calls of each ticker in ../shared/corpus/streetevents


@pytest.fixture(scope="session")
def corpus_data_dir(tmp_path_factory) -> Path:
    """A data dir (EARNINGS_DATA_DIR layout) with the real 8 NVDA + 4 AMD StreetEvents calls imported and analysed
    once per session; skips with the reason when ../shared or the sentiment model is absent (fails under CI=1)."""
    require_shared("corpus", "streetevents")
    from core.analysis.analyze import analyze
    from core.analysis.sentiment import load_sentiment_model
    from core.errors import TranscriptError
    from core.ingest.files import import_paths
    from core.storage.store import Store
    from core.storage.vectors import VectorIndex

    try:
        load_sentiment_model()
    except TranscriptError as exc:
        missing_prerequisite(f"the analysis cannot run: {exc}")
    data = tmp_path_factory.mktemp("corpus")
    files = [path for ticker, n in CORPUS_SLICE.items()
             for path in sorted((SHARED / "corpus" / "streetevents" / ticker).glob("*.txt"))[-n:]]
    with Store(data / "calls.duckdb") as store:
        outcomes = import_paths(store, files)
        assert [o.outcome for o in outcomes] == ["inserted"] * len(files), outcomes
        vectors = VectorIndex(data / "vectors.lance")
        analyze(store, vectors)
        vectors.ensure_index()
    return data


@pytest.fixture
def downloads(monkeypatch):
    """(label, bytes) of every download button the pages create, in order, however a page made its CSV; a button
    that writes its file when clicked (a callable) is clicked here."""
    import streamlit
    from streamlit.elements.widgets.button import ButtonMixin

    seen: list[tuple[str, bytes]] = []
    real = ButtonMixin.download_button

    def recording(self, label, data, *args, **kwargs):
        content = data() if callable(data) else data
        seen.append((label, content if isinstance(content, bytes) else str(content).encode("utf-8")))
        return real(self, label, data, *args, **kwargs)

    monkeypatch.setattr(ButtonMixin, "download_button", recording)
    monkeypatch.setattr(streamlit, "download_button",
                        lambda *args, **kwargs: recording(streamlit._main, *args, **kwargs))
    return seen
