"""`fetch TICKER`: fetch a ticker's earnings calls from the web into the store (cache first)."""
from __future__ import annotations

import argparse

from ..fiscal import latest_period
from ..ingest.sources import DEFAULT_SOURCE, SOURCES
from ..model import period_range
from .common import period_arg, print_table, require, run_job, ticker_arg


def register(subparsers) -> None:
    cmd = subparsers.add_parser(
        "fetch", help="fetch a ticker's earnings calls from the web (stored calls are not fetched again)",
        description="Quarters: --from A --to B; --from A (to the latest); --to B (that quarter); "
                    "or the last N quarters published (default 4).",
    )
    cmd.add_argument("ticker", type=ticker_arg)
    cmd.add_argument("--from", dest="start", type=period_arg, metavar="2023Q1", help="first fiscal quarter")
    end = cmd.add_mutually_exclusive_group()
    end.add_argument("--to", dest="end", type=period_arg, metavar="2025Q4", help="last fiscal quarter")
    end.add_argument("--last", type=int, metavar="N", help="the N most recent quarters (default 4)")
    cmd.add_argument("--source", choices=list(SOURCES), default=DEFAULT_SOURCE)
    cmd.add_argument("--url", dest="urls", action="append", default=[], metavar="URL",
                     help="a transcript page to fetch (repeatable); discovery is skipped")
    cmd.add_argument("--refresh", action="store_true", help="fetch again even if the call is stored")
    cmd.add_argument("--base-url", help="the source's base URL (a mirror or a local test server)")
    cmd.set_defaults(run=run)


def summarise(result: dict) -> None:
    quarters = result["quarters"]
    print_table([(q["quarter"], q["outcome"], q["detail"]) for q in quarters], ["quarter", "outcome", "detail"])
    failed = result["failed"]
    print(f"{result['ticker']}: {len(quarters) - failed} of {len(quarters)} quarters stored"
          + (f", {failed} failed" if failed else ""))


def run(args: argparse.Namespace) -> int:
    require(args.last is None or args.last >= 1, "--last must be at least 1")
    require(not (args.start and args.last), "use --from with --to, or --last alone")
    periods = None
    if args.start or args.end:
        last = args.end or latest_period(args.ticker)
        periods = period_range(args.start or last, last)
        require(bool(periods), f"--from {args.start} is after --to {last}")
    job_args = {"ticker": args.ticker, "periods": [str(p) for p in periods] if periods else None, "last": args.last,
                "source": args.source, "urls": args.urls, "refresh": args.refresh, "base_url": args.base_url}
    status = run_job("fetch", job_args, summarise=summarise)
    return status
