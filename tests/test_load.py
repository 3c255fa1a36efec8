"""Load: 20 app sessions and 3 Chromium tabs search and filter at once while the app's worker imports and analyses
real calls. The 20 speak the app's websocket protocol as a tab does (scripts/bench/sessions.py): on 2 cores, 20
Chromium tabs spend ten times the server's CPU drawing, which would test Chromium rather than the app."""
from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import shutil
import statistics
import time

import pytest
from apprunner import require_chromium, running_app
from conftest import SHARED, needs_shared
from jobwait import wait_for_job

from scripts.bench import sessions
from scripts.bench.crowd import CHROMIUM, CHROMIUM_ARGS, assert_clean, crowd, p95, settled, warm

pytestmark = [pytest.mark.e2e, pytest.mark.slow, needs_shared("corpus/streetevents/INTC")]

SESSIONS = 20  # over the websocket protocol
TABS = 3       # real Chromium tabs among them
ROUNDS = 2
UPLOADS = sorted((SHARED / "corpus" / "streetevents" / "INTC").glob("*.txt"))[-2:]  # the ingest: 2 real calls
HANG = 120.0  # seconds: a step slower than this is a hang (the speed goals are in `make bench`, BENCHMARKS.md)


def _latest(store, kind: str):
    from core.work import jobs

    return next(j for j in jobs.recent(store) if j.kind == kind)


async def start_ingest(browser, url: str, store) -> tuple[int, float]:
    """Upload the calls on the Data page and import them (a job), then press "Analyse now" once; returns the
    analysis job's id once it runs with work left, and the time the crowd may start."""
    page = await browser.new_page()
    page.set_default_timeout(120_000)
    await page.goto(f"{url}/data")
    await settled(page)
    await page.get_by_role("tab", name="Import files").click()
    await page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files([str(p) for p in UPLOADS])
    await page.get_by_role("button", name="Import", exact=True).click()
    await page.get_by_text(f"Import of {len(UPLOADS)} files: job #").wait_for()
    imported = await asyncio.to_thread(wait_for_job, store.path, _latest(store, "import").job_id)
    assert imported.state == "succeeded" and imported.result["counts"] == {"inserted": len(UPLOADS)}, imported
    await page.goto(f"{url}/data")  # a fresh run of the page counts the new calls
    await settled(page)
    await page.get_by_role("button", name="Analyse now").click()
    await page.get_by_text("Analysis: job #").wait_for()
    await assert_clean(page, "ingest")
    await page.close()
    analysis = _latest(store, "analyze")

    def running_with_work_left() -> bool:
        from core.work import jobs

        job = jobs.get(store, analysis.job_id)
        assert job.state in ("queued", "running"), job
        return job.state == "running" and job.total is not None and job.done < job.total

    while not await asyncio.to_thread(running_with_work_left):
        await asyncio.sleep(0.05)
    return analysis.job_id, time.monotonic(), dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


async def load(url: str, store):
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        await warm(browser, url)
        job_id, crowd_start, crowd_start_utc = await start_ingest(browser, url, store)
        tab_steps, session_steps = await asyncio.gather(crowd(browser, url, sessions=TABS, rounds=ROUNDS),
                                                        sessions.crowd(url, sessions=SESSIONS, rounds=ROUNDS))
        steps = tab_steps + [dataclasses.replace(s, session=s.session + TABS) for s in session_steps]
        analysis = await asyncio.to_thread(wait_for_job, store.path, job_id)
        await browser.close()
    analysis_end = crowd_start + (analysis.finished_at - crowd_start_utc).total_seconds()  # on the steps' clock
    return steps, analysis, analysis_end


def test_sessions_and_tabs_search_and_filter_while_the_worker_ingests(corpus_data_dir, tmp_path):
    """Catches: lock errors between sessions and the jobs, LanceDB conflicts between searches and the vector write,
    a page error under concurrency, a search that finds nothing, a lost click, and hangs."""
    require_chromium()
    from core.storage.store import Store

    data = tmp_path / "data"
    shutil.copytree(corpus_data_dir, data)
    log = tmp_path / "app.log"
    store = Store(data / "calls.duckdb")
    with running_app(data, log=log) as url:
        steps, analysis, analysis_end = asyncio.run(load(url, store))
    server_log = log.read_text(encoding="utf-8", errors="replace")
    worker_log = (data / "worker.log").read_text(encoding="utf-8", errors="replace")
    for problem in ("Traceback", "DatabaseLockedError", "Could not set lock", "connection is busy", "Conflict"):
        assert problem not in server_log, server_log[-3000:]
        assert problem not in worker_log, worker_log[-3000:]
    seconds = [s.seconds for s in steps]
    by_action = {a: statistics.median(s.seconds for s in steps if s.action == a) for a in ("search", "filter",
                                                                                          "trends")}
    overlapping = sum(s.started < analysis_end for s in steps)
    print(f"\n{SESSIONS} sessions + {TABS} tabs x {ROUNDS} rounds: {len(steps)} steps, "
          f"p50 {statistics.median(seconds):.2f} s, "
          f"p95 {p95(seconds):.2f} s, max {max(seconds):.2f} s; medians {by_action}; analysis of {len(UPLOADS)} "
          f"calls ran {analysis_seconds(analysis):.0f} s, {overlapping} of {len(steps)} steps began while it ran")
    assert len(steps) == (SESSIONS + TABS) * ROUNDS * 3
    assert max(seconds) < HANG
    assert analysis.state == "succeeded" and analysis.result["analysed"] == len(UPLOADS)
    assert overlapping >= SESSIONS + TABS  # every session's first step began while the analysis ran (after it began)

    from core.analysis.repair import repair
    from core.storage.vectors import VectorIndex

    with store.cursor() as cur:
        analysed = cur.execute("SELECT count(*) FROM analysis_runs r JOIN calls c USING (call_id) "
                               "WHERE c.ticker = 'INTC'").fetchall()[0][0]
    assert analysed == len(UPLOADS)
    assert repair(store, VectorIndex(data / "vectors.lance"), dry_run=True).consistent


def analysis_seconds(job) -> float:
    """How long the analysis job ran."""
    return (job.finished_at - job.started_at).total_seconds()
