"""The DuckDB store: opening (with migrations), raw documents, and whole calls written atomically."""
from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ..errors import StoreError
from ..model import Participant, Period, Transcript, Turn
from .connection import Generation, connect, schema_version_of
from .locks import DatabaseLock, read_wait_s, write_wait_s
from .schema import AFTER_STEPS, CALL_CHILD_TABLES, MIGRATIONS, Step

# the origin of an imported document; any other origin is a registered source (core/ingest/sources)
FILE_ORIGIN = "file"


# every stored call with its document's provenance and its turn counts
CALLS_SQL = """
    SELECT c.call_id, c.ticker, c.fiscal_year, c.fiscal_quarter, c.company, c.call_date, c.call_time, c.title,
           c.format, c.source, c.doc_id, c.parser_version, c.stored_at, d.fetched_at, d.http_status, d.origin,
           coalesce(t.turns, 0) AS turns, coalesce(t.qa_turns, 0) AS qa_turns
    FROM calls c JOIN documents d USING (doc_id)
    LEFT JOIN (SELECT call_id, count(*) AS turns, count(*) FILTER (WHERE section = 'qa') AS qa_turns
               FROM turns GROUP BY call_id) t USING (call_id)
"""


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
        self._generation = Generation(self.path)
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
                self._generation.bump()

    def generation(self) -> int:
        """How many data writes this database has seen: a key for cached query results."""
        return self._generation.read()

    # -- schema ---------------------------------------------------------------------------------
    @property
    def schema_version(self) -> int:
        with self.cursor() as cur:
            return schema_version_of(cur)

    def _migrate(self) -> None:
        """Apply the migrations this database lacks, all in one transaction under the write lock."""
        if not self._memory and Path(self.path).exists() and self.schema_version == len(MIGRATIONS):
            return
        with self.transaction() as cur:
            current = schema_version_of(cur)
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
        upper = ticker.upper() if ticker else None
        with self.cursor() as cur:
            result = cur.execute(f"SELECT * FROM ({CALLS_SQL}) WHERE ? IS NULL OR ticker = ? "
                                 "ORDER BY ticker, fiscal_year, fiscal_quarter", [upper, upper])
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
