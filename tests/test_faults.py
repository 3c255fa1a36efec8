"""Faults: an ingest SIGKILLed in every phase, a database held by another process, an unwritable or full disk.

The kill trials run `python -m core import …` + `analyze` on a few real StreetEvents calls (shortened to a handful
of speaker turns, in a tmp dir, so that 20+ trials fit in about a minute) in children of tests/fault_ingest_worker.py,
each stopped at a phase boundary ("blocked") or at a point inside the phase's work ("during": a DuckDB transaction
before its COMMIT, a LanceDB write before the end of its input, an index build after its first index write) and
SIGKILLed there: the kill lands in the phase it names every time, never after the work finished. After each kill the
stores must hold every call complete or not at all, agree after `repair` (which must report exactly what was
wrong), hold nothing twice, and a re-run must reach the same state as an uninterrupted ingest.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import SHARED, missing_prerequisite, require_shared
from fault_ingest_worker import INNER

ROOT = Path(__file__).resolve().parents[1]
STREETEVENTS = SHARED / "corpus" / "streetevents"
HEADER = re.compile(r"\[\d+\]\s*$")
SECTION_MARKERS = {"presentation", "questions and answers", "q-and-a"}
# (name, file, prepared turns kept, Q&A turns kept); A_small and A_long are two versions of the same call
CALLS = {"A_small": ("INTC/2012-07-17-INTC.txt", 3, 3), "A_long": ("INTC/2012-07-17-INTC.txt", 3, 5),
         "B": ("AMD/2016-10-20-AMD.txt", 3, 4), "C": ("NVDA/2010-02-17-NVDA.txt", 3, 4)}
SEED = ["A_small", "B"]          # analysed before an "update" trial starts
INGEST = ["A_long", "B", "C"]    # what every trial imports and analyses: A replaced, B unchanged, C new
# phase, occurrence, how: "blocked" = killed while waiting at the phase boundary, "during" = killed at the phase's
# inner point (tests/fault_ingest_worker.py INNER). Together: during import, during sentence writes, between DuckDB
# and LanceDB, during the LanceDB write, during the analysis_runs write, and during the index build.
PHASES = [("import", 1, "blocked"), ("import", 3, "during"), ("sentences", 1, "during"), ("sentences", 2, "blocked"),
          ("lance", 1, "blocked"), ("lance", 1, "during"), ("runs", 1, "blocked"), ("runs", 1, "during"),
          ("index", 1, "blocked"), ("index", 1, "during")]
TRIALS = [(scenario, *phase) for phase in PHASES for scenario in ("fresh", "update")]  # 20 trials


def trimmed(path: Path, *, prepared: int, qa: int) -> bytes:
    """A StreetEvents transcript cut to the first two paragraphs of its first speaker turns in each section (its header
    and format kept): a real call with a few dozen sentences."""
    out, section, turns, paragraphs = [], None, 0, 0
    for line in path.read_text(encoding="utf-8").splitlines():
        low = line.strip().lower()
        if low == "definitions":
            break
        if low in SECTION_MARKERS:
            section, turns, paragraphs = low, -1, -1
        elif section and HEADER.search(line) and not line.startswith(" "):
            turns, paragraphs = turns + 1, -1
        elif low:
            paragraphs += 1
        if section is None or (turns < (prepared if section == "presentation" else qa) and paragraphs < 2):
            out.append(line)
    return ("\n".join(out) + "\n").encode("utf-8")


# --- the fork server --------------------------------------------------------------------------------------------
class Worker:
    """The test's end of tests/fault_ingest_worker.py."""

    def __init__(self, log: Path) -> None:
        self.log = log.open("wb")
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "fault_ingest_worker.py")], cwd=ROOT,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, bufsize=0)

    def read(self, timeout: float = 120.0) -> dict:
        fd = self.proc.stdout.fileno()
        line = bytearray()
        deadline = time.monotonic() + timeout
        while not line.endswith(b"\n"):
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise AssertionError(f"no message from the worker in {timeout} s (log: {self.log.name})")
            byte = os.read(fd, 1)
            if not byte:
                raise AssertionError(f"the worker died (log: {self.log.name})")
            line += byte
        return json.loads(line)

    def send(self, text: str) -> None:
        self.proc.stdin.write(text.encode() + b"\n")

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        self.log.close()


