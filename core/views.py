"""Read-only queries behind the dashboard's views: the scope filter, stored periods, overview figures, a call's
sentences for the reader, and the sentences behind a chart point.

Measures, per group of analysed sentences:
- net tone = (positive − negative) / all sentences, in [-1, 1];
- uncertainty = Loughran–McDonald uncertainty words per 1,000 words;
- qoq_change = the change from the same group's previous fiscal quarter (NULL when that quarter is not analysed).
The definitions are those of core.rollups; these queries add the dashboard's scope (sections, speaker groups).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pandas as pd

from .model import Period
from .embedding import EMBEDDING_DIM
from .rollups import CURRENT_RUNS_SQL, SPEAKER_GROUP_SQL
from .search import SearchHit
from .store import Store

# Analysed sentences (calls with an analysis_runs row of the current sentiment model: core.rollups.CURRENT_RUNS_SQL)
# with their turn's speaker, role, section, type and speaker group (core.rollups.SPEAKER_GROUP_SQL: the rule of
# core.sentences.speaker_group).
SENTENCES_SQL = f"""
    SELECT s.*, t.speaker, coalesce(t.role, '') AS role, t.kind, t.section, t.type AS turn_type,
           t.offset_s AS turn_offset_s, {SPEAKER_GROUP_SQL} AS speaker_group
    FROM sentences s JOIN turns t ON t.call_id = s.call_id AND t.idx = s.turn_idx
    JOIN {CURRENT_RUNS_SQL} r ON r.call_id = s.call_id
"""
NET_TONE_SQL = ("(count(*) FILTER (WHERE s.sentiment_label = 'positive') "
                "- count(*) FILTER (WHERE s.sentiment_label = 'negative')) / nullif(count(*), 0)")
UNCERTAINTY_SQL = "1000.0 * sum(s.lm_uncertainty) / nullif(sum(s.word_count), 0)"
PERIOD_LABEL_SQL = "'FY' || c.fiscal_year || ' Q' || c.fiscal_quarter"


def period_label(period: Period) -> str:
    """'FY2025 Q2'."""
    return f"FY{period.fiscal_year} Q{period.fiscal_quarter}"


@dataclass(frozen=True)
class Scope:
    """The dashboard's global filters; empty tuples and None mean 'all'."""

    tickers: tuple[str, ...] = ()
    period_from: Period | None = None
    period_to: Period | None = None
    sections: tuple[str, ...] = ()
    speaker_groups: tuple[str, ...] = ()
    call_ids: tuple[int, ...] = ()

    SENTENCES: ClassVar[str] = SENTENCES_SQL

    def where(self, *, sentences: bool = True) -> tuple[str, list]:
        """A SQL predicate over calls `c` (and sentences `s` when sentences=True) with its bound parameters."""
        parts, params = ["TRUE"], []
        if self.tickers:
            parts.append("list_contains(?, c.ticker)")
            params.append(list(self.tickers))
        if self.period_from:
            parts.append("c.fiscal_year * 4 + c.fiscal_quarter - 1 >= ?")
            params.append(self.period_from.ordinal)
        if self.period_to:
            parts.append("c.fiscal_year * 4 + c.fiscal_quarter - 1 <= ?")
            params.append(self.period_to.ordinal)
        if self.call_ids:
            parts.append("list_contains(?, c.call_id)")
            params.append(list(self.call_ids))
        if sentences and self.sections:
            parts.append("list_contains(?, s.section)")
            params.append(list(self.sections))
        if sentences and self.speaker_groups:
            parts.append("list_contains(?, s.speaker_group)")
            params.append(list(self.speaker_groups))
        return " AND ".join(parts), params


def _frame(store: Store, query: str, params: list) -> pd.DataFrame:
    with store.cursor() as cur:
        return cur.execute(query, params).df()


def stored_tickers(store: Store) -> list[str]:
    """Tickers with at least one stored call, sorted."""
    return _frame(store, "SELECT DISTINCT ticker FROM calls ORDER BY ticker", [])["ticker"].tolist()


def stored_periods(store: Store) -> list[Period]:
    """Every fiscal period from the earliest to the latest stored call (gaps included), oldest first."""
    row = _frame(store, "SELECT min(fiscal_year * 4 + fiscal_quarter - 1) AS lo, "
                        "max(fiscal_year * 4 + fiscal_quarter - 1) AS hi FROM calls", []).iloc[0]
    if pd.isna(row["lo"]):
        return []
    return [Period.from_ordinal(o) for o in range(int(row["lo"]), int(row["hi"]) + 1)]


