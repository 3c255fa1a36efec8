"""Roll-ups of analysed sentences in DuckDB SQL: tone, counts and change per call, section, speaker and topic.

Measures of a group of sentences (only calls with an `analysis_runs` row of the current sentiment model count):
- net_tone = (positive − negative) / sentences, from the sentiment model's labels; in [-1, 1];
- mean_score = mean of p(positive) − p(negative) per sentence;
- uncertainty_per_1000 = Loughran–McDonald uncertainty words per 1,000 words;
- fls_share = share of forward-looking sentences (core.cues);
- *_qoq = the change from the same group's previous fiscal quarter (NULL when that quarter is not stored).
Topics are multi-label: a sentence counts for every topic it was assigned, and a topic's share is its sentences
over all sentences of the call. The tone gap is Q&A net tone − prepared-remarks net tone.
"""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .embedding import EMBEDDING_DIM
from .store import Store

GROUPINGS = ("call", "section", "speaker", "topic")


# core.sentences.speaker_group in SQL over the turn `t` (tests/test_rollups.py checks that they agree).
SPEAKER_GROUP_SQL = r"""
    CASE WHEN t.kind IN ('operator', 'analyst') THEN t.kind
         WHEN regexp_matches(coalesce(t.role, ''), '\bchief\s+executive\b|\bCEO\b', 'i') THEN 'ceo'
         WHEN regexp_matches(coalesce(t.role, ''), '\bchief\s+financial\b|\bCFO\b', 'i') THEN 'cfo'
         WHEN t.kind = 'executive' THEN 'executive' ELSE 'other' END"""

# The runs of the current sentiment model: the model of the latest analysis run. Calls still scored by an earlier
# model count as not analysed (and `analyze` redoes them) so that no result mixes two models' scores.
CURRENT_RUNS_SQL = """(SELECT * FROM analysis_runs
    WHERE sentiment_model = (SELECT arg_max(sentiment_model, analyzed_at) FROM analysis_runs))"""

_FACTS = f"""
    SELECT c.call_id, c.ticker, c.fiscal_year, c.fiscal_quarter, c.call_date,
           c.fiscal_year * 4 + c.fiscal_quarter - 1 AS period,
           t.section, {SPEAKER_GROUP_SQL} AS speaker_group,
           s.pos, s.word_count, s.sentiment_label, s.sentiment_score, s.lm_uncertainty, s.forward_looking
    FROM sentences s
    JOIN turns t ON t.call_id = s.call_id AND t.idx = s.turn_idx
    JOIN calls c ON c.call_id = s.call_id
    JOIN {CURRENT_RUNS_SQL} r ON r.call_id = s.call_id
    WHERE c.ticker = ?
"""

_MEASURES = """
    count(*) AS sentences,
    count(*) FILTER (WHERE sentiment_label = 'positive') AS positive,
    count(*) FILTER (WHERE sentiment_label = 'negative') AS negative,
    count(*) FILTER (WHERE sentiment_label = 'neutral') AS neutral,
    (count(*) FILTER (WHERE sentiment_label = 'positive') - count(*) FILTER (WHERE sentiment_label = 'negative'))
        / count(*) AS net_tone,
    avg(sentiment_score) AS mean_score,
    sum(word_count) AS words,
    1000.0 * sum(lm_uncertainty) / nullif(sum(word_count), 0) AS uncertainty_per_1000,
    avg(forward_looking::INTEGER) AS fls_share
"""

_GROUP_COLUMN = {"call": None, "section": "section", "speaker": "speaker_group", "topic": "topic"}


def _qoq(column: str, partition: str | None) -> str:
    """SQL: the change of a column from the previous fiscal quarter of the same group."""
    window = f"(PARTITION BY {partition} ORDER BY period)" if partition else "(ORDER BY period)"
    return (f"CASE WHEN lag(period) OVER {window} = period - 1 "
            f"THEN {column} - lag({column}) OVER {window} END AS {column}_qoq")


def _rollup_sql(by: str) -> str:
    """SQL (one parameter: the ticker) of the measures per call and grouping."""
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {GROUPINGS}, got {by!r}")
    group = _GROUP_COLUMN[by]
    if by == "topic":
        facts = (f"SELECT f.*, st.topic, n.call_sentences FROM ({_FACTS}) f "
                 "JOIN sentence_topics st ON st.call_id = f.call_id AND st.pos = f.pos "
                 "JOIN (SELECT call_id, count(*) AS call_sentences FROM sentences GROUP BY call_id) n "
                 "ON n.call_id = f.call_id")
        extra, extra_qoq = ", count(*) / any_value(call_sentences) AS share", ", " + _qoq("share", group)
    else:
        facts, extra, extra_qoq = _FACTS, "", ""
    keys = "call_id, ticker, fiscal_year, fiscal_quarter, call_date, period" + (f", {group}" if group else "")
    return f"""
        SELECT *, {_qoq('net_tone', group)}, {_qoq('sentences', group)}{extra_qoq}
        FROM (SELECT {keys}, {_MEASURES}{extra} FROM ({facts}) GROUP BY ALL)
        ORDER BY period{', ' + group if group else ''}
    """


