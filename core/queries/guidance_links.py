"""The guidance tracker's table: every stored item with its call, speaker and sentence, each guidance item linked to
the latest earlier guidance for the same thing (its revision) and to the result reported for its period (its
delivery)."""
from __future__ import annotations

import pandas as pd

from ..model import period_label
from ..storage.store import Store

SAME_THING = ["metric", "segment", "basis", "measure", "unit", "target_fiscal_year", "target_fiscal_quarter"]
COLUMNS = ["ticker", "call_date", "call_fiscal_year", "call_fiscal_quarter", "metric", "segment", "basis", "kind",
           "target_fiscal_year", "target_fiscal_quarter", "measure", "low", "high", "unit", "qualitative",
           "confidence", "direction", "previous_low", "previous_high", "change_pct", "actual", "outcome",
           "surprise_pct", "speaker", "role", "section", "call_id", "sentence_pos", "sentence_id", "text", "flags"]


def items(store: Store, ticker: str, *, metric: str | None = None, kind: str | None = None) -> pd.DataFrame:
    """Every guidance and reported item of a ticker's calls, oldest call first, with revision and delivery."""
    with store.cursor() as cur:
        frame = cur.execute(
            """
            SELECT c.ticker, c.call_date, c.fiscal_year AS call_fiscal_year, c.fiscal_quarter AS call_fiscal_quarter,
                   g.metric, g.segment, g.basis, g.kind, g.target_fiscal_year, g.target_fiscal_quarter, g.measure,
                   g.low, g.high, g.unit, g.qualitative, g.confidence, t.speaker, t.role, t.section,
                   g.call_id, g.pos AS sentence_pos, s.text, array_to_string(g.flags, ',') AS flags
            FROM guidance_items g
            JOIN calls c USING (call_id)
            JOIN sentences s ON s.call_id = g.call_id AND s.pos = g.pos
            JOIN turns t ON t.call_id = s.call_id AND t.idx = s.turn_idx
            WHERE c.ticker = ?
            ORDER BY c.call_date, g.call_id, g.item_idx
            """,
            [ticker.upper()],
        ).df()
    frame["call_date"] = pd.to_datetime(frame["call_date"]).dt.date  # a day, not a timestamp
    frame["sentence_id"] = frame["call_id"].astype(str) + ":" + frame["sentence_pos"].astype(str)
    quarter = frame["target_fiscal_quarter"]
    frame["target_fiscal_quarter"] = quarter.astype("Int64").astype(object).where(quarter.notna(), None)
    frame = _with_delivery(with_revisions(frame))
    if metric:
        frame = frame[frame["metric"] == metric]
    if kind:
        frame = frame[frame["kind"] == kind]
    return frame.reindex(columns=COLUMNS).reset_index(drop=True)


def _key(frame: pd.DataFrame) -> pd.Series:
    """One hashable key per row for "the same thing guided" (NULL segment and quarter included)."""
    return frame[SAME_THING].astype(object).where(frame[SAME_THING].notna(), None).apply(tuple, axis=1)


def with_revisions(frame: pd.DataFrame) -> pd.DataFrame:
    """direction (new / raised / kept / lowered / narrowed) and the previous range, for guidance items: against
    the latest guidance for the same thing said on an earlier call."""
    frame = frame.assign(direction=None, previous_low=float("nan"), previous_high=float("nan"),
                         change_pct=float("nan"))
    guidance = frame[frame["kind"] == "guidance"]
    latest: dict[tuple, tuple] = {}  # the same thing -> (call_id, low, high) of its latest earlier guidance
    current_call, pending = None, {}
    for index, key in zip(guidance.index, _key(guidance)):
        row = frame.loc[index]
        if row["call_id"] != current_call:  # only an earlier call's guidance counts as "before"
            latest.update(pending)
            current_call, pending = row["call_id"], {}
        before = latest.get(key)
        if before is None:
            frame.at[index, "direction"] = "new"
        else:
            low, high = before
            frame.at[index, "direction"] = _direction(low, high, row["low"], row["high"])
            frame.at[index, "previous_low"], frame.at[index, "previous_high"] = low, high
            middle = (low + high) / 2
            if middle:
                frame.at[index, "change_pct"] = ((row["low"] + row["high"]) / 2 - middle) / abs(middle) * 100
        pending[key] = (row["low"], row["high"])
    return frame


def _direction(low: float, high: float, new_low: float, new_high: float) -> str:
    """How a range moved: both ends inward is 'narrowed'; otherwise by its midpoint."""
    tolerance = 1e-9 * max(abs(low), abs(high), 1.0)
    if new_low >= low - tolerance and new_high <= high + tolerance and (new_high - new_low) < (high - low) - tolerance:
        return "narrowed"
    move = (new_low + new_high) / 2 - (low + high) / 2
    return "raised" if move > tolerance else "lowered" if move < -tolerance else "kept"


def _with_delivery(frame: pd.DataFrame) -> pd.DataFrame:
    """actual, outcome (beat / in range / miss) and surprise against the midpoint (%) of each guidance item whose
    period's result was reported (by the first call that reports that period)."""
    frame = frame.assign(actual=float("nan"), outcome=None, surprise_pct=float("nan"))
    actuals = frame[frame["kind"] == "actual"]
    reported: dict[tuple, float] = {}
    for key, (_, row) in zip(_key(actuals), actuals.iterrows()):
        reported.setdefault(key, row["low"])  # the first call that reports it
    guidance = frame[frame["kind"] == "guidance"]
    for index, key in zip(guidance.index, _key(guidance)):
        if key not in reported:
            continue
        actual, low, high = reported[key], frame.at[index, "low"], frame.at[index, "high"]
        frame.at[index, "actual"] = actual
        frame.at[index, "outcome"] = "beat" if actual > high else "miss" if actual < low else "in range"
        middle = (low + high) / 2
        if middle:
            frame.at[index, "surprise_pct"] = (actual - middle) / abs(middle) * 100
    return frame


def latest_changes(store: Store, ticker: str) -> pd.DataFrame:
    """The guidance of the ticker's latest call that revises earlier guidance (raised, lowered, narrowed or kept)."""
    frame = items(store, ticker, kind="guidance")
    if frame.empty:
        return frame
    latest = frame[frame["call_id"] == frame["call_id"].iloc[-1]]
    return latest[latest["direction"] != "new"].reset_index(drop=True)


def target_label(year: int, quarter: int | None) -> str:
    """'FY2025 Q4' for a quarter, 'FY2025' for a whole fiscal year."""
    return f"FY{year}" if quarter is None else period_label(year, quarter)


def change_text(row: dict, metric_label: str) -> str:
    """One revision in words: 'FY2025 revenue guidance raised 2.3%'."""
    what = f"{target_label(row['target_fiscal_year'], row['target_fiscal_quarter'])} {metric_label.lower()}"
    if row.get("segment"):
        what += f" ({row['segment']})"
    if row["basis"] != "none":
        what += " (GAAP)" if row["basis"] == "gaap" else " (non-GAAP)"
    change = row.get("change_pct")
    moved = row["direction"] in ("raised", "lowered") and change is not None and change == change
    return f"{what} guidance {row['direction']}" + (f" {abs(change):.1f}%" if moved else "")