@dataclass(frozen=True)
class Kill:
    """What happened in a trial: where the child was when the SIGKILL landed, and how it ended."""

    last_marker: str      # the last phase the child reported, "phase#n"
    inside: str | None    # the inner point it was blocked at (None: at the phase boundary)
    killed: bool          # it died of the SIGKILL (not an exit)
    finished: bool        # it reported its commands done


def run_and_kill(worker: Worker, job: dict) -> Kill:
    """Start a job, wait until its child blocks at job['stop'] (the phase boundary, or the phase's inner point),
    SIGKILL it there and collect what it reported until the worker saw it die."""
    worker.send(json.dumps(job))
    pid = worker.read()["pid"]
    last = "start"
    while True:
        message = worker.read()
        assert "error" not in message, message["error"]
        assert "done" not in message and "exit" not in message, f"the job never reached {job['stop']}: {message}"
        last = f"{message.get('at') or message['wait']}#{message['n']}"
        if "wait" in message:
            inside = message["inside"]
            break
    os.kill(pid, signal.SIGKILL)  # the child of our worker, blocked on its stdin; its pid came from itself
    finished = False
    while True:
        message = worker.read()
        assert "error" not in message, message["error"]
        if "at" in message:
            last = f"{message['at']}#{message['n']}"
        finished = finished or "done" in message
        if "exit" in message:
            assert message["exit"] == pid
            killed = os.WIFSIGNALED(message["status"]) and os.WTERMSIG(message["status"]) == signal.SIGKILL
            return Kill(last, inside, killed, finished)


# --- fixtures ---------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def worker(tmp_path_factory):
    require_shared(STREETEVENTS)
    server = Worker(tmp_path_factory.mktemp("worker") / "worker.log")
    first = server.read(timeout=300)
    if "unavailable" in first:
        server.close()
        missing_prerequisite(f"the analysis cannot run: {first['unavailable']}")
    assert first == {"ready": True}
    yield server
    server.close()


@dataclass
class Reference:
    """Uninterrupted ingests: the seed (A_small, B) and the final state (A_long, B, C), per call content."""

    files: dict[str, Path]            # name -> trimmed file
    docs: dict[str, str]              # name -> doc_id
    keys: dict[str, tuple]            # name -> (ticker, fiscal_year, fiscal_quarter)
    turns: dict[str, list]            # doc_id -> [(idx, speaker, section, type, text)]
    participants: dict[str, int]      # doc_id -> participant rows
    sentences: dict[str, list[str]]   # doc_id -> sentence texts in pos order
    seed_dir: Path


@pytest.fixture(scope="module")
def analyzer():
    """The analysis with the shipped models (skips with the reason when they cannot load, fails under CI=1)."""
    from core.analysis.analyze import Analyzer
    from core.errors import TranscriptError

    try:
        return Analyzer()
    except TranscriptError as exc:
        missing_prerequisite(f"the analysis cannot run: {exc}")


@pytest.fixture(scope="module")
def reference(worker, analyzer, tmp_path_factory) -> Reference:
    from core.ingest.files import import_paths
    from core.storage.store import RawDocument, Store
    from core.storage.vectors import VectorIndex

    base = tmp_path_factory.mktemp("calls")
    files = {}
    for name, (rel, prepared, qa) in CALLS.items():
        files[name] = base / name / Path(rel).name  # one directory per name: same file name, other content
        files[name].parent.mkdir()
        files[name].write_bytes(trimmed(STREETEVENTS / rel, prepared=prepared, qa=qa))
    docs = {name: RawDocument(path.read_bytes(), "file", str(path)).doc_id for name, path in files.items()}
    ref = Reference(files, docs, {}, {}, {}, {}, base / "seed")
    for names, target in ((SEED, ref.seed_dir), (INGEST, base / "final")):
        with Store(target / "calls.duckdb") as store:
            outcomes = import_paths(store, [files[n] for n in names])
            assert [o.outcome for o in outcomes] == ["inserted"] * len(names), outcomes
            vectors = VectorIndex(target / "vectors.lance")
            analyzer.run(store, vectors)
            vectors.ensure_index()
            snapshot = duck_snapshot(store)
            for call in store.calls():
                name = next(n for n in names if docs[n] == call["doc_id"])
                ref.keys[name] = (call["ticker"], call["fiscal_year"], call["fiscal_quarter"])
                ref.turns[call["doc_id"]] = snapshot["turns"][call["call_id"]]
                ref.participants[call["doc_id"]] = snapshot["participants"].get(call["call_id"], 0)
                ref.sentences[call["doc_id"]] = snapshot["sentences"][call["call_id"]]
    assert ref.keys["A_small"] == ref.keys["A_long"] and len(set(ref.keys.values())) == 3
    assert all(len(ref.sentences[d]) >= 20 for d in docs.values()), "the trimmed calls are too small to test"
    return ref


