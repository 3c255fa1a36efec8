"""Load benchmark: 20 browser sessions search and filter while the app's worker analyses 60 real calls, against the
same analysis alone; and the command line's start-up time."""
from __future__ import annotations

import asyncio
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from ..app_server import serve
from .crowd import CHROMIUM, CHROMIUM_ARGS, crowd, p95, warm
from .ingest import CORPUS
from .report import machine_facts, table

ROOT = Path(__file__).resolve().parents[2]
SESSIONS, ROUNDS = 20, 2
PAGE_GOAL_S, SEARCH_GOAL_S = 5.0, 2.0
CLI_GOAL_S = 0.5
CLI_COMMANDS = (["--help"], ["calls"], ["watch", "list"], ["jobs"])


def _new_calls(corpus: Path) -> list[Path]:
    """60 real calls the corpus does not hold: AMD's and INTC's oldest (the corpus has their latest)."""
    return sorted((CORPUS / "AMD").glob("*.txt"))[:56] + sorted((CORPUS / "INTC").glob("*.txt"))[:4]


def _prepared(corpus: Path, workdir: Path) -> Path:
    """The analysed corpus plus 60 stored calls waiting for analysis."""
    from core import jobs
    from core.store import Store

    base = workdir / "load-base"
    shutil.rmtree(base, ignore_errors=True)
    shutil.copytree(corpus, base)
    store = Store(base / "calls.duckdb")
    job = jobs.submit(store, "import", {"paths": [str(p) for p in _new_calls(corpus)]}, origin="cli")
    done = jobs.run_job(store, jobs.claim(store, jobs.Runner(store)))
    assert done.state == "succeeded" and done.result["counts"].get("inserted") == 60, (job, done.result)
    return base


def _wait(store, job_id: int, *, running_with_work_left: bool = False):
    from core import jobs

    while True:
        job = jobs.get(store, job_id)
        if running_with_work_left and job.state == "running" and job.total and job.done < job.total:
            return job
        if not job.active:
            return job
        time.sleep(0.2)


async def _run(url: str, store, *, with_crowd: bool):
    from playwright.async_api import async_playwright

    from core import jobs

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        job = jobs.submit(store, "analyze", {"ticker": None, "rescore": False}, origin="cli")
        await warm(browser, url)  # the page run sees the queued job and starts the app's worker
        steps, overlap_end = [], None
        if with_crowd:
            await asyncio.to_thread(_wait, store, job.job_id, running_with_work_left=True)
            steps = await crowd(browser, url, sessions=SESSIONS, rounds=ROUNDS)
            overlap_end = jobs.get(store, job.job_id)
        done = await asyncio.to_thread(_wait, store, job.job_id)
        await browser.close()
    return steps, done, overlap_end


def _analysis(data: Path, *, with_crowd: bool):
    from core.store import Store

    store = Store(data / "calls.duckdb")
    with serve(data) as (url, _pid):
        return asyncio.run(_run(url, store, with_crowd=with_crowd))


def _cli_times(data: Path, runs: int = 7) -> list[list[str]]:
    """Median wall seconds of each light command, run as a user runs it."""
    rows = []
    for command in CLI_COMMANDS:
        seconds = []
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "core", *command], cwd=ROOT, capture_output=True, check=True,
                           env={"EARNINGS_DATA_DIR": str(data), "PATH": "/usr/bin:/bin"})
            seconds.append(time.perf_counter() - started)
        median = statistics.median(seconds)
        rows.append([f"`python -m core {' '.join(command)}`", f"{median:.2f}", f"{min(seconds):.2f}",
                     "yes" if median < CLI_GOAL_S else "**no**"])
    return rows


def section(workdir: Path, corpus: Path) -> str:
    """The markdown of the load benchmark and the command line's start-up."""
    base = _prepared(corpus, workdir)
    alone_dir, crowd_dir = workdir / "load-alone", workdir / "load-crowd"
    for target in (alone_dir, crowd_dir):
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(base, target)
    _, alone, _ = _analysis(alone_dir, with_crowd=False)
    steps, loaded, at_crowd_end = _analysis(crowd_dir, with_crowd=True)
    assert alone.state == loaded.state == "succeeded", (alone, loaded)
    search = [s.seconds for s in steps if s.action == "search"]
    pages = [s.seconds for s in steps if s.action != "search"]
    rows = [
        ["search (a new tab on /search?q=…, results drawn)", len(search), f"{statistics.median(search):.2f}",
         f"{p95(search):.2f}", f"{SEARCH_GOAL_S:.0f}", "yes" if p95(search) <= SEARCH_GOAL_S else "**no**"],
        ["pages (sidebar filter to Q&A; a new tab on /trends, chart drawn)", len(pages),
         f"{statistics.median(pages):.2f}", f"{p95(pages):.2f}", f"{PAGE_GOAL_S:.0f}",
         "yes" if p95(pages) <= PAGE_GOAL_S else "**no**"],
    ]
    rate_alone, rate_loaded = alone.result["per_second"], loaded.result["per_second"]
    still = at_crowd_end.active if at_crowd_end else False
    return "\n".join([
        "## Load: 20 browser sessions while the worker analyses 60 calls; command-line start-up",
        "",
        machine_facts(),
        "",
        f"{SESSIONS} Chromium tabs (one browser, Playwright) each do {ROUNDS} rounds of: open /search with a query "
        "in the URL until its results are drawn, apply a sidebar filter (Q&A), open /trends until its chart is "
        f"drawn. They start once the app's worker runs an analysis of 60 stored real calls (AMD and INTC "
        f"StreetEvents, {loaded.result['sentences']:,} sentences) with work left; the analysis "
        f"{'was still running when the crowd finished' if still else 'finished before the crowd did'}.",
        "",
        table(["step", "n", "p50 s", "p95 s", "goal p95 s", "met"], rows),
        "",
        f"Analysis rate: **{rate_loaded:.0f} sentences/s** under the crowd, **{rate_alone:.0f}/s** alone "
        f"(same 60 calls, same app and worker, no browser sessions): {rate_loaded / rate_alone:.2f} of its rate "
        "alone. The worker runs at nice 10, so the app's page requests come first.",
        "",
        "Command-line start-up (wall seconds, median of 7 runs; goal under "
        f"{CLI_GOAL_S} s: heavy libraries are imported only by the commands that need them):",
        "",
        table(["command", "median s", "min s", "met"], _cli_times(crowd_dir)),
    ])
