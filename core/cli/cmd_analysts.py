"""`analysts [TICKER] [--json|--csv]`: the sell-side analysts of a company's Q&A (of every company's without a
ticker): one row per person, with firm, calls, questions, first and last period and topics."""
from __future__ import annotations

import argparse
import json
import sys

from .common import json_rows, open_store, print_table, require, ticker_arg


def register(subparsers) -> None:
    cmd = subparsers.add_parser("analysts", help="the analysts who asked questions on a company's calls")
    cmd.add_argument("ticker", nargs="?", type=ticker_arg, help="one company (default: every stored company)")
    out = cmd.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="a JSON list, one object per analyst")
    out.add_argument("--csv", action="store_true", help="CSV, safe to open in a spreadsheet")
    cmd.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..analysts import directory
    from ..export import to_csv

    with open_store() as store:
        if args.ticker:
            require(bool(store.calls(ticker=args.ticker)), f"no stored calls of {args.ticker}")
        frame = directory(store, args.ticker)
    if args.json:
        print(json.dumps(json_rows(frame), indent=2))
        return 0
    if args.csv:
        sys.stdout.buffer.write(to_csv(frame))
        return 0
    require(not frame.empty, "no analyst questions stored" + (f" for {args.ticker}" if args.ticker else ""))
    rows = [[r["name"], r["firm"] or "", r["calls"], r["questions"], r["first_period"], r["last_period"],
             r["topics"]] for r in frame.to_dict("records")]
    print_table(rows, ["name", "firm", "calls", "questions", "first", "last", "topics"])
    return 0
