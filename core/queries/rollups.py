"""Roll-ups of a ticker's analysed calls in DuckDB SQL: the registry's measures (core/analysis/measures.py) and their
change
per call, section, speaker group and topic, read from the per-call aggregates (core/analysis/aggregates.py).

Only calls with an `analysis_runs` row of the current sentiment model count. *_qoq = the change from the same
group's previous fiscal quarter (NULL when that quarter is not stored). Topics are multi-label: a sentence counts for
every topic it was assigned, and a topic's share is its sentences over all sentences of the call. The tone gap is
Q&A net tone − prepared-remarks net tone.
"""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ..analysis.measures import (
    AGGREGATES_SQL,
    BY_NAME,
    CURRENT_RUNS_SQL,
    MEASURES,
    NET_TONE,
    PERIOD_LABEL_SQL,
    PERIOD_ORDINAL_SQL,
    SECTION_TONES,
    SPEAKER_SERIES,
    SUMMARY,
    TONE_GAP,
    TOPIC_AGGREGATES_SQL,
    call_columns,
    of_aggregates,
)
from ..embedding import EMBEDDING_DIM
from ..model import SECTIONS
from ..storage.store import Store
from .views import frame_of

GROUPINGS = ("call", "section", "speaker", "topic")
_GROUP_COLUMN = {"call": None, "section": "section", "speaker": "speaker_group", "topic": "topic"}
_CALL_KEYS = f"c.call_id, c.ticker, c.fiscal_year, c.fiscal_quarter, c.call_date, {PERIOD_ORDINAL_SQL} AS ordinal"
# the aggregate rows `s` of a ticker's analysed calls `c` (one parameter: the ticker)
_ROWS = f"{AGGREGATES_SQL} WHERE c.ticker = ?"


def _qoq(column: str, partition: str | None) -> str:
    """SQL: the change of a column from the previous fiscal quarter of the same group."""
    window = f"(PARTITION BY {partition} ORDER BY ordinal)" if partition else "(ORDER BY ordinal)"
    return (f"CASE WHEN lag(ordinal) OVER {window} = ordinal - 1 "
            f"THEN {column} - lag({column}) OVER {window} END AS {column}_qoq")


def _rollup_sql(by: str) -> str:
    """SQL (one parameter: the ticker) of the measures per call and grouping."""
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {GROUPINGS}, got {by!r}")
    group = _GROUP_COLUMN[by]
    measures = ", ".join(f"{of_aggregates(m)} AS {m.name}" for m in MEASURES)
    keys = _CALL_KEYS + (f", s.{group}" if group else "")
    source, extra, extra_qoq = _ROWS, "", ""
    if by == "topic":  # a topic's share: its sentences over all sentences of the call
        source = (f"{TOPIC_AGGREGATES_SQL} JOIN (SELECT call_id, sum(sentences) AS call_sentences FROM call_aggregates "
                  "GROUP BY call_id) n ON n.call_id = s.call_id WHERE c.ticker = ?")
        extra = f", {of_aggregates(BY_NAME['sentences'])} / any_value(n.call_sentences) AS share"
        extra_qoq = ", " + _qoq("share", group)
    return f"""
        SELECT *, {_qoq('net_tone', group)}, {_qoq('sentences', group)}{extra_qoq}
        FROM (SELECT {keys}, {measures}{extra} FROM {source} GROUP BY ALL)
        ORDER BY ordinal{', ' + group if group else ''}
    """


def rollup(store: Store, *, ticker: str, by: str = "call") -> pd.DataFrame:
    """Measures per analysed call of a ticker, or per call and section / speaker group / topic."""
    return frame_of(store, _rollup_sql(by), [ticker.upper()])


def tone_gap(store: Store, *, ticker: str) -> pd.DataFrame:
    """Per analysed call: prepared and Q&A net tone, gap = Q&A − prepared, and the gap's quarterly change."""
    tones = ", ".join(f"{of_aggregates(NET_TONE, f's.section = {key!r}')} AS {m.name}"
                      for key, m in zip(SECTIONS, SECTION_TONES))
    return frame_of(store, f"""
        SELECT call_id, fiscal_year, fiscal_quarter, ordinal, net_tone_prepared AS prepared, net_tone_qa AS qa,
               gap, {_qoq('gap', None)}
        FROM (SELECT {_CALL_KEYS}, {tones}, {TONE_GAP.expr} AS gap FROM {_ROWS} GROUP BY ALL)
        ORDER BY ordinal
    """, [ticker.upper()])


def trends(store: Store, *, ticker: str) -> pd.DataFrame:
    """One row per analysed call: the summary measures (core.analysis.measures.SUMMARY) with the net tone's change,
    net tone per speaker group, and the Q&A exchanges and how many were flagged as likely non-answers."""
    speakers = [f"net_tone_{g}" for g in SPEAKER_SERIES]
    tones = ", ".join(f"{of_aggregates(NET_TONE, f's.speaker_group = {g!r}')} AS {name}"
                      for g, name in zip(SPEAKER_SERIES, speakers))  # constants, not input
    shown = ["sentences", "net_tone", _qoq("net_tone", None), *(m.name for m in SUMMARY if m is not NET_TONE),
             *speakers]
    return frame_of(store, f"""
        SELECT label AS period, call_date, {', '.join(shown)}, x.exchanges, x.non_answers
        FROM (SELECT {_CALL_KEYS}, {PERIOD_LABEL_SQL} AS label, {call_columns()}, {tones}
              FROM {_ROWS} GROUP BY ALL) m
        LEFT JOIN (SELECT call_id, count(*) AS exchanges, count(*) FILTER (WHERE non_answer) AS non_answers
                   FROM qa_exchanges GROUP BY call_id) x USING (call_id)
        ORDER BY m.ordinal
    """, [ticker.upper()])


def phrase_trend(store: Store, *, ticker: str, vector: Sequence[float], threshold: float = 0.5) -> pd.DataFrame:
    """Per analysed call: the share of sentences whose embedding is within `threshold` cosine similarity of a
    phrase's vector (`Encoder.encode_query`), and those sentences' count and net tone (NULL without matches)."""
    if len(vector) != EMBEDDING_DIM:
        raise ValueError(f"a phrase vector has {EMBEDDING_DIM} dimensions, got {len(vector)}")
    query = f"""
        SELECT c.call_id, c.fiscal_year, c.fiscal_quarter, {PERIOD_ORDINAL_SQL} AS ordinal, count(*) AS sentences,
               count(*) FILTER (WHERE s.matched) AS matches, matches / count(*) AS share,
               {NET_TONE.sql(lambda part: part.of_sentences('s.matched'))} AS net_tone
        FROM (SELECT s.*, array_cosine_similarity(v.embedding, ?::FLOAT[{EMBEDDING_DIM}]) >= ? AS matched
              FROM sentences s JOIN sentence_vectors v ON v.call_id = s.call_id AND v.pos = s.pos
              JOIN calls c ON c.call_id = s.call_id WHERE c.ticker = ?) s
        JOIN calls c ON c.call_id = s.call_id JOIN {CURRENT_RUNS_SQL} r ON r.call_id = s.call_id
        GROUP BY ALL ORDER BY ordinal
    """
    return frame_of(store, query, [list(map(float, vector)), threshold, ticker.upper()])
