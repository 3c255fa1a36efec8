"""The fetch planner on its own: windows, what to locate, and the plan for quarters and for named URLs."""
from __future__ import annotations

import pytest

from core.ingest.fetch_plan import Plan, Window, last_periods, plan_quarters, plan_urls, quarter_window, to_locate
from core.ingest.sources.base import Target
from core.model import Period

Q2_25, Q3_25, Q4_25, Q1_26, Q2_26 = (Period(2025, 2), Period(2025, 3), Period(2025, 4), Period(2026, 1),
                                     Period(2026, 2))
LAST3 = Window((Q3_25, Q4_25, Q1_26), fallback=(Q2_25, Q3_25, Q4_25))


def target(period: Period | None, name: str = "") -> Target:
    return Target(f"https://x.test/{name or period}", period)


def found(*periods: Period) -> dict[Period, Target]:
    return {p: target(p) for p in periods}


def test_last_periods_counts_back_across_years():
    assert last_periods(Q1_26, 3) == [Q3_25, Q4_25, Q1_26]
    with pytest.raises(ValueError, match="at least 1, got 0"):
        last_periods(Q1_26, 0)


def test_quarter_window_of_periods_or_of_the_last_n():
    assert quarter_window(periods=[Q4_25, Q1_26, Q4_25], last=None, newest=Q2_26) == Window((Q4_25, Q1_26))
    assert quarter_window(periods=None, last=3, newest=Q1_26) == LAST3
    assert quarter_window(periods=None, last=None, newest=Q1_26) == Window(
        (Q2_25, Q3_25, Q4_25, Q1_26), fallback=(Period(2025, 1), Q2_25, Q3_25, Q4_25))


def test_to_locate_asks_for_what_is_not_stored_and_the_quarter_before_the_window():
    assert to_locate(LAST3, stored={Q4_25}, refresh=False) == (Q3_25, Q1_26, Q2_25)
    assert to_locate(LAST3, stored={Q4_25}, refresh=True) == (Q3_25, Q4_25, Q1_26, Q2_25)
    assert to_locate(LAST3, stored={Q3_25, Q4_25, Q1_26}, refresh=False) == ()
    assert to_locate(Window((Q4_25, Q1_26)), stored=set(), refresh=False) == (Q4_25, Q1_26)


def test_plan_caches_stored_quarters_and_splits_the_rest_into_targets_and_missing():
    plan = plan_quarters(LAST3, stored={Q3_25}, refresh=False, located=found(Q1_26, Q2_25))
    assert plan == Plan(cached=(Q3_25,), targets=(target(Q1_26),), missing=(Q4_25,))
    assert plan.total == 3


def test_plan_falls_back_a_quarter_when_the_newest_is_not_published():
    plan = plan_quarters(LAST3, stored={Q3_25}, refresh=False, located=found(Q2_25, Q4_25))
    assert plan == Plan(cached=(Q3_25,), targets=(target(Q2_25), target(Q4_25)), missing=())


def test_plan_keeps_the_window_when_the_newest_is_stored_or_the_quarters_were_named():
    assert plan_quarters(LAST3, stored={Q1_26}, refresh=False, located={}) == Plan(
        cached=(Q1_26,), missing=(Q3_25, Q4_25))
    named = Window((Q4_25, Q1_26))
    assert plan_quarters(named, stored=set(), refresh=False, located=found(Q4_25)) == Plan(
        targets=(target(Q4_25),), missing=(Q1_26,))


def test_plan_with_refresh_fetches_stored_quarters_again():
    assert plan_quarters(LAST3, stored={Q3_25, Q4_25, Q1_26}, refresh=True, located=found(Q3_25, Q4_25, Q1_26)) == (
        Plan(targets=(target(Q3_25), target(Q4_25), target(Q1_26))))


def test_plan_urls_filters_by_quarter_caches_stored_ones_and_always_fetches_unknown_quarters():
    given = [target(Q4_25, "a"), target(None, "b"), target(Q1_26, "c"), target(Q4_25, "d"), target(Q2_26, "e")]
    assert plan_urls(given, periods=None, stored={Q4_25}, refresh=False) == Plan(
        cached=(Q4_25,), targets=(target(None, "b"), target(Q1_26, "c"), target(Q2_26, "e")))
    assert plan_urls(given, periods=[Q1_26, Q2_26], stored={Q2_26}, refresh=False) == Plan(
        cached=(Q2_26,), targets=(target(None, "b"), target(Q1_26, "c")))
    assert plan_urls(given, periods=None, stored={Q4_25}, refresh=True) == Plan(targets=tuple(given))