# --- checks -----------------------------------------------------------------------------------------------------
def duck_snapshot(store) -> dict:
    """Everything the checks compare, read straight from DuckDB."""
    from core.storage.schema import CALL_CHILD_TABLES

    with store.cursor() as cur:
        calls = cur.execute("SELECT call_id, ticker, fiscal_year, fiscal_quarter, doc_id FROM calls").fetchall()
        turns: dict[int, list] = {}
        for call_id, *row in cur.execute(
                "SELECT call_id, idx, speaker, section, type, text FROM turns ORDER BY call_id, idx").fetchall():
            turns.setdefault(call_id, []).append(tuple(row))
        sentences: dict[int, list] = {}
        for call_id, text in cur.execute("SELECT call_id, text FROM sentences ORDER BY call_id, pos").fetchall():
            sentences.setdefault(call_id, []).append(text)
        snapshot = {
            "calls": calls, "turns": turns, "sentences": sentences,
            "participants": dict(cur.execute("SELECT call_id, count(*) FROM participants GROUP BY 1").fetchall()),
            "vectors": dict(cur.execute("SELECT call_id, count(*) FROM sentence_vectors GROUP BY 1").fetchall()),
            "runs": dict(cur.execute("SELECT call_id, sentences FROM analysis_runs").fetchall()),
            "orphans": {t: cur.execute(f"SELECT count(*) FROM {t} WHERE call_id NOT IN (SELECT call_id FROM calls)")
                        .fetchall()[0][0] for t in CALL_CHILD_TABLES},
            "duplicates": {t: cur.execute(f"SELECT count(*) - count(DISTINCT ({key})) FROM {t}").fetchall()[0][0]
                           for t, key in (("calls", "ticker, fiscal_year, fiscal_quarter"), ("turns", "call_id, idx"),
                                          ("sentences", "call_id, pos"), ("sentence_vectors", "call_id, pos"),
                                          ("analysis_runs", "call_id"))},
        }
    return snapshot


def lance_rows(vectors) -> dict[tuple[int, int], list[str]]:
    """(call_id, pos) -> the texts stored under it (more than one = a duplicate)."""
    table = vectors._table.to_lance().to_table(columns=["call_id", "pos", "text"]).to_pylist()
    rows: dict[tuple[int, int], list[str]] = {}
    for row in table:
        rows.setdefault((row["call_id"], row["pos"]), []).append(row["text"])
    return rows


def check_duckdb(snapshot: dict, ref: Reference, *, allowed: dict[tuple, set[str]], required: set[tuple]) -> None:
    """Every call complete (all its turns, participants; all or none of its sentences) or absent; nothing twice."""
    assert snapshot["orphans"] == dict.fromkeys(snapshot["orphans"], 0)
    assert snapshot["duplicates"] == dict.fromkeys(snapshot["duplicates"], 0)
    keys = {(t, y, q): (call_id, doc) for call_id, t, y, q, doc in snapshot["calls"]}
    assert required <= set(keys) <= set(allowed), f"calls {sorted(keys)}, must have {required}"
    for key, (call_id, doc) in keys.items():
        assert doc in allowed[key], f"{key} holds an unknown document"
        assert snapshot["turns"].get(call_id) == ref.turns[doc], f"{key}: partial or wrong turns"
        assert snapshot["participants"].get(call_id, 0) == ref.participants[doc]
        sentences = snapshot["sentences"].get(call_id, [])
        assert sentences in ([], ref.sentences[doc]), f"{key}: {len(sentences)} of {len(ref.sentences[doc])} sentences"
        assert snapshot["vectors"].get(call_id, 0) == len(sentences), f"{key}: embeddings disagree with sentences"
        if call_id in snapshot["runs"]:
            assert snapshot["runs"][call_id] == len(ref.sentences[doc]) == len(sentences)


def check_agree(snapshot: dict, rows: dict) -> None:
    """LanceDB holds exactly the sentences of the analysed calls, once each, with DuckDB's texts."""
    expected = {(call_id, pos): [text] for call_id in snapshot["runs"]
                for pos, text in enumerate(snapshot["sentences"][call_id])}
    assert rows == expected


