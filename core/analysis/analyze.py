"""The analysis of stored calls: sentences, sentiment, LM counts, FLS, topics and Q&A exchanges, then vectors; then
the guidance of every analysed call whose guidance is missing or stale (core/analysis/guidance_runs.py: no model
needed).

Write protocol (crash safety; `core.analysis.repair` relies on it). For each call:
1. ONE DuckDB transaction deletes the call's previous analysis — including its `analysis_runs` row — and writes
   its `sentences`, `sentence_topics`, `sentence_vectors`, `qa_exchanges` and, from those sentences, its
   aggregates (core/analysis/aggregates.py);
2. its LanceDB rows are replaced (`VectorIndex.write_calls`, one table version for a batch of calls);
3. only then a tiny DuckDB transaction writes its `analysis_runs` row (models, taxonomy, sentence count).
A call is analysed exactly when it has an `analysis_runs` row whose versions match the current models and whose
sentence count matches its DuckDB sentences and LanceDB rows. A crash before step 3 leaves sentences without an
`analysis_runs` row (or nothing new at all): the next `analyze` redoes the call, and step 2 replaces whatever
partial vectors were written. `python -m core repair` finds runs whose counts disagree, drops those rows and
stale vectors, and the next `analyze` redoes those calls. Re-running is idempotent: a call whose run matches the
current versions is skipped unless `rescore=True`.

Where the work runs is an engine: `LocalEngine` (this process, the default) or `core.analysis.ray_analysis.RayEngine`
(an
actor pool on a Ray cluster). Either hands whole analysed batches to this process, which writes them by the protocol
above (DuckDB has one writer). Ray workers may append a batch's LanceDB rows themselves (vectors on object storage,
after this process deleted the calls' old rows); `write` then checks their counts and replaces any call whose
count is off before step 3, so the order becomes LanceDB, DuckDB, `analysis_runs` — the last step still decides.
"""
from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from ..batching import prefetched
from ..device import resolve_device
from ..embedding import EMBEDDING_DIM, EMBEDDING_MODEL
from ..settings import Settings
from ..storage.store import Store
from ..storage.vectors import VectorIndex
from . import guidance_runs
from .aggregates import write_calls
from .call_prep import PreparedCall, joined_tokens, prepare_call
from .cues import exchanges
from .lexicon import warm_up as warm_up_lexicon
from .metrics import Vocabulary
from .sentences import Sentence
from .sentiment import SentimentModel, load_sentiment_model
from .topics import Taxonomy, TopicScorer, load_taxonomy, taxonomy_path

# Bump when sentence splitting, cues or the stored measures change: every call is then analysed again. (A new fact
# of the measure registry needs no bump: its migration computes it for the stored sentences.)
PIPELINE_VERSION = 2
BATCH_SIZE = {"cpu": 64, "cuda": 1024}  # sentences per encoder pass
ANALYSIS_TABLES = ("sentences", "sentence_topics", "sentence_vectors", "qa_exchanges", "call_aggregates",
                   "call_topic_aggregates", "analysis_runs")
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
class CallAnalysis:
    call_id: int
    meta: dict
    sentences: list[Sentence]
    embeddings: np.ndarray
    rows: pa.Table
    topics: pa.Table
    qa: pa.Table


class LocalEngine:
    """Analyses the batches in this process; on CUDA the next batch's calls are read, split and tokenized by a
    thread meanwhile (on the CPU the model has every core already)."""

    appends_vectors = False  # the caller writes the vectors

    def batches(self, analyzer: "Analyzer", store: Store, vectors: VectorIndex, todo: Sequence[int], *,
                batch_calls: int) -> Iterator[list["CallAnalysis"]]:
        groups = (todo[start:start + batch_calls] for start in range(0, len(todo), batch_calls))
        encoder = analyzer.model.encoder
        ahead = encoder.device != "cpu"
        prepared = (analyzer.prepare(store, group, tokenize=encoder.tokenize if ahead else None) for group in groups)
        for calls in prefetched(prepared, depth=1) if ahead else prepared:
            yield analyzer.analyse_prepared(calls)


