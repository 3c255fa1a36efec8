"""Jobs in the app: start the worker, queue work, the sidebar indicator on every page, the Data page's job list."""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from core.errors import TranscriptError
from core.work import jobs, watch, worker
from ui import resources

REFRESH_S = 2        # how often the indicator and the job list look while a job is queued or running
IDLE_REFRESH_S = 10  # and while none is (a job queued elsewhere, e.g. by the command line, shows within this)


def ensure_worker() -> None:
    """Start the data directory's worker unless one serves it (it stops when this server stops)."""
    settings = resources.settings()
    worker.ensure_worker(settings.db_path, parent_pid=os.getpid(), log=settings.data_dir / "worker.log")


@st.cache_data(ttl=60, show_spinner=False)
def _watching(db_path: str) -> bool:
    return bool(watch.entries(resources.store()))


def keep_worker() -> None:
    """On every page run: a worker serves the data directory while jobs wait or run, or tickers are watched."""
    if status().active or _watching(str(resources.settings().db_path)):
        ensure_worker()


def submit(kind: str, args: dict) -> jobs.Job | None:
    """Queue a job from the app (the same work already queued is not queued twice) and make sure it will run."""
    try:
        job = jobs.submit(resources.store(), kind, args, origin="app")
    except TranscriptError as exc:
        st.error(f"Could not queue the {kind} job: {exc}")
        return None
    ensure_worker()
    return job


@dataclass(frozen=True)
class Status:
    """What the indicator shows: the active jobs, and the newest finished one (to notice a finish)."""

    active: tuple[jobs.Job, ...]
    last_finished: int


def status() -> Status:
    """The jobs' state from the jobs snapshot file (no database connection: every session polls it)."""
    active, last = jobs.snapshot(resources.store())
    return Status(tuple(active), last)


def _stamp() -> tuple[int, int]:
    """Changes whenever the jobs table does (every change rewrites the snapshot file): a key for the job list."""
    try:
        stat = jobs.snapshot_path(resources.store()).stat()
    except OSError:
        return (0, 0)
    return (stat.st_mtime_ns, stat.st_size)


@st.cache_data(ttl=IDLE_REFRESH_S, max_entries=16, show_spinner=False)
def _recent(db_path: str, stamp: tuple[int, int], limit: int) -> list[jobs.Job]:
    return jobs.recent(resources.store(), limit=limit)  # the time to live lets it notice a runner that died


@st.cache_data(ttl=IDLE_REFRESH_S, max_entries=16, show_spinner=False)
def _log(db_path: str, stamp: tuple[int, int], job_id: int) -> list[tuple[int, dt.datetime, str]]:
    return jobs.log_lines(resources.store(), job_id)


def recent(limit: int = 30) -> list[jobs.Job]:
    """The newest jobs first, read from the database only when the jobs table changed (the Data page's list polls
    this every few seconds in every open session)."""
    return _recent(str(resources.settings().db_path), _stamp(), limit)


def log(job_id: int) -> list[tuple[int, dt.datetime, str]]:
    """A job's log lines, read again only when the jobs table changed."""
    return _log(str(resources.settings().db_path), _stamp(), job_id)


def _line(job: jobs.Job) -> str:
    if job.state == "queued":
        return f"{job.kind} #{job.job_id}: queued"
    total = f"/{job.total}" if job.total is not None else ""
    return f"{job.kind} #{job.job_id}: {job.done}{total}" + (f" · {job.current}" if job.current else "")


def indicator() -> None:
    """The sidebar's job indicator, refreshing by itself (often while jobs are active, seldom when idle)."""
    st.fragment(_indicator, run_every=REFRESH_S if status().active else IDLE_REFRESH_S)()


def _indicator() -> None:
    """Active jobs with progress; when a job ends and the data changed, the page runs again with fresh data."""
    now = status()
    for job in now.active:
        st.progress(job.fraction, text=_line(job))
    if now.active:
        st.caption("Jobs run in the background: move on freely. Details on the Data page.")
    seen = st.session_state.setdefault("_jobs_seen", (now.last_finished, resources.generation(), bool(now.active)))
    if now.last_finished != seen[0] or bool(now.active) != seen[2]:
        st.session_state["_jobs_seen"] = (now.last_finished, resources.generation(), bool(now.active))
        if resources.generation() != seen[1] or bool(now.active) != seen[2]:
            st.rerun(scope="app")  # fresh data, and the refresh interval that suits the new state


def _age(at: dt.datetime | None) -> str:
    return "" if at is None else str(at)[:19]


def table(listed: list[jobs.Job]) -> pd.DataFrame:
    """Recent jobs as a table for the Data page."""
    return pd.DataFrame([{
        "job": j.job_id, "kind": j.kind, "state": j.state,
        "progress": f"{j.done}/{j.total}" if j.total is not None else str(j.done),
        "origin": j.origin, "created": _age(j.created_at), "started": _age(j.started_at),
        "finished": _age(j.finished_at), "detail": j.error or j.current or "", "arguments": j.describe(),
    } for j in listed])
