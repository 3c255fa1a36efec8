"""`trends TICKER [--csv]`: per analysed call, tone and its change, the Q&A gap, speakers, uncertainty, FLS."""
from __future__ import annotations

import argparse
import sys

from .common import open_store, print_table, require, ticker_arg

_DECIMALS = {"net_tone": 3, "net_tone_qoq": 3, "prepared_tone": 3, "qa_tone": 3, "qa_gap": 3, "ceo_tone": 3,
             "cfo_tone": 3, "executive_tone": 3, "analyst_tone": 3, "uncertainty_per_1000": 1, "fls_share": 3}


def register(subparsers) -> None:
    cmd = subparsers.add_parser("trends", help="tone and other measures of a company's analysed calls by quarter")
    cmd.add_argument("ticker", type=ticker_arg)
    cmd.add_argument("--csv", action="store_true", help="write CSV (all digits, safe to open in a spreadsheet) instead of a table")
    cmd.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..export import to_csv
    from ..rollups import trends

    with open_store() as store:
        frame = trends(store, ticker=args.ticker)
    require(not frame.empty, f"no analysed calls of {args.ticker}: run `python -m core analyze --ticker {args.ticker}`")
    if args.csv:
        sys.stdout.flush()
        sys.stdout.buffer.write(to_csv(frame))  # the same injection-safe CSV as every other export
        return 0
    shown = frame.round(_DECIMALS).astype(object).where(frame.notna(), None)
    print_table(shown.itertuples(index=False), list(frame.columns))
    return 0
