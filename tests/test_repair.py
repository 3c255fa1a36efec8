"""DuckDB ↔ LanceDB repair: injected inconsistencies are reported, fixed once, and then stay fixed."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.model import Transcript, Turn
from core.repair import repair
from core.store import RawDocument, Store
from core.vectors import VectorIndex

ROOT = Path(__file__).resolve().parents[1]


def analyse(store: Store, quarter: int, sentences: int) -> int:
    """Store an ACME call of the quarter and record it as fully analysed with this many sentences."""
    turn = Turn(0, "Jane Doe", "CEO", "Acme", "executive", "prepared", "presentation", "Words. " * sentences)
    transcript = Transcript("ACME", "Acme Corp", 2024, quarter, None, f"Q{quarter}", "plain", "acme.txt", (turn,))
    call_id = store.save_transcript(transcript, RawDocument(f"acme {quarter}".encode(), "file", "acme.txt"),
                                    parser_version=1).call_id
    with store.transaction() as cur:
        cur.executemany("INSERT INTO sentences (call_id, pos, turn_idx, sent_idx, text, word_count) "
                        "VALUES (?, ?, 0, ?, 'Words.', 1)", [[call_id, pos, pos] for pos in range(sentences)])
        cur.execute("INSERT INTO analysis_runs VALUES (?, now(), 'test', 'test', 'v1', ?)", [call_id, sentences])
    return call_id


def vector_rows(call_id: int, count: int) -> list[dict]:
    rng = np.random.default_rng(call_id)
    vectors = rng.normal(size=(count, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return [dict(call_id=call_id, pos=pos, ticker="ACME", fiscal_year=2024, fiscal_quarter=1, section="prepared",
                 speaker_kind="ceo", topic=None, text="Words.", vector=vectors[pos]) for pos in range(count)]


def runs(store: Store) -> dict[int, int]:
    with store.cursor() as cur:
        return dict(cur.execute("SELECT call_id, sentences FROM analysis_runs ORDER BY call_id").fetchall())


@pytest.fixture
def stores(tmp_path):
    """A store with two analysed calls (4 and 6 sentences) and their vectors: consistent."""
    store = Store(tmp_path / "calls.duckdb")
    vectors = VectorIndex(tmp_path / "vectors.lance")
    first, second = analyse(store, 1, 4), analyse(store, 2, 6)
    vectors.write_calls({first: vector_rows(first, 4), second: vector_rows(second, 6)})
    assert (first, second) == (1, 2)
    yield store, vectors
    store.close()


def test_consistent_stores_need_nothing(stores):
    store, vectors = stores
    report = repair(store, vectors)
    assert (report.consistent, report.fixed, report.analysed_calls, report.vector_rows) == (True, False, 2, 10)
    assert runs(store) == {1: 4, 2: 6} and vectors.counts() == {1: 4, 2: 6}


def test_vectors_of_a_missing_call_are_deleted_and_missing_vectors_reset_the_analysis(stores):
    store, vectors = stores
    vectors.write_call(99, vector_rows(99, 3))   # a call that DuckDB does not have
    vectors.delete_call(2)                        # crash after DuckDB wrote call 2, before LanceDB did
    report = repair(store, vectors)
    assert report.stale_vectors == {99: 3}
    assert report.redo == {2: "LanceDB has 0 vectors, the analysis run recorded 6"}
    assert report.fixed and not report.consistent
    assert runs(store) == {1: 4} and vectors.counts() == {1: 4}
    again = repair(store, vectors)
    assert again.consistent and not again.fixed


def test_partial_vectors_reset_the_call_and_are_deleted(stores):
    store, vectors = stores
    vectors.write_call(1, vector_rows(1, 3))
    report = repair(store, vectors)
    assert report.redo == {1: "LanceDB has 3 vectors, the analysis run recorded 4"}
    assert report.stale_vectors == {1: 3}
    assert runs(store) == {2: 6} and vectors.counts() == {2: 6}


def test_vectors_of_a_call_deleted_from_duckdb_are_deleted(stores):
    store, vectors = stores
    store.delete_call(1)
    report = repair(store, vectors)
    assert (report.stale_vectors, report.redo) == ({1: 4}, {})
    assert vectors.counts() == {2: 6}


def test_vectors_of_a_call_whose_analysis_did_not_finish_are_deleted(stores):
    store, vectors = stores
    with store.transaction() as cur:
        cur.execute("DELETE FROM analysis_runs WHERE call_id = 2")  # crash before the analysis_runs row
    assert repair(store, vectors).stale_vectors == {2: 6}
    assert vectors.counts() == {1: 4}


def test_duckdb_sentences_that_disagree_with_the_run_reset_the_call(stores):
    store, vectors = stores
    with store.transaction() as cur:
        cur.execute("DELETE FROM sentences WHERE call_id = 2 AND pos = 5")
    report = repair(store, vectors)
    assert report.redo == {2: "DuckDB has 5 sentences, the analysis run recorded 6"}
    assert runs(store) == {1: 4} and vectors.counts() == {1: 4}


def test_dry_run_reports_without_changing_anything(stores):
    store, vectors = stores
    vectors.write_call(99, vector_rows(99, 3))
    vectors.delete_call(2)
    report = repair(store, vectors, dry_run=True)
    assert (report.stale_vectors, list(report.redo), report.fixed) == ({99: 3}, [2], False)
    assert runs(store) == {1: 4, 2: 6} and vectors.counts() == {1: 4, 99: 3}


def test_cli_repair_reports_fixes_and_is_idempotent(stores, tmp_path):
    store, vectors = stores
    vectors.write_call(99, vector_rows(99, 3))
    vectors.delete_call(2)
    store.close()  # the command opens the DuckDB file itself

    def cli(*args: str) -> subprocess.CompletedProcess:
        env = {"EARNINGS_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
        return subprocess.run([sys.executable, "-m", "core", "repair", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)

    dry = cli("--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines() == [
        "2 analysed calls, 7 vector rows",
        "call 99: 3 vectors of a call that is not fully analysed",
        "call 2: LanceDB has 0 vectors, the analysis run recorded 6; analysis would be reset",
    ]
    fixed = cli()
    assert fixed.stdout.splitlines() == [
        "2 analysed calls, 7 vector rows",
        "call 99: 3 vectors of a call that is not fully analysed (deleted)",
        "call 2: LanceDB has 0 vectors, the analysis run recorded 6; analysis reset: run "
        "`python -m core analyze` to redo it",
    ]
    assert cli().stdout.splitlines() == ["1 analysed call, 4 vector rows", "DuckDB and LanceDB agree"]
    assert VectorIndex(tmp_path / "vectors.lance").counts() == {1: 4}
