"""`reparse`: parse every stored call's raw document again with the current parsers (no network)."""
from __future__ import annotations

import argparse
from collections import Counter

from ..fetch import reparse_calls
from .common import open_store, print_table


def register(subparsers) -> None:
    cmd = subparsers.add_parser("reparse", help="re-parse stored documents after a parser upgrade (no network)")
    cmd.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    with open_store() as store:
        outcomes = reparse_calls(store)
    print_table([(o.call, o.outcome, o.reason) for o in outcomes], ["call", "outcome", "detail"])
    counts = Counter(o.outcome for o in outcomes)
    print(", ".join(f"{n} {name}" for name, n in sorted(counts.items())) or "no stored calls")
    return 1 if counts["failed"] else 0
