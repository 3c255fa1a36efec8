"""The measure registry's parts per call, section and speaker group (`call_aggregates`) and per call, section,
speaker group and topic (`call_topic_aggregates`: a sentence counts for each topic it was assigned): the small tables
the all-ticker queries read. A call's rows are written in the transaction that writes its sentences
(core/analysis/analyze.py), and deleted with them, so they never disagree.

Also here: filling the derived columns of sentences stored before those columns existed (migrations) or written
without the pipeline (tests, benchmarks), by the same Python rules the analysis uses.
"""
from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from .measures import FACTS, PARTS
from .sentences import speaker_group

FACT_BATCH = 100_000  # sentences whose text is held at once while a fact is computed
_KEYS = "call_id INTEGER NOT NULL, section VARCHAR NOT NULL, speaker_group VARCHAR NOT NULL"
# table -> (its key beyond call, section and speaker group; the join that provides it)
TABLES = {"call_aggregates": ("", ""),
          "call_topic_aggregates": ("topic", "JOIN sentence_topics x ON x.call_id = s.call_id AND x.pos = s.pos")}


def _calls(call_ids: Sequence[int] | None, column: str = "s.call_id") -> tuple[str, list]:
    """A predicate on the column for these calls (all when None), with its parameters."""
    if call_ids is None:
        return "TRUE", []
    ids = sorted({int(c) for c in call_ids})
    # the range lets DuckDB skip the row groups of other calls
    return (f"{column} BETWEEN ? AND ? AND {column} IN (SELECT unnest(?::INTEGER[]))",
            [ids[0] if ids else 0, ids[-1] if ids else -1, ids])


def _select(table: str, where: str) -> str:
    """SQL: the table's rows for the sentences `s` that meet `where`."""
    key, join = TABLES[table]
    parts = ", ".join(f"{p.of_sentences()} AS {p.name}" for p in PARTS.values())
    return f"""
        SELECT s.call_id, t.section, s.speaker_group{f', x.{key}' if key else ''}, {parts}
        FROM sentences s JOIN turns t ON t.call_id = s.call_id AND t.idx = s.turn_idx {join}
        WHERE {where} GROUP BY ALL"""


def write_calls(cur, call_ids: Sequence[int]) -> None:
    """Replace the aggregate rows of these calls with those of their stored sentences."""
    where, params = _calls(call_ids)
    for table in TABLES:  # our names and fragments; values bound
        cur.execute(f"DELETE FROM {table} s WHERE {where}", params)
        cur.execute(f"INSERT INTO {table} {_select(table, where)}", params)


def rebuild(cur) -> None:
    """Create the aggregate tables with the registry's parts as columns and fill them from the stored sentences."""
    columns = ", ".join(f"{p.name} {p.type}" for p in PARTS.values())
    for table, (key, _) in TABLES.items():
        cur.execute(f"DROP TABLE IF EXISTS {table}")
        cur.execute(f"CREATE TABLE {table} ({_KEYS}{f', {key} VARCHAR NOT NULL' if key else ''}, {columns})")
        cur.execute(f"INSERT INTO {table} {_select(table, 'TRUE')}")


def fill_speaker_groups(cur, call_ids: Sequence[int] | None = None) -> None:
    """Set the speaker group (core.analysis.sentences.speaker_group of its turn) of stored sentences that have none."""
    where, params = _calls(call_ids, "t.call_id")
    pairs = cur.execute(f"SELECT DISTINCT kind, role FROM turns t WHERE {where}", params).fetchall()
    if not pairs:
        return
    groups = pa.table({"kind": [k for k, _ in pairs], "role": pa.array([r for _, r in pairs], pa.string()),
                       "grp": [speaker_group(k, r) for k, r in pairs]})
    cur.register("_groups", groups)
    try:
        cur.execute(f"""
            UPDATE sentences SET speaker_group = g.grp FROM turns t, _groups g
            WHERE t.call_id = sentences.call_id AND t.idx = sentences.turn_idx AND g.kind = t.kind
              AND g.role IS NOT DISTINCT FROM t.role AND sentences.speaker_group IS NULL AND {where}""", params)
    finally:
        cur.unregister("_groups")


def fill_facts(cur, columns: Sequence[str], call_ids: Sequence[int] | None = None) -> None:
    """Compute the registry's facts of these columns (core.analysis.measures.FACTS) for stored sentences that lack
    them."""
    where, params = _calls(call_ids)
    for fact in (f for f in FACTS if f.column in columns):
        reader = cur.sql(f"SELECT call_id, pos, text FROM sentences s WHERE {fact.column} IS NULL AND {where}",
                         params=params).to_arrow_reader(FACT_BATCH)  # a registry name
        batches = [pa.record_batch({"call_id": batch["call_id"], "pos": batch["pos"],
                                    "value": [fact.compute(text) for text in batch["text"].to_pylist()]})
                   for batch in reader if batch.num_rows]
        if not batches:
            continue
        values = pa.Table.from_batches(batches)
        cur.register("_facts", values)
        try:
            cur.execute(f"UPDATE sentences SET {fact.column} = f.value FROM _facts f "
                        "WHERE f.call_id = sentences.call_id AND f.pos = sentences.pos")
        finally:
            cur.unregister("_facts")


def add_speaker_group(cur) -> None:
    """A migration: add `sentences.speaker_group` and set it for every stored sentence."""
    cur.execute("ALTER TABLE sentences ADD COLUMN speaker_group VARCHAR")
    fill_speaker_groups(cur)


def add_fact(cur, column: str) -> None:
    """A migration: add a fact's column to `sentences` and compute it for every stored sentence."""
    fact = next((f for f in FACTS if f.column == column), None)
    if fact is None:
        raise ValueError(f"no fact {column!r} in core.analysis.measures.FACTS")
    cur.execute(f"ALTER TABLE sentences ADD COLUMN {fact.column} {fact.type}")  # a registry name and type
    fill_facts(cur, [column])


def complete(cur, call_ids: Sequence[int]) -> None:
    """Derive what the pipeline would for sentences written without it: speaker groups, facts, aggregates."""
    fill_speaker_groups(cur, call_ids)
    fill_facts(cur, [f.column for f in FACTS], call_ids)
    write_calls(cur, call_ids)