def _gap_sql() -> str:
    """SQL (one parameter: the ticker) of prepared and Q&A net tone per call and their gap."""
    tone = ("(count(*) FILTER (WHERE section = '{s}' AND sentiment_label = 'positive') "
            "- count(*) FILTER (WHERE section = '{s}' AND sentiment_label = 'negative')) "
            "/ nullif(count(*) FILTER (WHERE section = '{s}'), 0)")
    return f"""
        SELECT *, {_qoq('gap', None)} FROM (
            SELECT call_id, fiscal_year, fiscal_quarter, period, {tone.format(s='prepared')} AS prepared,
                   {tone.format(s='qa')} AS qa, qa - prepared AS gap
            FROM ({_FACTS}) GROUP BY ALL)
        ORDER BY period
    """


def _frame(store: Store, query: str, params: list) -> pd.DataFrame:
    with store.cursor() as cur:
        return cur.execute(query, params).fetch_df()


def rollup(store: Store, *, ticker: str, by: str = "call") -> pd.DataFrame:
    """Measures per analysed call of a ticker, or per call and section / speaker group / topic."""
    return _frame(store, _rollup_sql(by), [ticker.upper()])


def tone_gap(store: Store, *, ticker: str) -> pd.DataFrame:
    """Per analysed call: prepared and Q&A net tone, gap = Q&A − prepared, and the gap's quarterly change."""
    return _frame(store, _gap_sql(), [ticker.upper()])


def trends(store: Store, *, ticker: str) -> pd.DataFrame:
    """One row per analysed call: overall tone and its change, the section gap, tone per speaker group,
    uncertainty, FLS share, and the share of Q&A exchanges flagged as likely non-answers."""
    speakers = ", ".join(
        f"(count(*) FILTER (WHERE speaker_group = '{g}' AND sentiment_label = 'positive') "
        f"- count(*) FILTER (WHERE speaker_group = '{g}' AND sentiment_label = 'negative')) "
        f"/ nullif(count(*) FILTER (WHERE speaker_group = '{g}'), 0) AS {g}_tone"
        for g in ("ceo", "cfo", "executive", "analyst")  # constants, not input
    )
    query = f"""
        SELECT 'FY' || m.fiscal_year || ' Q' || m.fiscal_quarter AS period, m.call_date, m.sentences, m.net_tone,
               m.net_tone_qoq, g.prepared AS prepared_tone, g.qa AS qa_tone, g.gap AS qa_gap, s.* EXCLUDE (call_id),
               m.uncertainty_per_1000, m.fls_share, x.exchanges, x.non_answers
        FROM ({_rollup_sql('call')}) m
        JOIN ({_gap_sql()}) g USING (call_id)
        JOIN (SELECT call_id, {speakers} FROM ({_FACTS}) GROUP BY call_id) s USING (call_id)
        LEFT JOIN (SELECT call_id, count(*) AS exchanges, count(*) FILTER (WHERE non_answer) AS non_answers
                   FROM qa_exchanges GROUP BY call_id) x USING (call_id)
        ORDER BY m.period
    """
    return _frame(store, query, [ticker.upper()] * 3)


def phrase_trend(store: Store, *, ticker: str, vector: Sequence[float], threshold: float = 0.5) -> pd.DataFrame:
    """Per analysed call: the share of sentences whose embedding is within `threshold` cosine similarity of a
    phrase's vector (`Encoder.encode_query`), and those sentences' count and net tone (NULL without matches)."""
    if len(vector) != EMBEDDING_DIM:
        raise ValueError(f"a phrase vector has {EMBEDDING_DIM} dimensions, got {len(vector)}")
    query = f"""
        SELECT call_id, fiscal_year, fiscal_quarter, period, count(*) AS sentences,
               count(*) FILTER (WHERE similarity >= ?) AS matches, matches / count(*) AS share,
               (count(*) FILTER (WHERE similarity >= ? AND sentiment_label = 'positive')
                - count(*) FILTER (WHERE similarity >= ? AND sentiment_label = 'negative')) / nullif(matches, 0)
                   AS net_tone
        FROM (SELECT f.*, array_cosine_similarity(v.embedding, ?::FLOAT[{EMBEDDING_DIM}]) AS similarity
              FROM ({_FACTS}) f JOIN sentence_vectors v ON v.call_id = f.call_id AND v.pos = f.pos)
        GROUP BY ALL ORDER BY period
    """
    return _frame(store, query, [threshold, threshold, threshold, list(map(float, vector)), ticker.upper()])
