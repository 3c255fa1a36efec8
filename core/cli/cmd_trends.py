"""`trends TICKER [--csv]`: per analysed call, the summary measures (core.analysis.measures.SUMMARY), net tone's
change and
net tone per speaker group."""
from __future__ import annotations

import argparse
import sys

from .common import open_store, print_table, require, ticker_arg


def register(subparsers) -> None:
    cmd = subparsers.add_parser("trends", help="tone and other measures of a company's analysed calls by quarter")
    cmd.add_argument("ticker", type=ticker_arg)
    cmd.add_argument("--csv", action="store_true",
                     help="write CSV (all digits, safe to open in a spreadsheet) instead of a table")
    cmd.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..analysis.measures import NET_TONE, SUMMARY
    from ..queries.export import to_csv
    from ..queries.rollups import trends

    with open_store() as store:
        frame = trends(store, ticker=args.ticker)
    require(not frame.empty, f"no analysed calls of {args.ticker}: run `python -m core analyze --ticker {args.ticker}`")
    if args.csv:
        sys.stdout.flush()
        sys.stdout.buffer.write(to_csv(frame))  # the same injection-safe CSV as every other export
        return 0
    decimals = {m.name: m.decimals for m in SUMMARY} | {c: NET_TONE.decimals for c in frame if c.startswith("net_tone")}
    shown = frame.round(decimals).astype(object).where(frame.notna(), None)
    print_table(shown.itertuples(index=False), list(frame.columns))
    return 0
