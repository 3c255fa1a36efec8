"""Fetching from a fool.com-like local site: discovery, cache first, faults per quarter, nothing partial stored."""
from __future__ import annotations

import datetime as dt

import pytest
from conftest import needs_shared
from fool_site import (
    CCL_PAGE,
    CCL_Q2_2020,
    NVDA_PAGE,
    NVDA_Q1_2026,
    NVDA_Q2_2026,
    NVDA_Q3_2026,
    NVDA_QUOTE,
    nvidia_site,
    running_site,
)

from core.fiscal import latest_period
from core.http import HttpClient, HttpPolicy
from core.ingest.fetch import fetch_calls
from core.ingest.fetch_plan import last_periods
from core.ingest.parsers import PARSER_VERSION
from core.ingest.sources.fool import describe, extract_links, normalize_url, period_end_month, slug_names_ticker
from core.model import Period
from core.settings import Settings
from core.storage.store import Store

pytestmark = needs_shared(NVDA_PAGE, CCL_PAGE)

Q1, Q2, Q3 = Period(2026, 1), Period(2026, 2), Period(2026, 3)
INTERVAL = 0.15
POLICY = HttpPolicy(min_interval=INTERVAL, host_intervals={}, backoff_base=0.05, backoff_max=0.2, read_timeout=0.5,
                    connect_timeout=1.0, max_total_wait=5.0, retry_after_cap=2.0, max_retries=2)


@pytest.fixture
def site():
    with running_site() as s:
        yield nvidia_site(s)


@pytest.fixture
def store():
    with Store(":memory:") as s:
        yield s


def fetch(store, site, ticker="NVDA", periods=(Q1, Q2, Q3), **kwargs):
    client = HttpClient(user_agent="TestAgent/1.0", policy=POLICY)
    return fetch_calls(store, ticker, periods=list(periods) if periods is not None else None,
                       settings=Settings(), client=client, base_url=site.base_url, **kwargs)


def outcome(reports):
    return {r.label: r.outcome for r in reports}


def stored(store):
    return {(c["ticker"], f"{c['fiscal_year']}Q{c['fiscal_quarter']}") for c in store.calls()}


def documents(store):
    with store.cursor() as cur:
        return cur.execute("SELECT source, http_status, parser_version, parse_error FROM documents "
                           "ORDER BY source").fetchall()


# -- URL handling ---------------------------------------------------------------------------------
def test_normalize_url_handles_prefix_slash_aspx_relative_and_base():
    base = "http://127.0.0.1:9/mirror"
    assert normalize_url("https://www.fool.com/4056/earnings/call-transcripts/2025/11/19/"
                         "nvidia-nvda-q3-2026-earnings-call-transcript", base_url=base) == (
        "http://127.0.0.1:9/mirror/earnings/call-transcripts/2025/11/19/nvidia-nvda-q3-2026-earnings-call-transcript/")
    assert normalize_url("/earnings/call-transcripts/2020/07/10/carnival-corp-plc-ccl-q2-2020-earnings-call-transc"
                         ".aspx", base_url="https://www.fool.com/") == (
        "https://www.fool.com/earnings/call-transcripts/2020/07/10/carnival-corp-plc-ccl-q2-2020-earnings-call-transc"
        ".aspx")
    assert normalize_url("http://127.0.0.1:9/mirror/earnings/call-transcripts/2021/08/18/"
                         "nvidia-corporation-nvda-q2-2022-earnings-call-tran", base_url=base).endswith("-tran/")
    with pytest.raises(Exception, match="not a fool.com address"):
        normalize_url("https://example.com/earnings/call-transcripts/2025/11/19/x-q3-2026/", base_url=base)
    with pytest.raises(Exception, match="not a transcript address"):
        normalize_url("https://www.fool.com/investing/2025/11/19/some-article/", base_url=base)


@pytest.mark.parametrize(("path", "ticker", "period"), [
    ("/earnings/call-transcripts/2025/11/19/nvidia-nvda-q3-2026-earnings-call-transcript/", "NVDA", Period(2026, 3)),
    ("/earnings/call-transcripts/2026/05/20/nvidia-nvda-q1-2027-earnings-transcript/", "NVDA", Period(2027, 1)),
    ("/earnings/call-transcripts/2020/07/10/carnival-corp-plc-ccl-q2-2020-earnings-call-transc.aspx", "CCL",
     Period(2020, 2)),
    ("/earnings/call-transcripts/2021/08/18/nvidia-corporation-nvda-q2-2022-earnings-call-tran/", "NVDA",
     Period(2022, 2)),
    ("/earnings/call-transcripts/2018/07/11/simulations-plus-inc-slp-q3-2018-earnings-conferen.aspx", "SLP",
     Period(2018, 3)),
    ("/earnings/call-transcripts/2018/06/25/carnival-corporation-ccl-earnings-conference-call.aspx", None, None),
])
def test_slug_gives_ticker_and_fiscal_period(path, ticker, period):
    link = describe(path, base_url="https://www.fool.com")
    assert (link.ticker, link.period) == (ticker, period)


