"""`analyze [--ticker T] [--rescore] [--ray [ADDRESS]] [--device D]`: sentences, sentiment, topics, cues and vectors
for every stored call, in this process or on a Ray cluster."""
from __future__ import annotations

import argparse

from ..device import DEVICES  # torch-free
from .common import run_job, ticker_arg


def register(subparsers) -> None:
    cmd = subparsers.add_parser("analyze", help="analyse stored calls that are not analysed with the current models")
    cmd.add_argument("--ticker", type=ticker_arg, help="only this company's calls")
    cmd.add_argument("--rescore", action="store_true", help="redo calls that are already analysed")
    cmd.add_argument("--ray", nargs="?", const="local", metavar="ADDRESS",
                     help="run the models on a Ray cluster: a local one started for the run (no ADDRESS), or the "
                          "cluster at ADDRESS ('auto', 'ray://head:10001'); default: EARNINGS_RAY")
    cmd.add_argument("--workers", type=int, metavar="N", help="model workers on Ray (default: one per GPU; on "
                     "CPUs one for a local cluster, one per core elsewhere)")
    cmd.add_argument("--device", choices=DEVICES, help="where the models run (default: EARNINGS_DEVICE, else auto: "
                     "CUDA when there is a GPU)")
    cmd.set_defaults(run=run)


def summarise(result: dict) -> None:
    print(f"{result['analysed']} calls analysed ({result['sentences']} sentences, {result['per_second']:.0f}/s), "
          f"{result['skipped']} already up to date; taxonomy {result['taxonomy']}; guidance read from "
          f"{result.get('guidance_read', 0)} calls")


def run(args: argparse.Namespace) -> int:
    job_args = {"ticker": args.ticker, "rescore": args.rescore}
    job_args.update({k: v for k, v in (("ray", args.ray), ("workers", args.workers), ("device", args.device)) if v})
    return run_job("analyze", job_args, summarise=summarise)
