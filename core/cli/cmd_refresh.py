"""`refresh [TICKER…]`: one pass of the schedule (for cron when the app is not running): fetch and analyse new calls
of the watched tickers that are due, or of the named ones."""
from __future__ import annotations

import argparse

from .common import print_table, run_job, ticker_arg


def register(subparsers) -> None:
    cmd = subparsers.add_parser("refresh", help="check the watched tickers that are due for new calls, now")
    cmd.add_argument("tickers", nargs="*", type=ticker_arg, help="only these watched tickers (due or not)")
    cmd.add_argument("--base-url", help="the source's base URL (a mirror or a local test server)")
    cmd.set_defaults(run=run)


def summarise(result: dict) -> None:
    print_table([[t["ticker"], "ok" if t["ok"] else "failed", t["outcome"]] for t in result["tickers"]],
                ["ticker", "check", "outcome"])
    print(f"{result['new_calls']} new calls" + (f", {result['analysis']['analysed']} analysed"
                                                if "analysis" in result else ""))


def run(args: argparse.Namespace) -> int:
    return run_job("refresh", {"tickers": args.tickers or None, "base_url": args.base_url}, summarise=summarise)
