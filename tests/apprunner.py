"""Running the real app for browser tests: `streamlit run` on a free port, Debian's Chromium through Playwright."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PROBLEMS = ("Traceback", "Exception:", "Error:", "StreamlitAPIException", "Page not found")


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


def page_url(base: str, page: str) -> str:
    """The URL of one of the app's pages ("overview?x=1" …); Overview is the default page, served at the root."""
    name, _, query = page.partition("?")
    return f"{base}/{'' if name == 'overview' else name}{'?' + query if query else ''}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def require_chromium() -> None:
    if not CHROMIUM.is_file():
        pytest.skip("/usr/bin/chromium is absent (apt-get install chromium)")


@contextmanager
def running_app(data_dir: Path, *, env: dict[str, str] | None = None, address: str | None = "127.0.0.1",
                log: Path | None = None) -> Iterator[str]:
    """The app on a free port over data_dir; yields its URL. address=None leaves the address to
    .streamlit/config.toml (the default a user gets). The server's output goes to `log` when given."""
    port = free_port()
    flags = ["--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"]
    if address:
        flags += ["--server.address", address]
    sink = log.open("wb") if log else subprocess.DEVNULL
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), *flags], cwd=ROOT,
                              env={**os.environ, **(env or {}), "EARNINGS_DATA_DIR": str(data_dir)},
                              stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("the app did not become healthy in 120 s")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        if log:
            sink.close()


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
