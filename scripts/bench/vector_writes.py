"""Vector write rate: synthetic sentence rows appended by one or two writer processes at once to a local LanceDB
folder and to a local S3-compatible server (moto, 127.0.0.1), through `VectorIndex.append_calls`.

Each writer is a subprocess (`python -m scripts.bench.vector_writes TARGET ROWS SEED`, TARGET a folder or `s3`
for the location in the environment) that prints one JSON line.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
S3_ROWS = {"tiny": 4_000, "default": 40_000, "full": 200_000}
S3_BATCH = 4_000  # rows per append: about one work unit of 8 calls


def measure_writes(target: str, rows: int, writers: int) -> dict:
    """Append `rows` synthetic sentence rows (384-d, ~120 characters of text) from `writers` processes at once."""
    procs = [subprocess.Popen([sys.executable, "-m", "scripts.bench.vector_writes", target, str(rows // writers),
                               str(n)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for n in range(writers)]
    results = [p.communicate() for p in procs]
    if any(p.returncode for p in procs):
        raise SystemExit(f"append failed: {[err[-2000:] for _, err in results]}")
    facts = [json.loads(out.strip().splitlines()[-1]) for out, _ in results]
    seconds = max(f["seconds"] for f in facts)
    return {"rows": sum(f["rows"] for f in facts), "bytes": sum(f["bytes"] for f in facts), "seconds": seconds}


def _append(target: str, rows: int, seed: int) -> dict:
    """One writer: open the table (local path or the S3 location in the environment) and append in batches."""
    import numpy as np

    from core.storage.object_store import open_vectors
    from core.storage.vectors import VectorIndex

    index = open_vectors() if target == "s3" else VectorIndex(target)
    rng = np.random.default_rng(seed)
    text = "We expect revenue for the third quarter to be about $32.5 billion, plus or minus 2 percent, as usual."
    started, written = time.perf_counter(), 0
    for first in range(0, rows, S3_BATCH):
        vectors = rng.normal(size=(min(S3_BATCH, rows - first), 384)).astype(np.float32)
        call = seed * 1_000_000 + first // S3_BATCH
        index.append_calls({call: [dict(call_id=call, pos=p, ticker="BENCH", fiscal_year=2025, fiscal_quarter=1,
                                        section="qa", speaker_group="cfo", topic=None, text=text, vector=v)
                                   for p, v in enumerate(vectors)]})
        written += len(vectors)
    return {"rows": written, "bytes": written * (384 * 4 + len(text) + 40), "seconds": time.perf_counter() - started}


def s3_rates(rows: int, workdir: Path) -> list[list]:
    """Rows of the write table: the local disk and the local S3 server, with one and two writers."""
    import logging

    import boto3
    from moto.server import ThreadedMotoServer

    from core.storage.object_store import open_vectors

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    out = []
    for writers in (1, 2):
        target = workdir / f"local-{writers}.lance"
        shutil.rmtree(target, ignore_errors=True)
        out.append(["local disk", writers, measure_writes(str(target), rows, writers)])
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    saved = dict(os.environ)
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        keys = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_REGION": "us-east-1"}
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="bench",
                     aws_secret_access_key="bench").create_bucket(Bucket="bench")
        for writers in (1, 2):
            os.environ.update(keys, EARNINGS_S3_ENDPOINT=endpoint, EARNINGS_VECTORS_URI=f"s3://bench/w{writers}",
                              EARNINGS_DATA_DIR=str(workdir))
            open_vectors()  # the table and its full-text index exist before the writers start
            out.append(["local S3 server (moto)", writers, measure_writes("s3", rows, writers)])
    finally:
        os.environ.clear()
        os.environ.update(saved)
        server.stop()
    return out


if __name__ == "__main__":
    print(json.dumps(_append(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))), flush=True)
