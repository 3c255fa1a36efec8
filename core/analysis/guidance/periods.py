"""The fiscal period a guided or reported amount is about: the period its clause names (not a premise's or a
comparison's), else the turn's; which growth a named base quarter makes; whether a period is ahead or reported."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ...model import Period
from ..target_periods import Target, targets
from . import cues
from .item import ACTUAL, GROWTH, GUIDANCE, SEQUENTIAL

if TYPE_CHECKING:
    from ..amounts import Amount
    from .sentence import TurnContext


def target_of(text: str, clause: tuple[int, int], amount: Amount, call: Period, kind: str,
            context: TurnContext, calendar_is_fiscal: bool) -> tuple[tuple[int, int | None], bool] | None:
    """((fiscal year, quarter or None), whether it came from the turn's context) of an amount."""
    said = periods(text[clause[0]:clause[1]], call, kind == GUIDANCE, calendar_is_fiscal)
    offset = amount.start - clause[0]
    before = [t for t in said if t.start <= offset]
    gap = [text[amount.end:clause[0] + t.start] for t in said]
    right_after = [t for t, between in zip(said, gap) if 0 <= len(between) <= 25]  # "58% for the year"
    bound = [t for t, between in zip(said, gap) if cues.BOUND_PERIOD.fullmatch(between)]  # "… 51% to 53% in Q4"
    if (right_after and not before) or bound:
        said, before = bound or right_after, []
    if said and (before or right_after or (kind == GUIDANCE and context.outlook is None)):
        target = before[-1] if before else said[0]  # a period named after the amount, when nothing else tells
        if not target.trackable:
            return None
        return (target.fiscal_year, target.fiscal_quarter), False
    earlier = periods(text[:clause[0]], call, kind == GUIDANCE, calendar_is_fiscal)
    if earlier:  # "For the full year 2021, we expect …; we expect gross margin to be …"
        if not earlier[-1].trackable:
            return None
        return (earlier[-1].fiscal_year, earlier[-1].fiscal_quarter), False
    if kind == ACTUAL:
        if context.results is not None:
            return (context.results.fiscal_year, context.results.fiscal_quarter), False
        return (call.fiscal_year, call.fiscal_quarter), False
    if context.outlook is not None:
        return (context.outlook.fiscal_year, context.outlook.fiscal_quarter), True
    return None


def compared_with(after: str, call: Period, period: tuple[int, int | None]) -> str | None:
    """Sequential or year-over-year growth, by the quarter an amount is compared with ("up 18% compared to the third
    quarter of 2009" in the fourth quarter's call: sequential); None when no quarter is named."""
    match = cues.BASE_QUARTER.match(after)
    if not match or period[1] is None:
        return None
    named = targets(after[match.end():], call, future=False)
    if not named or named[0].start != 0 or named[0].fiscal_quarter is None:
        return None
    apart = Period(*period).ordinal - Period(named[0].fiscal_year, named[0].fiscal_quarter).ordinal
    return SEQUENTIAL if apart == 1 else GROWTH if apart == 4 else None


def periods(text: str, call: Period, future: bool, calendar_is_fiscal: bool) -> list[Target]:
    """The periods a text is about, but not one a premise names ("Based on our Q4 guidance, we expect …")."""
    return [t for t in targets(text, call, future=future, calendar_is_fiscal=calendar_is_fiscal)
            if not cues.PREMISE.search(text[:t.start])]


def ahead(period: tuple[int, int | None], call: Period) -> bool:
    """Whether guidance's period is still to be reported after the call (the call's own year counts)."""
    year, quarter = period
    if quarter is None:
        return year >= call.fiscal_year
    return (year, quarter) > (call.fiscal_year, call.fiscal_quarter)


def is_reported(period: tuple[int, int | None], call: Period) -> bool:
    """A reported result is about the reported quarter, or the fiscal year a fourth quarter's call closes."""
    year, quarter = period
    if quarter is None:
        return call.fiscal_quarter == 4 and year == call.fiscal_year
    return (year, quarter) == (call.fiscal_year, call.fiscal_quarter)