def rerun(data_dir: Path, ref: Reference, analyzer) -> list[str]:
    """The same ingest again, uninterrupted (in this process); returns the import outcomes."""
    from core.ingest.files import import_paths
    from core.storage.store import Store
    from core.storage.vectors import VectorIndex

    with Store(data_dir / "calls.duckdb") as store:
        outcomes = import_paths(store, [ref.files[n] for n in INGEST])
        vectors = VectorIndex(data_dir / "vectors.lance")
        analyzer.run(store, vectors)
        vectors.ensure_index()
    return [o.outcome for o in outcomes]


# --- the kill trials --------------------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("scenario, phase, n, how", TRIALS, ids=[f"{s}-{p}{n}-{h}" for s, p, n, h in TRIALS])
def test_sigkill_during_ingest_leaves_whole_calls_and_a_rerun_completes(
        worker, reference, analyzer, tmp_path, scenario, phase, n, how):
    """Catches: a call stored in several transactions (partial turns/sentences after a kill), vectors of replaced
    or unfinished calls left behind, repair missing or mis-reporting a difference, duplicated rows, a store that
    cannot be reopened after a kill, and a re-run that skips unfinished work or redoes finished work wrongly.
    Each trial must have killed the child in the phase it names (a kill after the work finished proves nothing)."""
    from core.analysis.repair import repair
    from core.storage.store import Store
    from core.storage.vectors import VectorIndex

    ref = reference
    data = tmp_path / "data"
    if scenario == "update":
        shutil.copytree(ref.seed_dir, data)
    key = {name: ref.keys[name] for name in CALLS}
    before = {key[n]: {ref.docs[n]} for n in SEED} if scenario == "update" else {}
    allowed = {key[n]: before.get(key[n], set()) | {ref.docs[n]} for n in INGEST}
    job = {"data_dir": str(data), "files": [str(ref.files[n]) for n in INGEST],
           "stop": {"phase": phase, "n": n, "inside": how == "during"}}
    kill = run_and_kill(worker, job)
    assert kill == Kill(f"{phase}#{n}", INNER[phase] if how == "during" else None, killed=True, finished=False)

    with Store(data / "calls.duckdb") as store:
        snapshot = duck_snapshot(store)
        check_duckdb(snapshot, ref, allowed=allowed, required=set(before))
        vectors = VectorIndex(data / "vectors.lance")
        rows = lance_rows(vectors)
        assert all(len(texts) == 1 for texts in rows.values()), "duplicated vector rows"
        counts = {}
        for call_id, _ in rows:
            counts[call_id] = counts.get(call_id, 0) + 1
        runs = snapshot["runs"]
        stale = {call_id: count for call_id, count in sorted(counts.items()) if call_id not in runs}
        rewrite = {call_id for call_id, count in runs.items() if counts.get(call_id, 0) != count}
        report = repair(store, vectors)
        assert (report.stale_vectors, set(report.rewritten), report.redo) == (stale, rewrite, {})
        assert report.fixed == bool(stale or rewrite)
        check_agree(duck_snapshot(store), lance_rows(vectors))
        assert repair(store, vectors).consistent

    present = {(ticker, year, quarter): doc for _, ticker, year, quarter, doc in snapshot["calls"]}
    outcomes = rerun(data, ref, analyzer)
    assert outcomes == [("unchanged" if present.get(key[n]) == ref.docs[n] else
                         "replaced" if key[n] in present else "inserted") for n in INGEST]
    with Store(data / "calls.duckdb") as store:
        final = duck_snapshot(store)
        check_duckdb(final, ref, allowed={key[n]: {ref.docs[n]} for n in INGEST}, required={key[n] for n in INGEST})
        assert sorted(final["runs"].values()) == sorted(len(ref.sentences[ref.docs[n]]) for n in INGEST)
        vectors = VectorIndex(data / "vectors.lance")
        check_agree(final, lance_rows(vectors))
        assert repair(store, vectors).consistent


# --- the database held by another process -----------------------------------------------------------------------
# outside the locks
HOLDER = "import sys, duckdb; c = duckdb.connect(sys.argv[1]); print('held', flush=True); sys.stdin.read()"


@pytest.fixture
def stored_call(tmp_path) -> Path:
    """A data dir with one real (shortened) StreetEvents call imported."""
    require_shared(STREETEVENTS)
    from core.ingest.files import import_bytes
    from core.storage.store import Store

    data = tmp_path / "data"
    with Store(data / "calls.duckdb") as store:
        content = trimmed(STREETEVENTS / CALLS["A_long"][0], prepared=3, qa=5)
        assert import_bytes(store, content, source="2012-07-17-INTC.txt").outcome == "inserted"
    return data


