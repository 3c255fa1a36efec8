"""Analysis on a local Ray cluster (Ray Data, CPU actors): what it stores equals what one process stores (the same
sentence ids, labels, topics, cues and Q&A exchanges; vectors within cosine 0.999), `repair` finds nothing to fix,
and from the command line it runs as a job — with the vectors on a local S3 server, where the workers append them
and a re-score replaces them without duplicates."""
from __future__ import annotations

import os

import numpy as np
import pytest
from conftest import SHARED, missing_prerequisite, needs_shared
from s3_local import local_s3

from core.ingest.files import import_paths
from core.storage.store import Store
from core.storage.vectors import VectorIndex

pytestmark = [needs_shared("corpus/streetevents"), pytest.mark.slow]
CALLS = ("INTC/2012-07-17-INTC.txt", "AMD/2016-10-20-AMD.txt", "INTC/2018-10-25-INTC.txt")  # short real calls
EXACT = ("turn_idx", "sent_idx", "offset_s", "text", "word_count", "sentiment_label", "sentiment_model",
         "lm_positive", "lm_negative", "lm_uncertainty", "lm_litigious", "lm_constraining", "forward_looking", "topic")


@pytest.fixture(scope="module")
def analyzer():
    from core.analysis.analyze import Analyzer
    from core.errors import TranscriptError

    try:
        return Analyzer(device="cpu")
    except TranscriptError as exc:
        missing_prerequisite(f"the analysis cannot run: {exc}")


@pytest.fixture(scope="module")
def cluster():
    """One local Ray cluster for the module (3 logical CPUs: two model actors and the splitting stage)."""
    from core.analysis.ray_cluster import ray_session

    with ray_session("local", num_cpus=3) as running:
        yield running


@pytest.fixture(scope="module")
def s3():
    with local_s3() as server:
        yield server


def imported(root) -> Store:
    store = Store(root / "calls.duckdb")
    outcomes = import_paths(store, [SHARED / "corpus" / "streetevents" / name for name in CALLS])
    assert [o.outcome for o in outcomes] == ["inserted"] * len(CALLS)
    return store


def snapshot(store: Store, vectors: VectorIndex) -> dict:
    """Everything the analysis stored, keyed by sentence id (call_id, pos)."""
    with store.cursor() as cur:
        def rows(query: str) -> list[tuple]:
            return cur.execute(query).fetchall()

        return {
            "calls": rows("SELECT call_id, ticker, fiscal_year, fiscal_quarter FROM calls ORDER BY call_id"),
            "sentences": rows(f"SELECT call_id, pos, {', '.join(EXACT)} FROM sentences ORDER BY call_id, pos"),
            "scores": np.array(rows("SELECT sentiment_score FROM sentences ORDER BY call_id, pos")).ravel(),
            "topics": rows("SELECT call_id, pos, topic FROM sentence_topics ORDER BY call_id, pos, topic"),
            "topic_scores": np.array(rows("SELECT score FROM sentence_topics ORDER BY call_id, pos, topic")).ravel(),
            "qa": rows("SELECT call_id, question_turn, answer_turns, non_answer_phrase, non_answer FROM qa_exchanges "
                       "ORDER BY call_id, question_turn"),
            "runs": rows("SELECT call_id, sentiment_model, embedding_model, taxonomy_version, sentences "
                         "FROM analysis_runs ORDER BY call_id"),
            "embeddings": np.array([r[0] for r in rows("SELECT embedding FROM sentence_vectors "
                                                       "ORDER BY call_id, pos")], dtype=np.float32),
            "lance": _lance(vectors),
        }


def _lance(vectors: VectorIndex) -> tuple[list, np.ndarray]:
    table = vectors._table.to_lance().to_table(columns=["call_id", "pos", "topic", "text", "vector"]).to_pylist()
    table.sort(key=lambda r: (r["call_id"], r["pos"]))
    return [(r["call_id"], r["pos"], r["topic"], r["text"]) for r in table], np.array([r["vector"] for r in table])


@pytest.fixture(scope="module")
def reference(analyzer, tmp_path_factory) -> dict:
    """The single-process analysis of the calls."""
    root = tmp_path_factory.mktemp("single")
    store, vectors = imported(root), VectorIndex(root / "vectors.lance")
    assert len(analyzer.run(store, vectors).analysed) == len(CALLS)
    return snapshot(store, vectors)


def assert_same(found: dict, expected: dict) -> None:
    for key in ("calls", "sentences", "topics", "qa", "runs"):
        assert found[key] == expected[key], key
    np.testing.assert_allclose(found["scores"], expected["scores"], atol=1e-5)
    np.testing.assert_allclose(found["topic_scores"], expected["topic_scores"], atol=2e-4)  # rounded to 4 places
    assert (found["embeddings"] * expected["embeddings"]).sum(axis=1).min() >= 0.999
    assert found["lance"][0] == expected["lance"][0]
    assert (found["lance"][1] * expected["lance"][1]).sum(axis=1).min() >= 0.999


