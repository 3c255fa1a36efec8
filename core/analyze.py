"""The analysis of stored calls: sentences, sentiment, LM counts, FLS, topics and Q&A exchanges, then vectors; then
the guidance of every analysed call whose guidance is missing or stale (core/guidance_runs.py: no model needed).

Write protocol (crash safety; `core.repair` relies on it). For each call:
1. ONE DuckDB transaction deletes the call's previous analysis — including its `analysis_runs` row — and writes
   its `sentences`, `sentence_topics`, `sentence_vectors` and `qa_exchanges`;
2. its LanceDB rows are replaced (`VectorIndex.write_calls`, one table version for a batch of calls);
3. only then a tiny DuckDB transaction writes its `analysis_runs` row (models, taxonomy, sentence count).
A call is analysed exactly when it has an `analysis_runs` row whose versions match the current models and whose
sentence count matches its DuckDB sentences and LanceDB rows. A crash before step 3 leaves sentences without an
`analysis_runs` row (or nothing new at all): the next `analyze` redoes the call, and step 2 replaces whatever
partial vectors were written. `python -m core repair` finds runs whose counts disagree, drops those rows and
stale vectors, and the next `analyze` redoes those calls. Re-running is idempotent: a call whose run matches the
current versions is skipped unless `rescore=True`.
"""
from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from . import guidance_runs
from .cues import exchanges, is_forward_looking
from .embedding import EMBEDDING_DIM, EMBEDDING_MODEL
from .lexicon import lm_counts, warm_up as warm_up_lexicon
from .metrics import Vocabulary
from .sentences import Sentence, sentences_of
from .sentiment import SentimentModel, load_sentiment_model
from .settings import Settings
from .store import Store
from .topics import Taxonomy, TopicScorer, load_taxonomy, taxonomy_path
from .vectors import VectorIndex

# Bump when sentence splitting, cues or the stored measures change: every call is then analysed again.
PIPELINE_VERSION = 2
ANALYSIS_TABLES = ("sentences", "sentence_topics", "sentence_vectors", "qa_exchanges", "analysis_runs")
Progress = Callable[[int, int], None]  # (calls done, calls to do)


@dataclass(frozen=True)
class AnalysisVersion:
    """What an `analysis_runs` row records; a call is redone when any part differs."""

    sentiment_model: str
    embedding_model: str
    taxonomy_version: str  # the pipeline version and the taxonomy file's hash, e.g. 'p1-3f2a…'


@dataclass(frozen=True)
class AnalyzeReport:
    """What one run did."""

    analysed: tuple[int, ...]
    skipped: int
    sentences: int
    seconds: float
    guidance_read: int = 0  # calls whose guidance was (re)read

    @property
    def sentences_per_second(self) -> float:
        return self.sentences / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class _CallAnalysis:
    call_id: int
    meta: dict
    sentences: list[Sentence]
    embeddings: np.ndarray
    rows: pa.Table
    topics: pa.Table
    qa: pa.Table


