"""The worker: one process per data directory that runs queued jobs and the watchlist's schedule.

The app starts it (`ensure_worker`) and it outlives every page run, tab and session; `python -m core worker` runs
it in the foreground. It runs at a lower CPU priority than the app, so model work never starves page requests. It
stops when the process that started it is gone (a job in hand ends as interrupted, resumable), or on SIGTERM.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from ..storage.locks import FileLock, is_held
from ..storage.store import Store
from . import jobs, running, watch

POLL_S = 0.5            # how often an idle worker looks at the job signal file
RESCAN_S = 5.0          # and reads the queue even when nothing signalled
SCHEDULE_EVERY_S = 30.0  # how often it looks for watched tickers that are due
IDLE_EXIT_S = 300.0      # with nothing queued and nothing watched for this long it exits (the app restarts it)
NICE = 10


def lock_path(db_path: Path | str) -> Path:
    """The file the live worker of a database holds locked."""
    return Path(str(db_path) + ".worker")


def alive(db_path: Path | str) -> bool:
    """True while a worker serves this database."""
    return is_held(lock_path(db_path))


def worker_pid(db_path: Path | str) -> int | None:
    """The PID of the live worker, if any."""
    try:
        return int(lock_path(db_path).read_text().strip()) if alive(db_path) else None
    except (OSError, ValueError):
        return None


def _process_alive(pid: int | None) -> bool:
    if not pid:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Worker:
    """The loop: reap interrupted jobs, queue due refreshes, run the oldest queued job, wait for a signal."""

    def __init__(self, db_path: Path | str, *, parent_pid: int | None = None, echo=None) -> None:
        self.db_path = Path(db_path)
        self.parent_pid = parent_pid
        self.echo = echo
        self._stop = False

    def stopping(self) -> bool:
        return self._stop or not _process_alive(self.parent_pid)

    def serve(self) -> int:
        """Run until stopped; 0, or 3 when another worker already serves this database."""
        lock = FileLock(lock_path(self.db_path))
        if not lock.acquire():
            print(f"a worker already serves {self.db_path} (PID {worker_pid(self.db_path)})", file=sys.stderr)
            return 3
        lock.path.write_text(str(os.getpid()))
        signal.signal(signal.SIGTERM, lambda *_: setattr(self, "_stop", True))
        try:
            os.nice(NICE)
        except OSError:
            pass
        store = Store(self.db_path)
        runner = jobs.Runner(store)
        try:
            while True:
                self._loop(store, runner)
                lock.release()
                # a job queued while we decided to leave: serve it, unless a new worker has taken over
                if self.stopping() or not jobs.queued(store) or not lock.acquire():
                    break
                lock.path.write_text(str(os.getpid()))
        finally:
            runner.close()
            lock.release()
        return 0

    def _loop(self, store: Store, runner: jobs.Runner) -> None:
        """Serve until stopped, or until idle for IDLE_EXIT_S with an empty watchlist."""
        signal_file = jobs.snapshot_path(store)
        seen, scanned, scheduled, busy = None, 0.0, 0.0, time.monotonic()
        while not self.stopping():
            now = time.monotonic()
            if now - scheduled >= SCHEDULE_EVERY_S:
                scheduled = now
                if watch.entries(store):
                    busy = now
                self.schedule(store)
            mark = signal_file.stat().st_mtime_ns if signal_file.exists() else 0
            if mark != seen or now - scanned >= RESCAN_S:
                seen, scanned = mark, now
                jobs.reap(store)
                job = jobs.claim(store, runner) if jobs.queued(store) else None
                if job:
                    running.run_job(store, job, stopping=self.stopping, echo=self.echo)
                    busy = time.monotonic()
                    continue
            if now - busy >= IDLE_EXIT_S:
                return
            time.sleep(POLL_S)

    def schedule(self, store: Store) -> None:
        """Queue a refresh of the watched tickers that are due (one refresh job at a time)."""
        due = watch.due(store)
        if due and not any(j.kind == "refresh" for j in jobs.snapshot(store)[0]):
            jobs.submit(store, "refresh", {"tickers": due}, origin="schedule")


def ensure_worker(db_path: Path | str, *, parent_pid: int | None = None, log: Path | None = None) -> int | None:
    """Start a worker for this database unless one is alive; returns the new process's PID (None if one ran, or
    the data directory cannot be written: then nothing could be queued for it either)."""
    if alive(db_path):
        return None
    try:
        Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        sink = open(log, "ab") if log else subprocess.DEVNULL
    except OSError:
        return None
    command = [sys.executable, "-m", "core", "worker", "--db", str(db_path)]
    if parent_pid:
        command += ["--parent-pid", str(parent_pid)]
    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen(command, cwd=root, stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT,
                               start_new_session=True)
    if log:
        sink.close()
    return process.pid
