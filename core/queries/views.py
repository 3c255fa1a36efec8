"""Read-only queries behind the dashboard's views: the scope filter, stored periods, overview figures, a call's
sentences for the reader, and the sentences behind a chart point.

The measures are those of the registry (core/analysis/measures.py), read from the per-call aggregates
(core/analysis/aggregates.py);
qoq_change = the change from the same group's previous fiscal quarter (NULL when that quarter is not analysed).
These queries add the dashboard's scope (tickers, periods, sections, speaker groups).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pandas as pd

from ..analysis.measures import (
    AGGREGATES_SQL,
    BY_NAME,
    CURRENT_RUNS_SQL,
    HEADLINE,
    NET_TONE,
    PERIOD_LABEL_SQL,
    PERIOD_ORDINAL_SQL,
    SPEAKER_SERIES,
    SUMMARY,
    TOPIC_AGGREGATES_SQL,
    call_columns,
    of_aggregates,
)
from ..model import SECTIONS, Period
from ..storage.store import CALLS_SQL, Store

# Analysed sentences (calls with an analysis_runs row of the current sentiment model:
# core.analysis.measures.CURRENT_RUNS_SQL)
# with their turn's speaker, role, section and type.
SENTENCES_SQL = f"""
    SELECT s.*, t.speaker, coalesce(t.role, '') AS role, t.kind, t.section, t.type AS turn_type,
           t.offset_s AS turn_offset_s
    FROM sentences s JOIN turns t ON t.call_id = s.call_id AND t.idx = s.turn_idx
    JOIN {CURRENT_RUNS_SQL} r ON r.call_id = s.call_id
"""


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
        """A SQL predicate over calls `c` (and sentences or aggregate rows `s` when sentences=True) with its bound
        parameters."""
        parts, params = ["TRUE"], []
        if self.tickers:
            parts.append("list_contains(?, c.ticker)")
            params.append(list(self.tickers))
        if self.period_from:
            parts.append(f"{PERIOD_ORDINAL_SQL} >= ?")
            params.append(self.period_from.ordinal)
        if self.period_to:
            parts.append(f"{PERIOD_ORDINAL_SQL} <= ?")
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


def frame_of(store: Store, query: str, params: list, *, arrow: bool = False) -> pd.DataFrame:
    """The query's result; `arrow` for a large one (its strings convert several times faster, dates as datetime64)."""
    with store.cursor() as cur:
        if arrow:
            return cur.sql(query, params=params).to_arrow_table().to_pandas(date_as_object=False)
        return cur.execute(query, params).df()


def stored_tickers(store: Store) -> list[str]:
    """Tickers with at least one stored call, sorted."""
    return frame_of(store, "SELECT DISTINCT ticker FROM calls ORDER BY ticker", [])["ticker"].tolist()


def stored_periods(store: Store) -> list[Period]:
    """Every fiscal period from the earliest to the latest stored call (gaps included), oldest first."""
    row = frame_of(store, f"SELECT min({PERIOD_ORDINAL_SQL}) AS lo, max({PERIOD_ORDINAL_SQL}) AS hi FROM calls c",
                 []).iloc[0]
    if pd.isna(row["lo"]):
        return []
    return [Period.from_ordinal(o) for o in range(int(row["lo"]), int(row["hi"]) + 1)]


def call_list(store: Store, *, scope: Scope) -> pd.DataFrame:
    """Calls in scope (ticker and period filters) with their label and analysis state, newest first."""
    where, params = scope.where(sentences=False)
    return frame_of(store, f"""
        SELECT c.call_id, c.ticker, c.fiscal_year, c.fiscal_quarter, {PERIOD_LABEL_SQL} AS fiscal_period,
               c.call_date, c.title, a.sentences AS analysed_sentences
        FROM calls c LEFT JOIN {CURRENT_RUNS_SQL} a USING (call_id)
        WHERE {where}
        ORDER BY c.fiscal_year DESC, c.fiscal_quarter DESC, c.ticker
    """, params)


