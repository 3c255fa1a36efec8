"""Fiscal calendars: which fiscal quarter a call reports, labels, and period strings."""
from __future__ import annotations

import datetime as dt

import pytest

from core.fiscal import end_month_from_label, period_for_call, period_of_month, year_end_month
from core.model import Period, period_range

D = dt.date


@pytest.mark.parametrize(
    ("ticker", "call_date", "expected"),
    [
        # NVIDIA: fiscal year ends in late January and is named by the calendar year it ends in.
        ("NVDA", D(2023, 5, 24), Period(2024, 1)),
        ("NVDA", D(2024, 8, 28), Period(2025, 2)),
        ("NVDA", D(2024, 11, 20), Period(2025, 3)),
        ("NVDA", D(2025, 11, 19), Period(2026, 3)),
        ("NVDA", D(2024, 2, 21), Period(2024, 4)),  # February call: Q4 of the year that ended in January
        ("NVDA", D(2010, 2, 17), Period(2010, 4)),
        ("nvda", D(2025, 2, 26), Period(2025, 4)),
        ("NVDA", D(2015, 11, 5), Period(2016, 3)),  # quarter closed 2015-10-25 (52/53-week calendar)
        # December years.
        ("AMD", D(2024, 1, 30), Period(2023, 4)),
        ("AMD", D(2024, 4, 30), Period(2024, 1)),
        ("AMD", D(2017, 5, 1), Period(2017, 1)),
        ("AMD", D(2022, 11, 1), Period(2022, 3)),
        ("INTC", D(2024, 8, 1), Period(2024, 2)),
        ("INTC", D(2024, 10, 31), Period(2024, 3)),
        ("ZZZZ", D(2024, 4, 25), Period(2024, 1)),  # unknown ticker: calendar year
        ("ZZZZ", D(2024, 10, 24), Period(2024, 3)),
        # Apple: fiscal year ends in September.
        ("AAPL", D(2024, 2, 1), Period(2024, 1)),
        ("AAPL", D(2024, 5, 2), Period(2024, 2)),
        ("AAPL", D(2024, 8, 1), Period(2024, 3)),
        ("AAPL", D(2024, 10, 31), Period(2024, 4)),
        ("AAPL", D(2025, 1, 30), Period(2025, 1)),
    ],
)
def test_period_for_call(ticker: str, call_date: dt.date, expected: Period) -> None:
    assert period_for_call(ticker, call_date) == expected


@pytest.mark.parametrize(
    ("call_date", "expected"),
    [
        (D(2024, 3, 31), Period(2023, 4)),  # the quarter has not ended yet
        (D(2024, 4, 1), Period(2023, 4)),  # ended one day ago: too soon to report it
        (D(2024, 4, 2), Period(2024, 1)),
        (D(2024, 12, 31), Period(2024, 3)),
        (D(2025, 1, 1), Period(2024, 3)),
        (D(2025, 1, 2), Period(2024, 4)),
        (D(2024, 2, 29), Period(2023, 4)),  # leap day
    ],
)
def test_edges_around_quarter_ends(call_date: dt.date, expected: Period) -> None:
    assert period_for_call("INTC", call_date) == expected


def test_nvda_around_its_year_end() -> None:
    assert period_for_call("NVDA", D(2025, 1, 31)) == Period(2025, 3)
    assert period_for_call("NVDA", D(2025, 2, 2)) == Period(2025, 4)
    assert period_for_call("NVDA", D(2025, 5, 1)) == Period(2025, 4)
    assert period_for_call("NVDA", D(2025, 5, 2)) == Period(2026, 1)


def test_end_month_override_and_table() -> None:
    assert period_for_call("ZZZZ", D(2024, 8, 28), end_month=1) == Period(2025, 2)
    assert [year_end_month(t) for t in ("NVDA", "amd", "INTC", "AAPL", "ZZZZ")] == [1, 12, 12, 9, 12]
    assert year_end_month("NVDA", override=6) == 6
    with pytest.raises(ValueError, match="fiscal year end month must be 1-12, got 13"):
        year_end_month("NVDA", override=13)


def test_period_of_month() -> None:
    assert period_of_month(2025, 1, 1) == Period(2025, 4)
    assert period_of_month(2024, 4, 1) == Period(2025, 1)
    assert period_of_month(2023, 12, 9) == Period(2024, 1)
    assert period_of_month(2024, 9, 9) == Period(2024, 4)
    with pytest.raises(ValueError, match="2024-02 does not end a quarter for a year ending in month 1"):
        period_of_month(2024, 2, 1)


@pytest.mark.parametrize(
    ("label", "call_date", "end_month"),
    [
        (Period(2024, 1), D(2023, 5, 24), 1),  # "Q1 2024 NVIDIA Corp Earnings Call"
        (Period(2024, 1), D(2024, 4, 30), 12),
        (Period(2023, 4), D(2024, 1, 25), 12),
        (Period(2024, 1), D(2024, 2, 1), 9),
        (Period(2025, 3), D(2024, 11, 20), 1),
        (Period(2030, 1), D(2024, 4, 30), None),  # no calendar makes that label
    ],
)
def test_end_month_from_label(label: Period, call_date: dt.date, end_month: int | None) -> None:
    assert end_month_from_label(label, call_date) == end_month


@pytest.mark.parametrize(
    "text", ["2025Q2", "2025-Q2", "2025 q2", "Q2 2025", "q2 FY2025", "FY2025 Q2", "fy2025q2", " 2025 - Q2 "]
)
def test_period_parse_forms(text: str) -> None:
    assert Period.parse(text) == Period(2025, 2)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2025Q5", "not a fiscal period"),
        ("Q2", "not a fiscal period"),
        ("", "not a fiscal period"),
        ("25Q2", "not a fiscal period"),
        ("2025 Q2 Q3", "not a fiscal period"),
        ("1989Q1", "fiscal year out of range: 1989"),
    ],
)
def test_period_parse_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Period.parse(text)


def test_period_order_and_range() -> None:
    assert str(Period(2025, 2)) == "2025Q2"
    assert Period.from_ordinal(Period(2024, 4).ordinal + 1) == Period(2025, 1)
    assert period_range(Period(2024, 3), Period(2025, 2)) == [
        Period(2024, 3), Period(2024, 4), Period(2025, 1), Period(2025, 2)
    ]
    with pytest.raises(ValueError, match="fiscal quarter must be 1-4, got 0"):
        Period(2025, 0)