class Analyzer:
    """The models and taxonomy (default: the user's data_dir/taxonomy.toml, else the packaged one) of one analysis
    run; analyses batches of calls with one encoder pass each."""

    def __init__(self, *, model: SentimentModel | None = None, taxonomy: Taxonomy | None = None,
                 vocabulary: Vocabulary | None = None, batch_size: int = 64) -> None:
        self.model = model or load_sentiment_model()
        self.taxonomy = taxonomy or load_taxonomy(taxonomy_path(Settings().data_dir))
        self.vocabulary = vocabulary or guidance_runs.vocabulary_for(Settings().data_dir)
        self.scorer = TopicScorer(self.taxonomy, self.model.encoder)
        warm_up_lexicon()
        self.batch_size = batch_size
        self.version = AnalysisVersion(self.model.version, EMBEDDING_MODEL,
                                       f"p{PIPELINE_VERSION}-{self.taxonomy.version}")

    def pending(self, store: Store, *, ticker: str | None = None, rescore: bool = False) -> list[int]:
        """Stored calls (of a ticker) without an analysis run for the current versions, oldest first."""
        with store.cursor() as cur:
            done = {row[0] for row in cur.execute(
                "SELECT call_id FROM analysis_runs WHERE sentiment_model = ? AND embedding_model = ? "
                "AND taxonomy_version = ?",
                [self.version.sentiment_model, self.version.embedding_model, self.version.taxonomy_version],
            ).fetchall()}
        calls = store.calls(ticker=ticker)
        return [c["call_id"] for c in calls if rescore or c["call_id"] not in done]

    def run(self, store: Store, vectors: VectorIndex, *, ticker: str | None = None, rescore: bool = False,
            batch_calls: int = 8, progress: Progress | None = None) -> AnalyzeReport:
        """Analyse every pending call (of a ticker), batch_calls calls per encoder pass."""
        started = time.perf_counter()
        todo = self.pending(store, ticker=ticker, rescore=rescore)
        total = len(store.calls(ticker=ticker))
        # vectors of calls replaced (re-import, refresh, re-parse) or deleted: call ids are never reused
        vectors.delete_calls(sorted(vectors.call_ids() - {c["call_id"] for c in store.calls()}))
        sentences = 0
        for start in range(0, len(todo), batch_calls):
            batch = self.analyse_batch(store, todo[start : start + batch_calls])
            self.write(store, vectors, batch)
            sentences += sum(len(a.sentences) for a in batch)
            if progress:
                progress(min(start + batch_calls, len(todo)), len(todo))
        if todo:
            vectors.ensure_index()
        read = guidance_runs.refresh(store, self.vocabulary, ticker=ticker, every=rescore)
        return AnalyzeReport(tuple(todo), total - len(todo), sentences, time.perf_counter() - started, read)

    def analyse_batch(self, store: Store, call_ids: Sequence[int]) -> list[_CallAnalysis]:
        """Analyse several calls in memory with one shared embedding + sentiment pass."""
        metas = {c["call_id"]: c for c in store.calls()}
        per_call = [sentences_of(store.transcript(call_id)) for call_id in call_ids]
        texts = [s.text for sents in per_call for s in sents]
        embeddings, sentiments = self.model.embed_and_score(texts, batch_size=self.batch_size)
        topics = self.scorer.assign(texts, embeddings)
        out, offset = [], 0
        for call_id, sents in zip(call_ids, per_call):
            part = slice(offset, offset + len(sents))
            offset += len(sents)
            out.append(self._tables(call_id, metas[call_id], sents, embeddings[part], sentiments[part], topics[part]))
        return out

    def _tables(self, call_id, meta, sents, embeddings, sentiments, topics) -> _CallAnalysis:
        counts = [lm_counts(s.text) for s in sents]
        rows = pa.table({
            "call_id": pa.array([call_id] * len(sents), pa.int32()),
            "pos": pa.array([s.pos for s in sents], pa.int32()),
            "turn_idx": pa.array([s.turn_idx for s in sents], pa.int32()),
            "sent_idx": pa.array([s.sent_idx for s in sents], pa.int32()),
            "offset_s": pa.array([s.offset_s for s in sents], pa.int32()),
            "text": [s.text for s in sents],
            "word_count": pa.array([c.words for c in counts], pa.int32()),
            "sentiment_label": [r.label for r in sentiments],
            "sentiment_score": pa.array([r.score for r in sentiments], pa.float64()),
            "sentiment_model": [self.version.sentiment_model] * len(sents),
            **{f"lm_{k}": pa.array([getattr(c, k) for c in counts], pa.int32())
               for k in ("positive", "negative", "uncertainty", "litigious", "constraining")},
            "forward_looking": [is_forward_looking(s.text) for s in sents],
            "topic": pa.array([t[0][0] if t else None for t in topics], pa.string()),
            "embedding": pa.FixedSizeListArray.from_arrays(
                pa.array(np.asarray(embeddings, np.float32).reshape(-1), pa.float32()), EMBEDDING_DIM),
        })
        topic_rows = [(s.pos, key, score) for s, assigned in zip(sents, topics) for key, score in assigned]
        topic_table = pa.table({
            "call_id": pa.array([call_id] * len(topic_rows), pa.int32()),
            "pos": pa.array([r[0] for r in topic_rows], pa.int32()),
            "topic": pa.array([r[1] for r in topic_rows], pa.string()),
            "score": pa.array([r[2] for r in topic_rows], pa.float64()),
        })
        found = exchanges(sents, embeddings)
        qa = pa.table({
            "call_id": pa.array([call_id] * len(found), pa.int32()),
            "question_turn": pa.array([e.question_turn for e in found], pa.int32()),
            "answer_turns": pa.array([list(e.answer_turns) for e in found], pa.list_(pa.int32())),
            "similarity": pa.array([e.similarity for e in found], pa.float64()),
            "non_answer_phrase": pa.array([e.phrase for e in found], pa.string()),
            "non_answer": pa.array([e.non_answer for e in found], pa.bool_()),
        })
        return _CallAnalysis(call_id, meta, sents, embeddings, rows, topic_table, qa)

    def write(self, store: Store, vectors: VectorIndex, batch: Sequence[_CallAnalysis]) -> None:
        """Store a batch following the protocol of the module docstring."""
        for analysis in batch:
            with store.transaction() as cur:
                for table in ANALYSIS_TABLES:
                    cur.execute(f"DELETE FROM {table} WHERE call_id = ?", [analysis.call_id])  # our names
                _insert(cur, "sentences", analysis.rows.drop_columns(["embedding"]))
                _insert(cur, "sentence_vectors", analysis.rows.select(["call_id", "pos", "embedding"]))
                _insert(cur, "sentence_topics", analysis.topics)
                _insert(cur, "qa_exchanges", analysis.qa)
        vectors.write_calls({a.call_id: vector_rows(a.meta, a.sentences, a.embeddings,
                                                    a.rows.column("topic").to_pylist()) for a in batch})
        now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        with store.transaction() as cur:
            cur.executemany(
                "INSERT OR REPLACE INTO analysis_runs VALUES (?, ?, ?, ?, ?, ?)",
                [[a.call_id, now, self.version.sentiment_model, self.version.embedding_model,
                  self.version.taxonomy_version, len(a.sentences)] for a in batch],
            )


