"""fool.com: find a ticker's transcript URLs (quote page, then the all-companies listing) and download them.

Discovery, as chosen for the real site (see ../shared/PAGE_STRUCTURE_NOTES.md):
1. The quote page. Its canonical address needs the exchange (and formerly a company slug:
   /quote/nasdaq/nvidia/nvda/, now /quote/nasdaq/nvda/), which a ticker alone does not give. Transcript pages
   link the short form /quote/<ticker> too; the site redirects that to the canonical page, so it is asked
   first, then /quote/nasdaq/<ticker>/ and /quote/nyse/<ticker>/. Links to /earnings/call-transcripts/… are
   read from the HTML and from the embedded Next.js payload (self.__next_f.push chunks, escaped JSON).
   The quote page's "View More" is a Next.js server action whose id changes on every deploy: not used.
2. The all-companies listing /earnings-call-transcripts/?page=N (newest first) for what is still missing,
   up to `listing_pages` pages, stopping early once every period is found or the pages are older than the
   earliest period asked for.
A transcript URL cannot be built from ticker and quarter (it holds the publish date and a company slug).
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ...errors import ConfigError, FetchError, HttpStatusError
from ...fiscal import year_end_month
from ...model import Period
from ...storage.store import RawDocument
from .base import Located, SourceConfig, Target

if TYPE_CHECKING:
    from ...http import HttpClient

_LINK = re.compile(
    r"(?:https?://[a-z0-9.:-]+)?(?:/4056)?/earnings/call-transcripts/\d{4}/\d{2}/\d{2}/[a-z0-9-]+(?:\.aspx)?/?",
    re.I,
)
_DATED_PATH = re.compile(r"^/earnings/call-transcripts/(\d{4})/(\d{2})/(\d{2})/([a-z0-9-]+)(\.aspx)?/?$", re.I)
# "…-<ticker>-q3-2026-earnings-…"; 2020 slugs are cut short after "earnings", some 2018 ones say "conferen…".
_SLUG = re.compile(r"(?:^|-)(?P<ticker>[a-z0-9]+)-q(?P<quarter>[1-4])-(?:fy-?)?(?P<year>\d{4})(?=-|$)", re.I)
QUOTE_EXCHANGES = ("nasdaq", "nyse")
FOOL_HOSTS = ("fool.com", "www.fool.com")


@dataclass(frozen=True)
class TranscriptLink:
    """A transcript URL and what its address says: publish date, ticker and fiscal period (if present)."""

    url: str
    published: dt.date
    slug: str
    ticker: str | None
    period: Period | None


def _unescape_payload(text: str) -> str:
    """Next.js payload chunks escape slashes and quotes; undo that so links read like plain HTML."""
    return text.replace("\\u002F", "/").replace("\\u002f", "/").replace("\\/", "/").replace('\\"', '"')


def normalize_url(url: str, *, base_url: str) -> str:
    """The canonical form of a transcript URL under base_url ('/4056/' prefix dropped, trailing slash unless .aspx)."""
    base = base_url.rstrip("/")
    parts = urlsplit(url.strip())
    if parts.netloc and parts.netloc.lower() not in {*FOOL_HOSTS, urlsplit(base).netloc.lower()}:
        raise ConfigError(f"not a fool.com address (or one under {base})", where=url)
    path = parts.path
    base_path = urlsplit(base).path
    if base_path and path.startswith(base_path + "/"):
        path = path[len(base_path):]
    if path.startswith("/4056/"):
        path = path[len("/4056"):]
    match = _DATED_PATH.match(path)
    if not match:
        raise ConfigError("not a transcript address (/earnings/call-transcripts/YYYY/MM/DD/<slug>/)", where=url)
    year, month, day, slug, aspx = match.groups()
    return f"{base}/earnings/call-transcripts/{year}/{month}/{day}/{slug.lower()}{'.aspx' if aspx else '/'}"


def describe(url: str, *, base_url: str) -> TranscriptLink:
    """Publish date, ticker and fiscal period from a transcript URL's path and slug."""
    canonical = normalize_url(url, base_url=base_url)
    path = urlsplit(canonical).path[len(urlsplit(base_url.rstrip("/")).path):]
    year, month, day, slug, _ = _DATED_PATH.match(path).groups()
    found = _SLUG.search(slug)
    period = Period(int(found["year"]), int(found["quarter"])) if found else None
    ticker = found["ticker"].upper() if found else None
    return TranscriptLink(canonical, dt.date(int(year), int(month), int(day)), slug, ticker, period)