def call_measures(store: Store, *, scope: Scope) -> pd.DataFrame:
    """Per analysed call in scope: every measure of the registry, the net tone of each section and the tone gap."""
    where, params = scope.where()
    return frame_of(store, f"""
        SELECT c.call_id, c.ticker, c.fiscal_year, c.fiscal_quarter, {PERIOD_LABEL_SQL} AS fiscal_period,
               c.call_date, {call_columns()}
        FROM {AGGREGATES_SQL}
        WHERE {where}
        GROUP BY ALL
        ORDER BY c.ticker, c.fiscal_year, c.fiscal_quarter
    """, params, arrow=True)


OVERVIEW_COLUMNS = ["ticker", "which", "calls_in_scope", "fiscal_period", "call_date", "sentences",
                    *(m.name for m in SUMMARY)]


def overview(store: Store, *, scope: Scope) -> pd.DataFrame:
    """Per ticker, the latest analysed call against the previous one and the one a year (4 quarters) before."""
    calls = call_measures(store, scope=scope).sort_values(["ticker", "fiscal_year", "fiscal_quarter"],
                                                          ascending=[True, False, False])
    per_ticker = calls.groupby("ticker")
    back = per_ticker.cumcount()
    year_ago = ((calls["fiscal_year"] == per_ticker["fiscal_year"].transform("first") - 1)
                & (calls["fiscal_quarter"] == per_ticker["fiscal_quarter"].transform("first")))
    rows = pd.concat([calls[back == 0].assign(which="latest", order=0),
                      calls[back == 1].assign(which="previous", order=1),
                      calls[year_ago].assign(which="year_ago", order=2)])
    rows = rows.assign(calls_in_scope=rows["ticker"].map(per_ticker.size()))
    return rows.sort_values(["ticker", "order"])[OVERVIEW_COLUMNS].reset_index(drop=True)


def _topic_shares_sql(where: str) -> str:
    """SQL (the scope's parameters twice) of topic_shares."""
    sentences = of_aggregates(BY_NAME["sentences"])
    return f"""
        SELECT c.call_id, c.ticker, c.fiscal_year, c.fiscal_quarter, {PERIOD_LABEL_SQL} AS fiscal_period,
               c.call_date, t.topic, t.sentences, t.sentences / n.call_sentences AS share, t.net_tone
        FROM (SELECT s.call_id, s.topic, {sentences} AS sentences, {of_aggregates(NET_TONE)} AS net_tone
              FROM {TOPIC_AGGREGATES_SQL} WHERE {where} GROUP BY s.call_id, s.topic) t
        JOIN (SELECT s.call_id, sum(s.sentences) AS call_sentences FROM {AGGREGATES_SQL}
              WHERE {where} GROUP BY s.call_id) n ON n.call_id = t.call_id
        JOIN calls c ON c.call_id = t.call_id"""


def topic_shares(store: Store, *, scope: Scope) -> pd.DataFrame:
    """Per analysed call and topic: sentences on it, its share of the call's sentences, and its net tone."""
    where, params = scope.where()
    return frame_of(store, f"{_topic_shares_sql(where)} ORDER BY c.ticker, c.fiscal_year, c.fiscal_quarter, t.topic",
                  params * 2, arrow=True)


def topic_movers(store: Store, *, scope: Scope, top: int = 3) -> pd.DataFrame:
    """Per ticker, the topics whose share rose or fell most from the previous analysed call to the latest."""
    where, params = scope.where()
    return frame_of(store, f"""
        WITH latest AS (
            SELECT *, row_number() OVER (PARTITION BY ticker ORDER BY fiscal_year DESC, fiscal_quarter DESC) AS back
            FROM (SELECT DISTINCT c.call_id, c.ticker, c.fiscal_year, c.fiscal_quarter FROM {TOPIC_AGGREGATES_SQL}
                  WHERE {where})
            QUALIFY back <= 2),
        shares AS ({_topic_shares_sql(f"{where} AND s.call_id IN (SELECT call_id FROM latest)")}),
        changes AS (
            SELECT l.ticker, x.topic, coalesce(max(x.share) FILTER (WHERE l.back = 1), 0) AS share_latest,
                   coalesce(max(x.share) FILTER (WHERE l.back = 2), 0) AS share_previous,
                   share_latest - share_previous AS share_change
            FROM latest l JOIN shares x USING (call_id)
            WHERE l.ticker IN (SELECT ticker FROM latest WHERE back = 2)
            GROUP BY l.ticker, x.topic)
        SELECT ticker, direction, topic, share_latest, share_previous, share_change FROM (
            SELECT *, 'rising' AS direction, 0 AS d,
                   row_number() OVER (PARTITION BY ticker ORDER BY share_change DESC, topic DESC) AS rank
            FROM changes WHERE share_change > 0
            UNION ALL
            SELECT *, 'falling', 1, row_number() OVER (PARTITION BY ticker ORDER BY share_change, topic)
            FROM changes WHERE share_change < 0)
        WHERE rank <= ?
        ORDER BY ticker, d, rank
    """, [*params, *params, *params, top])


