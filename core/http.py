"""The one HTTP client every request goes through: politeness, retries, robots.txt, size limits, audit log."""
from __future__ import annotations

import datetime as dt
import email.utils
import logging
import random
import re
import threading
import time
import urllib.robotparser
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import requests

from .errors import FetchError, HttpStatusError, RateLimitedError, RobotsDisallowedError
from .redaction import URL_LOGGERS, RedactingFilter, redact

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 522, 524})


@dataclass(frozen=True)
class HttpPolicy:
    """How politely and patiently to fetch; every limit is configurable."""

    min_interval: float = 1.0
    # slower paces for hosts (and their subdomains); fetching uses those the sources declare (core/ingest/sources)
    host_intervals: Mapping[str, float] = field(default_factory=dict)
    max_concurrency: int = 2
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    max_bytes: int = 20_000_000
    max_retries: int = 3
    backoff_base: float = 1.0
    backoff_max: float = 30.0
    max_total_wait: float = 120.0
    retry_after_cap: float = 60.0
    max_redirects: int = 5
    respect_robots: bool = True

    def interval_for(self, host: str) -> float:
        """The minimum seconds between two requests to host."""
        host = host.lower().split(":")[0]
        for suffix, seconds in self.host_intervals.items():
            if host == suffix or host.endswith("." + suffix):
                return seconds
        return self.min_interval


@dataclass(frozen=True)
class HttpResponse:
    """A successful response, its body read in full; url is the final URL with secrets redacted."""

    url: str
    status: int
    content: bytes
    headers: Mapping[str, str]
    fetched_at: dt.datetime

    @property
    def text(self) -> str:
        match = re.search(r"charset=([\w-]+)", self.headers.get("Content-Type", ""), re.I)
        try:
            return self.content.decode(match.group(1) if match else "utf-8", errors="replace")
        except LookupError:
            return self.content.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class AuditEntry:
    """One request and its outcome."""

    at: dt.datetime
    method: str
    host: str
    path: str
    status: int | None
    attempt: int
    wait: float
    outcome: str


