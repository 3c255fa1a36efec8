"""What every source is: the declarations the registry reads, and the three calls fetching makes."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Protocol

from ...model import Period
from ...storage.store import RawDocument

if TYPE_CHECKING:
    from ...http import HttpClient


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


@dataclass(frozen=True)
class SourceConfig:
    """What a source is made with: its base URL, its secrets by setting name (never shown), how far to search."""

    base_url: str
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False)
    listing_pages: int = 5


class Source(Protocol):
    """A place transcripts come from. The class declares everything below; `register` checks it has each one."""

    name: ClassVar[str]                        # registry key, --source choice, and the origin of its documents
    title: ClassVar[str]                       # for people: "Alpha Vantage"
    base_url_setting: ClassVar[str]            # the setting (environment variable) that moves it: "FOOL_BASE_URL"
    default_base_url: ClassVar[str]
    secrets: ClassVar[Mapping[str, str]]       # required secret settings -> what each is ("API key"); redacted
    host_intervals: ClassVar[Mapping[str, float]]  # seconds between two requests to a host (and its subdomains)
    formats: ClassVar[tuple[str, ...]]         # the parser formats (core/ingest/parsers FORMATS) its documents are in

    def __init__(self, client: HttpClient, config: SourceConfig) -> None:
        """A source that makes every request through client."""

    def locate(self, ticker: str, periods: Sequence[Period]) -> Located:
        """Targets for as many of the periods as the source can find (missing ones are absent)."""

    def target_for_url(self, url: str) -> Target:
        """A user-given URL as a target (ConfigError if the source does not take URLs)."""

    def download(self, ticker: str, target: Target) -> RawDocument:
        """The raw document of a target, its origin the source's name (FetchError when it cannot be had)."""
