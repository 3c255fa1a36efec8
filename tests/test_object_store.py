"""Vectors on object storage: the location from the settings (keys never shown), LanceDB reads and writes on a
local S3-compatible server (moto, 127.0.0.1), and two writer processes appending at once while a reader searches."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from s3_appender import rows
from s3_local import KEY_ID, SECRET, local_s3

from core.errors import ConfigError, StoreError
from core.settings import Settings
from core.storage.object_store import is_remote, open_vectors, vector_location

ROOT = Path(__file__).resolve().parents[1]
DEADLINE_S = 120


@pytest.fixture(scope="module")
def s3():
    with local_s3() as server:
        yield server


def s3_settings(server, prefix: str, tmp_path: Path, **changes) -> Settings:
    """Settings that put the vector table at s3://bucket/prefix on the local server."""
    given = {"data_dir": tmp_path, "vectors_uri": server.env(prefix)["EARNINGS_VECTORS_URI"],
             "s3_endpoint": server.endpoint, "s3_region": "us-east-1", "s3_key_id": KEY_ID, "s3_secret": SECRET}
    return Settings(**{**given, **changes})


def test_location_from_settings_and_keys_never_shown(tmp_path):
    settings = Settings(data_dir=tmp_path, vectors_uri="s3://bucket/calls/", s3_endpoint="http://127.0.0.1:9000",
                        s3_region="eu-west-1", s3_key_id=KEY_ID, s3_secret=SECRET)
    location = vector_location(settings)
    assert (location.uri, location.remote, location.lock_path) == ("s3://bucket/calls", True,
                                                                    str(tmp_path / "vectors.remote"))
    assert location.options == {"aws_access_key_id": KEY_ID, "aws_secret_access_key": SECRET,
                                "aws_region": "eu-west-1", "aws_endpoint": "http://127.0.0.1:9000",
                                "allow_http": "true"}
    for shown in (repr(location), repr(settings), str(location)):
        assert SECRET not in shown and KEY_ID not in shown
    assert location.redact(f"denied for {KEY_ID} / {SECRET}") == "denied for *** / ***"
    local = vector_location(Settings(data_dir=tmp_path, vectors_uri=None))
    assert (local.uri, local.remote, local.options) == (str(tmp_path / "vectors.lance"), False, {})
    assert is_remote("s3://b/p") and not is_remote(str(tmp_path))


@pytest.mark.parametrize("uri, message", [("gs://bucket/x", "unsupported vectors URI scheme"),
                                          ("s3:///prefix", "names no bucket")])
def test_bad_vectors_uri_is_a_clear_error(tmp_path, uri, message):
    with pytest.raises(ConfigError, match=message):
        vector_location(Settings(data_dir=tmp_path, vectors_uri=uri))


def test_settings_read_the_environment(monkeypatch, tmp_path, s3):
    for name, value in s3.env("from-env").items():
        monkeypatch.setenv(name, value)
    settings = Settings(data_dir=tmp_path)
    assert (settings.vectors_location, settings.s3_endpoint, settings.s3_key_id, settings.s3_secret) == (
        f"s3://{s3.bucket}/from-env", s3.endpoint, KEY_ID, SECRET)


def test_write_search_and_delete_on_s3(s3, tmp_path):
    index = open_vectors(s3_settings(s3, "basic", tmp_path))
    index.write_calls({1: rows(1, 6), 2: rows(2, 4)})
    index.append_calls({3: rows(3, 5)})
    assert index.counts() == {1: 6, 2: 4, 3: 5} and index.counts([2, 3, 9]) == {2: 4, 3: 5}
    target = rows(3, 5)[2]
    (hit,) = index.search(target["vector"], mode="vector", k=1)
    assert (hit.call_id, hit.pos, hit.text) == (3, 2, "call 3 sentence 2")
    assert [h.text for h in index.search("sentence", mode="fts", k=20, tickers=["ACME"])][:1]
    index.write_calls({1: rows(1, 2)})  # replace: one writer
    index.delete_calls([2])
    index.ensure_index()
    reopened = open_vectors(s3_settings(s3, "basic", tmp_path))
    assert reopened.counts() == {1: 2, 3: 5} and "call_id" in reopened.index_names()


def test_an_error_names_the_table_but_never_the_keys(s3, tmp_path):
    settings = s3_settings(s3, "missing", tmp_path, vectors_uri="s3://no-such-bucket/x")
    with pytest.raises(StoreError) as caught:
        open_vectors(settings)
    assert "no-such-bucket" in str(caught.value)
    assert SECRET not in str(caught.value) and KEY_ID not in str(caught.value)


def _wait(condition, what: str, writers: list[subprocess.Popen]):
    """Until condition() holds; a writer that failed, or the deadline, fails the test with the reason."""
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        failed = [w for w in writers if w.poll() not in (None, 0)]
        if failed:
            raise AssertionError(f"a writer failed before {what}: {failed[0].communicate()[1][-2000:]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {DEADLINE_S} s: {what}")
        time.sleep(0.02)


def test_two_writers_append_at_once_while_a_reader_searches(s3, tmp_path):
    calls, per_call = 8, 20
    env = {**os.environ, **s3.env("concurrent"), "EARNINGS_DATA_DIR": str(tmp_path)}
    reader = open_vectors(s3_settings(s3, "concurrent", tmp_path))  # creates the table before the writers start
    go = tmp_path / "go"
    writers = [subprocess.Popen([sys.executable, str(ROOT / "tests" / "s3_appender.py"), str(first), str(calls),
                                 str(per_call), str(go)], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for first in (1, 101)]
    try:
        half = 2 * (calls // 2) * per_call
        _wait(lambda: reader.count() == half, "both writers' first halves", writers)
        go.touch()  # both writers append their second halves now, side by side
        seen, probe = [], rows(101, per_call)[7]
        while any(w.poll() is None for w in writers) or not seen:
            count = reader.count()
            hits = reader.search(probe["vector"], mode="vector", k=3)
            assert (hits[0].call_id, hits[0].pos) == (101, 7) and hits[0].score == pytest.approx(1.0, abs=1e-5)
            seen.append(count)
        outputs = [w.communicate(timeout=DEADLINE_S) for w in writers]
    finally:
        for w in writers:
            if w.poll() is None:
                w.kill()
    assert [w.returncode for w in writers] == [0, 0], [err[-2000:] for _, err in outputs]
    assert [int(out.strip()) for out, _ in outputs] == [calls * per_call] * 2
    assert seen == sorted(seen) and half <= seen[0] and seen[-1] <= 2 * calls * per_call
    expected = {first + n: per_call for first in (1, 101) for n in range(calls)}
    assert reader.counts() == expected  # every append landed once: none lost to a conflict, none doubled
    table = reader._table.to_lance().to_table(columns=["call_id", "pos"]).to_pylist()
    assert len({(r["call_id"], r["pos"]) for r in table}) == len(table) == 2 * calls * per_call
    assert np.isclose(reader.search(rows(8, per_call)[19]["vector"], mode="vector", k=1)[0].score, 1.0, atol=1e-5)
