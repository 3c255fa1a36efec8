"""Transcript parsers, one module per format, and automatic format detection."""
from __future__ import annotations

from ..errors import ParseError
from ..model import Period, Transcript
from . import alphavantage, fool_current, fool_legacy, fool_text, plain, streetevents
from .intro_roles import fill_intro_roles

# Bump when any parser's output changes: stored documents are re-parsed by `python -m core reparse`.
PARSER_VERSION = 3

# Tried in this order; each module offers looks_like(text) and parse(text, source=, ticker=, period=).
FORMATS = {
    "fool_current": fool_current,
    "fool_legacy": fool_legacy,
    "streetevents": streetevents,
    "fool_text": fool_text,
    "alphavantage": alphavantage,
    "plain": plain,
}


def detect_format(text: str, *, source: str = "") -> str:
    """The name of the format a document is in, or ParseError."""
    for name, module in FORMATS.items():
        if module.looks_like(text):
            return name
    raise ParseError("not a transcript in any known format (fool.com page or its text, StreetEvents text, "
                     "Alpha Vantage JSON, 'Name: text' lines)", where=source or None)


def parse_document(
    text: str, *, source: str = "", ticker: str | None = None, period: Period | None = None
) -> Transcript:
    """Detect a document's format, parse it into a validated Transcript, fill missing titles from its introduction."""
    module = FORMATS[detect_format(text, source=source)]
    return fill_intro_roles(module.parse(text, source=source, ticker=ticker, period=period))
