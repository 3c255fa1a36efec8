"""Cross-process locks on the data directory: a fair readers-writer lock per database file, and liveness files.

DuckDB lets one process open a file read-write, and then no other process may open it at all. So no process keeps
the file open: every read opens it read-only under a shared lock, every write opens it read-write under an
exclusive lock, and both close it again (see core/storage/store.py). The locks are `flock`s on files beside the
database:

- `<db>.gate`: a writer takes it first and keeps it until it has the data lock, so new readers queue behind a
  waiting writer (no writer starves under a stream of readers);
- `<db>.lock`: shared by readers, exclusive for one writer.

flock locks belong to open file descriptions, so threads of one process exclude each other like processes do.
Waits poll with a short back-off and are bounded: past the bound, DatabaseLockedError names the processes that hold
the lock (from /proc/locks).
"""
from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import DatabaseLockedError, StoreError


def read_wait_s() -> float:
    """How long a read waits for the database (EARNINGS_READ_WAIT_S, default 60 s)."""
    return float(os.environ.get("EARNINGS_READ_WAIT_S", 60))


def write_wait_s() -> float:
    """How long a write waits for the database (EARNINGS_WRITE_WAIT_S, default 120 s)."""
    return float(os.environ.get("EARNINGS_WRITE_WAIT_S", 120))


def _try_lock(fd: int, mode: int) -> bool:
    try:
        fcntl.flock(fd, mode | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def _wait_lock(fd: int, mode: int, deadline: float) -> bool:
    """Poll for the lock until the deadline (1 ms back-off growing to 20 ms); True once held."""
    pause = 0.001
    while not _try_lock(fd, mode):
        if time.monotonic() >= deadline:
            return False
        time.sleep(pause)
        pause = min(pause * 2, 0.02)
    return True


def _open(path: Path, *, reader: bool = False) -> int | None:
    """A descriptor to lock the file through; None for a reader in a read-only directory, where no writer can be.
    A writer that cannot create it gets the OSError."""
    try:
        if not reader:
            path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        if not reader:
            raise
    try:
        return os.open(path, os.O_RDONLY)
    except OSError:
        return None


def holders(path: Path) -> list[int]:
    """PIDs that hold a flock on this file now (from /proc/locks; empty where that is unavailable)."""
    try:
        inode = path.stat().st_ino
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return []
    pids = []
    for line in lines:
        fields = line.split()
        if len(fields) > 5 and fields[1] == "FLOCK" and "->" not in fields[0]:
            if fields[5].rsplit(":", 1)[-1] == str(inode) and fields[4].isdigit():
                pids.append(int(fields[4]))
    return sorted(set(pids))


def describe_process(pid: int) -> str:
    """'PID n (command line)' as far as /proc tells."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\x00", b" ").decode(errors="replace").strip()
    except OSError:
        command = ""
    return f"PID {pid}" + (f" ({command[:120]})" if command else "")


class DatabaseLock:
    """The readers-writer lock of one database file (or vector table: `what` names it in messages)."""

    def __init__(self, db_path: Path | str, *, what: str = "database") -> None:
        self.db_path = Path(db_path)
        self.what = what
        self.gate_path = self.db_path.with_name(self.db_path.name + ".gate")
        self.lock_path = self.db_path.with_name(self.db_path.name + ".lock")

    @contextmanager
    def shared(self, *, wait_s: float | None = None) -> Iterator[None]:
        """Held by any number of readers at once; waits behind a writer that holds or waits for the lock."""
        wait_s = read_wait_s() if wait_s is None else wait_s
        deadline = time.monotonic() + wait_s
        gate, lock = _open(self.gate_path, reader=True), _open(self.lock_path, reader=True)
        if gate is None or lock is None:  # a read-only data directory: nobody can write it, nothing to wait for
            for fd in (gate, lock):
                if fd is not None:
                    os.close(fd)
            yield
            return
        with self._holding(gate, lock, fcntl.LOCK_SH, deadline, "read", wait_s):
            yield

    @contextmanager
    def exclusive(self, *, wait_s: float | None = None) -> Iterator[None]:
        """Held by one writer, while no reader holds it."""
        wait_s = write_wait_s() if wait_s is None else wait_s
        deadline = time.monotonic() + wait_s
        try:
            gate = _open(self.gate_path)
        except OSError as exc:
            raise StoreError(f"cannot open the {self.what}: {exc.strerror or exc}", where=str(self.db_path)) from None
        try:
            lock = _open(self.lock_path)
        except OSError as exc:
            os.close(gate)
            raise StoreError(f"cannot open the {self.what}: {exc.strerror or exc}", where=str(self.db_path)) from None
        with self._holding(gate, lock, fcntl.LOCK_EX, deadline, "write", wait_s):
            yield

    @contextmanager
    def _holding(self, gate: int, lock: int, mode: int, deadline: float, what: str, wait_s: float) -> Iterator[None]:
        """Pass the gate (queueing behind a waiting writer), hold the lock in `mode`; both files closed after."""
        try:
            if not _wait_lock(gate, fcntl.LOCK_EX, deadline):
                self._busy(what, wait_s)
            held = _wait_lock(lock, mode, deadline)
            fcntl.flock(gate, fcntl.LOCK_UN)
            if not held:
                self._busy(what, wait_s)
            yield
        finally:
            os.close(lock)
            os.close(gate)

    def _busy(self, what: str, wait_s: float) -> None:
        others = [pid for pid in holders(self.lock_path) + holders(self.gate_path) if pid != os.getpid()]
        who = ", ".join(describe_process(pid) for pid in dict.fromkeys(others)) or "another thread of this process"
        raise DatabaseLockedError(f"could not {what} the {self.what} within {wait_s:g} s: it is held by {who}",
                                  where=str(self.db_path))


class FileLock:
    """An exclusive flock held for as long as the object lives (a worker's or a runner's token)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self, *, wait_s: float = 0.0) -> bool:
        """Take the lock (waiting up to wait_s); False when another holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = _open(self.path)
        if not _wait_lock(fd, fcntl.LOCK_EX, time.monotonic() + wait_s):
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None


def is_held(path: Path) -> bool:
    """True when some process holds an exclusive flock on this file now."""
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        if _try_lock(fd, fcntl.LOCK_SH):
            fcntl.flock(fd, fcntl.LOCK_UN)
            return False
        return True
    finally:
        os.close(fd)