def _insert(cur, table: str, data: pa.Table) -> None:
    """Append an Arrow table to a DuckDB table by column name."""
    if data.num_rows == 0:
        return
    cur.register("_incoming", data)
    try:
        columns = ", ".join(data.column_names)
        cur.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM _incoming")  # our names only
    finally:
        cur.unregister("_incoming")


def vector_rows(meta: dict, sentences: Sequence[Sentence], embeddings: np.ndarray,
                topics: Sequence[str | None]) -> list[dict]:
    """The LanceDB rows of one call (keys of core.vectors.ROW_KEYS)."""
    return [
        {"call_id": meta["call_id"], "pos": s.pos, "ticker": meta["ticker"], "fiscal_year": meta["fiscal_year"],
         "fiscal_quarter": meta["fiscal_quarter"], "section": s.section, "speaker_kind": s.speaker_group,
         "topic": topic, "text": s.text, "vector": vector}
        for s, vector, topic in zip(sentences, embeddings, topics)
    ]


def analyze(store: Store, vectors: VectorIndex, *, ticker: str | None = None, rescore: bool = False,
            taxonomy: Taxonomy | None = None, progress: Progress | None = None) -> AnalyzeReport:
    """Analyse every stored call (of a ticker) that is not analysed with the current models and taxonomy."""
    return Analyzer(taxonomy=taxonomy).run(store, vectors, ticker=ticker, rescore=rescore, progress=progress)
