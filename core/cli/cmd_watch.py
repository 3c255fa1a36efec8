"""`watch add|remove|list [TICKER…] [--every HOURS]`: the tickers the schedule checks for new calls."""
from __future__ import annotations

import argparse

from ..ingest.sources import DEFAULT_SOURCE, SOURCES
from .common import open_store, print_table, require, ticker_arg


def register(subparsers) -> None:
    cmd = subparsers.add_parser("watch", help="the watchlist the schedule checks for new calls (daily by default)")
    cmd.add_argument("action", choices=["add", "remove", "list"])
    cmd.add_argument("tickers", nargs="*", type=ticker_arg)
    cmd.add_argument("--source", choices=list(SOURCES), default=DEFAULT_SOURCE)
    cmd.add_argument("--every", type=float, metavar="HOURS", help="check every HOURS hours (all tickers)")
    cmd.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..work import watch

    store = open_store()
    if args.every is not None:
        watch.set_interval(store, args.every)
    if args.action == "add":
        require(bool(args.tickers), "name the tickers to watch")
        for ticker in args.tickers:
            watch.add(store, ticker, source=args.source)
    elif args.action == "remove":
        require(bool(args.tickers), "name the tickers to stop watching")
        missing = [t for t in args.tickers if not watch.remove(store, t)]
        require(not missing, f"not watched: {', '.join(missing)}")
    hours = watch.interval(store).total_seconds() / 3600
    print_table([[e.ticker, e.source, str(e.last_check or "never")[:19], str(e.next_check)[:19], e.last_outcome or ""]
                 for e in watch.entries(store)], ["ticker", "source", "last check", "next check", "outcome"])
    print(f"checked every {hours:g} h by the app's worker, or by `python -m core refresh` (cron)")
    return 0
