"""A fork server for tests/test_faults.py: runs `python -m core import …` + `analyze` in forked children that stop
at a chosen phase so the test can SIGKILL them there.

The server imports the core and loads the sentiment model once (no inference, no DuckDB, no LanceDB before a fork:
those are not fork-safe), then reads one JSON job per line on stdin and forks a child per job. The child takes the
server's stdin/stdout (the server only waits meanwhile) and speaks line-oriented JSON on them:

    {"pid": n}                              first line of a child
    {"at": phase, "n": k, "info": …}        the child reached the k-th occurrence of a phase (it goes on)
    {"wait": phase, "n": k, "inside": p}    … and blocks until it reads a line (the job's stop point): at the phase's
                                            boundary (p = null), or at its inner point p once the phase's work is
                                            under way (a job whose stop says "inside": true)
    {"done": true, "codes": [...]}          the CLI commands finished (exit codes of import and analyze)
    {"error": traceback}                    the job failed, or left its stop phase without reaching the inner point
    {"exit": pid, "status": s}              written by the server once the child is gone (s = waitpid status)

Phases, observed by wrapping core functions in the child only (the core itself has no test hooks):
`import` before each file's parse+store, `sentences` before a call's sentence rows are inserted (inside its DuckDB
transaction), `lance` before a batch's LanceDB write, `runs` after it (before the analysis_runs transaction),
`index` before the vector table's index build and compaction.

Inner points (INNER), each reached only while its phase's work is half done: `transaction` = the DuckDB transaction
open in the phase has run every statement, its COMMIT not yet (import: the call's rows; sentences: the call's
analysis rows; runs: the analysis_runs rows); `stream` = LanceDB has read every row of the batch's merge-insert,
the end of its input stream (and so its commit) not yet; `index write` = the phase's first index write (a new
index, or the optimize of existing ones) is done, the rest of the index build not yet.
"""
from __future__ import annotations

import contextlib
import json
import os
import sys
import traceback

INNER = {"import": "transaction", "sentences": "transaction", "runs": "transaction", "lance": "stream",
         "index": "index write"}


def _readline(fd: int) -> str:
    """One line from a raw fd, read byte by byte so that nothing is buffered for a child or the parent."""
    data = bytearray()
    while True:
        byte = os.read(fd, 1)
        if not byte:
            raise EOFError("the test closed the pipe")
        if byte == b"\n":
            return data.decode()
        data += byte


def _emit(fd: int, **message) -> None:
    os.write(fd, (json.dumps(message) + "\n").encode())


def _left_phase(out: int, phase: str) -> None:
    """The stop phase ended before its inner point: report it and end the child (the CLI catches exceptions)."""
    _emit(out, error=f"{phase} ended before its inner point {INNER[phase]!r}: the job cannot be stopped inside it")
    os._exit(2)


def _instrument(out: int, stop: dict | None) -> dict:
    """Wrap the functions at the phase boundaries so that they report, and block at the stop point; returns the
    stop's state ("armed": the stop phase is under way and its inner point not reached yet)."""
    import lancedb.table
    import pyarrow as pa

    import core.analysis.analyze
    import core.ingest.files
    import core.storage.store
    import core.storage.vectors

    seen: dict[str, int] = {}
    state = {"armed": None}

    def reached(phase: str, info: object = None) -> None:
        if state["armed"]:
            _left_phase(out, state["armed"])
        seen[phase] = seen.get(phase, 0) + 1
        n = seen[phase]
        if stop and stop["phase"] == phase and stop["n"] == n and not stop.get("inside"):
            _emit(out, wait=phase, n=n, inside=None, info=info)
            _readline(0)
        else:
            _emit(out, at=phase, n=n, info=info)
            if stop and stop["phase"] == phase and stop["n"] == n:
                state["armed"] = phase

    def inner(point: str) -> None:
        """Block here when the stop phase is under way and this is its inner point."""
        phase = state["armed"]
        if phase and INNER[phase] == point:
            state["armed"] = None
            _emit(out, wait=phase, n=seen[phase], inside=point)
            _readline(0)

    real_transaction = core.storage.store.Store.transaction

    @contextlib.contextmanager
    def transaction(self, *args, **kwargs):
        with real_transaction(self, *args, **kwargs) as cur:
            yield cur
            inner("transaction")  # every statement ran, the COMMIT is next

    real_sanitize = lancedb.table._sanitize_data

    def sanitize(*args, **kwargs):
        reader = real_sanitize(*args, **kwargs)
        if not (state["armed"] and INNER[state["armed"]] == "stream"):
            return reader

        def batches():
            yield from reader
            inner("stream")  # LanceDB asks for more after the last batch: it has read them all, not committed

        return pa.RecordBatchReader.from_batches(reader.schema, batches())

    def index_write(real):
        def wrapper(self, *args, **kwargs):
            result = real(self, *args, **kwargs)
            inner("index write")
            return result
        return wrapper

    real_import, real_insert = core.ingest.files.import_file, core.analysis.analyze._insert
    real_write, real_index = core.storage.vectors.VectorIndex.write_calls, core.storage.vectors.VectorIndex.ensure_index

    def import_file(store, path, **kwargs):
        reached("import", str(path))
        return real_import(store, path, **kwargs)

    def insert(cur, table, data):
        if table == "sentences":
            reached("sentences", data.column("call_id")[0].as_py() if data.num_rows else None)
        return real_insert(cur, table, data)

    def write_calls(self, batch):
        reached("lance", sorted(batch))
        real_write(self, batch)
        reached("runs", sorted(batch))

    def ensure_index(self, **kwargs):
        reached("index")
        return real_index(self, **kwargs)

    core.ingest.files.import_file = import_file
    core.analysis.analyze._insert = insert
    core.storage.vectors.VectorIndex.write_calls = write_calls
    core.storage.vectors.VectorIndex.ensure_index = ensure_index
    core.storage.store.Store.transaction = transaction
    lancedb.table._sanitize_data = sanitize
    lancedb.table.LanceTable.create_index = index_write(lancedb.table.LanceTable.create_index)
    lancedb.table.LanceTable.optimize = index_write(lancedb.table.LanceTable.optimize)
    return state


def _child(job: dict) -> None:
    out = os.dup(1)
    os.dup2(2, 1)  # the CLI's own prints and progress bars go to stderr; fd `out` carries only our JSON
    try:
        _emit(out, pid=os.getpid())
        os.environ["EARNINGS_DATA_DIR"] = job["data_dir"]
        state = _instrument(out, job.get("stop"))
        from core.cli import main

        codes = [main(["import", *job["files"]]), main(["analyze"])]
        if state["armed"]:
            _left_phase(out, state["armed"])
        _emit(out, done=True, codes=codes)
        code = 0
    except BaseException:  # report anything to the test, which fails on it
        _emit(out, error=traceback.format_exc())
        code = 2
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def serve() -> None:
    """Load everything once, then fork one child per job line until stdin closes."""
    import torch

    import core.cli  # noqa: F401  (every command module, with torch and lancedb)
    from core.analysis.sentiment import load_sentiment_model

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # no OpenMP pool in the server: a pool does not survive a fork (the child would hang)

    try:
        load_sentiment_model()
    except Exception as exc:  # the test skips with this reason
        _emit(1, unavailable=str(exc))
        return
    _emit(1, ready=True)
    while True:
        try:
            job = json.loads(_readline(0))
        except EOFError:
            return
        pid = os.fork()
        if pid == 0:
            torch.set_num_threads(threads)
            _child(job)
        _, status = os.waitpid(pid, 0)
        _emit(1, exit=pid, status=status)


if __name__ == "__main__":
    serve()
