"""Where transcripts come from: each source locates, downloads and parses one quarter's document."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ..errors import ConfigError
from ..http import HttpClient
from ..ingest import decode_document
from ..model import SOURCE_NAMES, Period, Transcript
from ..parsers import parse_document
from ..settings import Settings
from ..store import RawDocument



@dataclass(frozen=True)
class Target:
    """One document to fetch; period is None when the URL does not tell (known after parsing)."""

    url: str
    period: Period | None


@dataclass(frozen=True)
class Located:
    """What discovery found: a target per period, and why parts of it may be missing."""

    targets: dict[Period, Target]
    problems: tuple[str, ...] = ()


class Source(Protocol):
    """What fetching needs from a source."""

    name: str

    def locate(self, ticker: str, periods: Sequence[Period]) -> Located:
        """Targets for as many of the periods as the source can find (missing ones are absent)."""

    def target_for_url(self, url: str) -> Target:
        """A user-given URL as a target (ConfigError if the source does not take URLs)."""

    def download(self, ticker: str, target: Target) -> RawDocument:
        """The raw document of a target (FetchError when it cannot be had)."""


def parse_raw(doc: RawDocument, *, ticker: str | None, period: Period | None) -> Transcript:
    """Parse a stored or fresh raw document with the parser of its source (no network)."""
    text = decode_document(doc.content, where=doc.source)
    return parse_document(text, source=doc.source, ticker=ticker, period=period)


def make_source(
    name: str, *, client: HttpClient, settings: Settings, base_url: str | None = None, listing_pages: int = 5,
) -> Source:
    """The named source, pointed at base_url (default: from settings)."""
    if name == "fool":
        from .fool import FoolSource

        return FoolSource(client, base_url=base_url or settings.fool_base_url, listing_pages=listing_pages)
    if name == "alphavantage":
        from .alphavantage import AlphaVantageSource

        if not settings.alphavantage_key:
            raise ConfigError("no Alpha Vantage API key: set ALPHAVANTAGE_API_KEY or add it to "
                              ".streamlit/secrets.toml")
        return AlphaVantageSource(client, base_url=base_url or settings.alphavantage_base_url,
                                  api_key=settings.alphavantage_key)
    raise ConfigError(f"unknown source {name!r} (choose from {', '.join(SOURCE_NAMES)})")