def call_list(store: Store, *, scope: Scope) -> pd.DataFrame:
    """Calls in scope (ticker and period filters) with their label and analysis state, newest first."""
    where, params = scope.where(sentences=False)
    return _frame(store, f"""
        SELECT c.call_id, c.ticker, c.fiscal_year, c.fiscal_quarter, {PERIOD_LABEL_SQL} AS fiscal_period,
               c.call_date, c.title, a.sentences AS analysed_sentences
        FROM calls c LEFT JOIN {CURRENT_RUNS_SQL} a USING (call_id)
        WHERE {where}
        ORDER BY c.fiscal_year DESC, c.fiscal_quarter DESC, c.ticker
    """, params)


def call_measures(store: Store, *, scope: Scope) -> pd.DataFrame:
    """Per analysed call in scope: sentences, net tone (whole, prepared, Q&A, Q&A − prepared gap), uncertainty."""
    where, params = scope.where()
    return _frame(store, f"""
        SELECT c.call_id, c.ticker, c.fiscal_year, c.fiscal_quarter, {PERIOD_LABEL_SQL} AS fiscal_period,
               c.call_date, count(*) AS sentences,
               {NET_TONE_SQL} AS net_tone,
               (count(*) FILTER (WHERE s.section = 'prepared' AND s.sentiment_label = 'positive')
                - count(*) FILTER (WHERE s.section = 'prepared' AND s.sentiment_label = 'negative'))
                / nullif(count(*) FILTER (WHERE s.section = 'prepared'), 0) AS net_tone_prepared,
               (count(*) FILTER (WHERE s.section = 'qa' AND s.sentiment_label = 'positive')
                - count(*) FILTER (WHERE s.section = 'qa' AND s.sentiment_label = 'negative'))
                / nullif(count(*) FILTER (WHERE s.section = 'qa'), 0) AS net_tone_qa,
               {UNCERTAINTY_SQL} AS uncertainty_per_1000_words
        FROM ({SENTENCES_SQL}) s JOIN calls c USING (call_id)
        WHERE s.sentiment_label IS NOT NULL AND {where}
        GROUP BY ALL
        ORDER BY c.ticker, c.fiscal_year, c.fiscal_quarter
    """, params).assign(tone_gap_qa_minus_prepared=lambda f: f["net_tone_qa"] - f["net_tone_prepared"])


def overview(store: Store, *, scope: Scope) -> pd.DataFrame:
    """Per ticker, the latest analysed call against the previous one and the one a year (4 quarters) before."""
    measures = call_measures(store, scope=scope)
    rows = []
    for ticker, calls in measures.groupby("ticker", sort=True):
        calls = calls.assign(ordinal=calls["fiscal_year"] * 4 + calls["fiscal_quarter"] - 1).set_index("ordinal")
        latest = int(calls.index.max())
        earlier = calls.index[calls.index < latest]
        compared = {"latest": latest, "previous": int(earlier.max()) if len(earlier) else None,
                    "year_ago": latest - 4 if latest - 4 in calls.index else None}
        for which, ordinal in compared.items():
            if ordinal is None:
                continue
            row = calls.loc[ordinal]
            rows.append({"ticker": ticker, "which": which, "calls_in_scope": len(calls), **{
                key: row[key] for key in ("fiscal_period", "call_date", "sentences", "net_tone",
                                           "net_tone_prepared", "net_tone_qa", "tone_gap_qa_minus_prepared",
                                           "uncertainty_per_1000_words")}})
    return pd.DataFrame(rows, columns=["ticker", "which", "calls_in_scope", "fiscal_period", "call_date",
                                       "sentences", "net_tone", "net_tone_prepared", "net_tone_qa",
                                       "tone_gap_qa_minus_prepared", "uncertainty_per_1000_words"])


def topic_shares(store: Store, *, scope: Scope) -> pd.DataFrame:
    """Per analysed call and topic: sentences on it, its share of the call's sentences, and its net tone."""
    where, params = scope.where()
    return _frame(store, f"""
        WITH base AS (
            SELECT s.call_id, s.pos, s.sentiment_label FROM ({SENTENCES_SQL}) s JOIN calls c USING (call_id)
            WHERE s.sentiment_label IS NOT NULL AND {where}
        ), totals AS (SELECT call_id, count(*) AS call_sentences FROM base GROUP BY call_id)
        SELECT c.call_id, c.ticker, c.fiscal_year, c.fiscal_quarter, {PERIOD_LABEL_SQL} AS fiscal_period,
               c.call_date, t.topic, count(*) AS sentences, count(*) / any_value(tot.call_sentences) AS share,
               (count(*) FILTER (WHERE b.sentiment_label = 'positive')
                - count(*) FILTER (WHERE b.sentiment_label = 'negative')) / count(*) AS net_tone
        FROM base b JOIN sentence_topics t USING (call_id, pos) JOIN totals tot USING (call_id)
             JOIN calls c USING (call_id)
        GROUP BY c.call_id, c.ticker, c.fiscal_year, c.fiscal_quarter, c.call_date, t.topic
        ORDER BY c.ticker, c.fiscal_year, c.fiscal_quarter, t.topic
    """, params)


