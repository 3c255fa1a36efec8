"""Roll-ups on a small hand-analysed store: exact tones, shares, changes and the phrase trend."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from core.analysis.aggregates import complete
from core.model import Transcript, Turn
from core.queries.rollups import phrase_trend, rollup, tone_gap, trends
from core.storage.store import RawDocument, Store

TURNS = (("Ann Chief", "President and CEO", "executive", "prepared", "presentation"),
         ("Carl Money", "EVP & Chief Financial Officer", "executive", "prepared", "presentation"),
         ("Ana Lyst", "Analyst", "analyst", "qa", "question"),
         ("Carl Money", "EVP & Chief Financial Officer", "executive", "qa", "answer"))
# per call: (fiscal quarter, analysed?, sentences as
#           (turn, label, uncertainty words, forward-looking, topics, near the phrase))
CALLS = [
    (1, True, [(0, "positive", 0, True, ["demand"], True), (0, "positive", 0, False, ["demand", "margins"], True),
               (1, "negative", 0, False, [], False), (2, "neutral", 0, False, [], False),
               (3, "negative", 2, False, ["margins"], False)]),
    (2, True, [(0, "positive", 0, False, ["demand"], False), (1, "positive", 1, True, [], True),
               (2, "neutral", 0, False, [], False), (3, "positive", 0, True, [], False)]),
    (4, True, [(0, "negative", 0, False, [], False), (1, "neutral", 0, False, [], False),
               (2, "neutral", 0, False, [], False), (3, "negative", 0, False, ["demand"], False)]),
    (3, False, [(0, "negative", 0, False, ["demand"], True)]),  # stored but its analysis never finished
]
WORDS = 10
E0, E1 = np.eye(384, dtype=np.float32)[:2]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store(tmp_path_factory.mktemp("acme") / "calls.duckdb")
    for quarter, analysed, sentences in CALLS:
        turns = tuple(Turn(i, *t[:2], "Acme", *t[2:], "Text.") for i, t in enumerate(TURNS))
        transcript = Transcript("ACME", "Acme", 2024, quarter, None, f"Q{quarter}", "plain", "x", turns)
        call_id = store.save_transcript(transcript, RawDocument(f"{quarter}".encode(), "file", "x"),
                                        parser_version=1).call_id
        with store.transaction() as cur:
            for pos, (turn, label, uncertain, fls, topics, on_phrase) in enumerate(sentences):
                cur.execute(
                    "INSERT INTO sentences (call_id, pos, turn_idx, sent_idx, text, word_count, sentiment_label, "
                    "sentiment_score, lm_uncertainty, forward_looking, topic) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [call_id, pos, turn, pos, f"s{pos}", WORDS, label, {"positive": 1, "negative": -1}.get(label, 0),
                     uncertain, fls, topics[0] if topics else None])
                cur.execute("INSERT INTO sentence_vectors VALUES (?, ?, ?)",
                            [call_id, pos, (E0 if on_phrase else E1).tolist()])
                for topic in topics:
                    cur.execute("INSERT INTO sentence_topics VALUES (?, ?, ?, 0.5)", [call_id, pos, topic])
            cur.execute("INSERT INTO qa_exchanges VALUES (?, 2, [3], 0.1, NULL, ?)", [call_id, quarter == 1])
            if analysed:
                cur.execute("INSERT INTO analysis_runs VALUES (?, now(), 'm', 'e', 't', ?)", [call_id, len(sentences)])
            complete(cur, [call_id])
    return store


def _rows(frame, *columns):
    return [tuple(None if pd.isna(v) else v for v in row)
            for row in frame[list(columns)].itertuples(index=False)]


def test_per_call_counts_tone_uncertainty_fls_and_qoq(store: Store) -> None:
    frame = rollup(store, ticker="acme")
    assert _rows(frame, "fiscal_quarter", "sentences", "positive", "negative", "neutral") == [
        (1, 5, 2, 2, 1), (2, 4, 3, 0, 1), (4, 4, 0, 2, 2)]  # Q3 has no analysis_runs row: left out
    assert frame["net_tone"].tolist() == pytest.approx([0.0, 0.75, -0.5])
    assert _rows(frame, "net_tone_qoq", "sentences_qoq") == [(None, None), (0.75, -1), (None, None)]  # Q3 missing
    assert frame["uncertainty_per_1000"].tolist() == pytest.approx([40.0, 25.0, 0.0])
    assert frame["fls_share"].tolist() == pytest.approx([0.2, 0.5, 0.0])


def test_per_section_and_gap(store: Store) -> None:
    frame = rollup(store, ticker="ACME", by="section")
    assert _rows(frame, "fiscal_quarter", "section", "sentences") == [
        (1, "prepared", 3), (1, "qa", 2), (2, "prepared", 2), (2, "qa", 2), (4, "prepared", 2), (4, "qa", 2)]
    assert frame["net_tone"].tolist() == pytest.approx([1 / 3, -0.5, 1.0, 0.5, -0.5, -0.5])
    gap = tone_gap(store, ticker="ACME")
    assert gap["gap"].tolist() == pytest.approx([-0.5 - 1 / 3, -0.5, 0.0])
    assert gap["gap_qoq"].tolist()[1] == pytest.approx(1 / 3) and math.isnan(gap["gap_qoq"].tolist()[2])


def test_per_speaker_group(store: Store) -> None:
    frame = rollup(store, ticker="ACME", by="speaker")
    q1 = frame[frame.fiscal_quarter == 1]
    assert dict(zip(q1.speaker_group, q1.net_tone)) == {"analyst": 0.0, "ceo": 1.0, "cfo": -1.0}


def test_per_topic_share_and_tone(store: Store) -> None:
    frame = rollup(store, ticker="ACME", by="topic")
    assert _rows(frame, "fiscal_quarter", "topic", "sentences", "share", "net_tone") == [
        (1, "demand", 2, 0.4, 1.0), (1, "margins", 2, 0.4, 0.0), (2, "demand", 1, 0.25, 1.0),
        (4, "demand", 1, 0.25, -1.0)]
    assert frame["share_qoq"].tolist()[2] == pytest.approx(-0.15)


def test_trends_table(store: Store) -> None:
    frame = trends(store, ticker="ACME")
    assert frame["period"].tolist() == ["FY2024 Q1", "FY2024 Q2", "FY2024 Q4"]
    assert _rows(frame, "net_tone_ceo", "net_tone_cfo", "net_tone_analyst", "net_tone_executive") == [
        (1.0, -1.0, 0.0, None), (1.0, 1.0, 0.0, None), (-1.0, -0.5, 0.0, None)]
    assert _rows(frame, "exchanges", "non_answers") == [(1, 1), (1, 0), (1, 0)]


def test_phrase_trend_share_and_tone(store: Store) -> None:
    frame = phrase_trend(store, ticker="ACME", vector=E0.tolist(), threshold=0.9)
    assert _rows(frame, "fiscal_quarter", "matches", "share", "net_tone") == [
        (1, 2, 0.4, 1.0), (2, 1, 0.25, 1.0), (4, 0, 0.0, None)]
    with pytest.raises(ValueError, match="384 dimensions, got 3"):
        phrase_trend(store, ticker="ACME", vector=[1.0, 0.0, 0.0])


def test_unknown_grouping() -> None:
    with pytest.raises(ValueError, match="by must be one of"):
        rollup(Store(":memory:"), ticker="ACME", by="analyst")


def test_trends_command_prints_a_rounded_table(store: Store, monkeypatch, capsys) -> None:
    from pathlib import Path

    from core.cli import main

    monkeypatch.setenv("EARNINGS_DATA_DIR", str(Path(store.path).parent))
    assert main(["trends", "acme"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:5] == ["period", "call_date", "sentences", "net_tone", "net_tone_qoq"]
    assert len(lines) == 5 and lines[2].split()[:4] == ["FY2024", "Q1", "5", "0.0"]
    assert lines[3].split()[:5] == ["FY2024", "Q2", "4", "0.75", "0.75"]
