"""Fetch a ticker's calls for a range of quarters: cache first, then locate, download, parse and store each one."""
from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from ..errors import FetchError, ParseError, RateLimitedError, TranscriptError
from ..fiscal import latest_period
from ..http import HttpClient
from ..model import Period
from ..settings import Settings
from ..storage.store import Store
from .fetch_plan import Plan, plan_quarters, plan_urls, quarter_window, to_locate
from .parsers import PARSER_VERSION
from .sources import DEFAULT_SOURCE, make_client, make_source, parse_raw
from .sources.base import Located, Source, Target

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QuarterReport:
    """The outcome for one quarter: 'fetched', 'cached' or 'failed' (with the reason)."""

    period: Period | None
    outcome: str
    reason: str = ""
    url: str = ""

    @property
    def label(self) -> str:
        return str(self.period) if self.period else "?"


Progress = Callable[[QuarterReport, int, int], None]  # (report, done so far, total)


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
        log.info("%s %s: %s %s", self.ticker, report.label, report.outcome, report.reason)
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
    source: str = DEFAULT_SOURCE, urls: Sequence[str] = (), refresh: bool = False, settings: Settings | None = None,
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
    client = client or make_client(settings)
    try:
        src = make_source(source, client=client, settings=settings, base_url=base_url, listing_pages=listing_pages)
        plan, problems = _plan(store, src, ticker, periods=periods, last=last, urls=urls, refresh=refresh,
                               today=today)
        run = _Run(store, src, ticker, progress, plan.total, cancelled)
        return _execute(plan, run, problems=problems, concurrency=client.policy.max_concurrency)
    finally:
        if own_client:
            client.close()


def _plan(store: Store, src: Source, ticker: str, *, periods: Sequence[Period] | None, last: int | None,
          urls: Sequence[str], refresh: bool, today: dt.date | None) -> tuple[Plan, tuple[str, ...]]:
    """Ask the store once and the source's discovery at most once; the plan, and discovery's problems."""
    stored = store.stored_periods(ticker)
    if urls:
        targets = [src.target_for_url(url) for url in urls]
        return plan_urls(targets, periods=periods, stored=stored, refresh=refresh), ()
    window = quarter_window(periods=periods, last=last, newest=latest_period(ticker, today=today))
    wanted = to_locate(window, stored=stored, refresh=refresh)
    located = src.locate(ticker, wanted) if wanted else Located({})
    return plan_quarters(window, stored=stored, refresh=refresh, located=located.targets), located.problems


def _execute(plan: Plan, run: _Run, *, problems: Sequence[str], concurrency: int) -> list[QuarterReport]:
    """Report the cached and missing quarters, download the targets; the reports, oldest first."""
    detail = f" ({'; '.join(problems)})" if problems else ""
    for p in plan.cached:
        run.report(QuarterReport(p, "cached"))
    for p in plan.missing:
        run.report(QuarterReport(p, "failed", f"no {run.source.name} transcript found for {run.ticker} {p}{detail}"))
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        for future in as_completed([pool.submit(run.fetch_one, t) for t in plan.targets]):
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