def test_slug_names_ticker_only_before_the_quarter():
    assert slug_names_ticker("nvidia-nvda-q3-2026-earnings-call-transcript", "NVDA")
    assert slug_names_ticker("berkshire-hathaway-brk-b-q1-2025-earnings-call-transcript", "BRK.B")
    assert not slug_names_ticker("nvidia-nvda-q3-2026-earnings-call-transcript", "NVD")
    assert not slug_names_ticker("amd-nvda-partner-xyz-q3-2026-earnings", "NVDA")


def test_links_come_from_html_and_the_next_payload_of_the_real_page():
    links = extract_links(NVDA_PAGE.read_text(encoding="utf-8"), base_url="https://www.fool.com")
    assert [link.url for link in links] == ["https://www.fool.com" + NVDA_Q3_2026]


def test_period_end_month_follows_the_fiscal_calendar():
    assert period_end_month("NVDA", Period(2026, 3)) == (2025, 10)
    assert period_end_month("NVDA", Period(2026, 4)) == (2026, 1)
    assert period_end_month("CCL", Period(2020, 2)) == (2020, 6)


# -- discovery and fetching ------------------------------------------------------------------------
def test_quote_page_discovery_fetches_every_layout_and_stores_provenance(store, site):
    reports = fetch(store, site)
    assert outcome(reports) == {"2026Q1": "fetched", "2026Q2": "fetched", "2026Q3": "fetched"}
    assert stored(store) == {("NVDA", "2026Q1"), ("NVDA", "2026Q2"), ("NVDA", "2026Q3")}
    assert [r.url for r in reports] == [site.base_url + p for p in (NVDA_Q1_2026, NVDA_Q2_2026, NVDA_Q3_2026)]
    real = next(c for c in store.calls() if c["fiscal_quarter"] == 3)
    assert (real["format"], real["http_status"], real["call_date"]) == ("fool_current", 200, dt.date(2025, 11, 19))
    assert real["fetched_at"] is not None and len(real["doc_id"]) == 64
    assert {d[1:] for d in documents(store)} == {(200, PARSER_VERSION, None)}
    assert site.requests_to("/quote/nvda") and site.requests_to(NVDA_QUOTE)
    assert not site.requests_to("/earnings-call-transcripts/")  # the quote page had everything


def test_listing_is_the_fallback_when_no_quote_page_exists(store, site):
    reports = fetch(store, site, ticker="CCL", periods=[Period(2020, 2)])
    assert outcome(reports) == {"2020Q2": "fetched"}
    assert [p for _, p in site.hits if "quote" in p] == ["/quote/ccl", "/quote/nasdaq/ccl/", "/quote/nyse/ccl/"]
    assert site.requests_to("/earnings-call-transcripts/?page=2")
    call = store.calls()[0]
    assert (call["ticker"], call["format"], call["turns"] > 50) == ("CCL", "fool_legacy", True)


def test_quarter_found_nowhere_is_a_clear_failure(store, site):
    reports = fetch(store, site, periods=[Period(2024, 1), Q3])
    assert outcome(reports) == {"2024Q1": "failed", "2026Q3": "fetched"}
    assert reports[0].reason == "no fool transcript found for NVDA 2024Q1"


def test_user_given_urls_are_normalised_and_fetched_without_discovery(store, site):
    urls = ["https://www.fool.com/4056" + CCL_Q2_2020, site.base_url + NVDA_Q2_2026.rstrip("/")]
    reports = fetch(store, site, ticker="CCL", periods=None, urls=urls)
    assert outcome(reports) == {"2020Q2": "fetched", "2026Q2": "failed"}
    assert reports[1].reason == "kept raw, not stored as a call: the document is NVDA 2026Q2, not CCL 2026Q2"
    assert not [p for _, p in site.hits if "quote" in p or "earnings-call-transcripts" in p]
    assert stored(store) == {("CCL", "2020Q2")}


def test_last_n_counts_back_from_the_newest_published_quarter(store, site):
    # 2026-03-20: NVDA's Q4 FY2026 (ended January) may have been reported, but the site has no page for it yet.
    today = dt.date(2026, 3, 20)
    assert latest_period("NVDA", today=today) == Period(2026, 4)
    reports = fetch(store, site, periods=None, last=2, today=today)
    assert outcome(reports) == {"2026Q2": "fetched", "2026Q3": "fetched"}
    assert last_periods(Period(2026, 1), 3) == [Period(2025, 3), Period(2025, 4), Period(2026, 1)]


# -- politeness and the cache ----------------------------------------------------------------------
def test_rate_limit_holds_at_the_server(store, site):
    fetch(store, site)
    times = [t for t, _ in site.hits]
    assert len(times) >= 6
    gaps = [b - a for a, b in zip(times, times[1:])]
    # Server-side handler times jitter with the machine's load: the span proves the pacing (unpaced requests land
    # milliseconds apart), and no single gap may collapse.
    assert times[-1] - times[0] >= (len(times) - 1) * INTERVAL - 0.05, gaps
    assert min(gaps) >= INTERVAL / 2, gaps


