"""Scale-out benchmark: the same real calls analysed by one process and on a local Ray cluster with 1 and 2 model
workers (what Ray costs on this machine), the CPU-side stages per process (what a GPU must be fed), and the write
rate of vectors to a local S3 server (moto) against the local disk.

Each measurement runs in its own subprocess (`python -m scripts.bench.scale MODE DATA_DIR …`) that prints one JSON
line, so model threads, Ray and memory never carry over from one to the next.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .ingest import corpus_files
from .report import machine_facts, table
from .scales import Scale
from .vector_writes import S3_BATCH, S3_ROWS, s3_rates

ROOT = Path(__file__).resolve().parents[2]
CALLS = {"tiny": (("NVDA", 2),), "default": (("NVDA", 8),), "full": (("NVDA", 24),)}  # the latest n calls
BATCH_CALLS = 1  # calls per work unit on every path: eight units for two Ray workers to share


def _child(*args: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "scripts.bench.scale", *args], cwd=ROOT, capture_output=True,
                          text=True)
    if done.returncode != 0:
        raise SystemExit(f"scale benchmark step {args[0]} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _imported(data_dir: Path, files: list[Path]):
    from core.ingest.files import import_paths
    from core.storage.store import Store

    shutil.rmtree(data_dir, ignore_errors=True)
    store = Store(data_dir / "calls.duckdb")
    if any(o.outcome == "failed" for o in import_paths(store, files)):
        raise SystemExit(f"import failed in {data_dir}")
    return store


def measure_analysis(data_dir: Path, files: list[Path], *, workers: int) -> dict:
    """Analyse the files' calls: in this process (workers 0) or on a local Ray cluster with that many workers."""
    from contextlib import nullcontext

    from core.analysis.analyze import Analyzer
    from core.analysis.ray_analysis import RayEngine
    from core.analysis.ray_cluster import ray_session, worker_shape
    from core.storage.vectors import VectorIndex

    store = _imported(data_dir, files)
    analyzer = Analyzer(device="cpu")
    vectors = VectorIndex(data_dir / "vectors.lance")
    marks: list[tuple[float, int]] = []

    def progress(done: int, total: int) -> None:
        with store.cursor() as cur:
            marks.append((time.perf_counter(), cur.execute("SELECT count(*) FROM sentences").fetchall()[0][0]))

    workers_shape = worker_shape(0, 0, device="cpu", workers=workers or 1, cpus_per_worker=None, local=True)
    started = time.perf_counter()
    with ray_session(num_cpus=workers_shape[0] * workers_shape[1] + 1) if workers else nullcontext():
        facts = {"cluster_s": time.perf_counter() - started, "threads": workers_shape[1] if workers else "–"}
        started = time.perf_counter()
        report = analyzer.run(store, vectors, batch_calls=BATCH_CALLS, progress=progress,
                              engine=RayEngine(workers=workers) if workers else None)
        facts.update(calls=len(report.analysed), sentences=report.sentences,
                     analysis_s=time.perf_counter() - started, first_batch_s=marks[0][0] - started)
    first = max(1, workers)  # once every worker has delivered a batch: actors up, models loaded, pipeline full
    if len(marks) > first:
        facts["steady_rate"] = (marks[-1][1] - marks[first - 1][1]) / (marks[-1][0] - marks[first - 1][0])
    return facts


