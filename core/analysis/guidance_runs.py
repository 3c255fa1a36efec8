"""Guidance of the stored calls: read by `analyze` for every analysed call whose items are missing or come from
another extractor or vocabulary version (no model is needed, so a new vocabulary re-reads every call in seconds),
and written per call in one transaction (its items and its `guidance_runs` row together)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..fiscal import end_month_from_label
from ..model import Period
from ..storage.store import Store
from .guidance import Item, extract
from .metrics import Vocabulary, load_vocabulary, metrics_path
from .sentences import sentences_of

# bump when core/analysis/guidance/, core/analysis/amounts.py or core/analysis/target_periods.py read differently
GUIDANCE_VERSION = 2


def version(vocabulary: Vocabulary) -> str:
    """What a `guidance_runs` row records: the extractor's version and the vocabulary file's hash."""
    return f"g{GUIDANCE_VERSION}-{vocabulary.version}"


def vocabulary_for(data_dir: Path | None) -> Vocabulary:
    """The user's metric vocabulary (data_dir/metrics.toml) when there is one, else the packaged one."""
    return load_vocabulary(metrics_path(data_dir))


def stale(store: Store, vocabulary: Vocabulary, *, ticker: str | None = None, every: bool = False) -> list[int]:
    """Analysed calls (of a ticker) whose guidance is missing or of another version; all of them with `every`."""
    with store.cursor() as cur:
        rows = cur.execute(
            "SELECT a.call_id FROM analysis_runs a JOIN calls c USING (call_id) "
            "LEFT JOIN guidance_runs g USING (call_id) "
            "WHERE (? IS NULL OR c.ticker = ?) AND (? OR g.version IS DISTINCT FROM ?) ORDER BY a.call_id",
            [ticker, ticker, every, version(vocabulary)],
        ).fetchall()
    return [row[0] for row in rows]


def calendar_is_fiscal(period: Period, call_date: dt.date | None) -> bool:
    """Whether the company's fiscal years are calendar years, so that "in 2024" names fiscal 2024."""
    return call_date is not None and end_month_from_label(period, call_date) == 12


def items_of(store: Store, call_id: int, vocabulary: Vocabulary) -> list[Item]:
    """The guidance and reported items of one stored call."""
    transcript = store.transcript(call_id)
    period = Period(transcript.fiscal_year, transcript.fiscal_quarter)
    return extract(sentences_of(transcript), period, vocabulary,
                   calendar_is_fiscal=calendar_is_fiscal(period, transcript.call_date))


def write(store: Store, call_id: int, items: list[Item], vocabulary: Vocabulary) -> None:
    """Replace a call's items and record the version they come from, in one transaction."""
    rows = [[call_id, n, i.pos, i.kind, i.metric, i.segment, i.basis, i.target_fiscal_year, i.target_fiscal_quarter,
             i.measure, i.low, i.high, i.unit, i.qualitative, i.confidence, list(i.flags)]
            for n, i in enumerate(items)]
    with store.transaction() as cur:
        cur.execute("DELETE FROM guidance_items WHERE call_id = ?", [call_id])
        if rows:
            cur.executemany(f"INSERT INTO guidance_items VALUES ({', '.join('?' * 16)})", rows)
        cur.execute("INSERT OR REPLACE INTO guidance_runs VALUES (?, ?)", [call_id, version(vocabulary)])


def refresh(store: Store, vocabulary: Vocabulary, *, ticker: str | None = None, every: bool = False) -> int:
    """Read the guidance of every analysed call that needs it; the number of calls read."""
    calls = stale(store, vocabulary, ticker=ticker, every=every)
    for call_id in calls:
        write(store, call_id, items_of(store, call_id, vocabulary), vocabulary)
    return len(calls)
