"""Load benchmark: 20 app sessions search and filter while the app's worker analyses 60 real calls, against the same
analysis alone; the same crowd as Chromium tabs; and the command line's start-up time."""
from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from ..app_server import serve
from . import sessions
from .crowd import CHROMIUM, CHROMIUM_ARGS, p95, session, warm
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
    from core.storage.store import Store
    from core.work import jobs, running

    base = workdir / "load-base"
    shutil.rmtree(base, ignore_errors=True)
    shutil.copytree(corpus, base)
    store = Store(base / "calls.duckdb")
    job = jobs.submit(store, "import", {"paths": [str(p) for p in _new_calls(corpus)]}, origin="cli")
    done = running.run_job(store, jobs.claim(store, jobs.Runner(store)))
    assert done.state == "succeeded" and done.result["counts"].get("inserted") == 60, (job, done.result)
    return base


def _wait(store, job_id: int, *, running_with_work_left: bool = False):
    from core.work import jobs

    while True:
        job = jobs.get(store, job_id)
        if running_with_work_left and job.state == "running" and job.total and job.done < job.total:
            return job
        if not job.active:
            return job
        time.sleep(0.2)


async def _until_finished(store, job_id: int, finished: asyncio.Event) -> None:
    from core.work import jobs

    while not finished.is_set():
        if not (await asyncio.to_thread(jobs.get, store, job_id)).active:
            finished.set()
        await asyncio.sleep(0.5)


async def _run(url: str, store, *, with_crowd: bool):
    """The analysis of the 60 calls by the app's worker, with the crowd of sessions acting until it ends or not."""
    from core.work import jobs

    job = jobs.submit(store, "analyze", {"ticker": None, "rescore": False}, origin="cli")
    async with sessions.ProtocolSession(url) as first:  # its run sees the queued job and starts the app's worker;
        await first.open("search", "q=warm")              # the first search loads the app's query encoder
    steps, finished = [], asyncio.Event()
    watcher = asyncio.create_task(_until_finished(store, job.job_id, finished))
    if with_crowd:
        await asyncio.to_thread(_wait, store, job.job_id, running_with_work_left=True)
        steps = await sessions.crowd(url, sessions=SESSIONS, rounds=ROUNDS, more=lambda: not finished.is_set())
    await watcher
    return steps, jobs.get(store, job.job_id)


async def _browser_steps(url: str, server_pid: int) -> tuple[list, list[str], dict[str, float]]:
    """The same crowd as Chromium tabs (no job running): end to end, the tabs that failed a step (each stops
    there), and the CPU seconds each side used."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        await warm(browser, url)
        before = _cpu_seconds(server_pid)
        steps: list = []
        outcomes = await asyncio.gather(*(session(browser, url, n, 1, steps) for n in range(SESSIONS)),
                                        return_exceptions=True)
        after = _cpu_seconds(server_pid)
        await browser.close()
    failures = [str(outcome).splitlines()[0][:300] for outcome in outcomes if isinstance(outcome, BaseException)]
    return steps, failures, {name: after[name] - before[name] for name in after}


def _cpu_seconds(server_pid: int) -> dict[str, float]:
    """CPU seconds so far of the whole machine and of the app's server process (the browser is the rest)."""
    ticks = os.sysconf("SC_CLK_TCK")
    with open("/proc/stat", encoding="ascii") as handle:
        fields = [int(v) for v in handle.readline().split()[1:]]
    busy = (sum(fields) - fields[3] - fields[4]) / ticks  # all but idle and iowait
    with open(f"/proc/{server_pid}/stat", encoding="ascii") as handle:
        server = handle.read().rsplit(")", 1)[1].split()
    return {"machine": busy, "server": (int(server[11]) + int(server[12])) / ticks}


def _analysis(data: Path, *, with_crowd: bool):
    from core.storage.store import Store

    store = Store(data / "calls.duckdb")
    with serve(data) as (url, _pid):
        return asyncio.run(_run(url, store, with_crowd=with_crowd))


def _browser_crowd(data: Path):
    with serve(data) as (url, pid):
        return asyncio.run(_browser_steps(url, pid))


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


