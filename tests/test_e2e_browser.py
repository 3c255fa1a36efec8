"""The real app in a real browser: Debian's Chromium driven by Playwright over `streamlit run` on a free port."""
from __future__ import annotations

import shutil

import pytest
from apprunner import ROOT, chromium, page_url, running_app, warm_up
from apprunner import assert_clean as _assert_clean
from apprunner import settle as _settle

ARTIFACTS = ROOT / "tests" / "artifacts"
PAGES = ["overview", "trends", "topics", "guidance", "digest", "questions", "analysts", "search", "reader", "compare",
         "data"]
CHART = '[data-testid="stPlotlyChart"] .main-svg'

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def app_url(corpus_data_dir, tmp_path_factory):
    # A copy: AppTest tests in this process may still hold the corpus database open (DuckDB allows one holder).
    data = tmp_path_factory.mktemp("e2e") / "data"
    shutil.copytree(corpus_data_dir, data)
    with running_app(data) as url:
        yield url


@pytest.fixture(scope="module")
def browser(app_url, tmp_path_factory):
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as context:
        warm_up(context, app_url)
        yield context


@pytest.mark.parametrize("name", PAGES)
def test_every_page_loads_with_its_charts(browser, app_url, name):
    page = browser.new_page()
    page.goto(page_url(app_url, name))
    _settle(page)
    if name in ("overview", "data", "search", "reader", "compare", "digest", "analysts", "questions"):
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
    page.locator("strong", has_text="Blackwell").first.wait_for(timeout=60_000)  # the match is highlighted
    page.screenshot(path=str(ARTIFACTS / "search-results.png"), full_page=True)
    page.get_by_role("link", name="Open in the reader").first.click()
    page.wait_for_url("**/reader?**", timeout=60_000)
    _settle(page)
    page.get_by_text("Opened at").wait_for(timeout=60_000)
    assert "call=" in page.url and "at=" in page.url
    page.screenshot(path=str(ARTIFACTS / "reader-at-hit.png"), full_page=True)
    _assert_clean(page)
    page.close()


def test_from_overview_to_what_changed_to_the_sentence(browser, app_url):
    page = browser.new_page()
    page.goto(page_url(app_url, "overview"))
    _settle(page)
    page.get_by_role("link", name="What changed on NVDA's FY2025 Q3 call").click()
    page.wait_for_url("**/digest?**", timeout=60_000)
    _settle(page)
    page.get_by_text("against FY2025 Q2").first.wait_for(timeout=60_000)
    page.get_by_role("link", name="Open in the reader").first.click()
    page.wait_for_url("**/reader?**", timeout=60_000)
    _settle(page)
    page.get_by_text("Opened at").wait_for(timeout=60_000)
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
