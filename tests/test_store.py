"""The DuckDB store: migrations, atomic call writes, idempotent re-import, the file lock."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
from dataclasses import replace

import duckdb
import pytest

from core.errors import DatabaseLockedError, StoreError
from core.model import Participant, Period, Transcript, Turn
from core.storage.schema import MIGRATIONS
from core.storage.store import RawDocument, Store


def make_transcript(*, quarter: int = 2, words: str = "growth") -> Transcript:
    turns = tuple(
        Turn(i, f"Speaker {i % 2}", "CFO", "Acme", "executive", "prepared" if i < 2 else "qa",
             "presentation" if i < 2 else "answer", f"{words} " * 60)
        for i in range(4)
    )
    return Transcript("ACME", "Acme Corp", 2025, quarter, dt.date(2024, 8, 28), "Q2 2025 call", "plain",
                      "acme.txt", turns, (Participant("Speaker 0", "CFO", "Acme", "executive"),))


def count(store: Store, table: str) -> int:
    with store.cursor() as cur:
        return cur.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]


def test_fresh_database_is_at_latest_schema_version():
    assert Store().schema_version == len(MIGRATIONS)


def test_save_and_read_back_a_call():
    store = Store()
    result = store.save_transcript(make_transcript(), RawDocument(b"doc", "file", "acme.txt"), parser_version=1)
    assert result.outcome == "inserted"
    back = store.transcript(result.call_id)
    assert back == make_transcript()
    [call] = store.calls()
    assert (call["ticker"], call["fiscal_year"], call["fiscal_quarter"], call["turns"], call["qa_turns"]) == (
        "ACME", 2025, 2, 4, 2)
    assert store.stored_periods("acme") == {Period(2025, 2)} and store.stored_periods("AMD") == frozenset()


def test_time_marks_are_stored_with_the_turn_and_its_clock():
    store = Store()
    plain = make_transcript()
    marked = replace(plain, turns=(replace(plain.turns[0], marks=((0, 1770), (7, 1781))), *plain.turns[1:]))
    call_id = store.save_transcript(marked, RawDocument(b"doc", "file", "acme.txt"), parser_version=1).call_id
    assert store.transcript(call_id) == marked
    with store.cursor() as cur:
        assert cur.execute("SELECT idx, offset_s, marks FROM turns ORDER BY idx LIMIT 2").fetchall() == [
            (0, 1770, [[0, 1770], [7, 1781]]), (1, None, [])]


def test_reimporting_the_same_document_is_a_no_op():
    store = Store()
    doc = RawDocument(b"doc", "file", "acme.txt")
    first = store.save_transcript(make_transcript(), doc, parser_version=1)
    again = store.save_transcript(make_transcript(), doc, parser_version=1)
    assert again == type(first)(first.call_id, "unchanged")
    assert (count(store, "calls"), count(store, "turns"), count(store, "documents")) == (1, 4, 1)


def test_a_changed_document_replaces_the_call_without_orphans():
    store = Store()
    store.save_transcript(make_transcript(), RawDocument(b"v1", "file", "acme.txt"), parser_version=1)
    result = store.save_transcript(make_transcript(words="decline"), RawDocument(b"v2", "file", "acme.txt"),
                                   parser_version=1)
    assert result.outcome == "replaced"
    assert (count(store, "calls"), count(store, "turns"), count(store, "participants")) == (1, 4, 1)
    assert store.transcript(result.call_id).turns[0].text.startswith("decline")


def test_a_failure_mid_write_leaves_nothing_partial(monkeypatch):
    store = Store()
    store.save_transcript(make_transcript(quarter=1), RawDocument(b"q1", "file", "q1.txt"), parser_version=1)
    broken = make_transcript(quarter=2)
    # A turn whose text is NULL violates the NOT NULL constraint after calls/participants rows were inserted.
    bad_turns = (*broken.turns[:3], Turn(3, "X", "", "", "analyst", "qa", "question", None))
    with pytest.raises(duckdb.ConstraintException):
        store.save_transcript(Transcript(**{**broken.__dict__, "turns": bad_turns}),
                              RawDocument(b"q2", "file", "q2.txt"), parser_version=1)
    assert (count(store, "calls"), count(store, "turns"), count(store, "participants"), count(store, "documents")) \
        == (1, 4, 1, 1)


def test_a_failed_replacement_keeps_the_old_call():
    store = Store()
    store.save_transcript(make_transcript(), RawDocument(b"v1", "file", "a.txt"), parser_version=1)
    broken = make_transcript(words="new")
    bad_turns = (*broken.turns[:3], Turn(3, "X", "", "", "analyst", "qa", "question", None))
    with pytest.raises(duckdb.ConstraintException):
        store.save_transcript(Transcript(**{**broken.__dict__, "turns": bad_turns}),
                              RawDocument(b"v2", "file", "a.txt"), parser_version=1)
    [call] = store.calls()
    assert store.transcript(call["call_id"]).turns[0].text.startswith("growth")


def test_migration_from_an_older_schema_version(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    con.execute(MIGRATIONS[0])
    con.execute("INSERT INTO schema_version VALUES (1)")
    con.execute("INSERT INTO documents VALUES "
                "('h', 'file', 'a.txt', 'x'::BLOB, now(), NULL, NULL, NULL, NULL, 1, NULL)")
    con.close()
    with Store(path) as store:
        assert store.schema_version == len(MIGRATIONS)
        assert count(store, "documents") == 1
        assert count(store, "sentences") == 0
        with store.cursor() as cur:  # migration 6: the call's clock, nullable
            clock = cur.execute("SELECT table_name, column_name, data_type, is_nullable "
                                "FROM information_schema.columns WHERE column_name IN ('offset_s', 'marks') "
                                "ORDER BY ALL").fetchall()
        assert clock == [("sentences", "offset_s", "INTEGER", "YES"), ("turns", "marks", "INTEGER[][]", "YES"),
                         ("turns", "offset_s", "INTEGER", "YES")]


def test_a_database_newer_than_the_program_is_refused(tmp_path):
    path = tmp_path / "new.duckdb"
    Store(path).close()
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO schema_version VALUES (?)", [len(MIGRATIONS) + 1])
    con.close()
    with pytest.raises(StoreError, match="newer than this program"):
        Store(path)


def test_a_database_held_by_another_process_gives_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("EARNINGS_READ_WAIT_S", "1")
    path = tmp_path / "held.duckdb"
    Store(path).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, sys, time; c = duckdb.connect({str(path)!r}); "
         "print('ready', flush=True); sys.stdin.readline()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(DatabaseLockedError, match=r"in use by another process that does not share it \(PID \d+ "):
            Store(path)
    finally:
        holder.communicate("\n", timeout=10)
    with Store(path) as store:  # nothing lost, usable once released
        assert store.schema_version == len(MIGRATIONS)


def test_a_read_waits_behind_a_writer_and_past_its_bound_names_the_writer(tmp_path, monkeypatch):
    """Another process holds the write lock: a read waits, then fails with one line that names that process."""
    path = tmp_path / "calls.duckdb"
    Store(path).close()
    writer = subprocess.Popen(
        [sys.executable, "-c", "import sys; from core.storage.locks import DatabaseLock; "
         "lock = DatabaseLock(sys.argv[1]); held = lock.exclusive(); held.__enter__(); "
         "print('ready', flush=True); sys.stdin.readline()", str(path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "ready"
        monkeypatch.setenv("EARNINGS_READ_WAIT_S", "1")
        with pytest.raises(DatabaseLockedError, match=rf"could not read the database within 1 s: it is held by "
                                                       rf"PID {writer.pid} \(.*core.storage.locks"):
            Store(path).calls()
    finally:
        writer.communicate("\n", timeout=10)
    assert Store(path).calls() == []  # free again once the writer let go


def test_a_writer_gets_in_while_readers_never_stop(tmp_path, monkeypatch):
    """Four threads read back to back; a write still lands (readers queue behind a waiting writer's gate)."""
    import threading

    store = Store(tmp_path / "calls.duckdb")
    stop = threading.Event()
    reads = []

    def reader() -> None:
        while not stop.is_set():
            reads.append(len(store.calls()))

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        while len(reads) < 20:  # the readers are in full flow before the write starts
            stop.wait(0.01)
        monkeypatch.setenv("EARNINGS_WRITE_WAIT_S", "30")
        with store.transaction() as cur:
            cur.execute("INSERT INTO app_settings VALUES ('probe', '1')")
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    with store.cursor() as cur:
        assert cur.execute("SELECT value FROM app_settings WHERE key = 'probe'").fetchall() == [("1",)]
