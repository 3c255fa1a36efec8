"""Alpha Vantage: the JSON parser, throttle notes, errors, and the API key kept out of logs, errors and the store."""
from __future__ import annotations

import json
import logging

import pytest
from fool_site import running_site

from core.errors import ConfigError, ParseError
from core.http import HttpClient, HttpPolicy
from core.ingest.fetch import fetch_calls
from core.ingest.parsers import alphavantage
from core.model import Period
from core.settings import Settings
from core.storage.store import Store

KEY = "AVsecretKEY42"
Q1, Q2, Q3 = Period(2024, 1), Period(2024, 2), Period(2024, 3)
POLICY = HttpPolicy(min_interval=0.0, backoff_base=0.01, max_retries=1, max_concurrency=1)
FILLER = ("Revenue rose in every segment and margins widened as pricing held and costs eased through the quarter. "
          "We keep investing in the platform and expect the second half to look much like the first. ")


def response(symbol="IBM", quarter="2024Q1") -> dict:
    """An EARNINGS_CALL_TRANSCRIPT response in the documented shape; the dialogue is made up for the test."""
    entries = [
        ("Operator", "Operator", "Welcome to the first quarter earnings call. All lines are muted."),
        ("Jane Doe", "Vice President, Investor Relations", "Thank you. With me today is our chief executive."),
        ("John Roe", "Chairman and Chief Executive Officer", FILLER * 4),
        ("John Roe", "Chairman and Chief Executive Officer", "Now let me turn to the outlook. " + FILLER),
        ("Operator", "Operator", "Thank you. Our first question comes from Sam Lee with Big Bank."),
        ("Sam Lee", "Big Bank", "Thanks. Can you talk about demand into the next quarter?"),
        ("John Roe", "Chairman and Chief Executive Officer", FILLER * 2),
        ("Operator", "Operator", "Our next question comes from Alex Kim."),
        ("Alex Kim", "Equity Research Analyst", "What drove the margin change this time?"),
        ("Jane Doe", "Vice President, Investor Relations", FILLER),
    ]
    return {"symbol": symbol, "quarter": quarter, "transcript": [
        {"speaker": s, "title": t, "content": c, "sentiment": "0.5"} for s, t, c in entries]}


def query(symbol: str, period: Period) -> str:
    return f"/query?function=EARNINGS_CALL_TRANSCRIPT&symbol={symbol}&quarter={period}&apikey={KEY}"


@pytest.fixture
def api():
    with running_site() as site:
        for period in (Q1, Q2, Q3):
            site.page(query("IBM", period), json.dumps(response(quarter=str(period))).encode(),
                      content_type="application/json")
        yield site


@pytest.fixture
def store():
    with Store(":memory:") as s:
        yield s


def run(store, api, periods=(Q1, Q2, Q3), key=KEY):
    settings = Settings(overrides={"ALPHAVANTAGE_API_KEY": key or "", "ALPHAVANTAGE_BASE_URL": api.base_url})
    client = HttpClient(user_agent="TestAgent/1.0", policy=POLICY, secrets=[key or ""])
    return fetch_calls(store, "IBM", periods=list(periods), source="alphavantage", settings=settings, client=client)


def test_parse_maps_quarter_label_and_speaker_titles_to_the_model():
    t = alphavantage.parse(json.dumps(response()), source="av")
    assert (t.ticker, t.fiscal_year, t.fiscal_quarter, t.format, t.call_date) == (
        "IBM", 2024, 1, "alphavantage", None)
    assert [(x.speaker, x.kind, x.section, x.type) for x in t.turns] == [
        ("Operator", "operator", "prepared", "operator"),
        ("Jane Doe", "executive", "prepared", "presentation"),
        ("John Roe", "executive", "prepared", "presentation"),
        ("Operator", "operator", "qa", "operator"),
        ("Sam Lee", "analyst", "qa", "question"),
        ("John Roe", "executive", "qa", "answer"),
        ("Operator", "operator", "qa", "operator"),
        ("Alex Kim", "analyst", "qa", "question"),
        ("Jane Doe", "executive", "qa", "answer"),
    ]
    assert t.turns[2].text.endswith("Now let me turn to the outlook. " + FILLER.strip())  # merged entries
    assert t.turns[2].role == "Chairman and Chief Executive Officer"


