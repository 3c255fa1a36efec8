"""Jobs: long work (fetch, import, analyse, …) kept in the database, run by a worker or the command line.

A job is queued by whoever asks (the app, the command line, the schedule), claimed by one runner, and moves
through queued → running → succeeded / failed / cancelled. A runner is a process that holds an exclusive lock on
a token file for as long as it lives (`Runner`): a running job whose runner's lock is free was cut off by a crash
or a stop and shows as interrupted; `resume` queues it again. Every step of every task is idempotent and written
in its own transaction, so a resumed job redoes nothing that finished and never leaves half a step behind.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError
from ..storage.locks import FileLock, is_held
from ..storage.store import Store, utc_now

ACTIVE = ("queued", "running")
ORIGINS = ("app", "cli", "schedule")


@dataclass(frozen=True)
class Job:
    """One row of the jobs table."""

    job_id: int
    kind: str
    args: dict
    origin: str
    state: str
    done: int
    total: int | None
    current: str | None
    result: dict | None
    error: str | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    runner: str | None
    cancel_requested: bool
    attempts: int

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    @property
    def fraction(self) -> float:
        """Progress in [0, 1] (0 while the total is unknown)."""
        return min(1.0, self.done / self.total) if self.total else 0.0

    def describe(self) -> str:
        """'analyze #12' with its main arguments, for lists and logs."""
        shown = {k: v for k, v in self.args.items() if v not in (None, False, [], "")}
        detail = " ".join(f"{k}={','.join(map(str, v)) if isinstance(v, list) else v}" for k, v in shown.items())
        return f"{self.kind} #{self.job_id}" + (f" ({detail[:80]})" if detail else "")


_COLUMNS = ("job_id, kind, args, origin, state, done, total, current, result, error, created_at, started_at, "
            "finished_at, runner, cancel_requested, attempts")


def _job(row) -> Job:
    values = list(row)
    values[2] = json.loads(values[2])
    values[8] = json.loads(values[8]) if values[8] else None
    return Job(*values)


# -- paths beside the database ----------------------------------------------------------------------------------
def runners_dir(store: Store) -> Path:
    """Where runners keep their token files."""
    return Path(store.path + ".runners")


def snapshot_path(store: Store) -> Path:
    """The active jobs as JSON, rewritten by every change to the jobs table (in its transaction): what the app's
    indicator polls and what wakes a waiting worker, without opening the database."""
    return Path(store.path + ".jobs.json")


def write_snapshot(store: Store, cur) -> None:
    """Rewrite the snapshot from the jobs table, inside the caller's write transaction (so writers take turns)."""
    if store.path == ":memory:":
        return
    _replace_snapshot(store, _snapshot_data(cur))


def _snapshot_data(cur) -> dict:
    rows = cur.execute(f"SELECT {_COLUMNS} FROM jobs WHERE state IN ('queued', 'running') ORDER BY job_id").fetchall()
    last = cur.execute("SELECT coalesce(max(job_id), 0) FROM jobs WHERE state NOT IN ('queued', 'running')"
                       ).fetchall()[0][0]
    return {"active": [vars(_job(row)) for row in rows], "last_finished": last}


def _replace_snapshot(store: Store, data: dict) -> None:
    text = json.dumps(data, default=str)
    path = snapshot_path(store)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def _rebuild_snapshot(store: Store) -> dict:
    """The snapshot from the database, written to its file under the shared lock (no writer can commit meanwhile,
    so it cannot overwrite a newer one); a read-only data directory just goes without the file."""
    with store.cursor() as cur:
        data = _snapshot_data(cur)
        if store.path != ":memory:":
            try:
                _replace_snapshot(store, data)
            except OSError:
                pass
    return json.loads(json.dumps(data, default=str))


