"""Waiting on a job's state (never on time): poll the jobs table until the job has ended."""
from __future__ import annotations

import time
from pathlib import Path


def wait_for_job(db: Path | str, job_id: int, *, within_s: float = 600):
    """The job once it is no longer queued or running; fails past within_s (a hang, not slowness)."""
    from core.storage.store import Store
    from core.work import jobs

    store = Store(db)
    deadline = time.monotonic() + within_s
    while (job := jobs.get(store, job_id)).active:
        assert time.monotonic() < deadline, f"job #{job_id} still {job.state} after {within_s} s: {job}"
        time.sleep(0.1)
    return job