def sentences_behind(store: Store, *, scope: Scope, ticker: str, period: Period, limit: int = 200) -> pd.DataFrame:
    """The analysed sentences in scope of one ticker's call in one period (what a chart point is made of)."""
    narrowed = Scope((ticker,), period, period, scope.sections, scope.speaker_groups)
    where, params = narrowed.where()
    return frame_of(store, f"""
        SELECT c.ticker, {PERIOD_LABEL_SQL} AS fiscal_period, c.call_id, s.pos, s.section, s.speaker, s.role,
               s.speaker_group, s.text AS sentence, s.sentiment_label AS tone_label, s.sentiment_score AS tone_score
        FROM ({SENTENCES_SQL}) s JOIN calls c USING (call_id)
        WHERE s.sentiment_label IS NOT NULL AND {where}
        ORDER BY abs(s.sentiment_score) DESC NULLS LAST, s.pos
        LIMIT ?
    """, [*params, limit])


def stored_calls(store: Store) -> pd.DataFrame:
    """Every stored call with its provenance (origin fool/alphavantage/file, source, fetch time, parser version) and
    analysis state, oldest first."""
    frame = frame_of(store, f"""
        SELECT k.*, a.analyzed_at, a.sentences AS analysed_sentences, {PERIOD_LABEL_SQL} AS fiscal_period
        FROM ({CALLS_SQL}) k JOIN calls c USING (call_id) LEFT JOIN {CURRENT_RUNS_SQL} a USING (call_id)
        ORDER BY k.ticker, k.fiscal_year, k.fiscal_quarter
    """, [], arrow=True)
    return frame.assign(call_date=frame["call_date"].dt.date)  # a date, as the store gives it


def tone_series(store: Store, *, scope: Scope) -> pd.DataFrame:
    """The headline measures per analysed call and series (whole call, each section, each speaker group whose tone is
    followed), with the net tone's change from the same ticker's previous analysed call (qoq_change) and the
    sentences behind each point."""
    where, params = scope.where()
    measures = ", ".join(f"{of_aggregates(m)} AS {m.name}" for m in (BY_NAME["sentences"], *HEADLINE))
    frame = frame_of(store, f"""
        WITH points AS (
            SELECT s.call_id, CASE WHEN GROUPING(s.section) = 0 THEN s.section
                                   WHEN GROUPING(s.speaker_group) = 0 THEN s.speaker_group ELSE 'call' END AS series,
                   {measures}
            FROM {AGGREGATES_SQL}
            WHERE {where}
            GROUP BY GROUPING SETS ((s.call_id), (s.call_id, s.section), (s.call_id, s.speaker_group))
            HAVING list_contains(?, series))
        SELECT c.call_id, c.ticker, c.fiscal_year, c.fiscal_quarter, c.call_date, {PERIOD_LABEL_SQL} AS fiscal_period,
               {PERIOD_ORDINAL_SQL} AS ordinal, p.* EXCLUDE (call_id)
        FROM points p JOIN calls c ON c.call_id = p.call_id
        ORDER BY c.ticker, p.series, ordinal
    """, [*params, ["call", *SECTIONS, *SPEAKER_SERIES]], arrow=True)
    previous = frame.shift()  # rows are in (ticker, series, ordinal) order
    follows = ((frame["ticker"] == previous["ticker"]) & (frame["series"] == previous["series"])
               & (frame["ordinal"] == previous["ordinal"] + 1))
    return frame.assign(qoq_change=(frame["net_tone"] - previous["net_tone"]).where(follows))
