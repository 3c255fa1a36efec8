"""The kinds of job: each a function (JobContext, **JSON arguments) -> JSON result, idempotent step by step.

Steps are a quarter (fetch), a file (import), a batch of calls (analyse), a call (re-parse, delete) or a ticker
(refresh); each is written in its own transaction and followed by `ctx.check()`, where a cancel or a stopping runner
ends the job with what finished kept. A result's `failed` counts the steps that failed (the job then fails too).
"""
from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

from ..ingest.sources import DEFAULT_SOURCE
from ..model import Period
from ..settings import Settings
from ..storage.locks import FileLock
from .running import JobContext

_analyzers: dict[str, object] = {}  # one loaded Analyzer per taxonomy file, reused by later jobs of this process


def _settings(ctx: JobContext) -> Settings:
    """The settings of the data directory the job's database lives in."""
    return Settings(data_dir=Path(ctx.store.path).parent)


def _vectors(ctx: JobContext, encoder=None):
    from ..storage.object_store import open_vectors

    return open_vectors(_settings(ctx), encoder=encoder)


def _analyzer(ctx: JobContext, device: str | None = None):
    from ..analysis.analyze import Analyzer
    from ..analysis.topics import taxonomy_path
    from ..device import resolve_device

    device = resolve_device(device or _settings(ctx).device)
    key = f"{taxonomy_path(_settings(ctx).data_dir)}@{device}"
    if key not in _analyzers:
        ctx.log(f"loading the models ({device})")
        _analyzers[key] = Analyzer(device=device)
    return _analyzers[key]


def _one_analysis_at_a_time(ctx: JobContext) -> FileLock:
    """The analysis lock of the database: a second analysis (another process) waits, then finds the work done."""
    lock = FileLock(Path(ctx.store.path + ".analysis"))
    if ctx.store.path == ":memory:" or lock.acquire():
        return lock
    ctx.log("waiting for another analysis of this database to finish")
    while not lock.acquire(wait_s=1.0):
        ctx.check()
    return lock


def analyze(ctx: JobContext, *, ticker: str | None = None, rescore: bool = False, ray: str | None = None,
            workers: int | None = None, device: str | None = None) -> dict:
    """Analyse every stored call (of a ticker) not analysed with the current models; rescore redoes all. `ray`:
    on the Ray cluster at this address ("local": one started here; default EARNINGS_RAY), with `workers` model
    actors; `device`: auto, cpu or cuda (default EARNINGS_DEVICE)."""
    lock = _one_analysis_at_a_time(ctx)
    try:
        return _analyze(ctx, ticker=ticker, rescore=rescore, ray=ray or _settings(ctx).ray_address,
                        workers=workers, device=device)
    finally:
        lock.release()


def _analyze(ctx: JobContext, *, ticker: str | None, rescore: bool, ray: str | None, workers: int | None,
             device: str | None) -> dict:
    analyzer = _analyzer(ctx, "cpu" if ray else device)  # a Ray run's driver only writes: its models stay on the CPU
    vectors = _vectors(ctx, analyzer.model.encoder)
    engine = None
    if ray:
        from ..analysis.ray_analysis import RayEngine

        engine = RayEngine(address=ray, workers=workers, device=device or _settings(ctx).device,
                           location=vectors.location, log=ctx.log)
    todo = analyzer.pending(ctx.store, ticker=ticker, rescore=rescore)
    ctx.progress(0, len(todo), "loading the calls")
    ctx.log(f"{len(todo)} calls to analyse" + (f" ({ticker})" if ticker else ""))

    def after_batch(done: int, total: int) -> None:
        ctx.log(f"analysed {done}/{total} calls")
        ctx.progress(done, total)
        ctx.check()

    report = analyzer.run(ctx.store, vectors, ticker=ticker, rescore=rescore, progress=after_batch, engine=engine)
    return {"analysed": len(report.analysed), "skipped": report.skipped, "sentences": report.sentences,
            "per_second": round(report.sentences_per_second, 1), "taxonomy": str(analyzer.taxonomy.source),
            "guidance_read": report.guidance_read}


def fetch(ctx: JobContext, *, ticker: str, periods: list[str] | None = None, last: int | None = None,
          source: str = DEFAULT_SOURCE, urls: list[str] | None = None, refresh: bool = False,
          base_url: str | None = None, analyse: bool = False) -> dict:
    """Fetch a ticker's calls (stored calls are skipped unless refresh); analyse them after when asked."""
    from ..ingest.fetch import fetch_calls

    def progress(report, done: int, total: int) -> None:
        ctx.log(f"{ticker} {report.label}: {report.outcome}" + (f" — {report.reason}" if report.reason else ""))
        ctx.progress(done, total, f"{ticker} {report.label}")

    reports = fetch_calls(ctx.store, ticker, periods=[Period.parse(p) for p in periods] if periods else None,
                          last=last, source=source, urls=urls or (), refresh=refresh, settings=_settings(ctx),
                          base_url=base_url, progress=progress, cancelled=ctx.cancelled)
    ctx.check()
    quarters = [{"quarter": r.label, "outcome": r.outcome, "detail": r.reason or r.url} for r in reports]
    result = {"ticker": ticker, "quarters": quarters, "steps": len(reports),
              "failed": sum(r.outcome == "failed" for r in reports)}
    if analyse and any(r.outcome == "fetched" for r in reports):
        result["analysis"] = analyze(ctx, ticker=ticker)
    return result


