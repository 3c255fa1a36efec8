"""`analysts [TICKER] [--json|--csv]`: the sell-side analysts of a company's Q&A (of every company's without a
ticker): one row per person, with firm, calls, questions, first and last period and topics."""
from __future__ import annotations

import argparse

from .common import add_output_options, open_store, print_table, require, ticker_arg, write_frame


def register(subparsers) -> None:
    cmd = subparsers.add_parser("analysts", help="the analysts who asked questions on a company's calls")
    cmd.add_argument("ticker", nargs="?", type=ticker_arg, help="one company (default: every stored company)")
    add_output_options(cmd, json_help="a JSON list, one object per analyst")
    cmd.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..queries.analysts import directory

    with open_store() as store:
        if args.ticker:
            require(bool(store.calls(ticker=args.ticker)), f"no stored calls of {args.ticker}")
        frame = directory(store, args.ticker)
    if write_frame(frame, args):
        return 0
    require(not frame.empty, "no analyst questions stored" + (f" for {args.ticker}" if args.ticker else ""))
    rows = [[r["name"], r["firm"] or "", r["calls"], r["questions"], r["first_period"], r["last_period"],
             r["topics"]] for r in frame.to_dict("records")]
    print_table(rows, ["name", "firm", "calls", "questions", "first", "last", "topics"])
    return 0