def topic_movers(store: Store, *, scope: Scope, top: int = 3) -> pd.DataFrame:
    """Per ticker, the topics whose share rose or fell most from the previous analysed call to the latest."""
    shares = topic_shares(store, scope=scope)
    rows = []
    for ticker, frame in shares.groupby("ticker", sort=True):
        ordinal = frame["fiscal_year"] * 4 + frame["fiscal_quarter"] - 1
        periods = sorted(ordinal.unique())
        if len(periods) < 2:
            continue
        pivot = frame.assign(ordinal=ordinal).pivot_table(index="topic", columns="ordinal", values="share",
                                                          fill_value=0.0)
        change = (pivot[periods[-1]] - pivot[periods[-2]]).sort_values()
        for direction, picked in (("rising", change[::-1][:top]), ("falling", change[:top])):
            for topic, delta in picked.items():
                if (delta > 0) == (direction == "rising") and delta != 0:
                    rows.append({"ticker": ticker, "direction": direction, "topic": topic,
                                 "share_latest": pivot.at[topic, periods[-1]],
                                 "share_previous": pivot.at[topic, periods[-2]], "share_change": delta})
    return pd.DataFrame(rows, columns=["ticker", "direction", "topic", "share_latest", "share_previous",
                                       "share_change"])


def call_sentences(store: Store, call_id: int) -> pd.DataFrame:
    """Every sentence of one call in order, with its turn, speaker, section, tone, main topic and the call's clock
    (seconds into the call) at the turn and at the sentence, where the document gives it."""
    return _frame(store, f"""
        SELECT s.pos, s.turn_idx, s.sent_idx, s.speaker, s.role, s.speaker_group, s.section, s.turn_type,
               s.text, s.sentiment_label AS tone_label, s.sentiment_score AS tone_score, s.topic,
               s.turn_offset_s, s.offset_s
        FROM ({SENTENCES_SQL}) s WHERE s.call_id = ? ORDER BY s.pos
    """, [call_id])


def call_header(store: Store, call_id: int) -> dict:
    """One call's identity and provenance: ticker, period, date, title, source URL or path, fetch time."""
    frame = _frame(store, f"""
        SELECT c.call_id, c.ticker, {PERIOD_LABEL_SQL} AS fiscal_period, c.call_date, c.call_time, c.title,
               c.company, c.source_kind, c.source, d.fetched_at, d.http_status, c.stored_at
        FROM calls c JOIN documents d USING (doc_id) WHERE c.call_id = ?
    """, [call_id])
    return frame.iloc[0].to_dict() if len(frame) else {}


def sentences_behind(store: Store, *, scope: Scope, ticker: str, period: Period, limit: int = 200) -> pd.DataFrame:
    """The analysed sentences in scope of one ticker's call in one period (what a chart point is made of)."""
    narrowed = Scope((ticker,), period, period, scope.sections, scope.speaker_groups)
    where, params = narrowed.where()
    return _frame(store, f"""
        SELECT c.ticker, {PERIOD_LABEL_SQL} AS fiscal_period, c.call_id, s.pos, s.section, s.speaker, s.role,
               s.speaker_group, s.text AS sentence, s.sentiment_label AS tone_label, s.sentiment_score AS tone_score
        FROM ({SENTENCES_SQL}) s JOIN calls c USING (call_id)
        WHERE s.sentiment_label IS NOT NULL AND {where}
        ORDER BY abs(s.sentiment_score) DESC NULLS LAST, s.pos
        LIMIT ?
    """, [*params, limit])


def stored_calls(store: Store) -> pd.DataFrame:
    """Every stored call with its provenance (origin fool/alphavantage/file, source, fetch time, parser version) and
    analysis state."""
    frame = pd.DataFrame(store.calls())
    if frame.empty:
        return frame
    runs = _frame(store, "SELECT c.call_id, d.source_kind AS origin, a.analyzed_at, a.sentences AS analysed_sentences "
                         f"FROM calls c JOIN documents d USING (doc_id) LEFT JOIN {CURRENT_RUNS_SQL} a USING (call_id)",
                  [])
    frame = frame.merge(runs, on="call_id", how="left")
    return frame.assign(fiscal_period="FY" + frame["fiscal_year"].astype(str) + " Q" +
                        frame["fiscal_quarter"].astype(str))


