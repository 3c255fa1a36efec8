"""`import PATH…`: import files and directories of transcripts."""
from __future__ import annotations

import argparse
from pathlib import Path

from .common import period_arg, run_job, ticker_arg


def register(subparsers) -> None:
    cmd = subparsers.add_parser("import", help="import transcript files or directories (recursively)")
    cmd.add_argument("paths", type=Path, nargs="+")
    cmd.add_argument("--ticker", type=ticker_arg, help="ticker for documents that do not name it")
    cmd.add_argument("--period", type=period_arg, help="fiscal period for documents that lack it (one file)")
    cmd.set_defaults(run=run)


def summarise(result: dict) -> None:
    parts = [f"{n} {name}" for name, n in sorted(result["counts"].items())]
    if warnings := result.get("warnings"):  # the job log above lists them
        parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    print(", ".join(parts) or "no files found")


def run(args: argparse.Namespace) -> int:
    paths = [str(path.absolute()) for path in args.paths]  # the worker may run in another directory
    status = run_job("import", {"paths": paths, "ticker": args.ticker,
                                "period": str(args.period) if args.period else None}, summarise=summarise)
    return status