def measure_stages(data_dir: Path, files: list[Path]) -> dict:
    """Per-process rates of the CPU-side stages on the stored calls: split + text measures, tokenizing, and the
    driver's writes (DuckDB rows, LanceDB rows) of already analysed batches."""
    from core.analysis.analyze import Analyzer
    from core.analysis.ray_analysis import read_groups
    from core.batching import tokenize
    from core.embedding import MAX_TOKENS, load_tokenizer
    from core.storage.vectors import VectorIndex

    store = _imported(data_dir, files)
    ids = [c["call_id"] for c in store.calls()]
    started = time.perf_counter()
    staged = sum(1 for _ in read_groups(store, ids, BATCH_CALLS))
    stage_s = time.perf_counter() - started
    started = time.perf_counter()
    prepared = Analyzer.prepare(store, ids)
    prepare_s = time.perf_counter() - started
    texts = [t for call in prepared for t in call.texts]
    tokenizer = load_tokenizer()
    tokenize(tokenizer, texts[:256], max_tokens=MAX_TOKENS)
    started = time.perf_counter()
    tokenize(tokenizer, texts, max_tokens=MAX_TOKENS)
    tokenize_s = time.perf_counter() - started
    import core.analysis.analyze

    analyzer = Analyzer(device="cpu")
    batch = analyzer.analyse_prepared(prepared)
    vectors = VectorIndex(data_dir / "vectors.lance")
    spent = {"lance": 0.0, "sentence_vectors": 0.0}
    real_write, real_insert = vectors.write_calls, core.analysis.analyze._insert

    def timed_write(rows) -> None:
        began = time.perf_counter()
        real_write(rows)
        spent["lance"] += time.perf_counter() - began

    def timed_insert(cur, table, data) -> None:
        began = time.perf_counter()
        real_insert(cur, table, data)
        if table == "sentence_vectors":
            spent["sentence_vectors"] += time.perf_counter() - began

    vectors.write_calls, core.analysis.analyze._insert = timed_write, timed_insert
    started = time.perf_counter()
    analyzer.write(store, vectors, batch)
    write_s = time.perf_counter() - started
    core.analysis.analyze._insert = real_insert
    vectors.ensure_index()  # scalar and full-text indexes (no ANN below its threshold), compacted
    n = len(texts)
    return {"sentences": n, "calls": len(ids), "groups": staged, "stage_calls_rate": len(ids) / stage_s,
            "prepare_rate": n / prepare_s, "tokenize_rate": n / tokenize_s,
            "duckdb_write_rate": n / (write_s - spent["lance"]),
            "duckdb_write_rate_without_embeddings": n / (write_s - spent["lance"] - spent["sentence_vectors"]),
            "lance_write_rate": n / spent["lance"],
            "duckdb_bytes": _size(data_dir / "calls.duckdb") / n, "lance_bytes": _size(data_dir / "vectors.lance") / n,
            "text_chars": sum(map(len, texts)) / n}


