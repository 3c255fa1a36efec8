"""Running a claimed job: what its task sees (`JobContext`: progress, log lines, stop checks) and how its end is
recorded (`run_job`)."""
from __future__ import annotations

import json
import time
from collections.abc import Callable

from ..errors import TranscriptError
from ..storage.store import Store, utc_now
from .jobs import Job, append_log, get, write_snapshot

FLUSH_EVERY_S = 0.5  # progress and log lines reach the database at most this often (and at every step's end)


class JobCancelled(Exception):
    """Raised inside a task at a step boundary when someone asked to cancel its job."""


class JobInterrupted(Exception):
    """Raised inside a task at a step boundary when its runner is stopping (the job can be resumed)."""


class JobContext:
    """What a task sees of its job: progress, log lines, and the stop checks at step boundaries."""

    def __init__(self, store: Store, job: Job, *, stopping: Callable[[], bool] = lambda: False,
                 echo: Callable[[str], None] | None = None) -> None:
        self.store, self.job = store, job
        self._stopping = stopping
        self._echo = echo
        self._pending: list[str] = []
        self._progress: tuple[int, int | None, str | None] = (0, None, None)
        self._flushed = 0.0
        self._cancel = False

    def log(self, line: str) -> None:
        """A line for the job's log (written with the next flush)."""
        self._pending.append(line)
        if self._echo:
            self._echo(line)
        self._maybe_flush()

    def progress(self, done: int, total: int | None, current: str | None = None) -> None:
        """done of total steps, and the item in hand."""
        self._progress = (done, total, current)
        self._maybe_flush()

    def check(self) -> None:
        """A step boundary: flush, then stop here if the job was cancelled or the runner is stopping."""
        self.flush()
        if self._cancel:
            raise JobCancelled()
        if self._stopping():
            raise JobInterrupted()

    def cancelled(self) -> bool:
        """True once a cancel was asked for (read at the last flush) or the runner is stopping; safe from any
        thread, for work that stops by itself."""
        return self._cancel or self._stopping()

    def _maybe_flush(self) -> None:
        if time.monotonic() - self._flushed >= FLUSH_EVERY_S:
            self.flush()

    def flush(self) -> None:
        """Write progress and pending log lines; read whether a cancel was asked for."""
        done, total, current = self._progress
        lines, self._pending = self._pending, []
        with self.store.transaction(changes_data=False) as cur:
            cur.execute("UPDATE jobs SET done = ?, total = ?, current = ? WHERE job_id = ?",
                        [done, total, current, self.job.job_id])
            if lines:
                append_log(self.store, self.job.job_id, lines, cur)
            self._cancel = bool(cur.execute("SELECT cancel_requested FROM jobs WHERE job_id = ?",
                                            [self.job.job_id]).fetchall()[0][0])
            write_snapshot(self.store, cur)
        self._flushed = time.monotonic()


def run_job(store: Store, job: Job, *, stopping: Callable[[], bool] = lambda: False,
            echo: Callable[[str], None] | None = None) -> Job:
    """Run a claimed job to its end and record how it ended."""
    from .tasks import TASKS

    ctx = JobContext(store, job, stopping=stopping, echo=echo)
    state, result, error = "succeeded", None, None
    try:
        ctx.log(f"started {job.describe()}" + (f", attempt {job.attempts}" if job.attempts > 1 else ""))
        result = TASKS[job.kind](ctx, **job.args)
    except JobCancelled:
        state, error = "cancelled", "cancelled on request; finished steps are kept"
    except JobInterrupted:
        state, error = "interrupted", "stopped with its runner; resume to finish it"
    except TranscriptError as exc:
        state, error = "failed", str(exc)
    except Exception as exc:  # a bug: recorded on the job, not lost in a worker's output
        state, error = "failed", f"internal error: {type(exc).__name__}: {exc}"
    if error:
        ctx.log(error)
    if result and result.get("failed"):
        state = "failed" if state == "succeeded" else state
        error = error or f"{result['failed']} of {result.get('steps', '?')} steps failed (see the log)"
    ctx.flush()
    with store.transaction(changes_data=False) as cur:
        cur.execute("UPDATE jobs SET state = ?, result = ?, error = ?, finished_at = ? WHERE job_id = ?",
                    [state, json.dumps(result, default=str) if result is not None else None, error, utc_now(),
                     job.job_id])
        write_snapshot(store, cur)
    return get(store, job.job_id)
