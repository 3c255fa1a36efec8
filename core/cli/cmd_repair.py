"""`repair [--dry-run]`: report and fix differences between the DuckDB analysis and the LanceDB vectors."""
from __future__ import annotations

import argparse

from .common import run_job


def register(subparsers) -> None:
    cmd = subparsers.add_parser("repair", help="make the vector table agree with the analysed calls")
    cmd.add_argument("--dry-run", action="store_true", help="report the differences without fixing them")
    cmd.set_defaults(run=run)


def summarise(result: dict) -> None:
    plural = "" if result["analysed_calls"] == 1 else "s"
    print(f"{result['analysed_calls']} analysed call{plural}, {result['vector_rows']} vector rows")
    if result["consistent"]:
        print("DuckDB and LanceDB agree")
        return
    dry_run = result["dry_run"]
    done = "" if dry_run else " (deleted)"
    for call_id, rows in result["stale_vectors"].items():
        print(f"call {call_id}: {rows} vectors of a call that is not fully analysed{done}")
    rewrite = "would be re-written" if dry_run else "re-written from DuckDB"
    for call_id, reason in result["rewritten"].items():
        print(f"call {call_id}: {reason}; vectors {rewrite}")
    action = "would be reset" if dry_run else "reset: run `python -m core analyze` to redo it"
    for call_id, reason in result["redo"].items():
        print(f"call {call_id}: {reason}; analysis {action}")


def run(args: argparse.Namespace) -> int:
    return run_job("repair", {"dry_run": args.dry_run}, summarise=summarise)
