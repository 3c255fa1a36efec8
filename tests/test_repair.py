"""DuckDB ↔ LanceDB repair: injected inconsistencies are reported, fixed once, and then stay fixed."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.analysis.aggregates import complete
from core.analysis.repair import repair
from core.model import Period, Transcript, Turn
from core.storage.store import RawDocument, Store
from core.storage.vectors import VectorIndex

ROOT = Path(__file__).resolve().parents[1]


def analyse(store: Store, quarter: int, sentences: int) -> int:
    """Store an ACME call of the quarter and record it as fully analysed with this many sentences."""
    turn = Turn(0, "Jane Doe", "Chief Executive Officer", "Acme", "executive", "prepared", "presentation",
                "Words. " * sentences)
    transcript = Transcript("ACME", "Acme Corp", 2024, quarter, None, f"Q{quarter}", "plain", "acme.txt", (turn,))
    call_id = store.save_transcript(transcript, RawDocument(f"acme {quarter}".encode(), "file", "acme.txt"),
                                    parser_version=1).call_id
    with store.transaction() as cur:
        cur.executemany("INSERT INTO sentences (call_id, pos, turn_idx, sent_idx, text, word_count) "
                        "VALUES (?, ?, 0, ?, 'Words.', 1)", [[call_id, pos, pos] for pos in range(sentences)])
        cur.executemany("INSERT INTO sentence_vectors VALUES (?, ?, ?)",
                        [[call_id, row["pos"], row["vector"].tolist()] for row in vector_rows(call_id, sentences)])
        cur.execute("INSERT INTO analysis_runs VALUES (?, now(), 'test', 'test', 'v1', ?)", [call_id, sentences])
        complete(cur, [call_id])
    return call_id


def vector_rows(call_id: int, count: int, *, quarter: int = 1) -> list[dict]:
    """LanceDB rows as the analysis writes them for an ACME call (the same vectors as its DuckDB embeddings)."""
    rng = np.random.default_rng(call_id)
    vectors = rng.normal(size=(count, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return [dict(call_id=call_id, pos=pos, ticker="ACME", fiscal_year=2024, fiscal_quarter=quarter, section="prepared",
                 speaker_group="ceo", topic=None, text="Words.", vector=vectors[pos]) for pos in range(count)]


def runs(store: Store) -> dict[int, int]:
    with store.cursor() as cur:
        return dict(cur.execute("SELECT call_id, sentences FROM analysis_runs ORDER BY call_id").fetchall())


@pytest.fixture
def stores(tmp_path):
    """A store with two analysed calls (4 and 6 sentences) and their vectors: consistent."""
    store = Store(tmp_path / "calls.duckdb")
    vectors = VectorIndex(tmp_path / "vectors.lance")
    first, second = analyse(store, 1, 4), analyse(store, 2, 6)
    vectors.write_calls({first: vector_rows(first, 4, quarter=1), second: vector_rows(second, 6, quarter=2)})
    assert (first, second) == (1, 2)
    yield store, vectors
    store.close()


def test_consistent_stores_need_nothing(stores):
    store, vectors = stores
    report = repair(store, vectors)
    assert (report.consistent, report.fixed, report.analysed_calls, report.vector_rows) == (True, False, 2, 10)
    assert runs(store) == {1: 4, 2: 6} and vectors.counts() == {1: 4, 2: 6}


def test_stale_vectors_are_deleted_and_missing_vectors_rewritten_from_duckdb(stores):
    store, vectors = stores
    vectors.write_call(99, vector_rows(99, 3))   # a call that DuckDB does not have
    vectors.delete_call(2)                        # vectors lost after call 2 was fully analysed
    report = repair(store, vectors)
    assert report.stale_vectors == {99: 3}
    assert report.rewritten == {2: "LanceDB has 0 vectors, the analysis run recorded 6"}
    assert report.redo == {}
    assert report.fixed and not report.consistent
    assert runs(store) == {1: 4, 2: 6} and vectors.counts() == {1: 4, 2: 6}
    again = repair(store, vectors)
    assert again.consistent and not again.fixed


def test_rewritten_rows_equal_what_the_analysis_wrote(stores):
    store, vectors = stores
    expected = vector_rows(2, 6, quarter=2)
    vectors.delete_call(2)
    repair(store, vectors)
    hits = vectors.search(expected[4]["vector"], mode="vector", k=1, tickers=["ACME"], period_from=Period(2024, 2))
    assert [(h.call_id, h.pos, h.ticker, h.fiscal_year, h.fiscal_quarter, h.section, h.speaker_group, h.topic,
             h.text) for h in hits] == [(2, 4, "ACME", 2024, 2, "prepared", "ceo", None, "Words.")]
    assert hits[0].score == pytest.approx(1.0, abs=1e-5)


def test_partial_vectors_are_rewritten(stores):
    store, vectors = stores
    vectors.write_call(1, vector_rows(1, 3))
    report = repair(store, vectors)
    assert (report.rewritten, report.stale_vectors, report.redo) == (
        {1: "LanceDB has 3 vectors, the analysis run recorded 4"}, {}, {})
    assert vectors.counts() == {1: 4, 2: 6}


def test_a_lost_vector_table_is_rebuilt(stores, tmp_path):
    store, vectors = stores
    shutil.rmtree(tmp_path / "vectors.lance")
    fresh = VectorIndex(tmp_path / "vectors.lance")
    assert sorted(repair(store, fresh).rewritten) == [1, 2]
    assert fresh.counts() == {1: 4, 2: 6}


def test_missing_embeddings_in_duckdb_reset_the_call(stores):
    store, vectors = stores
    with store.transaction() as cur:
        cur.execute("DELETE FROM sentence_vectors WHERE call_id = 1 AND pos = 0")
    vectors.delete_call(1)
    report = repair(store, vectors)
    assert report.redo == {1: "DuckDB has 3 sentences with turn and embedding, the run recorded 4"}
    assert (report.rewritten, report.stale_vectors) == ({}, {})
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


def test_call_aggregates_that_disagree_with_the_run_reset_the_call(stores):
    store, vectors = stores
    with store.transaction() as cur:
        cur.execute("DELETE FROM call_aggregates WHERE call_id = 1")
    report = repair(store, vectors)
    assert report.redo == {1: "DuckDB's call aggregates count 0 sentences, the run recorded 4"}
    assert runs(store) == {2: 6} and vectors.counts() == {2: 6}


def test_dry_run_reports_without_changing_anything(stores):
    store, vectors = stores
    vectors.write_call(99, vector_rows(99, 3))
    vectors.delete_call(2)
    report = repair(store, vectors, dry_run=True)
    assert (report.stale_vectors, list(report.rewritten), report.fixed) == ({99: 3}, [2], False)
    assert runs(store) == {1: 4, 2: 6} and vectors.counts() == {1: 4, 99: 3}


def test_cli_repair_reports_fixes_and_is_idempotent(stores, tmp_path):
    store, vectors = stores
    vectors.write_call(99, vector_rows(99, 3))
    vectors.delete_call(2)
    with store.transaction() as cur:
        cur.execute("DELETE FROM sentence_vectors WHERE call_id = 1 AND pos = 0")
    store.close()  # the command opens the DuckDB file itself

    def cli(*args: str) -> subprocess.CompletedProcess:
        env = {"EARNINGS_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
        return subprocess.run([sys.executable, "-m", "core", "repair", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)

    reset = "call 1: DuckDB has 3 sentences with turn and embedding, the run recorded 4; analysis"
    dry = cli("--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines() == [
        "2 analysed calls, 7 vector rows",
        "call 1: 4 vectors of a call that is not fully analysed",
        "call 99: 3 vectors of a call that is not fully analysed",
        "call 2: LanceDB has 0 vectors, the analysis run recorded 6; vectors would be re-written",
        f"{reset} would be reset",
    ]
    fixed = cli()
    assert fixed.stdout.splitlines() == [
        "2 analysed calls, 7 vector rows",
        "call 1: 4 vectors of a call that is not fully analysed (deleted)",
        "call 99: 3 vectors of a call that is not fully analysed (deleted)",
        "call 2: LanceDB has 0 vectors, the analysis run recorded 6; vectors re-written from DuckDB",
        f"{reset} reset: run `python -m core analyze` to redo it",
    ]
    assert cli().stdout.splitlines() == ["1 analysed call, 6 vector rows", "DuckDB and LanceDB agree"]
    assert VectorIndex(tmp_path / "vectors.lance").counts() == {2: 6}