class _Retry(Exception):
    """Internal: this attempt failed in a way worth retrying."""

    def __init__(self, reason: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason, self.status, self.retry_after = reason, status, retry_after


class HttpClient:
    """GET with per-host pacing, bounded concurrency, retries with backoff, robots.txt and a size limit."""

    def __init__(
        self, *, user_agent: str, policy: HttpPolicy | None = None, secrets: Iterable[str] = (),
        audit: list[AuditEntry] | None = None,
    ) -> None:
        self.policy = policy or HttpPolicy()
        self.user_agent = user_agent
        self.audit = audit
        self._secrets = tuple(s for s in secrets if s)
        self._log_filter = RedactingFilter(self._secrets)  # this client's secrets, until it is closed
        for logger in URL_LOGGERS:
            logger.addFilter(self._log_filter)
        self._session = requests.Session()
        self._session.headers.update({
            "User-Agent": user_agent, "Accept-Encoding": "gzip, deflate",
            "Accept": "text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8",
        })
        self._slots = threading.Semaphore(self.policy.max_concurrency)
        self._lock = threading.Lock()
        self._next_at: dict[str, float] = {}
        self._robots: dict[str, urllib.robotparser.RobotFileParser] = {}
        self._robots_locks: dict[str, threading.Lock] = {}

    def close(self) -> None:
        self._session.close()
        for logger in URL_LOGGERS:
            logger.removeFilter(self._log_filter)

    # -- public -----------------------------------------------------------------------------------
    def get(self, url: str, *, robots: bool = True) -> HttpResponse:
        """Fetch url (following redirects within limits); FetchError if it fails for good.

        robots=False is for keyed API endpoints, which robots.txt (rules for crawlers) does not govern.
        """
        for _hop in range(self.policy.max_redirects + 1):
            if robots:
                self._check_robots(url)
            response, location = self._get_with_retries(url)
            if location is None:
                return response
            url = urljoin(url, location)
        raise FetchError(f"more than {self.policy.max_redirects} redirects", where=self._safe(url))

    # -- pacing -----------------------------------------------------------------------------------
    def _wait_turn(self, host: str) -> float:
        """Block until host may be asked again; return the seconds waited."""
        interval = self.policy.interval_for(host)
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next_at.get(host, now))
            self._next_at[host] = start + interval
        wait = start - now
        if wait > 0:
            time.sleep(wait)
        return wait

    def _backoff(self, attempt: int) -> float:
        base = min(self.policy.backoff_max, self.policy.backoff_base * 2 ** attempt)
        return base * random.uniform(0.5, 1.0)  # "equal jitter"

    # -- one URL, with retries --------------------------------------------------------------------
    def _get_with_retries(self, url: str) -> tuple[HttpResponse | None, str | None]:
        """(response, None) on success, (None, location) on a redirect; raise on failure."""
        waited = pause = 0.0
        attempt = 0
        while True:
            attempt += 1
            if pause:
                time.sleep(pause)
            try:
                return self._attempt(url, attempt=attempt, pause=pause)
            except _Retry as retry:
                pause = retry.retry_after if retry.retry_after is not None else self._backoff(attempt - 1)
                if attempt > self.policy.max_retries or waited + pause > self.policy.max_total_wait:
                    error = RateLimitedError if retry.status == 429 else FetchError
                    raise error(f"{retry.reason}; gave up after {attempt} attempts", where=self._safe(url)) from None
                waited += pause

    def _attempt(self, url: str, *, attempt: int, pause: float) -> tuple[HttpResponse | None, str | None]:
        parts = urlsplit(url)
        host = parts.netloc
        with self._slots:
            wait = pause + self._wait_turn(host)
            try:
                resp = self._session.get(
                    url, stream=True, allow_redirects=False,
                    timeout=(self.policy.connect_timeout, self.policy.read_timeout),
                )
            except requests.Timeout as exc:
                self._record(url, None, attempt, wait, "timeout")
                raise _Retry(f"timed out ({type(exc).__name__})") from None
            except requests.RequestException as exc:
                self._record(url, None, attempt, wait, "connection error")
                raise _Retry(f"connection failed: {self._safe(str(exc))}") from None
            with resp:
                return self._outcome(url, resp, attempt=attempt, wait=wait)

    def _outcome(self, url: str, resp: requests.Response, *, attempt: int, wait: float):
        status = resp.status_code
        if status in RETRY_STATUSES:
            self._record(url, status, attempt, wait, "retry")
            raise _Retry(f"HTTP {status}", status=status, retry_after=self._retry_after(resp))
        if 300 <= status < 400 and "Location" in resp.headers:
            self._record(url, status, attempt, wait, "redirect")
            return None, resp.headers["Location"]
        if status >= 300:
            self._record(url, status, attempt, wait, "failed")
            reason = "not found" if status in (404, 410) else f"refused ({resp.reason or 'client error'})"
            raise HttpStatusError(f"HTTP {status}: {reason}", status=status, where=self._safe(url))
        body = self._read_body(url, resp, attempt=attempt, wait=wait)
        self._record(url, status, attempt, wait, f"ok {len(body)} bytes")
        fetched = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        return HttpResponse(self._safe(resp.url or url), status, body, dict(resp.headers), fetched), None

    def _read_body(self, url: str, resp: requests.Response, *, attempt: int, wait: float) -> bytes:
        limit = self.policy.max_bytes
        declared = resp.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            self._record(url, resp.status_code, attempt, wait, "too large")
            raise FetchError(f"response of {declared} bytes exceeds the limit of {limit}", where=self._safe(url))
        chunks, size = [], 0
        try:
            for chunk in resp.iter_content(64 * 1024):
                size += len(chunk)
                if size > limit:
                    self._record(url, resp.status_code, attempt, wait, "too large")
                    raise FetchError(f"response exceeds the limit of {limit} bytes", where=self._safe(url))
                chunks.append(chunk)
        except requests.RequestException as exc:
            self._record(url, resp.status_code, attempt, wait, "body incomplete")
            kind = "timed out reading the body" if isinstance(exc, requests.Timeout) else "body incomplete"
            raise _Retry(f"{kind} after {size} bytes") from None
        return b"".join(chunks)

    def _retry_after(self, resp: requests.Response) -> float | None:
        """Retry-After in seconds (number or HTTP-date), capped; None when absent or unreadable."""
        value = resp.headers.get("Retry-After", "").strip()
        if not value:
            return None
        if value.isdigit():
            seconds = float(value)
        else:
            try:
                when = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError):
                return None
            if when.tzinfo is None:
                when = when.replace(tzinfo=dt.timezone.utc)
            seconds = (when - dt.datetime.now(dt.timezone.utc)).total_seconds()
        return max(0.0, min(seconds, self.policy.retry_after_cap))

    # -- robots.txt -------------------------------------------------------------------------------
    def _check_robots(self, url: str) -> None:
        if not self.policy.respect_robots:
            return
        parts = urlsplit(url)
        root = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            host_lock = self._robots_locks.setdefault(root, threading.Lock())
        with host_lock:
            if root not in self._robots:
                self._robots[root] = self._load_robots(root)
        if not self._robots[root].can_fetch(self.user_agent, url):
            raise RobotsDisallowedError("robots.txt of the site disallows this path", where=self._safe(url))

    def _load_robots(self, root: str) -> urllib.robotparser.RobotFileParser:
        """The host's rules: 4xx means none (401/403: everything disallowed); unreachable disallows all."""
        parser = urllib.robotparser.RobotFileParser(root + "/robots.txt")
        try:
            response, _ = self._get_with_retries(root + "/robots.txt")
        except HttpStatusError as exc:
            if exc.status in (401, 403):
                parser.disallow_all = True
            else:
                parser.allow_all = True
            return parser
        except FetchError:
            parser.disallow_all = True  # RFC 9309: an unreachable robots.txt means "assume complete disallow"
            return parser
        if response is None:  # robots.txt redirected: treat as absent rules rather than chase it
            parser.allow_all = True
            return parser
        parser.parse(response.text.splitlines())
        parser.modified()
        return parser

    # -- logging ----------------------------------------------------------------------------------
    def _safe(self, text: str) -> str:
        return redact(text, self._secrets)

    def _record(self, url: str, status: int | None, attempt: int, wait: float, outcome: str) -> None:
        parts = urlsplit(self._safe(url))
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        log.info("GET %s %s -> %s (attempt %d, waited %.2fs) %s",
                 parts.netloc, path, status if status is not None else "-", attempt, wait, outcome)
        if self.audit is not None:
            self.audit.append(AuditEntry(dt.datetime.now(dt.timezone.utc), "GET", parts.netloc, path,
                                         status, attempt, round(wait, 3), outcome))
