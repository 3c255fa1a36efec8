"""Guidance extraction against the hand-made gold set (tests/gold/guidance/*.json): precision and recall of
(call, kind, metric, basis, target period, measure, low, high, unit) for total revenue and gross margin, and the
accuracy of the revision direction. The gold holds numbers and line references only; the calls are read from
../shared in place."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOLD = ROOT / "tests" / "gold" / "guidance"
CORPUS = ROOT.parent / "shared" / "corpus" / "streetevents"
SCOPE = ("revenue", "gross_margin")


@dataclass(frozen=True)
class Score:
    true_positives: int
    extracted: int
    gold: int
    directions_right: int
    directions: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.extracted if self.extracted else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.gold if self.gold else 1.0

    @property
    def direction_accuracy(self) -> float:
        return self.directions_right / self.directions if self.directions else 1.0


def gold_calls() -> list[dict]:
    """Every call of the gold set, in date order per ticker."""
    calls = []
    for path in sorted(GOLD.glob("*.json")):
        calls.extend(json.loads(path.read_text()))
    return calls


def key(call: str, item: dict) -> tuple:
    """What is compared: the call, kind, metric, basis, target period, measure, range and unit."""
    return (call, item["kind"], item["metric"], item["basis"], item["target_fiscal_year"],
            item["target_fiscal_quarter"], item["measure"], round(float(item["low"]), 4),
            round(float(item["high"]), 4), item["unit"])


def in_scope(item: dict) -> bool:
    """Total revenue and gross margin; reported results as levels only (growth said with results is not gold)."""
    return (item["metric"] in SCOPE and not item.get("segment")
            and (item["kind"] == "guidance" or item["measure"] == "level"))


@dataclass(frozen=True)
class CallItems:
    """What the extractor read from one gold call."""

    call: str
    items: list[dict]


def extracted(calls: list[dict]) -> list[CallItems]:
    """The extractor's items for each gold call, parsed from ../shared in place, with revision directions computed
    over each ticker's calls in date order (as the app does)."""
    import pandas as pd

    from core.analysis.guidance import extract
    from core.analysis.guidance_runs import calendar_is_fiscal
    from core.analysis.metrics import load_vocabulary
    from core.analysis.sentences import sentences_of
    from core.ingest.parsers import parse_document
    from core.model import Period
    from core.queries.guidance_links import with_revisions

    vocabulary = load_vocabulary()
    rows = []
    for number, call in enumerate(calls):
        path = CORPUS / call["call"]
        transcript = parse_document(path.read_text(encoding="utf-8"), source=str(path))
        period = Period(call["fiscal_year"], call["fiscal_quarter"])
        for item in extract(sentences_of(transcript), period, vocabulary,
                            calendar_is_fiscal=calendar_is_fiscal(period, transcript.call_date)):
            rows.append({"call": call["call"], "call_id": number, "ticker": call["call"].split("/")[0],
                         "call_date": transcript.call_date, "kind": item.kind, "metric": item.metric,
                         "segment": item.segment, "basis": item.basis, "measure": item.measure, "unit": item.unit,
                         "target_fiscal_year": item.target_fiscal_year,
                         "target_fiscal_quarter": item.target_fiscal_quarter, "low": item.low, "high": item.high})
    frame = pd.DataFrame(rows)
    frame = pd.concat([with_revisions(part.sort_values(["call_date", "call_id"], kind="stable"))
                       for _, part in frame.groupby("ticker")])
    by_call = {call["call"]: [] for call in calls}
    for row in frame.to_dict("records"):
        for name in ("target_fiscal_quarter", "segment", "direction"):  # pandas' NaN back to None
            if not isinstance(row[name], str) and row[name] is not None and row[name] != row[name]:
                row[name] = None
        if row["target_fiscal_quarter"] is not None:
            row["target_fiscal_quarter"] = int(row["target_fiscal_quarter"])
        by_call[row["call"]].append(row)
    return [CallItems(name, items) for name, items in by_call.items()]


def score(calls: list[dict], found: list[CallItems]) -> Score:
    """Precision and recall over the gold calls; direction accuracy over the gold guidance items found."""
    found_by_call = {c.call: c.items for c in found}
    true_positives = extracted_count = gold_count = right = directions = 0
    for call in calls:
        gold = {key(call["call"], item): item for item in call["items"] if in_scope(item)}
        mine = {key(call["call"], item): item for item in found_by_call[call["call"]] if in_scope(item)}
        true_positives += len(gold.keys() & mine.keys())
        extracted_count += len(mine)
        gold_count += len(gold)
        for shared in gold.keys() & mine.keys():
            if gold[shared]["kind"] == "guidance" and gold[shared].get("direction"):
                directions += 1
                right += gold[shared]["direction"] == mine[shared]["direction"]
    return Score(true_positives, extracted_count, gold_count, right, directions)


PRECISION_GOAL = RECALL_GOAL = 0.95
DIRECTION_GOAL = 0.9


def section() -> str:
    """The guidance benchmark's section of BENCHMARKS.md: the gold set's scores per ticker and in all."""
    import time

    from .report import machine_facts, table

    calls = gold_calls()
    started = time.perf_counter()
    found = extracted(calls)
    seconds = time.perf_counter() - started
    rows = []
    for ticker in ("NVDA", "AMD", "INTC", None):
        chosen = [c for c in calls if ticker is None or c["call"].startswith(f"{ticker}/")]
        result = score(chosen, found)
        rows.append([ticker or "all", len(chosen), result.gold, result.extracted, f"{result.precision:.3f}",
                     f"{result.recall:.3f}", f"{result.direction_accuracy:.3f} ({result.directions})"])
    overall = score(calls, found)
    met = (overall.precision >= PRECISION_GOAL and overall.recall >= RECALL_GOAL
           and overall.direction_accuracy >= DIRECTION_GOAL)
    return "\n".join([
        "## Guidance extraction against the hand-made gold set",
        "",
        machine_facts(),
        "",
        f"The gold set (`tests/gold/guidance/`) holds every total-revenue and gross-margin guidance item and every "
        f"reported total revenue and gross margin of {len(calls)} StreetEvents calls (NVDA FY2016–FY2025 Q3, AMD and "
        f"INTC 2015–2024), read by hand: numbers and line references only. An item counts when its call, kind, "
        f"metric, basis, target period, measure, low, high and unit all match; directions are compared on the gold "
        f"guidance items found. Extraction read the {len(calls)} calls in {seconds:.1f} s.",
        "",
        table(["ticker", "calls", "gold items", "extracted", "precision", "recall", "direction accuracy (n)"], rows),
        "",
        f"Goals: precision and recall ≥ {PRECISION_GOAL}, direction accuracy ≥ {DIRECTION_GOAL}: "
        f"{'met' if met else 'not met yet'}.",
    ])
