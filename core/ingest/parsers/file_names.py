"""Ticker and call date from a file name: `2016-02-17-NVDA.txt`, `NVDA_2016-Feb-17.txt`, `20160217 NVDA.txt`."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import PurePath

_MONTH_NAMES = "january february march april may june july august september october november december".split()
_MONTH = r"(?P<mon>[A-Za-z]{3,9})"
_DATES = (  # ISO 2016-02-17, 2016-Feb-17, 20160217, Feb-17-2016, 17-Feb-2016 (parts joined by - _ . or a blank)
    r"(?P<y>\d{4})[-_. ](?P<m>\d{1,2})[-_. ](?P<d>\d{1,2})",
    rf"(?P<y>\d{{4}})[-_. ]{_MONTH}[-_. ](?P<d>\d{{1,2}})",
    r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})",
    rf"{_MONTH}[-_. ](?P<d>\d{{1,2}})[-_. ,]*(?P<y>\d{{4}})",
    rf"(?P<d>\d{{1,2}})[-_. ]{_MONTH}[-_. ](?P<y>\d{{4}})",
)
_TICKER = r"[A-Za-z][A-Za-z0-9.]{0,9}"
_NAMES = tuple(re.compile(rf"(?:(?P<before>{_TICKER})[-_. ]+)?{date}(?:[-_. ]+(?P<after>{_TICKER}))?", re.I)
               for date in _DATES)
NAME_EXAMPLE = "2016-02-17-TICKER.txt"  # how an error message suggests naming a file


@dataclass(frozen=True)
class NameInfo:
    """What a file name says: the ticker and the call date, either possibly missing."""

    ticker: str | None = None
    call_date: dt.date | None = None


def _date(m: re.Match[str]) -> dt.date | None:
    name = (m.groupdict().get("mon") or "").lower()
    month = next((i for i, full in enumerate(_MONTH_NAMES, 1) if full.startswith(name)), None) if name else int(m["m"])
    try:
        return dt.date(int(m["y"]), month, int(m["d"])) if month else None
    except ValueError:
        return None


def name_info(source: str) -> NameInfo:
    """The ticker and call date a file name carries (date and ticker, in either order, and nothing else)."""
    stem, dot, suffix = PurePath(source).name.rpartition(".") if source else ("", "", "")
    if not (dot and suffix.isalpha() and 2 <= len(suffix) <= 5):  # "….txt", not "…BRK.B"
        stem = f"{stem}{dot}{suffix}"
    for pattern in _NAMES:
        m = pattern.fullmatch(stem)
        if not m or (date := _date(m)) is None:
            continue
        tickers = [t for t in (m["before"], m["after"]) if t]
        return NameInfo(tickers[0].upper() if len(tickers) == 1 else None, date)
    return NameInfo()
