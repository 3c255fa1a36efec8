"""`worker`: run queued jobs and the watchlist's schedule in the foreground (the app starts one by itself)."""
from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers) -> None:
    cmd = subparsers.add_parser("worker", help="run queued jobs and the watchlist schedule until stopped")
    cmd.add_argument("--db", type=Path, help="the database (default: the data directory's)")
    cmd.add_argument("--parent-pid", type=int, help="stop when this process is gone (the app that started it)")
    cmd.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..settings import Settings
    from ..work.worker import Worker

    db = args.db or Settings().db_path
    return Worker(db, parent_pid=args.parent_pid, echo=lambda line: print(line, flush=True)).serve()