def import_files(ctx: JobContext, *, paths: list[str], ticker: str | None = None, period: str | None = None,
                 remove_after: bool = False) -> dict:
    """Import files and directories; remove_after deletes the app's upload folders of the given files once all
    went in."""
    from ..ingest.files import import_file, iter_files

    files = list(iter_files([Path(p) for p in paths]))
    outcomes = []
    for n, path in enumerate(files):
        ctx.progress(n, len(files), path.name)
        outcome = import_file(ctx.store, path, ticker=ticker, period=Period.parse(period) if period else None)
        outcomes.append(vars(outcome))
        detail = outcome.call if outcome.outcome != "failed" else outcome.reason
        ctx.log(f"{outcome.outcome:9} {outcome.path}  {detail}")
        for warning in outcome.warnings:
            ctx.log(f"warning   {outcome.path}  {warning}")
        ctx.progress(n + 1, len(files))
        ctx.check()
    counts = Counter(o["outcome"] for o in outcomes)
    if remove_after and not counts["failed"]:
        uploads = (_settings(ctx).data_dir / "uploads").resolve()
        for path in paths:  # only the app's own upload folders, never a folder the user named
            folder = Path(path).resolve().parent
            if folder.parent == uploads:
                shutil.rmtree(folder, ignore_errors=True)
    return {"files": outcomes, "counts": dict(counts), "steps": len(outcomes), "failed": counts["failed"],
            "warnings": sum(len(o["warnings"]) for o in outcomes)}


def reparse(ctx: JobContext) -> dict:
    """Parse every stored call's raw document again (no network); a failed call keeps its old version."""
    from ..ingest.fetch import reparse_calls

    total = len(ctx.store.documents_of_calls())
    seen = []

    def progress(outcome) -> None:
        seen.append({"call": outcome.call, "outcome": outcome.outcome, "detail": outcome.reason})
        ctx.log(f"{outcome.call}: {outcome.outcome}" + (f" — {outcome.reason}" if outcome.reason else ""))
        ctx.progress(len(seen), total, outcome.call)
        ctx.check()

    reparse_calls(ctx.store, progress=progress)
    failed = sum(o["outcome"] == "failed" for o in seen)
    return {"calls": seen, "steps": len(seen), "failed": failed}


def delete(ctx: JobContext, *, call_ids: list[int]) -> dict:
    """Delete stored calls with everything derived from them (their raw documents stay)."""
    vectors = _vectors(ctx)
    for n, call_id in enumerate(call_ids):
        ctx.progress(n, len(call_ids), f"call {call_id}")
        ctx.store.delete_call(int(call_id))
        vectors.delete_call(int(call_id))
        ctx.log(f"deleted call {call_id}")
        ctx.progress(n + 1, len(call_ids))
        ctx.check()
    return {"deleted": len(call_ids)}


def repair(ctx: JobContext, *, dry_run: bool = False) -> dict:
    """Make the vector table agree with the analysed calls (core/analysis/repair.py)."""
    from ..analysis.repair import repair as run_repair

    report = run_repair(ctx.store, _vectors(ctx), dry_run=dry_run)
    ctx.log("DuckDB and LanceDB agree" if report.consistent else "differences found"
            + ("" if dry_run else " and fixed"))
    return {"analysed_calls": report.analysed_calls, "vector_rows": report.vector_rows, "dry_run": dry_run,
            "stale_vectors": report.stale_vectors, "rewritten": report.rewritten, "redo": report.redo,
            "consistent": report.consistent}


def refresh(ctx: JobContext, *, tickers: list[str] | None = None, base_url: str | None = None) -> dict:
    """One pass of the schedule: fetch the newest calls of each watched ticker that is due (or of the given ones),
    note each ticker's outcome on the watchlist, then analyse what is new."""
    from ..errors import TranscriptError
    from ..ingest.fetch import fetch_calls
    from . import watch

    entries = watch.entries(ctx.store)
    wanted = [e for e in entries if e.ticker in tickers] if tickers else [e for e in entries if e.due]
    outcomes, new = [], 0
    for n, entry in enumerate(wanted):
        ctx.progress(n, len(wanted), entry.ticker)
        try:
            reports = fetch_calls(ctx.store, entry.ticker, last=watch.LOOKBACK_QUARTERS, source=entry.source,
                                  settings=_settings(ctx), base_url=base_url, cancelled=ctx.cancelled)
            fetched = [r.label for r in reports if r.outcome == "fetched"]
            problems = [f"{r.label}: {r.reason}" for r in reports if r.outcome == "failed"]
            ok = not problems or any(r.outcome != "failed" for r in reports)
            outcome = (f"{len(fetched)} new call{'s' if len(fetched) != 1 else ''}" + (f" ({', '.join(fetched)})"
                       if fetched else "") + (f"; {len(problems)} failed: {problems[0]}" if problems else ""))
        except TranscriptError as exc:
            fetched, ok, outcome = [], False, f"failed: {exc}"
        watch.record_check(ctx.store, entry.ticker, ok=ok, outcome=outcome)
        ctx.log(f"{entry.ticker}: {outcome}")
        outcomes.append({"ticker": entry.ticker, "ok": ok, "outcome": outcome})
        new += len(fetched)
        ctx.progress(n + 1, len(wanted))
        ctx.check()
    result = {"tickers": outcomes, "new_calls": new, "steps": len(outcomes),
              "failed": sum(not o["ok"] for o in outcomes)}
    if new:
        result["analysis"] = analyze(ctx)
    return result


TASKS = {"analyze": analyze, "fetch": fetch, "import": import_files, "reparse": reparse, "delete": delete,
         "repair": repair, "refresh": refresh}
