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