def test_second_run_makes_zero_requests_and_refresh_fetches_again(store, site):
    fetch(store, site)
    before = site.count
    again = fetch(store, site)
    assert outcome(again) == {"2026Q1": "cached", "2026Q2": "cached", "2026Q3": "cached"}
    assert site.count == before
    refreshed = fetch(store, site, periods=[Q3], refresh=True)
    assert outcome(refreshed) == {"2026Q3": "fetched"}
    assert len(site.requests_to(NVDA_Q3_2026)) == 2
    assert len(store.calls()) == 3


def test_progress_callback_sees_every_quarter(store, site):
    seen = []
    fetch(store, site, progress=lambda report, done, total: seen.append((report.label, done, total)))
    assert sorted(label for label, _, _ in seen) == ["2026Q1", "2026Q2", "2026Q3"]
    assert [(done, total) for _, done, total in seen] == [(1, 3), (2, 3), (3, 3)]


# -- injected faults: each ends in success or a clear per-quarter error; the other quarters are fetched --
def test_429_with_retry_after_is_waited_out(store, site):
    site.fault(NVDA_Q2_2026, ("status", 429, {"Retry-After": "1"}))
    assert outcome(fetch(store, site)) == {"2026Q1": "fetched", "2026Q2": "fetched", "2026Q3": "fetched"}
    first, second = site.requests_to(NVDA_Q2_2026)
    assert second - first >= 0.95


def test_503_twice_then_200_is_fetched(store, site):
    site.fault(NVDA_Q2_2026, ("status", 503), ("status", 503))
    assert outcome(fetch(store, site)) == {"2026Q1": "fetched", "2026Q2": "fetched", "2026Q3": "fetched"}
    assert len(site.requests_to(NVDA_Q2_2026)) == 3


def test_read_timeout_fails_that_quarter_only(store, site):
    site.fault(NVDA_Q2_2026, *[("sleep", 1.0)] * 3)
    reports = fetch(store, site)
    assert outcome(reports) == {"2026Q1": "fetched", "2026Q2": "failed", "2026Q3": "fetched"}
    assert reports[1].reason.startswith("timed out")
    assert stored(store) == {("NVDA", "2026Q1"), ("NVDA", "2026Q3")}
    assert not [d for d in documents(store) if "q2-2026" in d[0]]


def test_connection_reset_is_retried_to_success(store, site):
    site.fault(NVDA_Q3_2026, "reset")
    assert outcome(fetch(store, site)) == {"2026Q1": "fetched", "2026Q2": "fetched", "2026Q3": "fetched"}
    assert len(site.requests_to(NVDA_Q3_2026)) == 2


def test_truncated_body_is_never_stored(store, site):
    site.fault(NVDA_Q3_2026, *["truncate"] * 3)
    reports = fetch(store, site)
    assert outcome(reports) == {"2026Q1": "fetched", "2026Q2": "fetched", "2026Q3": "failed"}
    assert reports[2].reason.startswith("body incomplete after ")
    assert stored(store) == {("NVDA", "2026Q1"), ("NVDA", "2026Q2")}
    assert not [d for d in documents(store) if "q3-2026" in d[0]]


def test_page_that_is_not_a_transcript_is_kept_raw_and_reported(store, site):
    site.page(NVDA_Q2_2026, b"<!DOCTYPE html><html><head><title>Page moved | The Motley Fool</title></head>"
                            b"<body><h1>This article has moved</h1><p>See our home page.</p></body></html>")
    reports = fetch(store, site)
    assert outcome(reports) == {"2026Q1": "fetched", "2026Q2": "failed", "2026Q3": "fetched"}
    assert reports[1].reason.startswith("kept raw, not stored as a call: not a transcript")
    assert stored(store) == {("NVDA", "2026Q1"), ("NVDA", "2026Q3")}
    kept = [d for d in documents(store) if d[3]]
    assert kept == [(site.base_url + NVDA_Q2_2026, 200, PARSER_VERSION, kept[0][3])]


def test_404_for_one_quarter(store, site):
    del site.routes[NVDA_Q1_2026]
    reports = fetch(store, site)
    assert outcome(reports) == {"2026Q1": "failed", "2026Q2": "fetched", "2026Q3": "fetched"}
    assert reports[0].reason == "HTTP 404: not found"
    assert len(site.requests_to(NVDA_Q1_2026)) == 1


def test_robots_disallowing_a_transcript_is_respected(store, site):
    site.robots(f"User-agent: *\nDisallow: {NVDA_Q3_2026}\n")
    reports = fetch(store, site)
    assert outcome(reports) == {"2026Q1": "fetched", "2026Q2": "fetched", "2026Q3": "failed"}
    assert reports[2].reason == "robots.txt of the site disallows this path"
    assert site.requests_to(NVDA_Q3_2026) == []


def test_robots_disallowing_everything_fails_every_quarter_with_the_reason(store, site):
    site.robots("User-agent: *\nDisallow: /\n")
    reports = fetch(store, site)
    assert {r.outcome for r in reports} == {"failed"}
    assert "robots.txt of the site disallows this path" in reports[0].reason
    assert [p for _, p in site.hits] == ["/robots.txt"]

