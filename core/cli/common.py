"""Pieces shared by the commands: opening the store, reading periods, printing tables."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ..errors import ConfigError
from ..model import Period
from ..settings import Settings
from ..store import Store


def open_store(settings: Settings | None = None) -> Store:
    """The store under the configured data directory."""
    return Store((settings or Settings()).db_path)


def period_arg(text: str) -> Period:
    """argparse type for '2025Q2'."""
    try:
        return Period.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def ticker_arg(text: str) -> str:
    """argparse type for a ticker: 1-10 letters, digits, '.' or '-'."""
    ticker = text.strip().upper()
    if not ticker or len(ticker) > 10 or not all(c.isalnum() or c in ".-" for c in ticker):
        raise argparse.ArgumentTypeError(f"not a ticker symbol: {text!r}")
    return ticker


def print_table(rows: Sequence[Sequence[object]], headers: Sequence[str], *, file=None) -> None:
    """A plain aligned text table."""
    out = file or sys.stdout
    cells = [[str(h) for h in headers], *[["" if c is None else str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip(), file=out)
        if n == 0:
            print("  ".join("-" * w for w in widths), file=out)


def require(condition: bool, message: str) -> None:
    """Raise ConfigError(message) unless condition holds."""
    if not condition:
        raise ConfigError(message)
