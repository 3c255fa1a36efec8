"""Opening a DuckDB file with a clear error when another process holds it, and the data generation: a counter beside
the file that every data write raises, so other processes' caches know their results are stale."""
from __future__ import annotations

import os
import re
import threading
import time
from pathlib import Path

import duckdb

from ..errors import DatabaseLockedError, StoreError
from .locks import describe_process

_LOCK_PID = re.compile(r"PID (\d+)")


def connect(path: Path | str, *, read_only: bool = False, wait_s: float = 0.0) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB file, retrying for up to wait_s while a process outside our locks holds it; then a clear
    DatabaseLockedError naming that process."""
    target = str(path)
    deadline = time.monotonic() + wait_s
    while True:
        try:
            if target != ":memory:":
                Path(target).parent.mkdir(parents=True, exist_ok=True)
            return duckdb.connect(target, read_only=read_only)
        except duckdb.IOException as exc:
            text = str(exc)
            if "lock" not in text.lower():
                raise StoreError(f"cannot open the database: {text}", where=target) from None
            if time.monotonic() < deadline:
                time.sleep(0.05)
                continue
            pid = _LOCK_PID.search(text)
            holder = describe_process(int(pid.group(1))) if pid else "another process"
            raise DatabaseLockedError(
                f"the database is in use by another process that does not share it ({holder}); stop it and retry",
                where=target,
            ) from None
        except OSError as exc:
            raise StoreError(f"cannot open the database: {exc.strerror or exc}", where=target) from None


def schema_version_of(cur) -> int:
    """The schema version a connection's database has (0 for a new file)."""
    if not cur.execute("SELECT 1 FROM information_schema.tables WHERE table_schema = 'main' "
                       "AND table_name = 'schema_version'").fetchall():
        return 0
    return cur.execute("SELECT max(version) FROM schema_version").fetchall()[0][0] or 0


class Generation:
    """How many data writes a database has seen: kept in a file beside a file database, in memory otherwise."""

    def __init__(self, database: str) -> None:
        self._path = None if database == ":memory:" else Path(database + ".generation")
        self._count = 0

    def read(self) -> int:
        if self._path is None:
            return self._count
        try:
            return int(self._path.read_text() or 0)
        except (OSError, ValueError):
            return 0

    def bump(self) -> None:
        if self._path is None:
            self._count += 1
            return
        temporary = self._path.with_suffix(f".{os.getpid()}.{threading.get_ident()}")
        temporary.write_text(str(self.read() + 1))
        os.replace(temporary, self._path)  # readers see the old or the new number, never a torn one
