"""What the guidance reader yields: one guided or reported number, with the sentence it was read from."""
from __future__ import annotations

from dataclasses import dataclass

MANAGEMENT = ("ceo", "cfo", "executive")
UNNAMED_SEGMENT = "a business segment"
GUIDANCE, ACTUAL = "guidance", "actual"
LEVEL, GROWTH, SEQUENTIAL = "level", "growth", "sequential_growth"


@dataclass(frozen=True)
class Item:
    """One guided or reported number of a call, with the sentence it was read from."""

    kind: str                 # guidance / actual
    metric: str
    segment: str | None
    basis: str                # gaap / non_gaap / none
    target_fiscal_year: int
    target_fiscal_quarter: int | None  # None: the whole fiscal year
    measure: str              # level / growth / sequential_growth
    low: float
    high: float
    unit: str                 # USD / % / USD/share / count
    qualitative: bool
    pos: int                  # the sentence's position in the call
    confidence: float
    flags: tuple[str, ...] = ()  # e.g. 'scale_slip', 'period_from_context'

    @property
    def key(self) -> tuple:
        """What makes two items the same number said twice."""
        return (self.kind, self.metric, self.segment, self.basis, self.target_fiscal_year,
                self.target_fiscal_quarter, self.measure, round(self.low, 6), round(self.high, 6), self.unit)
