"""The app's shared resources (database, vector table, taxonomy) and its cached queries.

The app never holds the DuckDB file: every query opens it read-only for its duration (core/storage/store.py), so the
worker, the command line and the schedule write while the app serves. Writes happen in jobs (core/work/jobs.py).
Query results are cached per database path, data generation (raised by every data write, in any process) and
arguments, so a finished job's data shows on the next run of any page.
"""
from __future__ import annotations

import functools
import os
from pathlib import Path

import pandas as pd
import streamlit as st

from core.analysis import discovered_topics
from core.analysis.metrics import load_vocabulary, metrics_path
from core.analysis.topics import load_taxonomy, taxonomy_path
from core.embedding import Encoder, load_encoder
from core.queries import analysts, compare, digest, export, guidance_links, question_themes, reader, rollups, views
from core.queries.views import Scope
from core.settings import Settings
from core.storage.object_store import open_vectors
from core.storage.store import Store
from core.storage.vectors import VectorIndex


def settings() -> Settings:
    """Settings from the environment as it is now (EARNINGS_DATA_DIR may differ between test runs): one object per
    distinct environment, as every page run asks for them many times."""
    return _settings(tuple(sorted((name, value) for name, value in os.environ.items()
                                  if name.startswith(("EARNINGS_", "FOOL_", "ALPHAVANTAGE_")))))


@functools.lru_cache(maxsize=16)
def _settings(_environment: tuple) -> Settings:
    return Settings()


@st.cache_resource(show_spinner=False)
def _store(db_path: str) -> Store:
    return Store(db_path)


def store() -> Store:
    """The Store of the configured database (no connection is held between queries)."""
    return _store(str(settings().db_path))


def generation() -> int:
    """The data generation of the configured database: part of every cache key."""
    return store().generation()


@st.cache_resource(show_spinner=False)
def _vector_index(location: str) -> VectorIndex:
    return open_vectors(settings())


def _edition(path: Path) -> tuple[str, int]:
    """An editable file as a cache key: its path and when it last changed (an edit shows on the next run)."""
    return str(path), path.stat().st_mtime_ns


@st.cache_data(show_spinner=False)
def _topic_labels(path: str, changed: int) -> dict[str, str]:
    return {topic.key: topic.label for topic in load_taxonomy(Path(path)).topics}


def topic_labels() -> dict[str, str]:
    """Taxonomy topic key -> display label, in the taxonomy's order."""
    return _topic_labels(*_edition(taxonomy_path(settings().data_dir)))


def topic_label(key: str | None) -> str:
    """The display label of a taxonomy topic key ('' for none; the key itself when the taxonomy lost it)."""
    if not key:
        return ""
    return topic_labels().get(key, key)


@st.cache_data(show_spinner=False)
def _metric_labels(path: str, changed: int) -> dict[str, str]:
    return {metric.key: metric.label for metric in load_vocabulary(Path(path)).metrics}


def metric_label(key: str) -> str:
    """The display label of a metric of the guidance vocabulary (the key itself when the vocabulary lost it)."""
    return _metric_labels(*_edition(metrics_path(settings().data_dir))).get(key, key)


@st.cache_resource(show_spinner="Loading the sentence encoder…")
def encoder() -> Encoder:
    """The packaged all-MiniLM-L6-v2 encoder (for phrase trends), loaded once per process."""
    return load_encoder()


@st.cache_data(show_spinner=False, max_entries=64)
def _phrase(db_path: str, generation: int, ticker: str, phrase: str,
            threshold: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    vector = encoder().encode_query(phrase).tolist()
    store = _store(db_path)
    return (rollups.phrase_trend(store, ticker=ticker, vector=vector, threshold=threshold),
            reader.phrase_examples(store, ticker=ticker, vector=vector, threshold=threshold))


def phrase_trend(ticker: str, phrase: str, *, threshold: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cached (trend per call, example sentences) of a phrase for one ticker."""
    return _phrase(str(settings().db_path), generation(), ticker, phrase, threshold)


# -- cached queries: keyed by database path and arguments --------------------------------------------------------
@st.cache_data(show_spinner=False, max_entries=512)
def _query(db_path: str, generation: int, name: str, args: tuple, kwargs: tuple) -> pd.DataFrame | list | dict:
    function = QUERIES[name]
    return function(_store(db_path), *args, **dict(kwargs))


def query(name: str, *args, **kwargs):
    """A cached call of one of QUERIES on the app's store."""
    return _query(str(settings().db_path), generation(), name, args, tuple(sorted(kwargs.items())))


@st.cache_data(show_spinner=False, max_entries=256)
def _search(db_path: str, generation: int, vectors_path: str, text: str, mode: str, k: int, scope: Scope,
            topics: tuple[str, ...]) -> pd.DataFrame:
    hits = _vector_index(vectors_path).search(
        text, mode=mode, k=k, tickers=scope.tickers, period_from=scope.period_from, period_to=scope.period_to,
        sections=scope.sections, speaker_groups=scope.speaker_groups, topics=topics)
    return reader.search_table(_store(db_path), hits)


def search(text: str, *, mode: str, k: int, scope: Scope, topics: tuple[str, ...] = ()) -> pd.DataFrame:
    """Cached search of the sentence vectors under the scope, joined with speaker and tone."""
    return _search(str(settings().db_path), generation(), settings().vectors_location, text, mode, k, scope, topics)


QUERIES = {
    "tickers": views.stored_tickers,
    "periods": views.stored_periods,
    "calls": views.call_list,
    "tone_series": views.tone_series,
    "overview": views.overview,
    "topic_shares": views.topic_shares,
    "topic_movers": views.topic_movers,
    "call_sentences": reader.call_sentences,
    "call_header": reader.call_header,
    "call_exchanges": reader.call_exchanges,
    "sentences_behind": views.sentences_behind,
    "sentence_export": export.sentence_export,
    "stored_calls": views.stored_calls,
    "compare_tone": compare.tone_by_group,
    "compare_topics": compare.topic_deltas,
    "compare_phrases": compare.phrase_changes,
    "guidance_items": guidance_links.items,
    "guidance_changes": guidance_links.latest_changes,
    "question_themes": question_themes.question_themes,
    "analyst_directory": analysts.directory,
    "analyst_history": analysts.history,
    "analyst_questions": analysts.questions_of,
    "asked_about": analysts.asked_about,
    "discovered_topics": discovered_topics.discover_topics,
    "digest_calls": digest.calls_of,
    "digest": digest.digest,
}
