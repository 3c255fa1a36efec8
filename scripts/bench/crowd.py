"""A crowd of browser sessions that search, filter and open Trends, every step timed (the load test and the load
benchmark both use it). A step is done when its content is drawn, never after a fixed time."""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 # every tab of the crowd is a user looking at it: Chromium must not throttle the ones it thinks
                 # are in the background (their timers and rendering slowed to a crawl, steps took 40-100 s)
                 "--disable-background-timer-throttling", "--disable-backgrounding-occluded-windows",
                 "--disable-renderer-backgrounding"]
PROBLEMS = ("Traceback", "Exception:", "Error:", "StreamlitAPIException", "Page not found")
QUERIES = ["data center demand", "gross margin guidance", "supply constraints", "inventory", "gaming revenue"]
STEP_TIMEOUT_MS = 120_000


@dataclass(frozen=True)
class Step:
    """One timed user action: 'search', 'filter' or 'trends'."""

    session: int
    action: str
    started: float  # time.monotonic()
    seconds: float


async def settled(page, *, timeout_ms: int = STEP_TIMEOUT_MS) -> None:
    """Streamlit finished its run: the app's sidebar is there and no script is running."""
    await page.get_by_role("button", name="Apply filters").wait_for(timeout=timeout_ms)
    await page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                                 timeout=timeout_ms)


async def assert_clean(page, where: str) -> None:
    text = await page.inner_text("body")
    assert not any(problem in text for problem in PROBLEMS), (where, text[:1500])
    assert await page.locator('[data-testid="stException"]').count() == 0, where


async def session(browser, url: str, number: int, rounds: int, steps: list[Step]) -> None:
    """One user: search (results must be found), narrow to Q&A in the sidebar, look at Trends."""
    page = await browser.new_page()
    page.set_default_timeout(STEP_TIMEOUT_MS)

    async def timed(action: str, work) -> None:
        from playwright.async_api import TimeoutError as PlaywrightTimeout

        started = time.monotonic()
        try:
            await work()
        except PlaywrightTimeout as exc:
            text = await page.inner_text("body")
            raise AssertionError(f"session {number} {action} at {page.url}: {exc}\npage: {text[-1500:]}") from None
        steps.append(Step(number, action, started, time.monotonic() - started))
        await assert_clean(page, f"session {number} {action}")

    try:
        for round_ in range(rounds):
            query = QUERIES[(number + round_) % len(QUERIES)]

            async def search(query: str = query) -> None:
                await page.goto(f"{url}/search?q={query.replace(' ', '+')}")
                await settled(page)
                await page.get_by_text("sentences, best first").wait_for()

            async def narrow() -> None:
                sidebar = page.locator('[data-testid="stSidebar"]')
                await sidebar.get_by_role("button", name="Q&A").click()
                await sidebar.get_by_role("button", name="Apply filters").click()
                await page.wait_for_function("() => location.search.includes('section=')")
                await settled(page)

            async def trends() -> None:
                await page.goto(f"{url}/trends")
                await settled(page)
                await page.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for()

            await timed("search", search)
            await timed("filter", narrow)
            await timed("trends", trends)
    finally:
        await page.close()


async def warm(browser, url: str) -> None:
    """The root once (a fresh server's first run imports torch; with a job queued, it starts the app's worker)."""
    page = await browser.new_page()
    await page.goto(url)
    await settled(page, timeout_ms=300_000)
    await page.close()


async def crowd(browser, url: str, *, sessions: int, rounds: int) -> list[Step]:
    """Every session's steps, the sessions running at once."""
    steps: list[Step] = []
    await asyncio.gather(*(session(browser, url, n, rounds, steps) for n in range(sessions)))
    return steps


def p95(values: list[float]) -> float:
    """The 95th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, int(round(0.95 * len(ordered) + 0.5)) - 1)] if ordered else float("nan")
