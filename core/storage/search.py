"""Search over the vector table: validated filters, vector / full-text / hybrid (RRF) queries, typed hits.

Scores depend on the mode: `vector` gives cosine similarity (1 − cosine distance, in [-1, 1]); `fts` gives the
BM25 score; `hybrid` gives the reciprocal-rank-fusion score of the two rankings (higher is better in every mode).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import numpy as np
from lancedb.query import MatchQuery
from lancedb.rerankers import RRFReranker

from ..errors import ConfigError
from ..model import EMBEDDING_DIM, MODES, SECTIONS, SPEAKER_GROUPS, Period

MAX_K = 1000
_TICKER = re.compile(r"[A-Z0-9.-]{1,10}")
_TOPIC = re.compile(r"[a-z][a-z0-9_]{0,40}")  # a taxonomy key (core/analysis/topics.py)
NPROBES = 20           # IVF partitions visited once an ANN index exists
# At 1M synthetic rows, recall@10 went from 0.56 (lance defaults) to 0.94 unfiltered / 0.96 with a 60% filter at
# these settings, for +4 ms p50 (BENCHMARKS.md, search).
REFINE_FACTOR = 20     # re-rank k × this ANN candidates by exact distance
HNSW_EF = 4            # × the candidates wanted (k × REFINE_FACTOR): the HNSW search breadth in a partition
_SCORED = {"vector": "_distance", "fts": "_score"}  # selected explicitly (lance deprecates implicit scores)
COLUMNS = ["call_id", "pos", "ticker", "fiscal_year", "fiscal_quarter", "section", "speaker_group", "topic", "text"]


@dataclass(frozen=True)
class SearchHit:
    """One sentence found, with where it was said and how well it matched."""

    call_id: int
    pos: int
    ticker: str
    fiscal_year: int
    fiscal_quarter: int
    section: str
    speaker_group: str
    topic: str | None
    text: str
    score: float

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class Filters:
    """Validated search filters; `where()` renders them as a LanceDB SQL predicate."""

    tickers: tuple[str, ...] = ()
    period_from: Period | None = None
    period_to: Period | None = None
    sections: tuple[str, ...] = ()
    speaker_groups: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()

    @classmethod
    def build(
        cls, *, tickers: Sequence[str] | None = None, period_from: Period | None = None,
        period_to: Period | None = None, sections: Sequence[str] | None = None,
        speaker_groups: Sequence[str] | None = None, topics: Sequence[str] | None = None,
    ) -> "Filters":
        """Check every value against its allowed form; raise ConfigError on the first bad one."""
        for name, period in (("period_from", period_from), ("period_to", period_to)):
            if period is not None and not isinstance(period, Period):
                raise ConfigError(f"{name} must be a Period, got {period!r}")
        if period_from and period_to and period_from.ordinal > period_to.ordinal:
            raise ConfigError(f"empty period range: {period_from} is after {period_to}")
        return cls(
            tickers=_checked("ticker", [t.strip().upper() for t in tickers or ()], _TICKER.fullmatch),
            period_from=period_from, period_to=period_to,
            sections=_checked("section", sections or (), SECTIONS.__contains__),
            speaker_groups=_checked("speaker group", speaker_groups or (), SPEAKER_GROUPS.__contains__),
            topics=_checked("topic", topics or (), _TOPIC.fullmatch),
        )

    def where(self) -> str | None:
        """The predicate built from validated values only (strings quoted with '' escaping), or None."""
        parts = [f"{column} IN ({', '.join(_quote(v) for v in values)})"
                 for column, values in (("ticker", self.tickers), ("section", self.sections),
                                        ("speaker_group", self.speaker_groups), ("topic", self.topics)) if values]
        if self.period_from:
            parts.append(f"ordinal >= {int(self.period_from.ordinal)}")
        if self.period_to:
            parts.append(f"ordinal <= {int(self.period_to.ordinal)}")
        return " AND ".join(parts) or None


def _checked(name: str, values: Sequence[str], ok: Callable[[str], object]) -> tuple[str, ...]:
    for value in values:
        if not isinstance(value, str) or not ok(value):
            raise ConfigError(f"not a valid {name}: {value!r}")
    return tuple(values)


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def run_search(
    table, query: str | np.ndarray, *, mode: str, k: int, filters: Filters,
    encode: Callable[[str], np.ndarray], indexed: bool,
) -> list[SearchHit]:
    """Run one query in one mode against a LanceDB table and return typed hits, best first."""
    if mode not in MODES:
        raise ConfigError(f"search mode must be one of {MODES}, got {mode!r}")
    if not 1 <= k <= MAX_K:
        raise ConfigError(f"k must be between 1 and {MAX_K}, got {k}")
    text, vector = _query_parts(query, mode=mode, encode=encode)
    where = filters.where()
    if mode == "fts":
        builder = table.search(MatchQuery(text, "text"), query_type="fts")
    elif mode == "vector":
        builder = table.search(vector, query_type="vector").distance_type("cosine")
    else:
        builder = (table.search(query_type="hybrid").vector(vector).text(MatchQuery(text, "text"))
                   .distance_type("cosine").rerank(RRFReranker()))
    if mode != "fts" and indexed:
        builder = builder.nprobes(NPROBES).ef(HNSW_EF * k * REFINE_FACTOR).refine_factor(REFINE_FACTOR)
    if where:
        builder = builder.where(where, prefilter=True)
    if mode in _SCORED:  # hybrid selects everything: its sub-queries cannot name their score columns
        builder = builder.select([*COLUMNS, _SCORED[mode]])
    rows = builder.limit(k).to_list()
    return [SearchHit(**{c: row[c] for c in COLUMNS}, score=_score(row, mode)) for row in rows]


def _query_parts(query: str | np.ndarray, *, mode: str, encode: Callable[[str], np.ndarray]):
    """(text, vector) for the mode: text is checked non-empty, the vector is given or embedded from the text."""
    if isinstance(query, str):
        text = query.strip()
        if not text:
            raise ConfigError("empty search query")
        return text, (encode(text) if mode != "fts" else None)
    if mode != "vector":
        raise ConfigError(f"a {mode} search needs the query text, not a vector")
    vector = np.asarray(query, dtype=np.float32).reshape(-1)
    if vector.shape != (EMBEDDING_DIM,) or not np.isfinite(vector).all():
        raise ConfigError(f"query vector must be {EMBEDDING_DIM} finite floats, got shape {np.shape(query)}")
    return None, vector


def _score(row: dict, mode: str) -> float:
    if mode == "vector":
        return 1.0 - float(row["_distance"])
    return float(row["_score"] if mode == "fts" else row["_relevance_score"])
