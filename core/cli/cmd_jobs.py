"""`jobs [list|show N|cancel N|resume N]`: the jobs of the app, the command line and the schedule."""
from __future__ import annotations

import argparse
import json

from .common import follow, open_store, print_table


def register(subparsers) -> None:
    cmd = subparsers.add_parser("jobs", help="list, show, follow, cancel or resume jobs")
    cmd.add_argument("action", nargs="?", choices=["list", "show", "follow", "cancel", "resume"], default="list")
    cmd.add_argument("job_id", nargs="?", type=int)
    cmd.add_argument("--json", action="store_true")
    cmd.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..errors import ConfigError
    from ..work import jobs

    store = open_store()
    if args.action == "list":
        listed = jobs.recent(store)
        if args.json:
            print(json.dumps([vars(j) for j in listed], indent=2, default=str))
            return 0
        print_table([[j.job_id, j.kind, j.state, f"{j.done}/{j.total if j.total is not None else '?'}", j.origin,
                      str(j.created_at)[:19], (j.error or j.current or "")[:70]] for j in listed],
                    ["job", "kind", "state", "progress", "origin", "created", "detail"])
        return 0
    if args.job_id is None:
        raise ConfigError(f"`jobs {args.action}` needs a job number")
    if args.action == "show":
        job = jobs.get(store, args.job_id)
        print(json.dumps(vars(job), indent=2, default=str) if args.json else f"{job.describe()}: {job.state}"
              + (f" — {job.error}" if job.error else ""))
        if not args.json:
            for _seq, at, line in jobs.log_lines(store, args.job_id):
                print(f"{str(at)[:19]}  {line}")
        return 0
    if args.action == "follow":
        return 0 if follow(store, args.job_id).state == "succeeded" else 1
    job = jobs.cancel(store, args.job_id) if args.action == "cancel" else jobs.resume(store, args.job_id)
    print(f"job #{job.job_id}: {job.state}" + (" (cancel requested)" if job.cancel_requested else ""))
    return 0
