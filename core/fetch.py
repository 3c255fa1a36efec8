"""Fetch a ticker's calls for a range of quarters: cache first, then locate, download, parse and store each one."""
from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from .errors import FetchError, ParseError, RateLimitedError, TranscriptError
from .fiscal import latest_period
from .http import HttpClient
from .model import Period
from .parsers import PARSER_VERSION
from .settings import Settings
from .sources import Source, Target, make_source, parse_raw
from .store import Store

log = logging.getLogger(__name__)

DEFAULT_LAST = 4


@dataclass(frozen=True)
class QuarterReport:
    """The outcome for one quarter: 'fetched', 'cached' or 'failed' (with the reason)."""

    period: Period | None
    status: str
    reason: str = ""
    url: str = ""

    @property
    def label(self) -> str:
        return str(self.period) if self.period else "?"


Progress = Callable[[QuarterReport, int, int], None]  # (report, done so far, total)


def last_periods(end: Period, count: int) -> list[Period]:
    """The count quarters ending with end, oldest first."""
    if count < 1:
        raise ValueError(f"the number of quarters must be at least 1, got {count}")
    return [Period.from_ordinal(o) for o in range(end.ordinal - count + 1, end.ordinal + 1)]


class _Run:
    """One fetch run: the reports so far, progress, and the stop signal after rate limiting."""

    def __init__(self, store: Store, source: Source, ticker: str, progress: Progress | None, total: int,
                 cancelled: Callable[[], bool]) -> None:
        self.store, self.source, self.ticker = store, source, ticker
        self.progress, self.total, self.cancelled = progress, total, cancelled
        self.reports: list[QuarterReport] = []
        self.stopped: str | None = None
        self._lock = threading.Lock()

    def report(self, report: QuarterReport) -> None:
        with self._lock:
            self.reports.append(report)
            done = len(self.reports)
        log.info("%s %s: %s %s", self.ticker, report.label, report.status, report.reason)
        if self.progress:
            self.progress(report, done, self.total)

    def fetch_one(self, target: Target) -> QuarterReport:
        """Download, parse and store one target; failures become a report, never a partial call."""
        period = target.period
        if not self.stopped and self.cancelled():
            self.stopped = "the fetch was cancelled"
        if self.stopped:
            return QuarterReport(period, "failed", f"not attempted: {self.stopped}", target.url)
        try:
            doc = self.source.download(self.ticker, target)
        except RateLimitedError as exc:
            self.stopped = f"{self.source.name} is rate limiting ({exc.message})"
            return QuarterReport(period, "failed", exc.message, target.url)
        except FetchError as exc:
            return QuarterReport(period, "failed", exc.message, target.url)
        try:
            try:  # what the document itself says it is, so a wrong page is caught, not filed under our key
                transcript = parse_raw(doc, ticker=None, period=None)
            except ParseError:
                transcript = parse_raw(doc, ticker=self.ticker, period=period)
            got = Period(transcript.fiscal_year, transcript.fiscal_quarter)
            if transcript.ticker != self.ticker or (period and got != period):
                raise ParseError(f"the document is {transcript.ticker} {got}, not {self.ticker} {period or ''}",
                                 where=target.url)
        except ParseError as exc:
            self.store.save_document(doc, period=period, ticker=self.ticker, parser_version=PARSER_VERSION,
                                     parse_error=exc.message)
            return QuarterReport(period, "failed", f"kept raw, not stored as a call: {exc.message}", target.url)
        self.store.save_transcript(transcript, doc, parser_version=PARSER_VERSION)
        return QuarterReport(got, "fetched", "", target.url)


