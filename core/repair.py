"""Keep DuckDB and LanceDB consistent after a crash between the two stores.

The analysis of a call writes, in this order: its DuckDB sentences, its LanceDB vectors (one table version), and
last its `analysis_runs` row. So a call is complete only when it has an `analysis_runs` row whose sentence count
matches both its DuckDB sentences and its LanceDB rows. Repair:

- deletes the vectors of every call that is not complete (the call was deleted or replaced — call ids are never
  reused — or its analysis stopped before the `analysis_runs` row);
- removes the `analysis_runs` row of a call whose sentences or vectors do not match it, and deletes its vectors,
  so that `python -m core analyze` redoes that call from its stored turns (vectors are not kept in DuckDB, so
  re-embedding is the only faithful rebuild).

Both fixes are idempotent: a second run finds nothing. DuckDB's file lock keeps an analysis and a repair from
running at once in different processes.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .store import Store
from .vectors import VectorIndex


@dataclass(frozen=True)
class RepairReport:
    """What was inconsistent, and whether it was fixed (False in a dry run)."""

    analysed_calls: int
    vector_rows: int
    stale_vectors: dict[int, int] = field(default_factory=dict)  # call_id -> rows deleted
    redo: dict[int, str] = field(default_factory=dict)           # call_id -> why its analysis was reset
    fixed: bool = False

    @property
    def consistent(self) -> bool:
        """True when nothing had to change."""
        return not self.stale_vectors and not self.redo


def repair(store: Store, vectors: VectorIndex, *, dry_run: bool = False) -> RepairReport:
    """Compare the analysed calls in DuckDB with the vectors in LanceDB and fix the differences."""
    with store.cursor() as cur:
        runs = cur.execute("""
            SELECT r.call_id, r.sentences, (SELECT count(*) FROM sentences s WHERE s.call_id = r.call_id),
                   c.call_id IS NOT NULL
            FROM analysis_runs r LEFT JOIN calls c USING (call_id) ORDER BY r.call_id
        """).fetchall()
    counts = vectors.counts()
    redo: dict[int, str] = {}
    for call_id, expected, in_duckdb, stored in runs:
        in_lance = counts.get(call_id, 0)
        if not stored:
            redo[call_id] = "the call is no longer stored"
        elif in_duckdb != expected:
            redo[call_id] = f"DuckDB has {in_duckdb} sentences, the analysis run recorded {expected}"
        elif in_lance != expected:
            redo[call_id] = f"LanceDB has {in_lance} vectors, the analysis run recorded {expected}"
    complete = {call_id for call_id, *_ in runs} - set(redo)
    stale = {call_id: rows for call_id, rows in sorted(counts.items()) if call_id not in complete}
    if not dry_run:
        if redo:
            with store.transaction() as cur:
                cur.executemany("DELETE FROM analysis_runs WHERE call_id = ?", [[call_id] for call_id in redo])
        vectors.delete_calls(sorted(stale))
    return RepairReport(analysed_calls=len(runs), vector_rows=sum(counts.values()), stale_vectors=stale,
                        redo=redo, fixed=not dry_run and bool(stale or redo))
