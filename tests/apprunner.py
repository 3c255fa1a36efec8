"""Running the real app for browser tests: `streamlit run` on a free port, Debian's Chromium through Playwright."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import missing_prerequisite

from scripts.app_server import AppNotHealthy, serve
from scripts.bench.crowd import CHROMIUM, CHROMIUM_ARGS, PROBLEMS  # one definition for tests and benchmarks

ROOT = Path(__file__).resolve().parents[1]


def open_page(page: str, *, params: dict | None = None, timeout: int = 180):
    """AppTest: run the app, then switch to one page (with optional query parameters); no exception on either run."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, (page, at.exception)
    if page != "overview":
        at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, (page, params, at.exception)
    return at


def require_chromium() -> None:
    """The browser the end-to-end tests drive: skips when absent, fails under CI=1."""
    if not CHROMIUM.is_file():
        missing_prerequisite(f"{CHROMIUM} is absent (apt-get install chromium)")


def page_url(base: str, page: str) -> str:
    """The URL of one of the app's pages ("overview?x=1" …); Overview is the default page, served at the root."""
    name, _, query = page.partition("?")
    return f"{base}/{'' if name == 'overview' else name}{'?' + query if query else ''}"


@contextmanager
def running_app(data_dir: Path, *, env: dict[str, str] | None = None, address: str | None = "127.0.0.1",
                log: Path | None = None) -> Iterator[str]:
    """The app on a free port over data_dir (scripts/app_server.py); yields its URL."""
    try:
        with serve(data_dir, env=env, address=address, log=log) as (url, _):
            yield url
    except AppNotHealthy as exc:
        pytest.fail(str(exc))


@contextmanager
def chromium(profile: Path) -> Iterator[object]:
    """A headless Chromium persistent context (sync Playwright)."""
    from playwright.sync_api import sync_playwright

    require_chromium()
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True, accept_downloads=True,
            viewport={"width": 1400, "height": 1000}, args=CHROMIUM_ARGS)
        yield context
        context.close()


def settle(page, *, timeout_ms: int = 60_000) -> None:
    """Wait until Streamlit has finished running the script (the first run of a fresh server imports torch: give
    it a longer timeout on a busy machine)."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    # the app's own sidebar (filters) replaces Streamlit's file-based page list once app.py has run
    page.get_by_role("button", name="Apply filters").wait_for(timeout=timeout_ms)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout_ms)


def warm_up(browser, url: str) -> None:
    """Open the app's root once and let it finish (a fresh server's first run imports torch). The root first:
    a fresh server whose very first request is a page URL (/reader?…) serves Streamlit's file-based pages/
    instead of the app's navigation (seen with streamlit 1.67; reported)."""
    page = browser.new_page()
    page.goto(url)
    settle(page, timeout_ms=180_000)
    page.close()


def assert_clean(page) -> None:
    """No exception box and no error text on the page."""
    text = page.inner_text("body")
    assert not any(problem in text for problem in PROBLEMS), text[:2000]
    assert page.locator('[data-testid="stException"]').count() == 0
