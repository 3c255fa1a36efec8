"""`calls [--ticker T] [--json]`: what is stored, with turn counts and provenance."""
from __future__ import annotations

import argparse
import json

from ..model import period_label
from .common import open_store, print_table, ticker_arg


def register(subparsers) -> None:
    cmd = subparsers.add_parser("calls", help="list the stored calls")
    cmd.add_argument("--ticker", type=ticker_arg)
    cmd.add_argument("--json", action="store_true")
    cmd.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    with open_store() as store:
        calls = store.calls(ticker=args.ticker)
    if args.json:
        print(json.dumps(calls, indent=2, default=str))
        return 0
    rows = [[c["ticker"], period_label(c["fiscal_year"], c["fiscal_quarter"]), c["call_date"], c["turns"],
             c["qa_turns"],
             c["format"], c["source"], str(c["fetched_at"])[:19]] for c in calls]
    print_table(rows, ["ticker", "period", "call date", "turns", "qa turns", "kind", "source", "fetched/imported"])
    return 0