def _row(what: str, steps: list, goal: float | None) -> list:
    seconds = [s.seconds for s in steps]
    if not seconds:
        return [what, 0, "–", "–", "–", "" if goal is None else f"{goal:.0f}", "" if goal is None else "**no**"]
    met = "" if goal is None else ("yes" if p95(seconds) <= goal else "**no**")
    return [what, len(seconds), f"{statistics.median(seconds):.2f}", f"{p95(seconds):.2f}", f"{max(seconds):.2f}",
            "" if goal is None else f"{goal:.0f}", met]


def section(workdir: Path, corpus: Path) -> str:
    """The markdown of the load benchmark and the command line's start-up."""
    base = _prepared(corpus, workdir)
    alone_dir, crowd_dir, browser_dir = workdir / "load-alone", workdir / "load-crowd", workdir / "load-browser"
    for target in (alone_dir, crowd_dir, browser_dir):
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(base, target)
    _, alone = _analysis(alone_dir, with_crowd=False)
    steps, loaded = _analysis(crowd_dir, with_crowd=True)
    assert alone.state == loaded.state == "succeeded", (alone, loaded)
    print("sessions:", _row("search", [s for s in steps if s.action == "search"], SEARCH_GOAL_S),
          _row("pages", [s for s in steps if s.action != "search"], PAGE_GOAL_S), "rates:",
          loaded.result["per_second"], alone.result["per_second"], flush=True)  # kept if a later part fails
    tabs, tab_failures, cpu = _browser_crowd(browser_dir)
    search = [s for s in steps if s.action == "search"]
    pages = [s for s in steps if s.action != "search"]
    rounds = len(steps) // (3 * SESSIONS)
    headers = ["step", "n", "p50 s", "p95 s", "max s", "goal p95 s", "met"]
    rate_alone, rate_loaded = alone.result["per_second"], loaded.result["per_second"]
    return "\n".join([
        "## Load: 20 sessions while the worker analyses 60 calls; command-line start-up",
        "",
        machine_facts(),
        "",
        f"{SESSIONS} app sessions act at once with no pause between steps, each round: open /search with a query "
        "until its run ends with results, the same with the sidebar's Q&A filter, open /trends until its run ends "
        "with the chart. They speak the app's own websocket protocol, as a browser tab does, and rerun the "
        "sidebar's job indicator at the interval the server asks (`scripts/bench/sessions.py`); a step is timed "
        "from the request to the server's end of the run. They start once the app's worker is analysing 60 stored "
        f"real calls (AMD and INTC StreetEvents, {loaded.result['sentences']:,} sentences) with work left, and go "
        f"on until the analysis ends ({rounds} rounds each, {len(steps)} steps, every one checked for its "
        "content and for errors).",
        "",
        table(headers, [_row("search (query in the URL, results drawn)", search, SEARCH_GOAL_S),
                        _row("pages (Q&A filter; Trends with its chart)", pages, PAGE_GOAL_S)]),
        "",
        f"Analysis rate: **{rate_loaded:.0f} sentences/s** under the crowd, **{rate_alone:.0f}/s** alone "
        f"(same 60 calls, same app and worker, no sessions): {rate_loaded / rate_alone:.2f} of its rate alone. "
        "The worker runs at nice 10, so the app's page requests come first.",
        "",
        f"The same crowd as {SESSIONS} Chromium tabs on this machine (one round, no job running), timed until the "
        "page is drawn. Here the tabs and the server share the 2 cores: the server used "
        f"{cpu['server']:.0f} CPU s of the {cpu['machine']:.0f} the machine spent, the browser nearly all the rest, "
        "so these times mostly measure Chromium drawing 20 pages at once, which a user's own machine does:",
        "",
        table(headers, [_row("search, Chromium tabs", [s for s in tabs if s.action == "search"], None),
                        _row("pages, Chromium tabs", [s for s in tabs if s.action != "search"], None)]),
        "",
        f"{len(tab_failures)} of {SESSIONS} tabs failed a step (a tab stops at its first failure)"
        + (": " + "; ".join(tab_failures) if tab_failures else "."),
        "",
        "Command-line start-up (wall seconds, median of 7 runs; goal under "
        f"{CLI_GOAL_S} s: heavy libraries are imported only by the commands that need them):",
        "",
        table(["command", "median s", "min s", "met"], _cli_times(crowd_dir)),
    ])