def test_parse_refuses_what_is_not_a_transcript():
    with pytest.raises(ParseError, match="no 'transcript' list"):
        alphavantage.parse('{"symbol": "IBM"}', source="av")
    with pytest.raises(ParseError, match="not JSON"):
        alphavantage.parse("<html></html>", source="av")
    with pytest.raises(ParseError, match="unreadable quarter label 'first'"):
        alphavantage.parse(json.dumps(response(quarter="first")), source="av")
    assert alphavantage.looks_like(json.dumps(response()))
    assert not alphavantage.looks_like('{"Note": "slow down"}')


def test_fetch_stores_each_quarter_without_the_key(store, api):
    reports = run(store, api)
    assert [(r.label, r.outcome) for r in reports] == [("2024Q1", "fetched"), ("2024Q2", "fetched"),
                                                      ("2024Q3", "fetched")]
    with store.cursor() as cur:
        sources = [row[0] for row in cur.execute("SELECT source FROM documents ORDER BY source").fetchall()]
    assert sources[0] == f"{api.base_url}/query?function=EARNINGS_CALL_TRANSCRIPT&symbol=IBM&quarter=2024Q1"
    assert not any(KEY in s for s in sources) and not any(KEY in r.url for r in reports)
    assert not api.requests_to("/robots.txt")  # a keyed API, not crawling
    assert len(run(store, api)) == 3 and api.count == 3  # second run: cached, no requests


@pytest.mark.parametrize("note", ["Note", "Information"])
def test_throttle_note_is_rate_limiting_and_stops_the_run(store, api, note):
    message = {note: "Thank you for using Alpha Vantage! Our standard API rate limit is 25 requests per day."}
    api.page(query("IBM", Q1), json.dumps(message).encode(), content_type="application/json")
    reports = run(store, api)
    assert reports[0].outcome == "failed"
    assert reports[0].reason.startswith("Alpha Vantage is throttling: Thank you for using Alpha Vantage!")
    assert [r.reason.split(":")[0] for r in reports[1:]] == ["not attempted", "not attempted"]
    assert store.calls() == [] and api.requests_to(query("IBM", Q2)) == []


def test_error_message_and_empty_transcript_are_failures_not_empty_calls(store, api):
    api.page(query("IBM", Q1), b'{"Error Message": "Invalid API call."}', content_type="application/json")
    api.page(query("IBM", Q2), b'{"symbol": "IBM", "quarter": "2024Q2", "transcript": []}')
    reports = run(store, api)
    assert [(r.outcome, r.reason) for r in reports] == [
        ("failed", "Alpha Vantage error: Invalid API call."),
        ("failed", "Alpha Vantage has no transcript for IBM 2024Q2"),
        ("fetched", ""),
    ]
    with store.cursor() as cur:
        assert cur.execute("SELECT count(*) FROM documents").fetchall() == [(1,)]


def test_the_key_never_appears_in_logs_or_errors(store, api, caplog):
    caplog.set_level(logging.DEBUG)
    api.page(query("IBM", Q1), json.dumps({"Information": f"the key {KEY} is over its limit"}).encode())
    del api.routes[query("IBM", Q3)]
    reports = run(store, api, periods=(Q3, Q1))
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("werkzeug"))
    assert "apikey=***" in ours
    assert KEY not in ours + repr(reports) + repr(Settings(overrides={"ALPHAVANTAGE_API_KEY": KEY}))
    assert {r.outcome for r in reports} == {"failed"}


def test_missing_key_is_a_clear_config_error(store, api):
    with pytest.raises(ConfigError, match="no Alpha Vantage API key: set ALPHAVANTAGE_API_KEY"):
        run(store, api, key=None)
