"""`analyze [--ticker T] [--rescore]`: sentences, sentiment, topics, cues and vectors for every stored call."""
from __future__ import annotations

import argparse

from .common import run_job, ticker_arg


def register(subparsers) -> None:
    cmd = subparsers.add_parser("analyze", help="analyse stored calls that are not analysed with the current models")
    cmd.add_argument("--ticker", type=ticker_arg, help="only this company's calls")
    cmd.add_argument("--rescore", action="store_true", help="redo calls that are already analysed")
    cmd.set_defaults(run=run)


def summarise(result: dict) -> None:
    print(f"{result['analysed']} calls analysed ({result['sentences']} sentences, {result['per_second']:.0f}/s), "
          f"{result['skipped']} already up to date; taxonomy {result['taxonomy']}; guidance read from "
          f"{result.get('guidance_read', 0)} calls")


def run(args: argparse.Namespace) -> int:
    return run_job("analyze", {"ticker": args.ticker, "rescore": args.rescore}, summarise=summarise)
