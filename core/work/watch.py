"""The watchlist: tickers the worker checks on a schedule for new calls (daily unless set otherwise)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..errors import ConfigError
from ..ingest.sources import DEFAULT_SOURCE, source_class
from ..model import ticker_symbol
from ..storage.store import Store, utc_now

DEFAULT_INTERVAL_HOURS = 24.0
LOOKBACK_QUARTERS = 4       # a check fetches those of the newest 4 quarters not stored (as `fetch` does by default)
INTERVAL_KEY = "refresh_interval_hours"


@dataclass(frozen=True)
class Entry:
    """One watched ticker with its schedule and the outcome of its last check."""

    ticker: str
    source: str
    added_at: dt.datetime
    last_check: dt.datetime | None
    next_check: dt.datetime
    last_outcome: str | None
    last_ok: bool | None

    @property
    def due(self) -> bool:
        return self.next_check <= utc_now()


def interval(store: Store) -> dt.timedelta:
    """How often each ticker is checked."""
    with store.cursor() as cur:
        rows = cur.execute("SELECT value FROM app_settings WHERE key = ?", [INTERVAL_KEY]).fetchall()
    return dt.timedelta(hours=float(rows[0][0]) if rows else DEFAULT_INTERVAL_HOURS)


def set_interval(store: Store, hours: float) -> None:
    """Check every `hours` hours (from 0.01 to a year); checked tickers' next checks move to match."""
    if not 0.01 <= hours <= 24 * 366:
        raise ConfigError(f"the check interval must be between 0.01 and 8784 hours, got {hours}")
    with store.transaction(changes_data=False) as cur:
        cur.execute("INSERT OR REPLACE INTO app_settings VALUES (?, ?)", [INTERVAL_KEY, str(hours)])
        cur.execute("UPDATE watchlist SET next_check = last_check + to_microseconds(?) WHERE last_check IS NOT NULL",
                    [int(hours * 3_600_000_000)])


def entries(store: Store) -> list[Entry]:
    """Every watched ticker, alphabetically."""
    with store.cursor() as cur:
        rows = cur.execute("SELECT ticker, source, added_at, last_check, next_check, last_outcome, last_ok "
                           "FROM watchlist ORDER BY ticker").fetchall()
    return [Entry(*row) for row in rows]


def add(store: Store, ticker: str, *, source: str = DEFAULT_SOURCE) -> Entry:
    """Watch a ticker (checked at once, then every interval); adding it again changes only its source."""
    try:
        ticker = ticker_symbol(ticker)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    source_class(source)  # ConfigError for an unknown source
    now = utc_now()
    with store.transaction(changes_data=False) as cur:
        if cur.execute("SELECT 1 FROM watchlist WHERE ticker = ?", [ticker]).fetchall():
            cur.execute("UPDATE watchlist SET source = ? WHERE ticker = ?", [source, ticker])
        else:
            cur.execute("INSERT INTO watchlist (ticker, source, added_at, next_check) VALUES (?, ?, ?, ?)",
                        [ticker, source, now, now])
    return next(e for e in entries(store) if e.ticker == ticker)


def remove(store: Store, ticker: str) -> bool:
    """Stop watching a ticker; False when it was not watched."""
    with store.transaction(changes_data=False) as cur:
        found = cur.execute("SELECT 1 FROM watchlist WHERE ticker = ?", [ticker.upper()]).fetchall()
        cur.execute("DELETE FROM watchlist WHERE ticker = ?", [ticker.upper()])
    return bool(found)


def record_check(store: Store, ticker: str, *, ok: bool, outcome: str) -> None:
    """Note a check's outcome and schedule the next one (a failed source is retried at the next check)."""
    now = utc_now()
    every = interval(store)
    with store.transaction(changes_data=False) as cur:
        cur.execute("UPDATE watchlist SET last_check = ?, next_check = ?, last_outcome = ?, last_ok = ? "
                    "WHERE ticker = ?", [now, now + every, outcome[:500], ok, ticker])


def due(store: Store) -> list[str]:
    """Watched tickers whose next check has come."""
    return [e.ticker for e in entries(store) if e.due]
