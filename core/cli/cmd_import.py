"""`import PATH…`: import files and directories of transcripts."""
from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from tqdm import tqdm

from ..ingest import import_paths, iter_files
from .common import open_store, period_arg, ticker_arg


def register(subparsers) -> None:
    cmd = subparsers.add_parser("import", help="import transcript files or directories (recursively)")
    cmd.add_argument("paths", type=Path, nargs="+")
    cmd.add_argument("--ticker", type=ticker_arg, help="ticker for documents that do not name it")
    cmd.add_argument("--period", type=period_arg, help="fiscal period for documents that lack it (one file)")
    cmd.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    total = sum(1 for _ in iter_files(args.paths))
    with open_store() as store, tqdm(total=total, unit="file", disable=None) as bar:
        def report(outcome) -> None:
            detail = outcome.call if outcome.outcome != "failed" else outcome.reason
            bar.write(f"{outcome.outcome:9} {outcome.path}  {detail}")
            bar.update()

        outcomes = import_paths(store, args.paths, ticker=args.ticker, period=args.period, progress=report)
    counts = Counter(o.outcome for o in outcomes)
    print(", ".join(f"{n} {name}" for name, n in sorted(counts.items())) or "no files found")
    return 1 if counts["failed"] or not outcomes else 0
