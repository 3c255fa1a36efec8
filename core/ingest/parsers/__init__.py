"""Transcript parsers, one module per format, and automatic format detection."""
from __future__ import annotations

from collections.abc import Collection

from ...errors import ParseError
from ...model import Period, Transcript
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


def detect_format(text: str, *, source: str = "", formats: Collection[str] | None = None) -> str:
    """The name of the format a document is in (among `formats`, default all), or ParseError."""
    for name, module in FORMATS.items():
        if (formats is None or name in formats) and module.looks_like(text):
            return name
    if formats is not None:
        raise ParseError(f"not a transcript in the formats of its source ({', '.join(formats)})", where=source or None)
    raise ParseError("not a transcript in any known format (fool.com page or its text, StreetEvents text, "
                     "Alpha Vantage JSON, 'Name: text' lines)", where=source or None)


def parse_document(
    text: str, *, source: str = "", ticker: str | None = None, period: Period | None = None,
    formats: Collection[str] | None = None,
) -> Transcript:
    """Detect a document's format (among `formats`, default all), parse it into a validated Transcript, and fill
    missing titles from its introduction."""
    module = FORMATS[detect_format(text, source=source, formats=formats)]
    return fill_intro_roles(module.parse(text, source=source, ticker=ticker, period=period))