def test_a_local_ray_cluster_stores_what_one_process_stores(cluster, analyzer, reference, tmp_path):
    from core.analysis.ray_analysis import RayEngine
    from core.analysis.repair import repair

    store, vectors = imported(tmp_path), VectorIndex(tmp_path / "vectors.lance")
    lines, progress = [], []
    report = analyzer.run(store, vectors, engine=RayEngine(workers=2, log=lines.append),
                          progress=lambda done, total: progress.append((done, total)))
    assert (len(report.analysed), report.sentences) == (len(CALLS), sum(r[-1] for r in reference["runs"]))
    assert progress[-1] == (3, 3) and sorted(progress) == progress
    assert lines[0].startswith("Ray local cluster: 2 cpu worker(s) with 1 CPU(s) each")
    assert os.environ["RAY_USAGE_STATS_ENABLED"] == "0"
    assert_same(snapshot(store, vectors), reference)
    assert repair(store, vectors).consistent and analyzer.pending(store) == []


def test_the_command_line_runs_it_as_a_job_with_the_vectors_on_s3(cluster, analyzer, reference, s3, tmp_path,
                                                                   monkeypatch, capsys):
    from core.analysis.repair import repair
    from core.analysis.topics import taxonomy_path
    from core.cli import main
    from core.storage.object_store import open_vectors
    from core.work import jobs, tasks

    for name, value in {**s3.env("cli-run"), "EARNINGS_DATA_DIR": str(tmp_path)}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setitem(tasks._analyzers, f"{taxonomy_path(tmp_path)}@cpu", analyzer)  # the driver's models
    rewritten, real_write = [], VectorIndex.write_calls

    def write_calls(self, batch):  # the driver's writes (the workers are other processes)
        rewritten.extend(batch)
        real_write(self, batch)

    monkeypatch.setattr(VectorIndex, "write_calls", write_calls)
    store = imported(tmp_path)
    assert main(["analyze", "--ray", "--workers", "2"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("3 calls analysed (") and "0 already up to date" in out
    assert "Ray local cluster: 2 cpu worker(s)" in err and "analysed 3/3 calls" in err
    (job,) = jobs.recent(store)
    assert (job.kind, job.state, job.args["ray"], job.done, job.total) == ("analyze", "succeeded", "local", 3, 3)
    vectors = open_vectors()
    assert vectors.location.remote and vectors.counts() == {r[0]: r[-1] for r in reference["runs"]}
    assert_same(snapshot(store, vectors), reference)
    assert main(["analyze", "--ray", "--workers", "2", "--rescore"]) == 0  # old rows deleted, then appended once
    assert vectors.counts() == {r[0]: r[-1] for r in reference["runs"]}
    assert_same(snapshot(store, vectors), reference)
    assert rewritten == []  # every vector came from a worker's append: the driver re-wrote none
    assert repair(store, vectors).consistent


def test_a_failing_worker_is_one_clear_error_that_never_shows_the_keys(cluster, analyzer, tmp_path, capfd):
    from s3_local import KEY_ID, SECRET

    from core.analysis.ray_analysis import RayEngine
    from core.analysis.ray_cluster import ClusterError
    from core.storage.object_store import VectorLocation

    store = imported(tmp_path)
    unreachable = VectorLocation("s3://no-bucket/x", {"aws_endpoint": "http://127.0.0.1:9", "allow_http": "true",
                                                      "aws_region": "us-east-1", "aws_access_key_id": KEY_ID,
                                                      "aws_secret_access_key": SECRET})
    with pytest.raises(ClusterError, match=r"^local: a Ray worker failed: core\.errors\.StoreError: s3://no-bucket/x: "
                                           "cannot open the vector table") as caught:
        analyzer.run(store, VectorIndex(tmp_path / "vectors.lance"), engine=RayEngine(workers=1, location=unreachable))
    shown = str(caught.value) + "".join(capfd.readouterr())
    assert KEY_ID not in shown and SECRET not in shown
    assert len(analyzer.pending(store)) == len(CALLS)  # nothing is marked analysed


def test_worker_shapes_and_devices():
    from core.analysis.ray_cluster import Cluster, cluster_device, worker_shape
    from core.errors import ConfigError

    cores = __import__("os").cpu_count()
    assert worker_shape(0, 0, device="cpu", workers=None, cpus_per_worker=None, local=True) == (1, cores)
    assert worker_shape(0, 0, device="cpu", workers=2, cpus_per_worker=None, local=True) == (2, max(1, cores // 2))
    assert worker_shape(33, 0, device="cpu", workers=None, cpus_per_worker=None, local=False) == (32, 1)
    assert worker_shape(64, 4, device="cuda", workers=None, cpus_per_worker=None, local=False) == (4, 1)
    with pytest.raises(ConfigError, match="workers must be at least 1, got 0"):
        worker_shape(4, 0, device="cpu", workers=0, cpus_per_worker=None, local=True)
    gpus, cpus = Cluster("x", 16, 2, False), Cluster("x", 16, 0, False)
    assert (cluster_device("auto", gpus), cluster_device("auto", cpus), cluster_device("cpu", gpus)) == (
        "cuda", "cpu", "cpu")
    with pytest.raises(ConfigError, match="device cuda was asked for, but the Ray cluster has no GPU"):
        cluster_device("cuda", cpus)


def test_an_in_memory_database_is_refused_before_ray_starts(analyzer):
    from core.analysis.ray_analysis import RayEngine
    from core.analysis.ray_cluster import ClusterError

    with pytest.raises(ClusterError, match="needs a database file"):
        next(RayEngine().batches(analyzer, Store(":memory:"), None, [1], batch_calls=8))
