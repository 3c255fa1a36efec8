"""Keep DuckDB and LanceDB consistent after a crash between the two stores (or a lost vector table).

The analysis of a call (core/analysis/analyze.py) writes, in this order: one DuckDB transaction with its sentences
and their
embeddings (`sentence_vectors`), its LanceDB rows, and last its `analysis_runs` row. A call is complete only when
it has an `analysis_runs` row whose sentence count matches its DuckDB sentences and its LanceDB rows. Repair:

- deletes the vectors of every call that is not complete (the call was deleted or replaced — call ids are never
  reused — or its analysis stopped before the `analysis_runs` row);
- re-writes the LanceDB rows of a complete DuckDB analysis whose vectors are missing or miscounted, from the
  embeddings, sentences and turns stored in DuckDB (no model runs);
- removes the `analysis_runs` row of a call whose DuckDB sentences, embeddings or per-call aggregates
  (core/analysis/aggregates.py, written in the sentences' transaction) disagree with it, and deletes its vectors, so
  that
  `python -m core analyze` redoes that call.

A second run finds nothing. DuckDB's file lock keeps an analysis and a repair from running at once.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..storage.store import Store
from ..storage.vectors import VectorIndex

REWRITE_BATCH = 25  # calls per LanceDB version when re-writing vectors


@dataclass(frozen=True)
class RepairReport:
    """What was inconsistent, and whether it was fixed (False in a dry run)."""

    analysed_calls: int
    vector_rows: int
    stale_vectors: dict[int, int] = field(default_factory=dict)  # call_id -> rows deleted
    rewritten: dict[int, str] = field(default_factory=dict)      # call_id -> why its vectors were re-written
    redo: dict[int, str] = field(default_factory=dict)           # call_id -> why its analysis was reset
    fixed: bool = False

    @property
    def consistent(self) -> bool:
        """True when nothing had to change."""
        return not self.stale_vectors and not self.rewritten and not self.redo


def repair(store: Store, vectors: VectorIndex, *, dry_run: bool = False) -> RepairReport:
    """Compare the analysed calls in DuckDB with the vectors in LanceDB and fix the differences."""
    with store.cursor() as cur:
        runs = cur.execute("""
            SELECT r.call_id, r.sentences, (SELECT count(*) FROM sentences s WHERE s.call_id = r.call_id),
                   (SELECT count(*) FROM sentences s
                    JOIN turns t ON t.call_id = s.call_id AND t.idx = s.turn_idx
                    JOIN sentence_vectors v ON v.call_id = s.call_id AND v.pos = s.pos
                    WHERE s.call_id = r.call_id),
                   (SELECT coalesce(sum(a.sentences), 0) FROM call_aggregates a WHERE a.call_id = r.call_id),
                   c.call_id IS NOT NULL
            FROM analysis_runs r LEFT JOIN calls c USING (call_id) ORDER BY r.call_id
        """).fetchall()
    counts = vectors.counts()
    redo: dict[int, str] = {}
    rewrite: dict[int, str] = {}
    for call_id, expected, in_duckdb, rebuildable, aggregated, stored in runs:
        in_lance = counts.get(call_id, 0)
        if not stored:
            redo[call_id] = "the call is no longer stored"
        elif in_duckdb != expected:
            redo[call_id] = f"DuckDB has {in_duckdb} sentences, the analysis run recorded {expected}"
        elif rebuildable != expected:
            redo[call_id] = f"DuckDB has {rebuildable} sentences with turn and embedding, the run recorded {expected}"
        elif aggregated != expected:
            redo[call_id] = f"DuckDB's call aggregates count {aggregated} sentences, the run recorded {expected}"
        elif in_lance != expected:
            rewrite[call_id] = f"LanceDB has {in_lance} vectors, the analysis run recorded {expected}"
    complete = {call_id for call_id, *_ in runs} - set(redo)
    stale = {call_id: rows for call_id, rows in sorted(counts.items()) if call_id not in complete}
    if not dry_run:
        if redo:
            with store.transaction() as cur:
                cur.executemany("DELETE FROM analysis_runs WHERE call_id = ?", [[call_id] for call_id in redo])
        vectors.delete_calls(sorted(stale))
        ids = sorted(rewrite)
        for start in range(0, len(ids), REWRITE_BATCH):
            vectors.write_calls(stored_rows(store, ids[start:start + REWRITE_BATCH]))
    return RepairReport(analysed_calls=len(runs), vector_rows=sum(counts.values()), stale_vectors=stale,
                        rewritten=rewrite, redo=redo, fixed=not dry_run and bool(stale or rewrite or redo))


def stored_rows(store: Store, call_ids: list[int]) -> dict[int, list[dict]]:
    """The LanceDB rows of these calls rebuilt from DuckDB: sentences, their turns, calls and embeddings."""
    rows: dict[int, list[dict]] = {call_id: [] for call_id in call_ids}
    with store.cursor() as cur:
        result = cur.execute("""
            SELECT s.call_id, s.pos, c.ticker, c.fiscal_year, c.fiscal_quarter, t.section, s.speaker_group, s.topic,
                   s.text, v.embedding
            FROM sentences s
            JOIN calls c USING (call_id)
            JOIN turns t ON t.call_id = s.call_id AND t.idx = s.turn_idx
            JOIN sentence_vectors v ON v.call_id = s.call_id AND v.pos = s.pos
            WHERE s.call_id IN (SELECT unnest(?::INTEGER[]))
            ORDER BY s.call_id, s.pos
        """, [call_ids]).fetchall()
    for call_id, pos, ticker, year, quarter, section, group, topic, text, embedding in result:
        rows[call_id].append({"call_id": call_id, "pos": pos, "ticker": ticker, "fiscal_year": year,
                              "fiscal_quarter": quarter, "section": section, "speaker_group": group,
                              "topic": topic, "text": text, "vector": embedding})
    return rows