def fetch_calls(
    store: Store, ticker: str, *, periods: Sequence[Period] | None = None, last: int | None = None,
    source: str = "fool", urls: Sequence[str] = (), refresh: bool = False, settings: Settings | None = None,
    client: HttpClient | None = None, base_url: str | None = None, listing_pages: int = 5,
    progress: Progress | None = None, today: dt.date | None = None, cancelled: Callable[[], bool] = lambda: False,
) -> list[QuarterReport]:
    """Make the requested quarters' calls stored; a report per quarter, oldest first.

    Quarters: `periods`, else the quarters of `urls`, else the `last` (default 4) up to the newest one
    published. A stored call is not fetched again unless `refresh`. Once `cancelled()` is true, quarters not
    yet started are reported as not attempted; those stored stay.
    """
    settings = settings or Settings()
    ticker = ticker.upper()
    own_client = client is None
    client = client or HttpClient(user_agent=settings.user_agent, secrets=[settings.alphavantage_key or ""])
    try:
        src = make_source(source, client=client, settings=settings, base_url=base_url, listing_pages=listing_pages)
        return _fetch(store, src, ticker, periods=periods, last=last, urls=urls, refresh=refresh,
                      concurrency=client.policy.max_concurrency, progress=progress, today=today,
                      cancelled=cancelled)
    finally:
        if own_client:
            client.close()


def _fetch(
    store: Store, src: Source, ticker: str, *, periods: Sequence[Period] | None, last: int | None,
    urls: Sequence[str], refresh: bool, concurrency: int, progress: Progress | None, today: dt.date | None,
    cancelled: Callable[[], bool],
) -> list[QuarterReport]:
    targets: list[Target] = []
    missing: list[QuarterReport] = []
    if urls:
        wanted = set(periods or ())
        targets = [t for t in map(src.target_for_url, urls) if not wanted or t.period is None or t.period in wanted]
        requested = [t.period for t in targets if t.period]
    else:
        newest = latest_period(ticker, today=today)
        requested = list(periods) if periods is not None else last_periods(newest, last or DEFAULT_LAST)
    cached = [p for p in dict.fromkeys(requested) if not refresh and store.has_call(ticker, p)]
    targets = [t for t in targets if t.period not in cached or t.period is None]
    if not urls:
        todo = [p for p in requested if p not in cached]
        if todo:
            extra = [Period.from_ordinal(requested[0].ordinal - 1)] if periods is None else []
            located = src.locate(ticker, todo + extra)
            if periods is None and newest in todo and newest not in located.targets:
                # The newest quarter is not published yet: the window ends one quarter earlier.
                requested = last_periods(Period.from_ordinal(newest.ordinal - 1), last or DEFAULT_LAST)
                cached = [p for p in requested if not refresh and store.has_call(ticker, p)]
                todo = [p for p in requested if p not in cached]
            problems = "; ".join(located.problems)
            for p in todo:
                if p in located.targets:
                    targets.append(located.targets[p])
                else:
                    reason = f"no {src.name} transcript found for {ticker} {p}" + (f" ({problems})" if problems else "")
                    missing.append(QuarterReport(p, "failed", reason))
    run = _Run(store, src, ticker, progress, len(cached) + len(missing) + len(targets), cancelled)
    for p in cached:
        run.report(QuarterReport(p, "cached"))
    for report in missing:
        run.report(report)
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        for future in as_completed([pool.submit(run.fetch_one, t) for t in targets]):
            run.report(future.result())
    return sorted(run.reports, key=lambda r: (r.period is None, r.period.ordinal if r.period else 0, r.url))


@dataclass(frozen=True)
class ReparseOutcome:
    """What re-parsing one stored call did: 'unchanged', 'replaced' or 'failed' (the old version stays)."""

    call: str
    outcome: str
    reason: str = ""


def reparse_calls(store: Store, *, progress: Callable[[ReparseOutcome], None] | None = None) -> list[ReparseOutcome]:
    """Parse every stored call's raw document again with the current parsers (no network)."""
    outcomes = []
    for _call_id, doc_id, ticker, label in store.documents_of_calls():
        period = Period.parse(label)  # the stored key is kept: ticker and period are passed as overrides
        try:
            doc = store.document(doc_id)
            transcript = parse_raw(doc, ticker=ticker, period=period)
            result = store.save_transcript(transcript, doc, parser_version=PARSER_VERSION)
            outcome = ReparseOutcome(f"{ticker} {label}", result.outcome)
        except TranscriptError as exc:
            outcome = ReparseOutcome(f"{ticker} {label}", "failed", exc.message)
        outcomes.append(outcome)
        if progress:
            progress(outcome)
    return outcomes
