"""`reparse`: parse every stored call's raw document again with the current parsers (no network)."""
from __future__ import annotations

import argparse
from collections import Counter

from .common import print_table, run_job


def register(subparsers) -> None:
    cmd = subparsers.add_parser("reparse", help="re-parse stored documents after a parser upgrade (no network)")
    cmd.set_defaults(run=run)


def summarise(result: dict) -> None:
    print_table([(o["call"], o["outcome"], o["detail"]) for o in result["calls"]], ["call", "outcome", "detail"])
    counts = Counter(o["outcome"] for o in result["calls"])
    print(", ".join(f"{n} {name}" for name, n in sorted(counts.items())) or "no stored calls")


def run(args: argparse.Namespace) -> int:
    return run_job("reparse", {}, summarise=summarise)
