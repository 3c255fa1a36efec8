"""A writer process for the concurrency test: appends synthetic calls to the vector table that the environment
names (EARNINGS_VECTORS_URI=s3://…), one table version per call: the first half, then (once the file `go`
exists) the second half, at the same moment as the other writer; prints how many rows it wrote."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from core.storage.object_store import open_vectors


def rows(call_id: int, count: int) -> list[dict]:
    """Unit vectors seeded by the call id; the text names call and position (the reader looks them up)."""
    vectors = np.random.default_rng(call_id).normal(size=(count, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return [dict(call_id=call_id, pos=pos, ticker="ACME", fiscal_year=2024, fiscal_quarter=1 + call_id % 4,
                 section="prepared", speaker_group="ceo", topic=None, text=f"call {call_id} sentence {pos}",
                 vector=vectors[pos]) for pos in range(count)]


def main(first: int, calls: int, per_call: int, go: Path) -> None:
    index = open_vectors()
    half = calls // 2
    for n, call_id in enumerate(range(first, first + calls)):
        if n == half:
            deadline = time.monotonic() + 120
            while not go.exists():  # the reader says when: both writers go on together
                if time.monotonic() > deadline:
                    raise SystemExit("no go signal within 120 s")
                time.sleep(0.02)
        index.append_calls({call_id: rows(call_id, per_call)})
    print(calls * per_call, flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]))