def sentence_details(store: Store, *, keys: list[tuple[int, int]]) -> pd.DataFrame:
    """Speaker, role, section, tone, period and date of the given (call_id, pos) sentences, in the given order."""
    return _frame(store, f"""
        SELECT k.rank, c.call_id, s.pos, s.turn_idx, c.ticker, {PERIOD_LABEL_SQL} AS fiscal_period, c.call_date,
               s.section, s.speaker, s.role, s.speaker_group, s.text AS sentence, s.sentiment_label AS tone_label,
               s.sentiment_score AS tone_score, s.topic
        FROM (SELECT unnest(?) AS call_id, unnest(?) AS pos, unnest(range(len(?))) AS rank) k
             JOIN ({SENTENCES_SQL}) s ON s.call_id = k.call_id AND s.pos = k.pos
             JOIN calls c ON c.call_id = k.call_id
        ORDER BY k.rank
    """, [[c for c, _ in keys], [p for _, p in keys], [c for c, _ in keys]])


def search_table(store: Store, hits: list[SearchHit]) -> pd.DataFrame:
    """Search hits with their speaker, role, tone, period and date, best first (score as the search gave it)."""
    details = sentence_details(store, keys=[(hit.call_id, hit.pos) for hit in hits])
    scores = pd.DataFrame({"rank": range(len(hits)), "score": [hit.score for hit in hits]})
    return details.merge(scores, on="rank").drop(columns="rank")


def tone_series(store: Store, *, scope: Scope) -> pd.DataFrame:
    """Net tone per analysed call and series (whole call, each section, each speaker group), with the change from
    the same ticker's previous analysed call (qoq_change) and the sentences behind each point."""
    where, params = scope.where()
    return _frame(store, f"""
        WITH points AS (
            SELECT c.call_id, c.ticker, c.fiscal_year, c.fiscal_quarter, {PERIOD_LABEL_SQL} AS fiscal_period,
                   c.call_date,
                   CASE WHEN GROUPING(s.section) = 0 THEN s.section
                        WHEN GROUPING(s.speaker_group) = 0 THEN s.speaker_group ELSE 'call' END AS series,
                   count(*) AS sentences, {NET_TONE_SQL} AS net_tone
            FROM ({SENTENCES_SQL}) s JOIN calls c USING (call_id)
            WHERE s.sentiment_label IS NOT NULL AND {where}
            GROUP BY GROUPING SETS ((c.call_id, c.ticker, c.fiscal_year, c.fiscal_quarter, c.call_date),
                                    (c.call_id, c.ticker, c.fiscal_year, c.fiscal_quarter, c.call_date, s.section),
                                    (c.call_id, c.ticker, c.fiscal_year, c.fiscal_quarter, c.call_date,
                                     s.speaker_group))
        )
        SELECT *, CASE WHEN lag(period) OVER w = period - 1 THEN net_tone - lag(net_tone) OVER w END AS qoq_change
        FROM (SELECT *, fiscal_year * 4 + fiscal_quarter - 1 AS period FROM points)
        WINDOW w AS (PARTITION BY ticker, series ORDER BY period)
        ORDER BY ticker, series, fiscal_year, fiscal_quarter
    """, params)


def call_exchanges(store: Store, call_id: int) -> pd.DataFrame:
    """The Q&A exchanges of one call with their question–answer similarity and non-answer verdict."""
    return _frame(store, """
        SELECT q.question_turn, q.answer_turns, q.similarity, q.non_answer_phrase, q.non_answer,
               t.speaker AS asked_by
        FROM qa_exchanges q JOIN turns t ON t.call_id = q.call_id AND t.idx = q.question_turn
        WHERE q.call_id = ? ORDER BY q.question_turn
    """, [call_id])


def phrase_examples(store: Store, *, ticker: str, vector: list[float], threshold: float = 0.5,
                    per_call: int = 3) -> pd.DataFrame:
    """The sentences of a ticker's analysed calls most similar to a phrase vector (at least `threshold` cosine),
    `per_call` per call — the examples behind core.rollups.phrase_trend."""
    return _frame(store, f"""
        SELECT fiscal_period, call_date, speaker, section, sentence, tone_label, similarity FROM (
            SELECT c.fiscal_year, c.fiscal_quarter, {PERIOD_LABEL_SQL} AS fiscal_period, c.call_date, s.speaker,
                   s.section, s.text AS sentence, s.sentiment_label AS tone_label,
                   array_cosine_similarity(v.embedding, ?::FLOAT[{EMBEDDING_DIM}]) AS similarity,
                   row_number() OVER (PARTITION BY c.call_id ORDER BY similarity DESC) AS rank
            FROM ({SENTENCES_SQL}) s JOIN calls c USING (call_id)
                 JOIN sentence_vectors v ON v.call_id = s.call_id AND v.pos = s.pos
            WHERE c.ticker = ?)
        WHERE similarity >= ? AND rank <= ?
        ORDER BY fiscal_year, fiscal_quarter, similarity DESC
    """, [vector, ticker.upper(), threshold, per_call])
