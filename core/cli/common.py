"""Pieces shared by the commands: opening the store, reading periods, printing tables."""
from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable, Sequence

from ..errors import ConfigError
from ..model import Period, ticker_symbol
from ..settings import Settings
from ..storage.store import Store


def open_store(settings: Settings | None = None) -> Store:
    """The store under the configured data directory."""
    return Store((settings or Settings()).db_path)


def period_arg(text: str) -> Period:
    """argparse type for '2025Q2'."""
    try:
        return Period.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def ticker_arg(text: str) -> str:
    """argparse type for a ticker: 1-10 letters, digits, '.' or '-'."""
    try:
        return ticker_symbol(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def print_table(rows: Sequence[Sequence[object]], headers: Sequence[str], *, file=None) -> None:
    """A plain aligned text table."""
    out = file or sys.stdout
    cells = [[str(h) for h in headers], *[["" if c is None else str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip(), file=out)
        if n == 0:
            print("  ".join("-" * w for w in widths), file=out)


def require(condition: bool, message: str) -> None:
    """Raise ConfigError(message) unless condition holds."""
    if not condition:
        raise ConfigError(message)


def run_job(kind: str, job_args: dict, *, summarise: Callable[[dict], None] | None = None) -> int:
    """Run a job and follow it: handed to the app's worker when one serves the database, else run here. Either
    way the job's log lines print to stderr as they come, then its summary to stdout; Ctrl-C stops it at the next
    step (cancelled in the worker; interrupted, and resumable, here)."""
    from ..work import jobs, running, worker

    store = open_store()
    job = jobs.submit(store, kind, job_args, origin="cli")
    mine = None if worker.alive(store.path) else jobs.claim(store, jobs.Runner(store), job_id=job.job_id)
    if mine:
        try:
            job = running.run_job(store, mine, echo=_progress_line)
        except KeyboardInterrupt:
            print("interrupted: the job ends as interrupted; `python -m core jobs resume "
                  f"{job.job_id}` finishes it", file=sys.stderr)
            return 130
    else:
        holder = worker.worker_pid(store.path)
        print(f"job #{job.job_id} runs in the worker" + (f" (PID {holder})" if holder else ""), file=sys.stderr)
        job = follow(store, job.job_id)
    if job.result and summarise:
        summarise(job.result)
    if job.state != "succeeded":
        print(f"error: job #{job.job_id} {job.state}: {job.error}", file=sys.stderr)
        return 1
    return 0


def _progress_line(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def follow(store: Store, job_id: int, *, every_s: float = 0.3):
    """Print a job's log lines as they come until it ends; Ctrl-C asks for a cancel and keeps following."""
    from ..work import jobs

    seen = 0
    while True:
        try:
            for seq, _at, line in jobs.log_lines(store, job_id, after=seen):
                _progress_line(line)
                seen = seq
            job = jobs.get(store, job_id)
            if not job.active:
                for _seq, _at, line in jobs.log_lines(store, job_id, after=seen):
                    _progress_line(line)
                return job
            time.sleep(every_s)
        except KeyboardInterrupt:
            jobs.cancel(store, job_id)
            print(f"cancelling job #{job_id} at its next step…", file=sys.stderr)


def json_rows(frame) -> list[dict]:
    """A frame's rows as JSON-ready dicts: NaN and NA as null, dates as ISO text, numpy numbers as Python numbers."""
    return [{name: _json_value(value) for name, value in row.items()} for row in frame.to_dict("records")]


def json_value(value: object) -> object:
    """A JSON-ready value, nested dicts and lists too (see json_rows)."""
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    return _json_value(value)


def _json_value(value: object) -> object:
    if value is None or type(value).__name__ == "NAType" or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value.item() if hasattr(value, "item") else value


def add_output_options(cmd, *, json_help: str = "a JSON list, one object per row") -> None:
    """--json and --csv, one or the other (the default is a table)."""
    out = cmd.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help=json_help)
    out.add_argument("--csv", action="store_true", help="CSV, safe to open in a spreadsheet")


def write_frame(frame, args: argparse.Namespace) -> bool:
    """The frame as JSON rows or injection-safe CSV on stdout when --json or --csv asks; whether it was written."""
    if args.json:
        import json

        print(json.dumps(json_rows(frame), indent=2))
    elif args.csv:
        from ..queries.export import to_csv

        sys.stdout.flush()
        sys.stdout.buffer.write(to_csv(frame))
    return bool(args.json or args.csv)