def slug_names_ticker(slug: str, ticker: str) -> bool:
    """True when the slug carries the ticker just before its '-qN-' part ('brk.b' is written 'brk-b')."""
    token = re.escape(ticker.lower().replace(".", "-"))
    return re.search(rf"(?:^|-){token}-q[1-4]-", slug.lower()) is not None


def extract_links(html: str, *, base_url: str) -> list[TranscriptLink]:
    """Every distinct transcript link in a page's HTML and Next.js payload, in order of appearance."""
    seen: dict[str, TranscriptLink] = {}
    for raw in _LINK.findall(_unescape_payload(html)):
        try:
            link = describe(raw, base_url=base_url)
        except ConfigError:
            continue  # a link to another site that merely has the same path shape
        seen.setdefault(link.url, link)
    return list(seen.values())


def period_end_month(ticker: str, period: Period) -> tuple[int, int]:
    """(calendar year, month) in which a fiscal quarter ends, from the ticker's fiscal year end."""
    end = year_end_month(ticker)
    month = end + 3 * period.fiscal_quarter
    if period.fiscal_quarter == 4 or month > 12:
        return period.fiscal_year, (month - 1) % 12 + 1
    return period.fiscal_year - 1, month


class FoolSource:
    """Transcripts from fool.com (or a mirror of its paths under another base URL)."""

    name = "fool"
    title = "The Motley Fool"
    base_url_setting = "FOOL_BASE_URL"
    default_base_url = "https://www.fool.com"
    secrets: dict[str, str] = {}
    host_intervals = {"fool.com": 2.0}  # politeness toward fool.com is the brief: one request every 2 s
    formats = ("fool_current", "fool_legacy")

    def __init__(self, client: HttpClient, config: SourceConfig) -> None:
        self.client = client
        self.base_url = config.base_url.rstrip("/")
        self.listing_pages = config.listing_pages

    def target_for_url(self, url: str) -> Target:
        """A user-given transcript URL (absolute, relative, with or without /4056/ or .aspx)."""
        link = describe(url, base_url=self.base_url)
        return Target(link.url, link.period)

    def locate(self, ticker: str, periods: Sequence[Period]) -> Located:
        """Targets for the periods found on the quote page, then in the listing."""
        wanted = set(periods)
        found: dict[Period, Target] = {}
        problems: list[str] = []
        self._collect(self._quote_page_links(ticker, problems), ticker, wanted, found)
        if wanted - found.keys():
            self._search_listing(ticker, wanted, found, problems)
        return Located(found, tuple(problems))

    def download(self, ticker: str, target: Target) -> RawDocument:
        """The transcript page as fetched."""
        response = self.client.get(target.url)
        return RawDocument(response.content, self.name, target.url, response.status, response.fetched_at)

    # -- discovery --------------------------------------------------------------------------------
    @staticmethod
    def _collect(links: Sequence[TranscriptLink], ticker: str, wanted: set[Period],
                 found: dict[Period, Target]) -> None:
        """Keep the newest-published link of each wanted period that names the ticker."""
        for link in sorted(links, key=lambda link: link.published, reverse=True):
            if link.period in wanted and link.period not in found and slug_names_ticker(link.slug, ticker):
                found[link.period] = Target(link.url, link.period)

    def quote_urls(self, ticker: str) -> list[str]:
        """Quote-page addresses to try, in order."""
        t = ticker.lower()
        return [f"{self.base_url}/quote/{t}", *(f"{self.base_url}/quote/{ex}/{t}/" for ex in QUOTE_EXCHANGES)]

    def _quote_page_links(self, ticker: str, problems: list[str]) -> list[TranscriptLink]:
        for url in self.quote_urls(ticker):
            try:
                page = self.client.get(url)
            except HttpStatusError as exc:
                if exc.status in (404, 410):
                    continue
                problems.append(f"quote page: {exc}")
                return []
            except FetchError as exc:
                problems.append(f"quote page: {exc}")  # the listing may still have it
                return []
            return extract_links(page.text, base_url=self.base_url)
        problems.append(f"no quote page found for {ticker}")
        return []

    def _search_listing(self, ticker: str, wanted: set[Period], found: dict[Period, Target],
                        problems: list[str]) -> None:
        oldest = min(wanted, key=lambda p: p.ordinal)
        year, month = period_end_month(ticker, oldest)
        horizon = dt.date(year, month, 1)
        for page in range(1, self.listing_pages + 1):
            url = f"{self.base_url}/earnings-call-transcripts/" + (f"?page={page}" if page > 1 else "")
            try:
                links = extract_links(self.client.get(url).text, base_url=self.base_url)
            except FetchError as exc:
                problems.append(f"listing: {exc}")
                return
            self._collect(links, ticker, wanted, found)
            if not links or not wanted - found.keys() or max(link.published for link in links) < horizon:
                return
