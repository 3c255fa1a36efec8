"""The real app in a real browser: Debian's Chromium driven by Playwright over `streamlit run` on a free port."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "artifacts"
PAGES = ["overview", "trends", "topics", "search", "reader", "compare", "data"]
CHART = '[data-testid="stPlotlyChart"] .main-svg'
PROBLEMS = ("Traceback", "Exception:", "Error:", "StreamlitAPIException")

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(corpus_data_dir):
    if not CHROMIUM.is_file():
        pytest.skip("/usr/bin/chromium is absent (apt-get install chromium)")
    port = _free_port()
    env = {**os.environ, "EARNINGS_DATA_DIR": str(corpus_data_dir)}
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("the app did not become healthy in 60 s")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.fixture(scope="module")
def browser(app_url, tmp_path_factory):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM), headless=True,
            accept_downloads=True, viewport={"width": 1400, "height": 1000},
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield context
        context.close()


def _settle(page) -> None:
    """Wait until Streamlit has finished running the script."""
    page.wait_for_selector('[data-testid="stApp"]')
    # the app's own sidebar (filters) replaces Streamlit's file-based page list once app.py has run
    page.get_by_role("button", name="Apply filters").wait_for(timeout=60_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)


def _assert_clean(page) -> None:
    text = page.inner_text("body")
    assert not any(problem in text for problem in PROBLEMS), text[:2000]
    assert page.locator('[data-testid="stException"]').count() == 0


@pytest.mark.parametrize("name", PAGES)
def test_every_page_loads_with_its_charts(browser, app_url, name):
    page = browser.new_page()
    page.goto(f"{app_url}/{name}")
    _settle(page)
    if name in ("overview", "data", "search", "reader", "compare"):
        page.wait_for_selector('[data-testid="stMainBlockContainer"] h1')
    else:
        page.wait_for_selector(CHART, timeout=60_000)
    _settle(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    _assert_clean(page)
    page.close()


def test_search_then_open_the_reader_at_the_hit(browser, app_url):
    page = browser.new_page()
    page.goto(f"{app_url}/search?q=Blackwell+demand")
    _settle(page)
    page.get_by_text("sentences, best first").wait_for(timeout=60_000)
    assert page.locator("strong", has_text="Blackwell").count() > 0  # the match is highlighted
    page.screenshot(path=str(ARTIFACTS / "search-results.png"), full_page=True)
    page.get_by_role("button", name="Open").first.click()
    page.wait_for_url("**/reader?**", timeout=60_000)
    _settle(page)
    page.get_by_text("Opened at").wait_for(timeout=60_000)
    assert "call=" in page.url and "at=" in page.url
    page.screenshot(path=str(ARTIFACTS / "reader-at-hit.png"), full_page=True)
    _assert_clean(page)
    page.close()


def test_sidebar_filter_goes_into_the_url(browser, app_url):
    page = browser.new_page()
    page.goto(f"{app_url}/trends")
    _settle(page)
    page.wait_for_selector(CHART, timeout=60_000)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_role("button", name="Q&A").click()
    sidebar.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**section=Q*", timeout=30_000)
    _settle(page)
    page.reload()
    _settle(page)
    page.wait_for_selector(CHART, timeout=60_000)
    assert "Q&A" in page.inner_text('[data-testid="stCaptionContainer"] >> nth=0')
    _assert_clean(page)
    page.close()


def test_download_the_sentence_csv(browser, app_url, tmp_path):
    page = browser.new_page()
    page.goto(f"{app_url}/data")
    _settle(page)
    page.get_by_role("tab", name="Export").click()
    button = page.get_by_role("button", name="sentences (CSV)")
    with page.expect_download(timeout=60_000) as download:
        button.click()
    target = tmp_path / "sentences.csv"
    download.value.save_as(target)
    header = target.read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("ticker,fiscal_year,fiscal_quarter,fiscal_period,call_date")
    assert len(target.read_text(encoding="utf-8").splitlines()) > 1000
    page.close()
