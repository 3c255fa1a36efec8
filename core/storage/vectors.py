"""The LanceDB table of sentence vectors: batched writes per call, indexes, and filtered search."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import lancedb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import StoreError
from ..model import EMBEDDING_DIM, SECTIONS, SPEAKER_GROUPS, Period
from .locks import DatabaseLock
from .search import Filters, SearchHit, run_search

TABLE = "sentences"
ANN_MIN_ROWS = 50_000                     # below this, brute force is exact and ~150 ms at 100k rows
# lighter graph than the defaults (m=20, ef_construction=300): 3x faster to build, same recall@10 with refine
ANN_CONFIG = lancedb.index.IvfHnswSq(distance_type="cosine", m=12, ef_construction=100)
CLEANUP_AFTER = dt.timedelta(hours=1)     # optimize() drops versions older than this

SCHEMA = pa.schema([
    pa.field("call_id", pa.int32(), nullable=False),
    pa.field("pos", pa.int32(), nullable=False),
    pa.field("ticker", pa.string(), nullable=False),
    pa.field("fiscal_year", pa.int32(), nullable=False),
    pa.field("fiscal_quarter", pa.int32(), nullable=False),
    pa.field("ordinal", pa.int32(), nullable=False),  # Period.ordinal, for range filters
    pa.field("section", pa.string(), nullable=False),
    pa.field("speaker_group", pa.string(), nullable=False),
    pa.field("topic", pa.string()),
    pa.field("text", pa.string(), nullable=False),
    pa.field("vector", pa.list_(pa.float32(), EMBEDDING_DIM), nullable=False),
])
RENAMED_COLUMNS = {"speaker_kind": "speaker_group", "period": "ordinal"}  # old name -> name, renamed on open
ROW_KEYS = ("call_id", "pos", "ticker", "fiscal_year", "fiscal_quarter", "section", "speaker_group", "topic",
            "text", "vector")
# English tokenizer with lower-casing and stemming; made with the table, so every row is searched the same way
FTS_CONFIG = lancedb.index.FTS()
SCALAR_INDEXES = {"call_id": lancedb.index.BTree(), "ordinal": lancedb.index.BTree(), "ticker": lancedb.index.Bitmap(),
                  "section": lancedb.index.Bitmap(), "speaker_group": lancedb.index.Bitmap(),
                  "topic": lancedb.index.Bitmap()}


class VectorIndex:
    """One LanceDB table of sentence vectors with the metadata search filters on; one writer at a time across
    processes (an exclusive lock beside the table, or in the data directory for a table on object storage) for
    replacing and deleting rows, while appends (`append_calls`) commit concurrently; readers never wait."""

    def __init__(self, path: Path | str, *, encoder=None, location=None) -> None:
        from .object_store import VectorLocation

        self.location = location or VectorLocation(str(path))
        self.path = str(path)
        self._encoder = encoder
        lock = self.location.lock_path or (None if self.location.remote else self.path)
        self._writer = DatabaseLock(lock, what="vector table") if lock else _AppendOnly()
        try:
            # interval 0: every read sees the latest version, including other processes' writes
            db = lancedb.connect(self.path, read_consistency_interval=dt.timedelta(0),
                                 storage_options=self.location.options or None)
            if TABLE in db.table_names():
                self._table = db.open_table(TABLE)
            else:
                with self._writer.exclusive():
                    self._table = db.create_table(TABLE, schema=SCHEMA, exist_ok=True)
            if set(RENAMED_COLUMNS) & set(self._table.schema.names):
                self._rename_old_columns()
            if "text" not in self.index_names():
                with self._writer.exclusive():
                    if "text" not in self.index_names():
                        self._table.create_index("text", config=FTS_CONFIG)
        except (OSError, ValueError, RuntimeError) as exc:
            raise StoreError(f"cannot open the vector table: {self.location.redact(str(exc))}",
                             where=self.path) from None
        if self._table.schema.field("vector").type != SCHEMA.field("vector").type:
            raise StoreError(f"vector table has {self._table.schema.field('vector').type}, "
                             f"expected {EMBEDDING_DIM}-d float32", where=self.path)

    def _rename_old_columns(self) -> None:
        """Tables written before the one vocabulary called the speaker group `speaker_kind` and the period's ordinal
        `period` (their indexes follow)."""
        with self._writer.exclusive():
            names = self._table.schema.names
            renames = [{"path": old, "rename": new} for old, new in RENAMED_COLUMNS.items() if old in names]
            if renames:
                self._table.alter_columns(*renames)

    # -- writes ---------------------------------------------------------------------------------
    def write_call(self, call_id: int, rows: Sequence[Mapping]) -> None:
        """Replace every row of one call with these rows (one table version)."""
        self.write_calls({call_id: rows})

    def write_calls(self, batch: Mapping[int, Sequence[Mapping]]) -> None:
        """Replace the rows of several calls in one table version; calls given no rows are emptied."""
        if not batch:
            return
        ids = sorted(int(call_id) for call_id in batch)
        data = _to_arrow(batch, where=self.path)
        scope = f"call_id IN ({', '.join(str(i) for i in ids)})"  # ints only
        try:
            with self._writer.exclusive():
                if data.num_rows == 0:
                    self._table.delete(scope)
                    return
                (self._table.merge_insert(["call_id", "pos"]).when_matched_update_all().when_not_matched_insert_all()
                 .when_not_matched_by_source_delete(scope).execute(data))
        except (OSError, ValueError, RuntimeError) as exc:
            raise StoreError(f"cannot write vectors of calls {ids}: {self.location.redact(str(exc))}",
                             where=self.path) from None

    def append_calls(self, batch: Mapping[int, Sequence[Mapping]]) -> None:
        """Append the rows of calls that have none (one table version, no lock: appends from many processes and
        machines commit side by side). The caller makes sure the calls had no rows (Analyzer: deleted first)."""
        data = _to_arrow(batch, where=self.path)
        if data.num_rows == 0:
            return
        try:
            self._table.add(data)
        except (OSError, ValueError, RuntimeError) as exc:
            raise StoreError(f"cannot append vectors of calls {sorted(batch)}: {self.location.redact(str(exc))}",
                             where=self.path) from None

    def delete_call(self, call_id: int) -> None:
        """Remove every row of one call."""
        self.delete_calls([call_id])

    def delete_calls(self, call_ids: Sequence[int]) -> None:
        """Remove every row of these calls (one table version)."""
        if not call_ids:
            return
        try:
            with self._writer.exclusive():
                self._table.delete(f"call_id IN ({', '.join(str(int(i)) for i in call_ids)})")  # ints only
        except (OSError, ValueError, RuntimeError) as exc:
            raise StoreError(f"cannot delete vectors of calls {sorted(call_ids)}: {self.location.redact(str(exc))}",
                             where=self.path) from None

    # -- reads ----------------------------------------------------------------------------------
    def counts(self, call_ids: Sequence[int] | None = None) -> dict[int, int]:
        """Rows per call_id (of these calls)."""
        scope = None if call_ids is None else f"call_id IN ({', '.join(str(int(i)) for i in call_ids) or 'NULL'})"
        column = self._table.to_lance().to_table(columns=["call_id"], filter=scope).column("call_id")
        return {int(row["values"]): int(row["counts"]) for row in pc.value_counts(column).to_pylist()}

    def call_ids(self) -> set[int]:
        """The calls that have rows."""
        return set(self.counts())

    def count(self, call_id: int | None = None) -> int:
        """Rows of one call, or of the whole table."""
        return self._table.count_rows(None if call_id is None else f"call_id = {int(call_id)}")

    def search(
        self, query: str | np.ndarray, *, mode: str = "hybrid", k: int = 10, tickers: Sequence[str] | None = None,
        period_from: Period | None = None, period_to: Period | None = None, sections: Sequence[str] | None = None,
        speaker_groups: Sequence[str] | None = None, topics: Sequence[str] | None = None,
    ) -> list[SearchHit]:
        """The k best sentences for a text (or a query vector) under the filters; see core.storage.search for scores."""
        filters = Filters.build(tickers=tickers, period_from=period_from, period_to=period_to, sections=sections,
                                speaker_groups=speaker_groups, topics=topics)
        return run_search(self._table, query, mode=mode, k=k, filters=filters, encode=self._encode,
                          indexed=self.has_ann_index())

    def _encode(self, text: str) -> np.ndarray:
        if self._encoder is None:
            from ..embedding import load_encoder  # torch loads only when a text must be embedded

            self._encoder = load_encoder()
        return self._encoder.encode_query(text)

    # -- indexes --------------------------------------------------------------------------------
    def index_names(self) -> dict[str, str]:
        """Existing indexes: column -> index type."""
        return {ix.columns[0]: ix.index_type for ix in self._table.list_indices()}

    def has_ann_index(self) -> bool:
        """True once the vector column has an ANN index."""
        return "vector" in self.index_names()

    def ensure_index(self, *, ann_min_rows: int = ANN_MIN_ROWS) -> None:
        """Create missing ANN (from ann_min_rows rows) and scalar indexes, fold new rows into all indexes, compact."""
        with self._writer.exclusive():
            have = self.index_names()
            rows = self.count()
            if rows == 0:
                return
            if "vector" not in have and rows >= ann_min_rows:
                self._table.create_index("vector", config=ANN_CONFIG)
            for column, config in SCALAR_INDEXES.items():
                if column not in have:
                    self._table.create_index(column, config=config)
            self._table.optimize(cleanup_older_than=CLEANUP_AFTER)


class _AppendOnly:
    """The writer lock of a table on object storage opened without a lock file (a Ray worker): it only appends."""

    @contextmanager
    def exclusive(self, **_) -> Iterator[None]:
        yield


def _to_arrow(batch: Mapping[int, Sequence[Mapping]], *, where: str) -> pa.Table:
    """Validated rows of several calls as one Arrow table in SCHEMA."""
    columns: dict[str, list] = {name: [] for name in SCHEMA.names}
    vectors: list[np.ndarray] = []
    for call_id, rows in batch.items():
        for row in rows:
            _check_row(int(call_id), row, where=where)
            for key in ROW_KEYS[:-1]:
                columns[key].append(row[key])
            columns["ordinal"].append(Period(int(row["fiscal_year"]), int(row["fiscal_quarter"])).ordinal)
            vectors.append(np.asarray(row["vector"], dtype=np.float32))
    flat = pa.array(np.concatenate(vectors) if vectors else np.empty(0, np.float32), type=pa.float32())
    columns["vector"] = pa.FixedSizeListArray.from_arrays(flat, EMBEDDING_DIM)
    return pa.table({name: columns[name] for name in SCHEMA.names}, schema=SCHEMA)


def _check_row(call_id: int, row: Mapping, *, where: str) -> None:
    """Raise StoreError unless the row belongs to call_id and has valid keys and values."""
    missing = [key for key in ROW_KEYS if key not in row]
    problem = (
        f"missing keys {missing}" if missing
        else f"call_id {row['call_id']} in the rows of call {call_id}" if int(row["call_id"]) != call_id
        else f"section {row['section']!r} not in {SECTIONS}" if row["section"] not in SECTIONS
        else f"speaker_group {row['speaker_group']!r} not in {SPEAKER_GROUPS}"
        if row["speaker_group"] not in SPEAKER_GROUPS
        else f"vector of shape {np.shape(row['vector'])}, expected ({EMBEDDING_DIM},)"
        if np.shape(row["vector"]) != (EMBEDDING_DIM,)
        else f"fiscal quarter {row['fiscal_quarter']}" if not 1 <= int(row["fiscal_quarter"]) <= 4
        else None
    )
    if problem:
        raise StoreError(f"bad vector row (call {call_id}, pos {row.get('pos')}): {problem}", where=where)