def snapshot(store: Store) -> tuple[list[Job], int]:
    """(active jobs, id of the newest finished job) from the snapshot file. When there is none (no job was ever
    queued here, or the file was removed) it is written from the database once, so later calls stay off it."""
    try:
        data = json.loads(snapshot_path(store).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = _rebuild_snapshot(store)
    jobs = []
    for item in data["active"]:
        for key in ("created_at", "started_at", "finished_at"):
            item[key] = dt.datetime.fromisoformat(item[key]) if item[key] else None
        jobs.append(Job(**item))
    return jobs, data["last_finished"]


# -- queue ------------------------------------------------------------------------------------------------------
def submit(store: Store, kind: str, args: dict, *, origin: str) -> Job:
    """Queue a job; the same work already queued or running is returned instead of a second copy."""
    from .tasks import TASKS  # the task modules import the heavy libraries only when they run

    if kind not in TASKS:
        raise ConfigError(f"unknown job kind {kind!r}; known: {', '.join(sorted(TASKS))}")
    if origin not in ORIGINS:
        raise ConfigError(f"unknown job origin {origin!r}")
    text = json.dumps(args, sort_keys=True)
    with store.transaction(changes_data=False) as cur:
        same = cur.execute(f"SELECT {_COLUMNS} FROM jobs WHERE kind = ? AND args = ? AND state IN ('queued', "
                           "'running') AND NOT cancel_requested ORDER BY job_id LIMIT 1", [kind, text]).fetchall()
        if same:
            return _job(same[0])
        job_id = cur.execute("SELECT nextval('job_ids')").fetchall()[0][0]
        cur.execute("INSERT INTO jobs (job_id, kind, args, origin, state, created_at) VALUES (?, ?, ?, ?, 'queued', ?)",
                    [job_id, kind, text, origin, utc_now()])
        write_snapshot(store, cur)
    return get(store, job_id)


def get(store: Store, job_id: int) -> Job:
    """One job by id."""
    with store.cursor() as cur:
        rows = cur.execute(f"SELECT {_COLUMNS} FROM jobs WHERE job_id = ?", [job_id]).fetchall()
    if not rows:
        raise ConfigError(f"no job #{job_id}")
    return _job(rows[0])


def recent(store: Store, *, limit: int = 50) -> list[Job]:
    """The newest jobs first, with running jobs of dead runners shown as interrupted."""
    reap(store)
    with store.cursor() as cur:
        rows = cur.execute(f"SELECT {_COLUMNS} FROM jobs ORDER BY job_id DESC LIMIT ?", [limit]).fetchall()
    return [_job(row) for row in rows]




def queued(store: Store) -> bool:
    """True when some job waits for a runner."""
    with store.cursor() as cur:
        return bool(cur.execute("SELECT 1 FROM jobs WHERE state = 'queued' LIMIT 1").fetchall())


def log_lines(store: Store, job_id: int, *, after: int = 0) -> list[tuple[int, dt.datetime, str]]:
    """(seq, time, line) of a job's log after the given seq."""
    with store.cursor() as cur:
        return cur.execute("SELECT seq, logged_at, line FROM job_log WHERE job_id = ? AND seq > ? ORDER BY seq",
                           [job_id, after]).fetchall()


def cancel(store: Store, job_id: int) -> Job:
    """Cancel a queued job now, or ask its runner to stop a running one at the next step boundary."""
    with store.transaction(changes_data=False) as cur:
        cur.execute("UPDATE jobs SET state = 'cancelled', finished_at = ? WHERE job_id = ? AND state = 'queued'",
                    [utc_now(), job_id])
        cur.execute("UPDATE jobs SET cancel_requested = TRUE WHERE job_id = ? AND state = 'running'", [job_id])
        write_snapshot(store, cur)
    return get(store, job_id)


def resume(store: Store, job_id: int) -> Job:
    """Queue an interrupted, failed or cancelled job again; its finished steps are not redone."""
    job = get(store, job_id)
    if job.state not in ("interrupted", "failed", "cancelled"):
        raise ConfigError(f"job #{job_id} is {job.state}; only an interrupted, failed or cancelled job is resumed")
    with store.transaction(changes_data=False) as cur:
        cur.execute("UPDATE jobs SET state = 'queued', cancel_requested = FALSE, error = NULL, finished_at = NULL, "
                    "runner = NULL WHERE job_id = ? AND state = ?", [job_id, job.state])
        append_log(store, job_id, [f"resumed (was {job.state})"], cur)
        write_snapshot(store, cur)
    return get(store, job_id)


def claim(store: Store, runner: "Runner", *, job_id: int | None = None) -> Job | None:
    """Take the oldest queued job (or the given one) for this runner; None when there is none."""
    with store.transaction(changes_data=False) as cur:
        rows = cur.execute(
            "SELECT job_id FROM jobs WHERE state = 'queued' AND (? IS NULL OR job_id = ?) ORDER BY job_id LIMIT 1",
            [job_id, job_id]).fetchall()
        if not rows:
            return None
        cur.execute("UPDATE jobs SET state = 'running', runner = ?, started_at = ?, attempts = attempts + 1 "
                    "WHERE job_id = ?", [runner.token, utc_now(), rows[0][0]])
        write_snapshot(store, cur)
    return get(store, rows[0][0])


def reap(store: Store) -> list[int]:
    """Mark running jobs whose runner is gone as interrupted; returns their ids."""
    with store.cursor() as cur:
        running = cur.execute("SELECT job_id, runner FROM jobs WHERE state = 'running'").fetchall()
    dead = [job_id for job_id, token in running if not Runner.alive(store, token)]
    if dead:
        with store.transaction(changes_data=False) as cur:
            for job_id in dead:
                cur.execute("UPDATE jobs SET state = 'interrupted', finished_at = ?, error = ? WHERE job_id = ? "
                            "AND state = 'running'", [utc_now(), "the process running it stopped", job_id])
            write_snapshot(store, cur)
    return dead


def append_log(store: Store, job_id: int, lines: list[str], cur=None) -> None:
    def write(cur) -> None:
        first = cur.execute("SELECT coalesce(max(seq), 0) FROM job_log WHERE job_id = ?", [job_id]).fetchall()[0][0]
        now = utc_now()
        cur.executemany("INSERT INTO job_log VALUES (?, ?, ?, ?)",
                        [[job_id, first + n, now, line[:2000]] for n, line in enumerate(lines, 1)])

    if cur is not None:
        write(cur)
    else:
        with store.transaction(changes_data=False) as cur:
            write(cur)


# -- running ----------------------------------------------------------------------------------------------------
class Runner:
    """This process as a runner of jobs: a token file locked for as long as the process lives."""

    def __init__(self, store: Store) -> None:
        self.token = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._lock = None
        if store.path != ":memory:":
            self._lock = FileLock(runners_dir(store) / f"{self.token}.alive")
            self._lock.acquire()

    def close(self) -> None:
        if self._lock:
            self._lock.release()
            self._lock.path.unlink(missing_ok=True)

    @staticmethod
    def alive(store: Store, token: str | None) -> bool:
        """True while the runner with this token lives (always true for an in-memory database's runners)."""
        if store.path == ":memory:":
            return True
        return bool(token) and is_held(runners_dir(store) / f"{token}.alive")
