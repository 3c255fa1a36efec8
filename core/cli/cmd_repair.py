"""`repair [--dry-run]`: report and fix differences between the DuckDB analysis and the LanceDB vectors."""
from __future__ import annotations

import argparse

from ..repair import repair
from ..settings import Settings
from ..vectors import VectorIndex
from .common import open_store


def register(subparsers) -> None:
    cmd = subparsers.add_parser("repair", help="make the vector table agree with the analysed calls")
    cmd.add_argument("--dry-run", action="store_true", help="report the differences without fixing them")
    cmd.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = Settings()
    with open_store(settings) as store:
        report = repair(store, VectorIndex(settings.vectors_dir), dry_run=args.dry_run)
    plural = "" if report.analysed_calls == 1 else "s"
    print(f"{report.analysed_calls} analysed call{plural}, {report.vector_rows} vector rows")
    if report.consistent:
        print("DuckDB and LanceDB agree")
        return 0
    done = "" if args.dry_run else " (deleted)"
    for call_id, rows in report.stale_vectors.items():
        print(f"call {call_id}: {rows} vectors of a call that is not fully analysed{done}")
    rewrite = "would be re-written" if args.dry_run else "re-written from DuckDB"
    for call_id, reason in report.rewritten.items():
        print(f"call {call_id}: {reason}; vectors {rewrite}")
    action = "would be reset" if args.dry_run else "reset: run `python -m core analyze` to redo it"
    for call_id, reason in report.redo.items():
        print(f"call {call_id}: {reason}; analysis {action}")
    return 0
