"""Ingest benchmark: stored raw StreetEvents files → fully analysed calls, in sentences/s, ÷ raw encode speed.

Each ingest runs in a subprocess (`python -m scripts.bench.ingest DATA_DIR FILE…`) that reports JSON: wall and
CPU seconds of import (parse + store) and analysis (sentences, sentiment, topics, cues, vectors, both stores), its
peak RSS, and the speed of the same model on the same sentences — raw MiniLM encode and the shared embed +
sentiment pass — timed after each batch the analysis writes (interleaved; those pauses are not pipeline time).
A separate `--profile` run breaks the time down with cProfile.
"""
from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .report import machine_facts, mib, table
from .scales import Scale

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus" / "streetevents"
BATCH = 64  # the Analyzer's encoder batch, used for the raw encode too
GOAL = 0.85
PREPARED, RESULT = "prepared.json", "ingest-result.json"  # in a corpus data dir the benchmarks can reuse


@dataclass(frozen=True)
class IngestRun:
    """What one ingest subprocess measured."""

    label: str
    facts: dict


@dataclass(frozen=True)
class IngestResult:
    runs: tuple[IngestRun, ...]
    profile: dict
    data_dir: Path
    machine: str
    memory: IngestRun | None = None  # the larger ingest run for its peak RSS alone (no baseline passes)


def corpus_files(selection: tuple[tuple[str, int], ...]) -> list[Path]:
    """The latest n StreetEvents files of each ticker in ../shared (SystemExit when the corpus is absent)."""
    files = []
    for ticker, n in selection:
        found = sorted((CORPUS / ticker).glob("*.txt"))
        if len(found) < n:
            raise SystemExit(f"{CORPUS / ticker}: {len(found)} files, the benchmark needs {n}")
        files += found[-n:]
    return files


def _worker(data_dir: Path, files: list[Path], *, mode: str = "measure") -> dict:
    command = [sys.executable, "-m", "scripts.bench.ingest", str(data_dir), *map(str, files), "--mode", mode]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"ingest worker failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(scale: Scale, workdir: Path) -> IngestResult:
    """Ingest the scale's calls into workdir/corpus (one subprocess per run), then profile a few calls apart."""
    data_dir = workdir / "corpus"
    shutil.rmtree(data_dir, ignore_errors=True)
    machine = machine_facts()
    runs = []
    for selection in scale.ingest_runs:
        label = " + ".join(f"{ticker} ×{n}" for ticker, n in selection)
        runs.append(IngestRun(label, _worker(data_dir, corpus_files(selection))))
    first = scale.ingest_runs[0][0]
    profile = _worker(_scratch(workdir / "profiled"), corpus_files(((first[0], scale.profile_calls),)),
                      mode="profile")
    memory = None
    if scale.memory_ingest:
        label = " + ".join(f"{ticker} ×{n}" for ticker, n in scale.memory_ingest)
        memory = IngestRun(label, _worker(_scratch(workdir / "memory"), corpus_files(scale.memory_ingest),
                                          mode="memory"))
    for scratch in ("profiled", "memory"):
        shutil.rmtree(workdir / scratch, ignore_errors=True)
    result = IngestResult(tuple(runs), profile, data_dir, machine, memory)
    (data_dir / RESULT).write_text(json.dumps({"runs": [[r.label, r.facts] for r in runs], "profile": profile,
                                               "machine": machine,
                                               "memory": [memory.label, memory.facts] if memory else None}))
    (data_dir / PREPARED).write_text(prepared_key(scale))
    return result


