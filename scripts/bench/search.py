"""Search benchmark: latency (p50/p95) and recall@10 against exact brute force, on synthetic clustered vectors at
scale and on the real corpus vectors, with and without filters."""
from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import lancedb
import numpy as np

from .report import machine_facts, ms, table
from .scales import Scale

DIM = 384
ROWS_PER_CALL = 500
TICKERS = 40
NOISE = 0.03  # per-dimension noise that makes a query from a stored row
TOPICS = ("revenue_growth", "margins", "guidance", "demand", "supply", "pricing", "competition", "capital_return",
          "regulation", "macro", "data_center", "ai", "gaming", "automotive", "networking", "software")
VOCAB = np.array([f"w{i:04d}" for i in range(5000)])


@dataclass(frozen=True)
class Corpus:
    """Synthetic rows (as core.storage.vectors wants them) plus the arrays the exact search needs."""

    vectors: np.ndarray   # (n, 384) float32, L2-normalised
    ticker: np.ndarray
    period: np.ndarray
    section: np.ndarray
    keys: np.ndarray      # (n, 2) call_id, pos


def synthetic(n: int, *, seed: int = 7) -> Corpus:
    """n unit vectors with nested structure (theme > subject > near-paraphrases, plus a shared direction) tuned to
    the real sentence vectors' neighbourhoods; in calls of 500 rows, 40 tickers, consecutive quarters, 40% prepared."""
    rng = np.random.default_rng(seed)
    micro = rng.integers(0, max(n // 5, 1), n)  # ~5 near-paraphrases each; 50 per subject, 20 subjects per theme
    levels = [np.zeros(n, np.int64), micro // 1000, micro // 50, micro]
    weights = np.sqrt([0.16, 0.14, 0.25, 0.2])  # squared: shared cosine added by each level; the rest is noise
    centres = [_unit(rng.standard_normal((int(level.max()) + 1, DIM), dtype=np.float32)) for level in levels]
    vectors = np.empty((n, DIM), np.float32)
    for start in range(0, n, 100_000):
        part = slice(start, min(start + 100_000, n))
        mix = sum(w * c[level[part]] for w, c, level in zip(weights, centres, levels))
        noise = _unit(rng.standard_normal((part.stop - start, DIM), dtype=np.float32))
        vectors[part] = _unit(mix + np.sqrt(1 - (weights ** 2).sum()) * noise)
    call = np.arange(n) // ROWS_PER_CALL
    pos = np.arange(n) % ROWS_PER_CALL
    ticker = np.array([f"T{i:02d}" for i in range(TICKERS)])[call % TICKERS]
    period = 2015 * 4 + call // TICKERS
    section = np.where(pos < 0.4 * ROWS_PER_CALL, "prepared", "qa")
    return Corpus(vectors, ticker, period, section, np.stack([call, pos], axis=1))


def _unit(matrix: np.ndarray) -> np.ndarray:
    return (matrix / np.linalg.norm(matrix, axis=1, keepdims=True)).astype(np.float32)


def load(index, corpus: Corpus, *, seed: int = 7, calls_per_write: int = 100) -> float:
    """Write the corpus through VectorIndex.write_calls (the product's path) and return the seconds taken."""
    rng = np.random.default_rng(seed)
    kinds = np.where(corpus.section == "prepared", "executive", "analyst")
    topic = np.array([*TOPICS, None], dtype=object)[rng.integers(0, len(TOPICS) + 1, len(corpus.vectors))]
    words = VOCAB[rng.integers(0, len(VOCAB), (len(corpus.vectors), 12))]
    started = time.perf_counter()
    calls = corpus.keys[-1, 0] + 1
    for first in range(0, calls, calls_per_write):
        batch: dict[int, list[dict]] = {}
        for i in range(first * ROWS_PER_CALL, min((first + calls_per_write) * ROWS_PER_CALL, len(corpus.vectors))):
            call_id = int(corpus.keys[i, 0])
            year, quarter = divmod(int(corpus.period[i]), 4)
            batch.setdefault(call_id, []).append({
                "call_id": call_id, "pos": int(corpus.keys[i, 1]), "ticker": corpus.ticker[i], "fiscal_year": year,
                "fiscal_quarter": quarter + 1, "section": corpus.section[i], "speaker_group": kinds[i],
                "topic": topic[i], "text": " ".join(words[i]), "vector": corpus.vectors[i]})
        index.write_calls(batch)
    return time.perf_counter() - started


def filters(corpus: Corpus) -> dict[str, tuple[dict, np.ndarray]]:
    """Named search filters (VectorIndex.search keywords) with the row mask each one means."""
    from core.model import Period

    last = int(corpus.period.max())
    recent = (Period.from_ordinal(last - 7), Period.from_ordinal(last))
    everything = np.ones(len(corpus.vectors), bool)
    return {
        "none": ({}, everything),
        "ticker": ({"tickers": ["T03"]}, corpus.ticker == "T03"),
        "period range (8 quarters)": ({"period_from": recent[0], "period_to": recent[1]},
                                      corpus.period >= last - 7),
        "section = qa": ({"sections": ["qa"]}, corpus.section == "qa"),
        "ticker + period + section": ({"tickers": ["T03"], "period_from": recent[0], "period_to": recent[1],
                                       "sections": ["qa"]},
                                      (corpus.ticker == "T03") & (corpus.period >= last - 7)
                                      & (corpus.section == "qa")),
    }


def queries(corpus: Corpus, n: int, *, seed: int = 11) -> np.ndarray:
    """Fresh query vectors near random rows' clusters (not rows of the table)."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(corpus.vectors), n)
    return _unit(corpus.vectors[picks] + NOISE * rng.standard_normal((n, DIM), dtype=np.float32))


def exact_top(vectors: np.ndarray, keys: np.ndarray, mask: np.ndarray, query: np.ndarray, k: int = 10) -> set:
    """The exact top-k (call_id, pos) by cosine among the masked rows."""
    rows = np.flatnonzero(mask)
    scores = vectors[rows] @ query
    best = rows[np.argsort(-scores, kind="stable")[:k]]
    return {tuple(map(int, keys[i])) for i in best}


def measure(index, qs: np.ndarray, *, kwargs: dict, exact: list[set] | None, mode: str = "vector",
            texts: list[str] | None = None) -> dict:
    """Latency percentiles (and recall@10 when exact answers are given) of one query set."""
    times, recalls = [], []
    for i, query in enumerate(texts if texts is not None else qs):
        started = time.perf_counter()
        hits = index.search(query, mode=mode, k=10, **kwargs)
        times.append(time.perf_counter() - started)
        if exact is not None:
            found = {(h.call_id, h.pos) for h in hits}
            recalls.append(len(found & exact[i]) / max(len(exact[i]), 1))
    return {"p50": float(np.percentile(times, 50)), "p95": float(np.percentile(times, 95)),
            "recall": float(np.mean(recalls)) if recalls else None, "n": len(times)}


def scale_rows(n: int, *, n_queries: int, workdir: Path, ann_min_rows: int | None) -> tuple[list[list], dict]:
    """Build a synthetic table of n vectors, time flat search, build the indexes, time every filter and mode."""
    from core.embedding import load_encoder
    from core.storage.vectors import ANN_MIN_ROWS, VectorIndex

    path = workdir / f"vectors-{n}"
    shutil.rmtree(path, ignore_errors=True)
    corpus = synthetic(n)
    index = VectorIndex(path, encoder=load_encoder())
    facts = {"rows": n, "write_s": load(index, corpus)}
    qs = queries(corpus, n_queries)
    named = filters(corpus)
    exact = {name: [exact_top(corpus.vectors, corpus.keys, mask, q) for q in qs] for name, (_, mask) in named.items()}
    flat = measure(index, qs[: max(n_queries // 10, 3)], kwargs={}, exact=exact["none"][: max(n_queries // 10, 3)])
    started = time.perf_counter()
    index.ensure_index(ann_min_rows=ann_min_rows or ANN_MIN_ROWS)
    facts["index_s"] = time.perf_counter() - started
    facts["ann"] = index.has_ann_index()
    facts["disk_mb"] = sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20
    texts = [" ".join(np.random.default_rng(i).choice(VOCAB, 2)) for i in range(n_queries)]
    rows = [[f"{n:,}", "vector, no index (flat)", "none", flat["n"], ms(flat["p50"]), ms(flat["p95"]),
             f"{flat['recall']:.3f}"]]
    for name, (kwargs, mask) in named.items():
        result = measure(index, qs, kwargs=kwargs, exact=exact[name])
        rows.append([f"{n:,}", "vector" + (" (ANN)" if facts["ann"] else " (flat)"), f"{name} ({mask.mean():.1%})",
                     result["n"], ms(result["p50"]), ms(result["p95"]), f"{result['recall']:.3f}"])
    for mode in ("fts", "hybrid"):
        for name in ("none", "ticker + period + section"):
            result = measure(index, qs, kwargs=named[name][0], exact=None, mode=mode, texts=texts)
            rows.append([f"{n:,}", mode + (" (query embedded)" if mode == "hybrid" else ""), name, result["n"],
                         ms(result["p50"]), ms(result["p95"]), "–"])
    shutil.rmtree(path, ignore_errors=True)
    return rows, facts


def real_rows(data_dir: Path, *, n_queries: int, workdir: Path) -> tuple[list[list], dict]:
    """Recall@10 of the ANN index over a copy of the real corpus vectors, plus exact-quote retrieval."""
    from core.model import Period
    from core.storage.vectors import TABLE, VectorIndex

    source = lancedb.connect(str(data_dir / "vectors.lance")).open_table(TABLE).to_lance().to_table()
    path = workdir / "vectors-real"
    shutil.rmtree(path, ignore_errors=True)
    lancedb.connect(str(path)).create_table(TABLE, data=source)
    index = VectorIndex(path)
    index.ensure_index(ann_min_rows=0)  # the real subset is below the product's ANN threshold: force the index
    vectors = np.stack(source.column("vector").to_numpy(zero_copy_only=False)).astype(np.float32)
    keys = np.stack([source.column("call_id").to_numpy(), source.column("pos").to_numpy()], axis=1)
    ticker = source.column("ticker").to_numpy(zero_copy_only=False)
    section = source.column("section").to_numpy(zero_copy_only=False)
    period = source.column("ordinal").to_numpy()
    rng = np.random.default_rng(5)
    picks = rng.choice(len(vectors), min(n_queries, len(vectors)), replace=False)
    first, last = int(period.min()), int(period.max())
    cut = max(first, last - 7)
    named = {
        "none": ({}, np.ones(len(vectors), bool)),
        "ticker NVDA + section qa": ({"tickers": ["NVDA"], "sections": ["qa"]}, (ticker == "NVDA") & (section == "qa")),
        "last 8 quarters": ({"period_from": Period.from_ordinal(cut), "period_to": Period.from_ordinal(last)},
                            period >= cut),
    }
    rows = []
    for name, (kwargs, mask) in named.items():
        exact = [exact_top(vectors, keys, mask, vectors[i]) for i in picks]
        result = measure(index, vectors[picks], kwargs=kwargs, exact=exact)
        rows.append([f"{len(vectors):,} real", "vector (ANN forced)", f"{name} ({mask.mean():.1%})", result["n"],
                     ms(result["p50"]), ms(result["p95"]), f"{result['recall']:.3f}"])
    texts = source.column("text").to_pylist()
    quotes = [i for i in picks if len(texts[i].split()) >= 8][: max(n_queries // 4, 3)]
    top1 = {}
    for mode in ("vector", "hybrid", "fts"):
        found = 0
        for i in quotes:
            hits = index.search(texts[i], mode=mode, k=10)
            found += any((h.call_id, h.pos) == tuple(map(int, keys[i])) for h in hits)
        top1[mode] = found / len(quotes)
    shutil.rmtree(path, ignore_errors=True)
    return rows, {"quotes": len(quotes), "found_in_top10": top1}


def section(scale: Scale, workdir: Path, data_dir: Path | None) -> str:
    """Run the search benchmark at the scale's sizes and return its markdown."""
    machine = machine_facts()
    rows, builds = [], []
    for n in scale.search_sizes:
        found, facts = scale_rows(n, n_queries=scale.search_queries, workdir=workdir,
                                  ann_min_rows=scale.search_ann_min_rows)
        rows += found
        builds.append(f"{n:,} rows: write {facts['write_s']:.1f} s (`write_calls`, 100 calls per version), "
                      f"`ensure_index` {facts['index_s']:.1f} s ({'IvfHnswSq + ' if facts['ann'] else ''}"
                      f"scalar indexes + optimize), {facts['disk_mb']:.0f} MB on disk")
    quality = ""
    if data_dir is not None:
        real, facts = real_rows(data_dir, n_queries=scale.search_queries, workdir=workdir)
        rows += real
        quality = (f"Exact quotes (real sentences of ≥ 8 words, searched as typed, {facts['quotes']} quotes): found "
                   "in the top 10 — " + ", ".join(f"{mode} {share:.0%}" for mode, share in
                                                  facts["found_in_top10"].items()) + ".")
    return "\n".join([
        "## Search: latency and recall@10",
        "",
        machine,
        "",
        "Synthetic: L2-normalised 384-d vectors with nested structure — a shared direction, 1 theme per 5,000 "
        "rows, subjects of ~250 rows, groups of ~5 near-paraphrases, plus noise — tuned so that the mean cosine "
        "to the nearest / 10th-nearest neighbour and to a random row (0.76 / 0.61 / 0.16–0.24) is close to the "
        "real sentence vectors' (0.73 / 0.59 / 0.16); 500 rows per call, 40 tickers over consecutive quarters, "
        f"40% prepared remarks. Queries = fresh points near random rows ({scale.search_queries} per "
        "configuration). Recall@10 = overlap of `VectorIndex.search(vector, mode='vector', k=10, filters)` with "
        "the exact top 10 by cosine (numpy over "
        "the rows the filter admits). Latency = wall time of the whole `search` call in this process (warm table "
        "handle). FTS / hybrid queries are two random vocabulary words; hybrid embeds the query text with the "
        "model (part of its latency). Real: the corpus vectors of the ingest benchmark, copied into a fresh table "
        "with the ANN index forced (the product only builds it from 50,000 rows); queries = stored sentence vectors.",
        "",
        *[f"- {line}" for line in builds],
        "",
        table(["vectors", "mode", "filter (rows admitted)", "queries", "p50 ms", "p95 ms", "recall@10"], rows),
        "",
        quality,
    ])
