"""The DuckDB store: opening (with migrations), raw documents, and whole calls written atomically."""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ..errors import DatabaseLockedError, StoreError
from ..model import Participant, Period, Transcript, Turn
from .locks import DatabaseLock, describe_process, read_wait_s, write_wait_s
from .schema import AFTER_STEPS, CALL_CHILD_TABLES, MIGRATIONS, Step

_LOCK_PID = re.compile(r"PID (\d+)")


# the origin of an imported document; any other origin is a registered source (core/ingest/sources)
FILE_ORIGIN = "file"


@dataclass(frozen=True)
class RawDocument:
    """A document as fetched or imported, before (or after failing) parsing."""

    content: bytes
    origin: str  # where it came from: FILE_ORIGIN or the name of the source that downloaded it
    source: str  # its URL or path
    http_status: int | None = None
    fetched_at: dt.datetime | None = None

    @property
    def doc_id(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True)
class SaveResult:
    """What saving a transcript did: 'inserted', 'replaced' or 'unchanged'."""

    call_id: int
    outcome: str


def utc_now() -> dt.datetime:
    """Now in UTC, without a time zone (how every timestamp is stored)."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)



def _schema_version(cur) -> int:
    """The schema version a connection's database has (0 for a new file)."""
    if not cur.execute("SELECT 1 FROM information_schema.tables WHERE table_schema = 'main' "
                       "AND table_name = 'schema_version'").fetchall():
        return 0
    return cur.execute("SELECT max(version) FROM schema_version").fetchall()[0][0] or 0


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