def _scratch(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    return path


def prepared_key(scale: Scale) -> str:
    """What a prepared corpus directory was ingested from (its calls), to decide whether it can be reused."""
    return json.dumps([list(map(list, s)) for s in scale.ingest_runs])


def previous(data_dir: Path, scale: Scale) -> IngestResult | None:
    """The measurements of the ingest that prepared data_dir for this scale, or None when it was not prepared."""
    if not (data_dir / RESULT).is_file() or (data_dir / PREPARED).read_text() != prepared_key(scale):
        return None
    saved = json.loads((data_dir / RESULT).read_text())
    memory = IngestRun(*saved["memory"]) if saved.get("memory") else None
    return IngestResult(tuple(IngestRun(*run) for run in saved["runs"]), saved["profile"], data_dir, saved["machine"],
                        memory)


def section(result: IngestResult) -> str:
    """The markdown of the ingest benchmark."""
    rows = []
    for run in result.runs:
        f = run.facts
        pipeline = f["sentences"] / (f["import_s"] + f["analyse_s"])
        rows.append([run.label, f["calls"], f["sentences"], f"{f['import_s']:.1f}", f"{f['analyse_s']:.1f}",
                     f"{pipeline:.0f}", f"{f['encode_rate']:.0f}", f"**{pipeline / f['encode_rate']:.2f}**",
                     f"{f['cpu_sentences_per_s'] / f['encode_cpu_rate']:.2f}", f"{f['model_rate']:.0f}",
                     f"{pipeline / f['model_rate']:.2f}", mib(f["peak_rss_kib"])])
    p = result.profile
    share = p["model_s"] / p["total_s"]
    phases = [[f"`{name}`", f"{cum:.1f}", f"{100 * cum / p['total_s']:.0f}%", f"{own:.1f}"]
              for name, cum, own in p["functions"]]
    verdict = ("meets" if all(r.facts["sentences"] / (r.facts["import_s"] + r.facts["analyse_s"])
                              / r.facts["encode_rate"] >= GOAL for r in result.runs) else "misses")
    return "\n".join([
        "## Ingest: raw pages → analysed calls",
        "",
        result.machine,
        "",
        "From the StreetEvents files in ../shared (the latest n calls per ticker) to fully analysed calls: import "
        "(decode, parse, store the raw document and turns), then `Analyzer.run` (sentences, sentiment, LM counts, "
        "cues, topics, Q&A exchanges, DuckDB rows, LanceDB vectors, indexes). Pipeline rate = sentences ÷ wall "
        "seconds of both. Raw encode = `Encoder.encode` (frozen all-MiniLM-L6-v2, batch 64) of the same sentences "
        "in the same process; model pass = `SentimentModel.embed_and_score` (encoder + the tuned sentiment layer) "
        "of the same sentences. Both are timed after each batch of calls the analysis writes (a progress callback; "
        "that pause is not counted as pipeline time), so a change of load on the shared machine hits all three "
        "alike. CPU ratio = the same ratio on process CPU time. Peak RSS = the ingest process's ru_maxrss (models "
        "loaded; it includes the baseline passes, which work on one batch at a time like the analysis).",
        "",
        table(["calls ingested", "calls", "sentences", "import s", "analyse s", "pipeline sent/s", "raw encode sent/s",
               "÷ raw encode (goal ≥ 0.85)", "÷ raw encode, CPU time", "model pass sent/s", "÷ model pass",
               "peak RSS MiB"], rows),
        "",
        f"Result: the pipeline **{verdict}** the ≥ {GOAL} goal in this run.",
        "",
        f"### Where the time goes (cProfile, {p['calls']} calls, {p['sentences']} sentences, "
        f"{p['total_s']:.1f} s profiled)",
        "",
        f"The model pass (`embed_and_score`: tokenizer + encoder + sentiment layer) takes "
        f"**{100 * share:.0f}%**; everything else {100 - 100 * share:.0f}%. "
        "Functions of `core/` by cumulative time (nested: a caller includes its callees; cProfile inflates "
        "pure-Python code more than torch calls):",
        "",
        table(["function", "cumulative s", "% of total", "own s"], phases),
    ])


def _measure(data_dir: Path, files: list[Path], *, baselines: bool = True) -> dict:
    """Import + analyse the files into data_dir; after each batch the analysis writes, time the raw encoder and
    the model on that batch's sentences (interleaved, so load changes on the shared machine hit all three alike).
    Without baselines: the ingest alone (its peak RSS is then the pipeline's own)."""
    from core.analysis.analyze import Analyzer
    from core.ingest.files import import_paths
    from core.storage.store import Store
    from core.storage.vectors import VectorIndex

    analyzer = Analyzer(batch_size=BATCH)
    analyzer.model.embed_and_score(["Revenue grew 12% in the quarter."] * 8)  # warm-up
    baseline = {"encode": [0.0, 0.0], "model": [0.0, 0.0], "sentences": 0, "pause": [0.0, 0.0], "done": set()}

    def after_batch(done: int, total: int) -> None:  # runs between two batches of Analyzer.run
        paused = time.perf_counter(), time.process_time()
        with store.cursor() as cur:
            rows = cur.execute("SELECT call_id, text FROM sentences WHERE call_id IN "
                               "(SELECT call_id FROM analysis_runs) ORDER BY call_id, pos").fetchall()
        texts = [text for call_id, text in rows if call_id not in baseline["done"]]
        baseline["done"] |= {call_id for call_id, _ in rows}
        baseline["sentences"] += len(texts)
        for name, work in (("encode", lambda: analyzer.model.encoder.encode(texts, batch_size=BATCH)),
                           ("model", lambda: analyzer.model.embed_and_score(texts, batch_size=BATCH))):
            wall, cpu = _timed(work)
            baseline[name][0] += wall
            baseline[name][1] += cpu
        baseline["pause"][0] += time.perf_counter() - paused[0]
        baseline["pause"][1] += time.process_time() - paused[1]

    with Store(data_dir / "calls.duckdb") as store:
        vectors = VectorIndex(data_dir / "vectors.lance", encoder=analyzer.model.encoder)
        wall, cpu = time.perf_counter(), time.process_time()
        outcomes = import_paths(store, files)
        import_s = time.perf_counter() - wall
        report = analyzer.run(store, vectors, progress=after_batch if baselines else None)
        total_s = time.perf_counter() - wall - baseline["pause"][0]
        total_cpu = time.process_time() - cpu - baseline["pause"][1]
        failed = [o for o in outcomes if o.outcome == "failed"]
        if failed:
            raise SystemExit(f"import failed: {failed}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # includes the baseline passes (same model, batches)
    if not baselines:
        return {"calls": len(report.analysed), "sentences": report.sentences, "import_s": import_s,
                "analyse_s": total_s - import_s, "peak_rss_kib": peak}
    n = baseline["sentences"]
    if n != report.sentences:
        raise SystemExit(f"{report.sentences} sentences analysed but {n} stored")
    return {"calls": len(report.analysed), "sentences": n, "import_s": import_s, "analyse_s": total_s - import_s,
            "cpu_sentences_per_s": n / total_cpu, "encode_rate": n / baseline["encode"][0],
            "encode_cpu_rate": n / baseline["encode"][1], "model_rate": n / baseline["model"][0],
            "peak_rss_kib": peak}


def _timed(work) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def _profile(data_dir: Path, files: list[Path], *, top: int = 18) -> dict:
    """The ingest under cProfile: total, model pass, and the core/ functions with the most cumulative time."""
    from core.analysis.analyze import Analyzer
    from core.ingest.files import import_paths
    from core.storage.store import Store
    from core.storage.vectors import VectorIndex

    analyzer = Analyzer(batch_size=BATCH)
    analyzer.model.embed_and_score(["Revenue grew 12% in the quarter."] * 8)
    profiler = cProfile.Profile()
    with Store(data_dir / "calls.duckdb") as store:
        vectors = VectorIndex(data_dir / "vectors.lance", encoder=analyzer.model.encoder)
        started = time.perf_counter()
        profiler.enable()
        import_paths(store, files)
        report = analyzer.run(store, vectors)
        profiler.disable()
        total = time.perf_counter() - started
    stats = pstats.Stats(profiler).stats  # (file, line, name) -> (cc, nc, tottime, cumtime, callers)
    core = str(ROOT / "core")
    ours = [(f"{Path(file).relative_to(ROOT)}:{line} {name}", cum, own)
            for (file, line, name), (_, _, own, cum, _) in stats.items() if file.startswith(core)]
    model = sum(cum for (file, _, name), (*_, cum, _) in stats.items()
                if file.startswith(core) and name == "embed_and_score")
    ours.sort(key=lambda row: -row[1])
    return {"calls": len(report.analysed), "sentences": report.sentences, "total_s": total, "model_s": model,
            "functions": ours[:top]}


def main(argv: list[str] | None = None) -> int:
    """Worker: ingest files into a data dir and print the measurements as one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("files", type=Path, nargs="+")
    parser.add_argument("--mode", choices=("measure", "profile", "memory"), default="measure",
                        help="measure: with the baseline passes; profile: under cProfile (where time goes); "
                             "memory: the ingest alone (its peak RSS)")
    args = parser.parse_args(argv)
    if args.mode == "profile":
        facts = _profile(args.data_dir, args.files)
    else:
        facts = _measure(args.data_dir, args.files, baselines=args.mode == "measure")
    print(json.dumps(facts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
