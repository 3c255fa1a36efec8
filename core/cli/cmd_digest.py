"""`digest TICKER [--period P] [--json|--md]`: what changed on a company's call against its previous call — tone by
section and speaker group with its interval, topics, new and vanished phrases, new questions, non-answers and
guidance changes, each with the sentence behind it."""
from __future__ import annotations

import argparse
import json

from .common import json_value, open_store, period_arg, require, ticker_arg


def register(subparsers) -> None:
    cmd = subparsers.add_parser("digest", help="what changed on a company's call against the previous one")
    cmd.add_argument("ticker", type=ticker_arg)
    cmd.add_argument("--period", type=period_arg, help="the call's fiscal period, e.g. 2025Q3 (default: the latest "
                                                       "analysed call)")
    out = cmd.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="the digest as JSON")
    out.add_argument("--md", action="store_true", help="Markdown to paste into a note (the default)")
    cmd.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..queries.digest import digest

    with open_store() as store:
        require(bool(store.calls(ticker=args.ticker)), f"no stored calls of {args.ticker}")
        try:
            found = digest(store, args.ticker, args.period)
        except ValueError as exc:
            require(False, str(exc))
    if args.json:
        print(json.dumps(json_value(found.to_dict()), indent=2))
        return 0
    print(found.markdown())
    return 0