def table_counts(db: Path) -> dict[str, int]:
    from core.storage.store import Store

    with Store(db) as store, store.cursor() as cur:
        names = [r[0] for r in cur.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        return {name: cur.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0] for name in sorted(names)}


@pytest.fixture
def held(stored_call):
    """The data dir's database held open read-write by a process outside the project's locks (a DuckDB shell)."""
    db = stored_call / "calls.duckdb"
    before = table_counts(db)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(db)], cwd=ROOT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline() == "held\n"
    yield stored_call, holder.pid
    holder.stdin.close()
    holder.wait(timeout=30)
    assert table_counts(db) == before  # nothing lost, nothing half-written


def test_store_on_a_held_database_names_the_cause_and_the_holder(held, monkeypatch):
    """A process outside the project's locks (a DuckDB shell, an old build) holds the file. Catches: the raw duckdb
    IOException escaping, an unbounded wait, or a message that does not say who holds the file."""
    from core.errors import DatabaseLockedError
    from core.storage.store import Store

    data, pid = held
    monkeypatch.setenv("EARNINGS_READ_WAIT_S", "1")
    with pytest.raises(DatabaseLockedError, match=rf"in use by another process that does not share it \(PID {pid} "
                                                   r"\(.*\)\); stop it and retry$") as info:
        Store(data / "calls.duckdb")
    assert info.value.where == str(data / "calls.duckdb")