def _size(path: Path) -> int:
    """Bytes of a file, or of every file under a folder."""
    return path.stat().st_size if path.is_file() else sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def section(scale: Scale, workdir: Path) -> str:
    """The markdown of the scale benchmark."""
    files = corpus_files(CALLS[scale.name])
    base = workdir / "scale"
    machine = machine_facts()
    runs = [("one process", _child("analyse", str(base / "single"), "0", *map(str, files)))]
    for workers in (1, 2):
        runs.append((f"Ray, {workers} worker{'s' if workers > 1 else ''}",
                     _child("analyse", str(base / f"ray{workers}"), str(workers), *map(str, files))))
    runs.append(("one process, again", _child("analyse", str(base / "single"), "0", *map(str, files))))
    stages = _child("stages", str(base / "stages"), *map(str, files))
    writes = s3_rates(S3_ROWS[scale.name], base)
    single = runs[0][1]  # ÷ one process: against the faster of its two runs (the machine is shared)
    single_rate = max(f["sentences"] / f["analysis_s"] for label, f in runs if label.startswith("one process"))
    rows = []
    for label, f in runs:
        rate = f["sentences"] / f["analysis_s"]
        steady = f.get("steady_rate")
        rows.append([label, f["threads"], f["calls"], f["sentences"], f"{f['cluster_s']:.1f}",
                     f"{f['first_batch_s']:.1f}", f"{f['analysis_s']:.1f}", f"{rate:.0f}",
                     f"{steady:.0f}" if steady else "–", f"{rate / single_rate:.2f}"])
    write_rows = [[where, writers, f["rows"], f"{f['seconds']:.1f}", f"{f['rows'] / f['seconds']:,.0f}",
                   f"{f['bytes'] / f['seconds'] / 2**20:.1f}"] for where, writers, f in writes]
    stage_rows = [["read stored transcripts for Ray (`read_groups`, the driver)",
                   f"{stages['stage_calls_rate'] * stages['sentences'] / stages['calls']:,.0f} "
                   f"({stages['stage_calls_rate']:,.0f} calls/s)"],
                  ["split + text measures (`prepare_call`)", f"{stages['prepare_rate']:,.0f}"],
                  ["tokenize (fast tokenizer, one process)", f"{stages['tokenize_rate']:,.0f}"],
                  ["DuckDB write of analysed batches (the driver)", f"{stages['duckdb_write_rate']:,.0f}"],
                  ["… of which all but the embeddings' copy (`sentence_vectors`)",
                   f"{stages['duckdb_write_rate_without_embeddings']:,.0f}"],
                  ["LanceDB write, local disk (the driver)", f"{stages['lance_write_rate']:,.0f}"]]
    return "\n".join([
        "## Scale: Ray and object storage (`python -m scripts.bench --only scale`)",
        "",
        machine,
        "",
        f"The same {single['calls']} real calls ({' + '.join(f'{t} ×{n}' for t, n in CALLS[scale.name])}, "
        f"{single['sentences']} sentences), {BATCH_CALLS} call{'s' if BATCH_CALLS > 1 else ''} per work unit on "
        "every path, analysed on the CPU from stored transcripts to both stores: in one process, and with "
        "`RayEngine` on a local Ray cluster (Ray Data: a splitting stage, then an actor pool of model workers; "
        "the process that started it writes). "
        "Cluster start = `ray.init` of the local cluster; first batch = from the start of `Analyzer.run` to the "
        "first batch written (Ray: actors started and models loaded); analysis = all of `Analyzer.run` (with the "
        "indexes and the guidance read after the last batch); steady = sentences per second from the batch that "
        "made every worker deliver one to the last batch. Threads = torch threads per worker. One process runs "
        "before and after the Ray runs; ÷ one process is against the faster of the two.",
        "",
        table(["path", "threads", "calls", "sentences", "cluster start s", "first batch s", "analysis s",
               "sentences/s", "steady sentences/s", "÷ one process"], rows),
        "",
        "What a GPU worker must be fed: the CPU-side stages, sentences per second in one process on the same "
        "calls.",
        "",
        table(["stage", "sentences/s"], stage_rows),
        "",
        f"Stored size per sentence (these calls, {stages['text_chars']:.0f} characters per sentence on average): "
        f"DuckDB {stages['duckdb_bytes']:,.0f} bytes (the raw documents and turns of the calls, the sentence "
        f"rows, topics, Q&A and a float32 copy of each embedding, kept for `repair`), LanceDB "
        f"{stages['lance_bytes']:,.0f} bytes (vector, text, metadata, full-text and scalar indexes, before any ANN "
        "index).",
        "",
        f"Vector writes: {S3_ROWS[scale.name]:,} synthetic rows (384-d float32 and a 102-character sentence) "
        f"appended in batches of {S3_BATCH:,} (one table version each) by one or two writer processes at once "
        "(`VectorIndex.append_calls`), to the local disk and to a local S3-compatible server (moto in a thread, on "
        "127.0.0.1: a stand-in that measures the client and the commit protocol, not a real object store's "
        "bandwidth). MB/s counts vector and text bytes.",
        "",
        table(["target", "writers", "rows", "seconds", "rows/s", "MB/s"], write_rows),
    ])


def main(argv: list[str] | None = None) -> int:
    """Subprocess steps: `analyse DATA_DIR WORKERS FILE…`, `stages DATA_DIR FILE…`."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("mode", choices=("analyse", "stages"))
    parser.add_argument("args", nargs="+")
    args = parser.parse_args(argv)
    if args.mode == "analyse":
        facts = measure_analysis(Path(args.args[0]), [Path(f) for f in args.args[2:]], workers=int(args.args[1]))
    else:
        facts = measure_stages(Path(args.args[0]), [Path(f) for f in args.args[1:]])
    print(json.dumps(facts), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
