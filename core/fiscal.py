"""Per-ticker fiscal calendars: which fiscal quarter a call on a given date reports."""
from __future__ import annotations

import datetime as dt

from .model import Period

# Month in which each company's fiscal year ends. A fiscal year is named by the calendar year
# in which it ends (NVIDIA's FY2025 ended on 2025-01-26). Companies not listed end in December.
FISCAL_YEAR_END_MONTH: dict[str, int] = {
    "NVDA": 1,
    "AMD": 12,
    "INTC": 12,
    "AAPL": 9,
    "MSFT": 6,
    "AVGO": 10,
    "MU": 8,
    "ORCL": 5,
    "CSCO": 7,
    "WMT": 1,
    "CRM": 1,
    "ADBE": 11,
    "DELL": 1,
    "HPE": 10,
    "MRVL": 1,
    "SNOW": 1,
    "QCOM": 9,
}

# A call reports the last quarter whose month ended at least this many days before it. Kept small because
# 52/53-week calendars close a few days before the month ends (NVIDIA's Q3 FY2016 closed 2015-10-25 and was
# reported on 2015-11-05).
_MIN_DAYS_AFTER_QUARTER_END = 2


def year_end_month(ticker: str, *, override: int | None = None) -> int:
    """The month (1-12) in which the ticker's fiscal year ends."""
    month = override if override is not None else FISCAL_YEAR_END_MONTH.get(ticker.upper(), 12)
    if not 1 <= month <= 12:
        raise ValueError(f"fiscal year end month must be 1-12, got {month}")
    return month


def period_of_month(year: int, month: int, end_month: int) -> Period:
    """The fiscal period whose last month is (year, month)."""
    offset = (month - end_month) % 12  # months after the fiscal year end
    if offset % 3:
        raise ValueError(f"{year}-{month:02d} does not end a quarter for a year ending in month {end_month}")
    quarter = offset // 3 or 4
    fiscal_year = year if month <= end_month else year + 1
    if quarter == 4:
        fiscal_year = year
    return Period(fiscal_year, quarter)


def _last_close(call_date: dt.date, end: int) -> tuple[int, int]:
    """(year, month) of the last month that closes a fiscal quarter and had ended early enough for the call."""
    probe = call_date - dt.timedelta(days=_MIN_DAYS_AFTER_QUARTER_END)
    year, month = probe.year, probe.month
    if (probe + dt.timedelta(days=1)).month == month:  # the probe's own month has not ended yet
        month -= 1
    while True:
        if month == 0:
            year, month = year - 1, 12
        if (month - end) % 3 == 0:
            return year, month
        month -= 1


def period_for_call(ticker: str, call_date: dt.date, *, end_month: int | None = None) -> Period:
    """The fiscal quarter that a call held on call_date reports on."""
    end = year_end_month(ticker, override=end_month)
    return period_of_month(*_last_close(call_date, end), end)


def end_month_from_label(period: Period, call_date: dt.date) -> int | None:
    """Infer a fiscal year end month from a labelled call (e.g. 'Q1 2024' held 2023-05-24).

    Up to three calendars fit a label (quarters closing one, two or three months before the call):
    the one whose quarter closed last is taken.
    """
    fits = [end for end in range(1, 13) if period_for_call("", call_date, end_month=end) == period]
    return max(fits, key=lambda end: _last_close(call_date, end), default=None)


def latest_period(ticker: str, *, today: dt.date | None = None) -> Period:
    """The newest fiscal quarter of the ticker that can have been reported by today."""
    return period_for_call(ticker, today or dt.date.today())
