"""Property-based abuse of every parser and of the CLI's argument types: clear errors only, never a traceback."""
from __future__ import annotations

import argparse

import pytest
from conftest import SHARED, needs_shared
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.cli.common import period_arg, ticker_arg
from core.errors import ParseError
from core.ingest.files import parse_bytes
from core.ingest.parsers import FORMATS, parse_document
from core.model import Period

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Fragments of real document structure, so the fuzzer reaches deep into each parser.
MARKUP = st.sampled_from([
    "<html>", "</html>", '<div id="article-body-transcript">', "<h2>Prepared Remarks:</h2>",
    "<h2>Questions and Answers:</h2>", "<p><strong>Operator</strong></p>", "<p><strong>Sarah:</strong> first question",
    "<strong>Jane Doe</strong> -- <em>CEO</em>", "Presentation\n", "Questions and Answers\n", "Operator    [1]\n",
    "Jane Doe,  Acme Corp - CEO    [2]\n", "Operator: Our first question comes from Bob.\n", "Bob Smith: Why?\n",
    "Q3 2024 Acme Earnings Call\n", "MAY 24, 2023 / 9:00PM GMT\n", "Refinitiv StreetEvents Event Transcript\n",
    "self.__next_f.push([1,\"", "\\u003cp\\u003e", "=====\n", "-----\n", "Duration: 71 minutes",
    '<Sync id="L190"time="00:29:30"/>', "&amp;", "&#8212;", "<!-- c -->", "Prepared Remarks:\n", "--\n",
    "Jane Doe\n--\nChief Executive Officer\n", "Bob Smith -- Acme Bank -- Analyst\n", "Call participants:\n",
    "Q1 2025 Earnings Call\n", "May 22, 2024\n",
])
DOCUMENTS = st.lists(st.one_of(MARKUP, st.text(max_size=80)), max_size=40).map("".join)


@FUZZ
@given(DOCUMENTS)
def test_parse_document_raises_only_parse_errors(text):
    try:
        parse_document(text, source="fuzz.txt", ticker="ACME", period=Period(2024, 1))
    except ParseError as exc:
        assert exc.where == "fuzz.txt" and exc.message


@pytest.mark.parametrize("name", sorted(FORMATS))
@FUZZ
@given(text=DOCUMENTS)
def test_each_parser_raises_only_parse_errors(name, text):
    module = FORMATS[name]
    assert isinstance(module.looks_like(text), bool)
    try:
        module.parse(text, source="fuzz", ticker="ACME", period=Period(2024, 1))
    except ParseError:
        pass


@FUZZ
@given(st.binary(max_size=4096))
def test_arbitrary_bytes_are_refused_cleanly(content):
    try:
        parse_bytes(content, source="upload.bin", ticker="ACME", period=Period(2024, 1))
    except ParseError as exc:
        assert exc.where == "upload.bin"


@needs_shared("fixtures/foolcom", "corpus/streetevents/AMD")
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_damaged_real_pages_parse_fully_or_fail_cleanly(data):
    pages = sorted((SHARED / "fixtures" / "foolcom").rglob("*.html")) + sorted(
        (SHARED / "corpus" / "streetevents" / "AMD").glob("*.txt"))[:5]
    path = data.draw(st.sampled_from(pages))
    text = path.read_text(encoding="utf-8", errors="replace")
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, min(len(text), start + 5000)))
    damaged = text[:start] + data.draw(st.text(max_size=50)) + text[end:]
    try:
        transcript = parse_document(damaged, source=str(path), ticker="AMD")
    except ParseError:
        return
    assert transcript.turns and all(t.text.strip() for t in transcript.turns)


@given(st.text(max_size=30))
def test_ticker_argument_accepts_only_symbols(text):
    try:
        ticker = ticker_arg(text)
    except argparse.ArgumentTypeError as exc:
        assert "not a ticker symbol" in str(exc)
    else:
        assert ticker == text.strip().upper() and 1 <= len(ticker) <= 10


@given(st.text(max_size=30))
def test_period_argument_accepts_only_fiscal_quarters(text):
    try:
        period = period_arg(text)
    except argparse.ArgumentTypeError as exc:
        assert "period" in str(exc) or "range" in str(exc)
    else:
        assert 1 <= period.fiscal_quarter <= 4