class Analyzer:
    """The models and taxonomy (default: the user's data_dir/taxonomy.toml, else the packaged one) of one analysis
    run; analyses batches of calls with one encoder pass each, on a device (default: Settings().device)."""

    def __init__(self, *, model: SentimentModel | None = None, taxonomy: Taxonomy | None = None,
                 vocabulary: Vocabulary | None = None, batch_size: int | None = None,
                 device: str | None = None) -> None:
        device = resolve_device(device or Settings().device) if model is None else model.encoder.device
        self.model = model or load_sentiment_model(device)
        self.taxonomy = taxonomy or load_taxonomy(taxonomy_path(Settings().data_dir))
        self.vocabulary = vocabulary or guidance_runs.vocabulary_for(Settings().data_dir)
        self.scorer = TopicScorer(self.taxonomy, self.model.encoder)
        warm_up_lexicon()
        self.batch_size = batch_size or BATCH_SIZE.get(device, BATCH_SIZE["cpu"])
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
            batch_calls: int = 8, progress: Progress | None = None, engine=None) -> AnalyzeReport:
        """Analyse every pending call (of a ticker), batch_calls calls per encoder pass, where the engine says."""
        started = time.perf_counter()
        todo = self.pending(store, ticker=ticker, rescore=rescore)
        total = len(store.calls(ticker=ticker))
        # vectors of calls replaced (re-import, refresh, re-parse) or deleted: call ids are never reused
        vectors.delete_calls(sorted(vectors.call_ids() - {c["call_id"] for c in store.calls()}))
        engine = engine or LocalEngine()
        sentences = done = 0
        batches = engine.batches(self, store, vectors, todo, batch_calls=batch_calls)
        try:
            for batch in batches:
                self.write(store, vectors, batch, appended=engine.appends_vectors)
                sentences += sum(len(a.sentences) for a in batch)
                done += len(batch)
                if progress:
                    progress(done, len(todo))
        finally:
            batches.close()  # a cancel stops the engine's work (and a cluster it started) now
        if todo:
            vectors.ensure_index()
        read = guidance_runs.refresh(store, self.vocabulary, ticker=ticker, every=rescore)
        return AnalyzeReport(tuple(todo), total - len(todo), sentences, time.perf_counter() - started, read)

    def analyse_batch(self, store: Store, call_ids: Sequence[int]) -> list[CallAnalysis]:
        """Analyse several calls in memory with one shared embedding + sentiment pass."""
        return self.analyse_prepared(self.prepare(store, call_ids))

    @staticmethod
    def prepare(store: Store, call_ids: Sequence[int], *, tokenize=None) -> list[PreparedCall]:
        """The stored calls split into sentences, with their text-only measures (and token ids, with tokenize)."""
        metas = {c["call_id"]: c for c in store.calls()}
        return [prepare_call(call_id, metas[call_id], store.transcript(call_id), tokenize=tokenize)
                for call_id in call_ids]

    def analyse_prepared(self, calls: Sequence[PreparedCall]) -> list[CallAnalysis]:
        """The model measures of prepared calls from one shared embedding + sentiment pass, and their tables."""
        texts = [text for call in calls for text in call.texts]
        embeddings, sentiments = self.model.embed_and_score(texts, batch_size=self.batch_size,
                                                            tokens=joined_tokens(calls))
        topics = self.scorer.assign(texts, embeddings)
        out, offset = [], 0
        for call in calls:
            part = slice(offset, offset + len(call.sentences))
            offset += len(call.sentences)
            out.append(self._tables(call, embeddings[part], sentiments[part], topics[part]))
        return out

    def _tables(self, call: PreparedCall, embeddings, sentiments, topics) -> CallAnalysis:
        call_id, sents, counts = call.call_id, call.sentences, call.counts
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
            "speaker_group": [s.speaker_group for s in sents],
            **call.facts,
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
        return CallAnalysis(call_id, call.meta, sents, embeddings, rows, topic_table, qa)

    def write(self, store: Store, vectors: VectorIndex, batch: Sequence[CallAnalysis], *,
              appended: bool = False) -> None:
        """Store a batch following the protocol of the module docstring; `appended`: workers have appended the
        batch's vectors (only a call whose count is off is written again)."""
        for analysis in batch:
            with store.transaction() as cur:
                for table in ANALYSIS_TABLES:
                    cur.execute(f"DELETE FROM {table} WHERE call_id = ?", [analysis.call_id])  # our names
                _insert(cur, "sentences", analysis.rows.drop_columns(["embedding"]))
                _insert(cur, "sentence_vectors", analysis.rows.select(["call_id", "pos", "embedding"]))
                _insert(cur, "sentence_topics", analysis.topics)
                _insert(cur, "qa_exchanges", analysis.qa)
                write_calls(cur, [analysis.call_id])
        rows = {a.call_id: lance_rows(a) for a in batch}
        if appended:  # a retried task may have appended a call twice
            have = vectors.counts(sorted(rows))
            rows = {call_id: part for call_id, part in rows.items() if have.get(call_id, 0) != len(part)}
        vectors.write_calls(rows)
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


def lance_rows(analysis: CallAnalysis) -> list[dict]:
    """The LanceDB rows of one analysed call."""
    return vector_rows(analysis.meta, analysis.sentences, analysis.embeddings,
                       analysis.rows.column("topic").to_pylist())


def vector_rows(meta: dict, sentences: Sequence[Sentence], embeddings: np.ndarray,
                topics: Sequence[str | None]) -> list[dict]:
    """The LanceDB rows of one call (keys of core.storage.vectors.ROW_KEYS)."""
    return [
        {"call_id": meta["call_id"], "pos": s.pos, "ticker": meta["ticker"], "fiscal_year": meta["fiscal_year"],
         "fiscal_quarter": meta["fiscal_quarter"], "section": s.section, "speaker_group": s.speaker_group,
         "topic": topic, "text": s.text, "vector": vector}
        for s, vector, topic in zip(sentences, embeddings, topics)
    ]


def analyze(store: Store, vectors: VectorIndex, *, ticker: str | None = None, rescore: bool = False,
            taxonomy: Taxonomy | None = None, progress: Progress | None = None, engine=None) -> AnalyzeReport:
    """Analyse every stored call (of a ticker) that is not analysed with the current models and taxonomy."""
    return Analyzer(taxonomy=taxonomy).run(store, vectors, ticker=ticker, rescore=rescore, progress=progress,
                                           engine=engine)
