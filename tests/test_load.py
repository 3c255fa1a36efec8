"""Load: 20 concurrent browser sessions search and filter while the app itself imports and analyses real calls."""
from __future__ import annotations

import asyncio
import shutil
import statistics
import time
from pathlib import Path

import pytest

from apprunner import CHROMIUM, CHROMIUM_ARGS, PROBLEMS, require_chromium, running_app
from conftest import SHARED

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SESSIONS = 20
ROUNDS = 2
QUERIES = ["data center demand", "gross margin guidance", "supply constraints", "inventory", "gaming revenue"]
UPLOADS = sorted((SHARED / "corpus" / "streetevents" / "INTC").glob("*.txt"))[-2:]  # the ingest: 2 real calls
# seconds: a p95 above this is a hang, not slowness. Generous on purpose: on the shared 2-core machine (load ~7 from
# other jobs) 20 sessions + the ingest measured p50 39 s, p95 86 s; an idle machine is several times faster.
HANG = 120.0


async def settled(page, *, timeout_ms: int = 120_000) -> None:
    """Streamlit finished its run: the app's sidebar is there and no script is running."""
    await page.get_by_role("button", name="Apply filters").wait_for(timeout=timeout_ms)
    await page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                                 timeout=timeout_ms)


async def clean(page, where: str) -> None:
    text = await page.inner_text("body")
    assert not any(problem in text for problem in PROBLEMS), (where, text[:1500])
    assert await page.locator('[data-testid="stException"]').count() == 0, where


async def session(browser, url: str, number: int, timings: list) -> None:
    """One user: search, narrow to Q&A in the sidebar, look at trends; every step timed."""
    page = await browser.new_page()
    page.set_default_timeout(120_000)
    try:
        for round_ in range(ROUNDS):
            query = QUERIES[(number + round_) % len(QUERIES)]
            started = time.perf_counter()
            await page.goto(f"{url}/search?q={query.replace(' ', '+')}")
            await settled(page)
            await page.get_by_text("sentences, best first").or_(page.get_by_text("No analysed sentence")).first \
                .wait_for(timeout=120_000)
            timings.append(("search", time.perf_counter() - started))
            await clean(page, f"session {number} search {query!r}")

            started = time.perf_counter()
            sidebar = page.locator('[data-testid="stSidebar"]')
            await sidebar.get_by_role("button", name="Q&A").click()
            await sidebar.get_by_role("button", name="Apply filters").click()
            await page.wait_for_function("() => location.search.includes('section=')", timeout=120_000)
            await settled(page)
            timings.append(("filter", time.perf_counter() - started))
            await clean(page, f"session {number} filter")

            started = time.perf_counter()
            await page.goto(f"{url}/trends")
            await settled(page)
            await page.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for(timeout=120_000)
            timings.append(("trends", time.perf_counter() - started))
            await clean(page, f"session {number} trends")
    finally:
        await page.close()


async def ingest(browser, url: str, done: asyncio.Event) -> float:
    """Upload the calls on the Data page, import them and press "Analyse now"; returns the seconds it took."""
    page = await browser.new_page()
    page.set_default_timeout(120_000)
    started = time.perf_counter()
    await page.goto(f"{url}/data")
    await settled(page)
    await page.get_by_role("tab", name="Import files").click()
    await page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files([str(p) for p in UPLOADS])
    await page.get_by_role("button", name="Import", exact=True).click()
    await page.get_by_text(f"{len(UPLOADS)} imported, 0 failed").wait_for(timeout=300_000)
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    for attempt in range(3):  # a click can be lost under this load (seen 1 run in ~4; not yet explained)
        await page.goto(f"{url}/data")  # a fresh run of the page: the prompt is settled before the click
        await settled(page)
        await page.get_by_role("button", name="Analyse now").click()
        try:
            await page.get_by_text("Analysing calls").or_(page.get_by_text(f"Analysed {len(UPLOADS)} calls")).first \
                .wait_for(timeout=120_000)
            break
        except PlaywrightTimeout:
            assert attempt < 2, "the analysis never started after three clicks on 'Analyse now'"
    await page.get_by_text(f"Analysed {len(UPLOADS)} calls").wait_for(timeout=780_000)
    await clean(page, "ingest")
    done.set()
    await page.close()
    return time.perf_counter() - started


async def load(url: str) -> tuple[list, float, bool]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        warm = await browser.new_page()
        await warm.goto(url)
        await settled(warm, timeout_ms=300_000)
        await warm.close()
        timings: list = []
        done = asyncio.Event()
        ingest_task = asyncio.create_task(ingest(browser, url, done))
        await asyncio.sleep(2)  # the upload is under way before the crowd arrives
        await asyncio.gather(*(session(browser, url, n, timings) for n in range(SESSIONS)))
        overlapped = not done.is_set()  # the ingest still ran when every session had finished its rounds
        seconds = await ingest_task
        await browser.close()
    return timings, seconds, overlapped


def test_twenty_sessions_search_and_filter_while_the_app_ingests(corpus_data_dir, tmp_path):
    """Catches: DuckDB 'connection is busy' or lock errors between sessions and the ingest, LanceDB conflicts
    between searches and the vector write, a page error under concurrency, and hangs (p95 above HANG)."""
    require_chromium()
    if len(UPLOADS) < 2:
        pytest.skip("../shared/corpus/streetevents/INTC is not beside the repo")
    data = tmp_path / "data"
    shutil.copytree(corpus_data_dir, data)
    log = tmp_path / "app.log"
    with running_app(data, log=log) as url:
        timings, ingest_seconds, overlapped = asyncio.run(load(url))
    server_log = log.read_text(encoding="utf-8", errors="replace")
    for problem in ("Traceback", "DatabaseLockedError", "Could not set lock", "connection is busy", "Conflict"):
        assert problem not in server_log, server_log[-3000:]
    latencies = sorted(seconds for _, seconds in timings)
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    by_action = {action: statistics.median(s for a, s in timings if a == action) for action in ("search", "filter",
                                                                                                  "trends")}
    print(f"\n{SESSIONS} sessions x {ROUNDS} rounds: {len(timings)} actions, p50 {statistics.median(latencies):.2f} s,"
          f" p95 {p95:.2f} s, max {latencies[-1]:.2f} s; medians {by_action}; ingest of {len(UPLOADS)} calls "
          f"{ingest_seconds:.1f} s ({'overlapping every session' if overlapped else 'finished before the last'})")
    assert len(timings) == SESSIONS * ROUNDS * 3
    assert p95 < HANG

    from core.repair import repair
    from core.store import Store
    from core.vectors import VectorIndex

    with Store(data / "calls.duckdb") as store:
        with store.cursor() as cur:
            analysed = cur.execute("SELECT count(*) FROM analysis_runs r JOIN calls c USING (call_id) "
                                   "WHERE c.ticker = 'INTC'").fetchall()[0][0]
        assert analysed == len(UPLOADS)
        assert repair(store, VectorIndex(data / "vectors.lance"), dry_run=True).consistent
