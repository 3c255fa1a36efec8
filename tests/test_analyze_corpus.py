"""End to end on the real NVDA corpus (60 StreetEvents calls): import, analyse once, check known facts."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import SHARED, missing_prerequisite, require_shared

from core.analysis.analyze import Analyzer, AnalyzeReport
from core.analysis.measures import MEASURES, Part
from core.analysis.sentences import speaker_group
from core.ingest.parsers import PARSER_VERSION, parse_document
from core.queries import views
from core.queries.rollups import phrase_trend, rollup, tone_gap, trends
from core.storage.store import RawDocument, Store
from core.storage.vectors import VectorIndex

CORPUS = SHARED / "corpus" / "streetevents" / "NVDA"


@pytest.fixture(scope="session")
def nvda(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, VectorIndex, Analyzer, AnalyzeReport]:
    """The 60 NVDA calls imported into a fresh store and analysed once (a few minutes of encoding)."""
    files = sorted(require_shared(CORPUS).glob("*.txt"))
    from core.embedding import ModelUnavailableError

    try:
        analyzer = Analyzer()
    except ModelUnavailableError as exc:
        missing_prerequisite(f"no trained sentiment model (make train-sentiment): {exc}")
    root = tmp_path_factory.mktemp("nvda")
    store = Store(root / "calls.duckdb")
    for path in files:
        content = path.read_bytes()
        transcript = parse_document(content.decode("utf-8"), source=str(path))
        store.save_transcript(transcript, RawDocument(content, "file", str(path)), parser_version=PARSER_VERSION)
    vectors = VectorIndex(root / "vectors.lance", encoder=analyzer.model.encoder)
    seen: list[tuple[int, int]] = []
    report = analyzer.run(store, vectors, ticker="NVDA", progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (60, 60)
    return store, vectors, analyzer, report


def _scalar(store: Store, query: str, params: list | None = None):
    with store.cursor() as cur:
        return cur.execute(query, params or []).fetchall()[0][0]


def test_every_call_is_analysed_and_both_stores_agree(nvda) -> None:
    store, vectors, analyzer, report = nvda
    assert len(report.analysed) == 60 and report.skipped == 0 and 20_000 < report.sentences < 40_000
    with store.cursor() as cur:
        runs = dict(cur.execute("SELECT call_id, sentences FROM analysis_runs").fetchall())
        direct = dict(cur.execute("SELECT call_id, count(*) FROM sentences GROUP BY call_id").fetchall())
        stored = dict(cur.execute("SELECT call_id, count(*) FROM sentence_vectors GROUP BY call_id").fetchall())
    assert runs == direct == stored == vectors.counts() and len(runs) == 60
    assert analyzer.pending(store, ticker="NVDA") == []


def test_qa_section_in_every_call_and_cfo_in_every_prepared_remarks(nvda) -> None:
    store = nvda[0]
    base = "FROM sentences s JOIN turns t ON t.call_id = s.call_id AND t.idx = s.turn_idx"
    assert _scalar(store, f"SELECT count(DISTINCT s.call_id) {base} WHERE t.section = 'qa'") == 60
    cfo = "t.kind = 'executive' AND (t.role ILIKE '%chief financial%' OR t.role LIKE '%CFO%')"  # by title
    assert _scalar(store, f"SELECT count(DISTINCT s.call_id) {base} WHERE t.section = 'prepared' AND {cfo}") == 60
    by_section = rollup(store, ticker="NVDA", by="section")
    assert set(by_section.groupby("call_id").section.apply(frozenset)) == {frozenset({"prepared", "qa"})}


def test_rollups_sum_to_direct_counts_and_stay_in_range(nvda) -> None:
    store = nvda[0]
    calls = rollup(store, ticker="NVDA").set_index("call_id")
    with store.cursor() as cur:
        direct = dict(cur.execute("SELECT call_id, count(*) FROM sentences GROUP BY call_id").fetchall())
        positive = dict(cur.execute("SELECT call_id, count(*) FROM sentences WHERE sentiment_label = 'positive' "
                                    "GROUP BY call_id").fetchall())
    assert calls["sentences"].to_dict() == direct
    assert calls["positive"].to_dict() == positive
    assert (calls.positive + calls.negative + calls.neutral == calls.sentences).all()
    for by in ("section", "speaker"):
        assert rollup(store, ticker="NVDA", by=by).groupby("call_id").sentences.sum().to_dict() == direct
    assert calls.net_tone.between(-1, 1).all() and calls.fls_share.between(0, 1).all()
    assert calls.mean_score.between(-1, 1).all() and (calls.uncertainty_per_1000 > 0).all()
    assert calls.net_tone_qoq.iloc[1:].notna().all()  # 60 consecutive quarters
    assert calls.net_tone_qoq.iloc[1:].to_numpy() == pytest.approx(calls.net_tone.diff().iloc[1:].to_numpy())
    gap = tone_gap(store, ticker="NVDA")
    assert gap.gap.to_numpy() == pytest.approx((gap.qa - gap.prepared).to_numpy())
    assert _scalar(store, "SELECT count(*) FROM sentences WHERE sentiment_score NOT BETWEEN -1 AND 1") == 0


def test_data_center_share_rises_over_fy2023_to_fy2025(nvda) -> None:
    store = nvda[0]
    topics = rollup(store, ticker="NVDA", by="topic")
    data_center = topics[topics.topic == "data_center"].groupby("fiscal_year").share.mean()
    assert data_center[2023] < data_center[2024] < data_center[2025]
    assert data_center[2025] > 2 * data_center[2012]
    shares = topics.groupby("call_id").share.max()
    assert shares.between(0, 1).all()


def test_phrase_trend_follows_the_vectors(nvda) -> None:
    store, _, analyzer, _ = nvda
    vector = analyzer.model.encoder.encode_query("export restrictions on sales to China")
    trend = phrase_trend(store, ticker="NVDA", vector=vector.tolist(), threshold=0.5)
    assert len(trend) == 60 and trend.share.between(0, 1).all()
    by_year = trend.groupby("fiscal_year").share.mean()
    assert by_year[2024] > by_year[2015]


def test_non_answers_are_recorded_per_exchange(nvda) -> None:
    store = nvda[0]
    assert _scalar(store, "SELECT count(DISTINCT call_id) FROM qa_exchanges") == 60
    refused = _scalar(store, """
        SELECT bool_or(x.non_answer) FROM qa_exchanges x JOIN calls c USING (call_id)
        JOIN turns t ON t.call_id = x.call_id AND list_contains(x.answer_turns, t.idx)
        WHERE c.fiscal_year = 2012 AND c.fiscal_quarter = 2 AND t.text LIKE '%we don''t guide beyond the next quarter%'
    """)
    assert refused is True
    share = _scalar(store, "SELECT avg(non_answer::INTEGER) FROM qa_exchanges")
    assert 0 < share < 0.1


def test_trends_table_has_one_row_per_call(nvda) -> None:
    frame = trends(nvda[0], ticker="NVDA")
    assert len(frame) == 60 and frame.period.iloc[0] == "FY2010 Q4" and frame.period.iloc[-1] == "FY2025 Q3"
    # every quarter has a CEO line: FY2024 Q3 - FY2025 Q1 list him without a title ("Jensen Huang,   -"), and the
    # role comes from the call's introduction (core/ingest/parsers/intro_roles.py)
    assert frame.net_tone_cfo.notna().all() and frame.net_tone_analyst.notna().all()
    assert frame.net_tone_ceo.notna().all()


def _direct(store: Store, group: str, *, topics: bool = False) -> pd.DataFrame:
    """Every measure per call and `group`, computed from the analysed sentences themselves (not the aggregates)."""
    columns = ", ".join(f"{m.sql(Part.of_sentences)} AS {m.name}" for m in MEASURES)
    join = "JOIN sentence_topics x ON x.call_id = s.call_id AND x.pos = s.pos" if topics else ""
    with store.cursor() as cur:
        return cur.execute(f"SELECT s.call_id, {group}, {columns} FROM ({views.SENTENCES_SQL}) s {join} "
                           "GROUP BY ALL ORDER BY ALL").df()


def test_the_aggregate_table_answers_as_the_sentences_do(nvda) -> None:
    """Every query that reads the aggregate tables gives what a direct computation over the sentences gives."""
    store = nvda[0]
    with store.cursor() as cur:
        rows = cur.execute("SELECT t.kind, t.role, s.speaker_group FROM sentences s "
                           "JOIN turns t ON t.call_id = s.call_id AND t.idx = s.turn_idx").fetchall()
    assert all(group == speaker_group(kind, role) for kind, role, group in rows)  # the stored rule, per sentence
    names = [m.name for m in MEASURES]

    def same(got: pd.DataFrame, expected: pd.DataFrame, columns: list[str]) -> None:
        pd.testing.assert_frame_equal(got[columns], expected[columns], check_dtype=False, rtol=1e-12)

    calls = views.call_measures(store, scope=views.Scope()).sort_values("call_id", ignore_index=True)
    direct = _direct(store, "'call' AS series")
    same(calls, direct, ["call_id", *names])
    series = views.tone_series(store, scope=views.Scope())
    for group in ("section", "speaker_group"):
        expected = _direct(store, f"s.{group} AS series")
        expected = expected[expected.series.isin(series.series)].reset_index(drop=True)  # the followed groups
        shown = series[series.series.isin(expected.series)].sort_values(["call_id", "series"], ignore_index=True)
        same(shown, expected, ["call_id", "series", "sentences", "net_tone"])
    shares = views.topic_shares(store, scope=views.Scope()).sort_values(["call_id", "topic"], ignore_index=True)
    expected = _direct(store, "x.topic", topics=True).merge(direct[["call_id", "sentences"]], on="call_id",
                                                             suffixes=("", "_call"))
    same(shares, expected.assign(share=expected.sentences / expected.sentences_call),
         ["call_id", "topic", "sentences", "share", "net_tone"])


def test_a_crash_between_the_stores_is_redone_on_the_next_run(nvda) -> None:
    store, vectors, analyzer, _ = nvda
    with store.cursor() as cur:
        first, second = [r[0] for r in cur.execute("SELECT call_id FROM calls ORDER BY call_id LIMIT 2").fetchall()]
    with store.transaction() as cur:  # first: crashed after LanceDB; second: crashed before it
        cur.execute("DELETE FROM analysis_runs WHERE call_id IN (?, ?)", [first, second])
    vectors.delete_call(second)
    assert analyzer.pending(store, ticker="NVDA") == [first, second]
    report = analyzer.run(store, vectors, ticker="NVDA")
    assert report.analysed == (first, second) and report.skipped == 58
    with store.cursor() as cur:
        runs = dict(cur.execute("SELECT call_id, sentences FROM analysis_runs").fetchall())
    assert runs == vectors.counts() and len(runs) == 60


def test_cli_analyze_skips_analysed_calls_and_trends_writes_csv(nvda, monkeypatch, capsys) -> None:
    from core.cli import main

    monkeypatch.setenv("EARNINGS_DATA_DIR", str(Path(nvda[0].path).parent))
    assert main(["analyze", "--ticker", "nvda"]) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    assert last.startswith("0 calls analysed (0 sentences") and "60 already up to date" in last
    assert main(["trends", "NVDA", "--csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 61 and lines[0].startswith("period,call_date,sentences,net_tone,net_tone_qoq,")
    assert lines[1].startswith("FY2010 Q4,2010-02-17,")
    assert main(["trends", "AMD"]) == 1
    assert "no analysed calls of AMD" in capsys.readouterr().err