@pytest.mark.slow
def test_cli_commands_on_a_held_database_exit_1_with_one_line(held):
    """Catches: a traceback (or exit 0) from any command that opens the store while the app holds it."""
    data, pid = held
    env = {**os.environ, "EARNINGS_DATA_DIR": str(data), "EARNINGS_READ_WAIT_S": "1", "EARNINGS_WRITE_WAIT_S": "1"}
    src = STREETEVENTS / CALLS["C"][0]
    commands = [["import", str(src)], ["analyze"], ["calls"], ["trends", "INTC"], ["repair"]]
    runs = [subprocess.Popen([sys.executable, "-m", "core", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for args in commands]
    for args, run in zip(commands, runs):
        out, err = run.communicate(timeout=300)
        assert run.returncode == 1, (args, out, err)
        [line] = err.strip().splitlines()
        assert line.startswith(f"error: {data / 'calls.duckdb'}: the database is in use by another process that "
                               f"does not share it (PID {pid} ("), (args, err)
        assert line.endswith("); stop it and retry"), (args, err)


# --- unwritable data directory, full disk ----------------------------------------------------------------------
def test_data_dir_under_a_regular_file_is_a_clear_store_error(tmp_path):
    """Catches: NotADirectoryError (a traceback) from creating the data dir, for the store and the vector table.
    (Tests run as root, where chmod 0o500 does not stop writes; a path through a file fails for everyone.)"""
    from core.errors import StoreError
    from core.storage.store import Store
    from core.storage.vectors import VectorIndex

    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file", encoding="utf-8")
    with pytest.raises(StoreError, match=r"cannot open the database: Not a directory"):
        Store(blocker / "data" / "calls.duckdb")
    with pytest.raises(StoreError, match=r"cannot open the vector table: .*Not a directory"):
        VectorIndex(blocker / "data" / "vectors.lance")
    assert blocker.read_text(encoding="utf-8") == "a file"


@pytest.mark.slow
def test_cli_import_into_an_unusable_data_dir_exits_1_with_one_line(tmp_path, shared_dir):
    """Catches: the CLI printing a traceback when EARNINGS_DATA_DIR cannot be created."""
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file", encoding="utf-8")
    env = {**os.environ, "EARNINGS_DATA_DIR": str(blocker / "data")}
    run = subprocess.run([sys.executable, "-m", "core", "import", str(STREETEVENTS / CALLS["C"][0])], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 1
    assert run.stderr.strip().splitlines() == [
        f"error: {blocker / 'data' / 'calls.duckdb'}: cannot open the database: Not a directory"]


@contextlib.contextmanager
def mounted(target: Path, *options: str, source: str = "tmpfs"):
    """A mount (as root) for the duration; skips the test when mounting is not permitted here (fails under CI=1)."""
    target.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", *options, source, str(target)], capture_output=True, text=True)
    if done.returncode:
        missing_prerequisite(f"cannot mount here ({done.stderr.strip() or done.returncode}): run as root with mount "
                             "rights")
    try:
        yield target
    finally:
        subprocess.run(["umount", str(target)], check=True)


def test_read_only_data_dir_serves_reads_refuses_writes_clearly_and_the_data_stays(stored_call, tmp_path):
    """Catches: a raw duckdb/lance error (or a crash) when the data dir is read-only, reads that fail although
    nothing can write there, and any change to its files."""
    from core.errors import StoreError
    from core.storage.store import RawDocument, Store
    from core.storage.vectors import VectorIndex

    files = {p.name: p.read_bytes() for p in stored_call.iterdir()}
    view = tmp_path / "ro"
    with mounted(view, "--bind", source=str(stored_call)):
        remount = subprocess.run(["mount", "-o", "remount,bind,ro", str(view)], capture_output=True, text=True)
        if remount.returncode:
            missing_prerequisite(f"cannot remount read-only: {remount.stderr.strip()}")
        store = Store(view / "calls.duckdb")
        assert [c["ticker"] for c in store.calls()] == ["INTC"]
        with pytest.raises(StoreError, match=r"cannot open the database: Read-only file system"):
            store.save_document(RawDocument(b"new", "file", "new.txt"))
        with pytest.raises(StoreError, match=r"cannot open the vector table: .*Read-only file system"):
            VectorIndex(view / "vectors.lance")  # there is none yet, and none can be made
    assert {p.name: p.read_bytes() for p in stored_call.iterdir()} == files


def fill(mount: Path, *, leave: int) -> Path:
    """Fill a mounted file system up to `leave` free bytes."""
    filler = mount / "filler"
    filler.write_bytes(b"\0" * (shutil.disk_usage(mount).free - leave))
    return filler


def test_import_on_a_full_disk_fails_clearly_and_writes_nothing(stored_call, tmp_path):
    """Catches: duckdb's TransactionException escaping import (a traceback, the app's page crashing), a partial
    call after the failed commit, and a store that stays broken once space is free again."""
    from core.ingest.files import import_bytes
    from core.storage.store import Store

    with mounted(tmp_path / "small", "-t", "tmpfs", "-o", "size=4m") as mount:
        data = mount / "data"
        shutil.copytree(stored_call, data)
        before = table_counts(data / "calls.duckdb")
        filler = fill(mount, leave=16 * 1024)
        big = (STREETEVENTS / "NVDA" / "2023-02-22-NVDA.txt").read_bytes()  # a whole real call: ~600 kB
        with Store(data / "calls.duckdb") as store:
            outcome = import_bytes(store, big, source="2023-02-22-NVDA.txt")
        assert (outcome.outcome, outcome.call) == ("failed", "")
        assert "cannot write the database, nothing was saved" in outcome.reason
        assert "No space left on device" in outcome.reason
        filler.unlink()
        assert table_counts(data / "calls.duckdb") == before
        with Store(data / "calls.duckdb") as store:
            assert import_bytes(store, big, source="2023-02-22-NVDA.txt").outcome == "inserted"
            assert [c["ticker"] for c in store.calls()] == ["INTC", "NVDA"]


def test_analysis_on_a_full_disk_fails_clearly_and_a_rerun_completes(stored_call, tmp_path, analyzer):
    """Catches: a raw error from the DuckDB or LanceDB write of an analysis when the disk is full, an analysis run
    recorded for a call whose vectors were not written, and a store that repair and a re-run cannot bring back."""
    from core.analysis.repair import repair
    from core.errors import StoreError
    from core.storage.store import Store
    from core.storage.vectors import VectorIndex

    with mounted(tmp_path / "small", "-t", "tmpfs", "-o", "size=6m") as mount:
        data = mount / "data"
        shutil.copytree(stored_call, data)
        vectors = VectorIndex(data / "vectors.lance")
        filler = fill(mount, leave=8 * 1024)
        with Store(data / "calls.duckdb") as store:
            with pytest.raises(StoreError, match=r"No space left on device|Errno 28"):
                analyzer.run(store, vectors)
            filler.unlink()
            with store.cursor() as cur:
                assert cur.execute("SELECT count(*) FROM analysis_runs").fetchall() == [(0,)]
            repair(store, vectors)
            report = analyzer.run(store, vectors)
            assert len(report.analysed) == 1 and report.sentences == vectors.count() > 20
            assert repair(store, vectors).consistent