class Store:
    """All reads and writes of the DuckDB database, shared by any number of threads and processes.

    A file database is never held open: each read opens it read-only under the shared lock, each write opens it
    read-write under the exclusive lock (core/storage/locks.py), and closes it after. A thread that already holds a
    connection (inside a transaction, or a read) reuses it. ':memory:' keeps one connection for its lifetime.
    """

    def __init__(self, path: Path | str = ":memory:") -> None:
        self.path = str(path)
        self._local = threading.local()
        self._memory = self.path == ":memory:"
        self._write_lock = threading.Lock()
        self._memory_generation = 0  # an in-memory database's generation (a file's is kept beside the file)
        self._con = connect(path) if self._memory else None
        self._lock = None if self._memory else DatabaseLock(self.path)
        self._migrate()

    def close(self) -> None:
        if self._con is not None:
            self._con.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _connection(self, *, write: bool) -> Iterator[duckdb.DuckDBPyConnection]:
        """This thread's connection: the one it holds already, else a new one under the right lock."""
        held = getattr(self._local, "con", None)
        if held is not None:
            yield held
            return
        if self._memory:
            yield self._con
            return
        lock = self._lock.exclusive() if write else self._lock.shared()
        with lock:
            con = connect(self.path, read_only=not write, wait_s=write_wait_s() if write else read_wait_s())
            self._local.con = con
            try:
                yield con
            finally:
                self._local.con = None
                con.close()

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of its own for the caller's thread (read-only on a file database)."""
        with self._connection(write=False) as con:
            cur = con.cursor()
            try:
                yield cur
            finally:
                cur.close()

    @contextmanager
    def transaction(self, *, changes_data: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        """One writer at a time, across threads and processes; everything inside commits together or not at all.
        changes_data=False (job bookkeeping) leaves the data generation, and so every cached query, as it is."""
        if getattr(self._local, "con", None) is not None:
            raise StoreError("a write was started inside another read or write of the same thread", where=self.path)
        with self._write_lock if self._memory else nullcontext(), self._connection(write=True) as con:
            cur = con.cursor()
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
                cur.execute("COMMIT")
            except (duckdb.IOException, duckdb.TransactionException) as exc:  # e.g. the disk is full
                with suppress(duckdb.Error):
                    cur.execute("ROLLBACK")
                raise StoreError(f"cannot write the database, nothing was saved: {exc}", where=self.path) from None
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            finally:
                cur.close()
            if changes_data:
                self._bump_generation()

    # -- the data generation: a counter every data write raises, so other processes' caches know ---------------
    @property
    def _generation_path(self) -> Path:
        return Path(self.path + ".generation")

    def generation(self) -> int:
        """How many data writes this database has seen (0 in memory): a key for cached query results."""
        if self._memory:
            return self._memory_generation
        try:
            return int(self._generation_path.read_text() or 0)
        except (OSError, ValueError):
            return 0

    def _bump_generation(self) -> None:
        if self._memory:
            self._memory_generation += 1
            return
        temporary = self._generation_path.with_suffix(f".{os.getpid()}.{threading.get_ident()}")
        temporary.write_text(str(self.generation() + 1))
        os.replace(temporary, self._generation_path)  # readers see the old or the new number, never a torn one

    # -- schema ---------------------------------------------------------------------------------
    @property
    def schema_version(self) -> int:
        with self.cursor() as cur:
            return _schema_version(cur)

    def _migrate(self) -> None:
        """Apply the migrations this database lacks, all in one transaction under the write lock."""
        if not self._memory and Path(self.path).exists() and self.schema_version == len(MIGRATIONS):
            return
        with self.transaction() as cur:
            current = _schema_version(cur)
            if current > len(MIGRATIONS):
                raise StoreError(f"database schema v{current} is newer than this program (v{len(MIGRATIONS)})",
                                 where=self.path)
            cur.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            steps = MIGRATIONS[current:]
            for version, migration in enumerate(steps, start=current + 1):
                if isinstance(migration, Step):
                    migration.run(cur)
                else:
                    cur.execute(migration)
                cur.execute("INSERT INTO schema_version VALUES (?)", [version])
            if any(isinstance(migration, Step) for migration in steps):
                AFTER_STEPS.run(cur)

    # -- documents ------------------------------------------------------------------------------
    def save_document(
        self, doc: RawDocument, *, period: Period | None = None, ticker: str | None = None,
        parser_version: int | None = None, parse_error: str | None = None,
    ) -> str:
        """Store a raw document (once per content hash) and return its id."""
        with self.transaction() as cur:
            self._upsert_document(cur, doc, ticker=ticker, period=period,
                                  parser_version=parser_version, parse_error=parse_error)
        return doc.doc_id

    @staticmethod
    def _upsert_document(cur, doc: RawDocument, *, ticker, period, parser_version, parse_error) -> None:
        cur.execute("DELETE FROM documents WHERE doc_id = ?", [doc.doc_id])
        cur.execute(
            "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [doc.doc_id, doc.origin, doc.source, doc.content, doc.fetched_at or utc_now(), doc.http_status,
             ticker, period.fiscal_year if period else None, period.fiscal_quarter if period else None,
             parser_version, parse_error],
        )

    def document(self, doc_id: str) -> RawDocument:
        """A stored raw document by id."""
        with self.cursor() as cur:
            rows = cur.execute(
                "SELECT content, origin, source, http_status, fetched_at FROM documents WHERE doc_id = ?",
                [doc_id],
            ).fetchall()
        if not rows:
            raise StoreError(f"no stored document {doc_id}", where=self.path)
        content, origin, source, status, fetched = rows[0]
        return RawDocument(bytes(content), origin, source, status, fetched)

    def documents_of_calls(self) -> list[tuple[int, str, str, str]]:
        """(call_id, doc_id, ticker, period) of every stored call, for re-parsing."""
        with self.cursor() as cur:
            return cur.execute(
                "SELECT call_id, doc_id, ticker, fiscal_year || 'Q' || fiscal_quarter FROM calls ORDER BY call_id"
            ).fetchall()

    # -- calls ----------------------------------------------------------------------------------
    def save_transcript(self, transcript: Transcript, doc: RawDocument, *, parser_version: int) -> SaveResult:
        """Store a call and its document in one transaction, replacing an older version of the same call."""
        key = [transcript.ticker, transcript.fiscal_year, transcript.fiscal_quarter]
        period = Period(transcript.fiscal_year, transcript.fiscal_quarter)
        with self.transaction() as cur:
            old = cur.execute(
                "SELECT call_id, doc_id, parser_version FROM calls "
                "WHERE ticker = ? AND fiscal_year = ? AND fiscal_quarter = ?", key
            ).fetchall()
            if old and old[0][1] == doc.doc_id and old[0][2] == parser_version:
                return SaveResult(old[0][0], "unchanged")
            if old:
                self._delete_call(cur, old[0][0])
            self._upsert_document(cur, doc, ticker=transcript.ticker, period=period,
                                  parser_version=parser_version, parse_error=None)
            call_id = cur.execute("SELECT nextval('call_ids')").fetchall()[0][0]
            cur.execute(
                "INSERT INTO calls VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [call_id, *key, transcript.company, transcript.call_date, transcript.call_time, transcript.title,
                 transcript.format, transcript.source, doc.doc_id, parser_version, utc_now()],
            )
            if transcript.participants:
                cur.executemany(
                    "INSERT INTO participants VALUES (?, ?, ?, ?, ?)",
                    [[call_id, p.name, p.role, p.firm, p.kind] for p in transcript.participants],
                )
            cur.executemany(
                "INSERT INTO turns (call_id, idx, speaker, role, firm, kind, section, type, text, marks, offset_s) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [[call_id, t.index, t.speaker, t.role, t.firm, t.kind, t.section, t.type, t.text,
                  [list(mark) for mark in t.marks], t.offset_s] for t in transcript.turns],
            )
        return SaveResult(call_id, "replaced" if old else "inserted")

    @staticmethod
    def _delete_call(cur, call_id: int) -> None:
        for table in CALL_CHILD_TABLES:
            cur.execute(f"DELETE FROM {table} WHERE call_id = ?", [call_id])  # table names are ours, not input
        cur.execute("DELETE FROM calls WHERE call_id = ?", [call_id])

    def delete_call(self, call_id: int) -> None:
        """Remove a call and everything derived from it (its raw document stays)."""
        with self.transaction() as cur:
            self._delete_call(cur, call_id)

    def stored_periods(self, ticker: str) -> frozenset[Period]:
        """The fiscal periods of a ticker's stored calls."""
        with self.cursor() as cur:
            rows = cur.execute("SELECT fiscal_year, fiscal_quarter FROM calls WHERE ticker = ?",
                               [ticker.upper()]).fetchall()
        return frozenset(Period(year, quarter) for year, quarter in rows)

    def calls(self, *, ticker: str | None = None) -> list[dict]:
        """Stored calls with turn counts and provenance, oldest first."""
        query = """
            SELECT c.call_id, c.ticker, c.fiscal_year, c.fiscal_quarter, c.company, c.call_date, c.call_time,
                   c.title, c.format, c.source, c.doc_id, c.parser_version, c.stored_at, d.fetched_at,
                   d.http_status,
                   (SELECT count(*) FROM turns t WHERE t.call_id = c.call_id) AS turns,
                   (SELECT count(*) FROM turns t WHERE t.call_id = c.call_id AND t.section = 'qa') AS qa_turns
            FROM calls c JOIN documents d USING (doc_id)
            WHERE ? IS NULL OR c.ticker = ?
            ORDER BY c.ticker, c.fiscal_year, c.fiscal_quarter
        """
        upper = ticker.upper() if ticker else None
        with self.cursor() as cur:
            result = cur.execute(query, [upper, upper])
            names = [d[0] for d in result.description]
            return [dict(zip(names, row)) for row in result.fetchall()]

    def transcript(self, call_id: int) -> Transcript:
        """Rebuild a stored call as a Transcript."""
        with self.cursor() as cur:
            rows = cur.execute(
                "SELECT ticker, company, fiscal_year, fiscal_quarter, call_date, title, format, source, "
                "call_time FROM calls WHERE call_id = ?", [call_id]
            ).fetchall()
            if not rows:
                raise StoreError(f"no stored call with id {call_id}", where=self.path)
            turns = cur.execute(
                "SELECT idx, speaker, role, firm, kind, section, type, text, coalesce(marks, []) FROM turns "
                "WHERE call_id = ? ORDER BY idx", [call_id],
            ).fetchall()
            people = cur.execute(
                "SELECT name, role, firm, kind FROM participants WHERE call_id = ? ORDER BY rowid", [call_id]
            ).fetchall()
        (ticker, company, year, quarter, date, title, kind, source, time) = rows[0]
        return Transcript(
            ticker=ticker, company=company, fiscal_year=year, fiscal_quarter=quarter, call_date=date,
            title=title, format=kind, source=source, call_time=time,
            turns=tuple(Turn(*row[:-1], tuple(map(tuple, row[-1]))) for row in turns),
            participants=tuple(Participant(*p) for p in people),
        )
