"""Where transcripts come from: the registry of sources (one module per source, imported and registered here).

Everything that lists, makes or maps back to a source reads SOURCES: the --source choices, the Data page's lists,
the HTTP client's host pacing and secrets to redact, the parsers a document is tried with, and re-fetching a
stored call from the source its document names as its origin.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...errors import ConfigError
from ...model import Period, Transcript
from ...storage.store import FILE_ORIGIN, RawDocument
from .alphavantage import AlphaVantageSource
from .base import Source, SourceConfig
from .fool import FoolSource

if TYPE_CHECKING:
    from ...http import HttpClient
    from ...settings import Settings

SOURCES: dict[str, type[Source]] = {}


def register(source: type[Source]) -> type[Source]:
    """Add a source class to the registry; TypeError when it lacks a declaration, ValueError when its name is taken."""
    missing = [name for name in Source.__annotations__ if not hasattr(source, name)]
    if missing:
        raise TypeError(f"source {source.__name__} does not declare {', '.join(missing)}")
    if source.name in SOURCES or source.name == FILE_ORIGIN:
        raise ValueError(f"the source name {source.name!r} is taken")
    SOURCES[source.name] = source
    return source


register(FoolSource)
register(AlphaVantageSource)
DEFAULT_SOURCE = FoolSource.name


def source_class(name: str) -> type[Source]:
    """The registered source of that name; ConfigError listing the known ones."""
    try:
        return SOURCES[name]
    except KeyError:
        raise ConfigError(f"unknown source {name!r} (choose from {', '.join(SOURCES)})") from None


def make_source(
    name: str, *, client: HttpClient, settings: Settings, base_url: str | None = None, listing_pages: int = 5,
) -> Source:
    """The named source, pointed at base_url (default: its base URL setting); ConfigError when a secret is missing."""
    source = source_class(name)
    secrets = {}
    for setting, what in source.secrets.items():
        secrets[setting] = settings.value(setting)
        if not secrets[setting]:
            raise ConfigError(f"no {source.title} {what}: set {setting} or add it to .streamlit/secrets.toml")
    base = base_url or settings.value(source.base_url_setting) or source.default_base_url
    return source(client, SourceConfig(base, secrets, listing_pages))


def make_client(settings: Settings) -> HttpClient:
    """The client to fetch with: each source's hosts paced as it declares, every source's secrets redacted."""
    from ...http import HttpClient, HttpPolicy  # requests loads here, not with the command line

    intervals: dict[str, float] = {}
    for source in SOURCES.values():
        for host, seconds in source.host_intervals.items():
            intervals[host] = max(seconds, intervals.get(host, 0.0))
    secrets = [value for source in SOURCES.values() for name in source.secrets if (value := settings.value(name))]
    return HttpClient(user_agent=settings.user_agent, policy=HttpPolicy(host_intervals=intervals), secrets=secrets)


def source_of(origin: str) -> type[Source] | None:
    """The source a stored document came from: None for an imported file, ConfigError for an unregistered one."""
    if origin == FILE_ORIGIN:
        return None
    if origin not in SOURCES:
        raise ConfigError(f"the document came from {origin!r}, which is not a registered source "
                          f"({', '.join(SOURCES)})")
    return SOURCES[origin]


def parse_raw(doc: RawDocument, *, ticker: str | None, period: Period | None) -> Transcript:
    """Parse a stored or fresh raw document in the formats of its source (any format for a file; no network)."""
    from ..files import parse_bytes  # the parsers load bs4, which the command line's start does without

    source = source_of(doc.origin)
    return parse_bytes(doc.content, source=doc.source, ticker=ticker, period=period,
                       formats=source.formats if source else None)


@dataclass(frozen=True)
class Refetch:
    """Stored calls of one ticker to fetch again, from the source their documents came from."""

    ticker: str
    source: str
    periods: tuple[Period, ...]


def plan_refetch(calls: Iterable[tuple[str, Period, str]]) -> tuple[list[Refetch], list[str]]:
    """Re-fetches of stored calls given as (ticker, period, document origin), one per ticker and source, and why
    the others cannot be re-fetched (imported from files, or from a source no longer registered)."""
    groups: dict[tuple[str, str], list[Period]] = {}
    problems: dict[str, None] = {}
    for ticker, period, origin in calls:
        try:
            source = source_of(origin)
        except ConfigError as exc:
            problems[f"{ticker} {period}: {exc}"] = None
            continue
        if source is None:
            problems[f"{ticker}: calls imported from files cannot be re-fetched; import the file again."] = None
        else:
            groups.setdefault((ticker, source.name), []).append(period)
    return [Refetch(ticker, name, tuple(periods)) for (ticker, name), periods in sorted(groups.items())], list(problems)
