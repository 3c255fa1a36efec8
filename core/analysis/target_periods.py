"""The fiscal period a phrase of a call is about: "next quarter", "for Q3", "the fourth quarter of fiscal 2024",
"for fiscal '24", "the full year", "this year", "the second half" — resolved against the period the call reports."""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import Period

_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}
_YEAR = r"(?P<year>'?\d{2}\b|\d{4}\b)"
_PHRASES = re.compile(
    rf"\b(?:(?P<ordinal>first|second|third|fourth|1st|2nd|3rd|4th)(?:[\s-]+(?:fiscal|calendar))?[\s-]+quarter"
    rf"(?:\s+of\s+(?:(?:the\s+)?(?:fiscal|calendar)\s+)?(?:year\s+)?(?:FY\s*)?{_YEAR}"
    rf"|\s+(?:fiscal\s+|FY\s*)?(?P<next_year>'\d{{2}}\b|(?:19|20)\d{{2}}\b)(?!\s*%))?"  # "fourth quarter 2022 revenue"
    rf"|(?:fiscal\s+|FY\s*)?Q(?P<q>[1-4])(?:\s*(?:of\s+)?(?:fiscal\s+|FY\s*|F)?(?P<qyear>'?\d{{2}}\b|\d{{4}}\b))?"
    rf"|(?P<relq>next|coming|current|this|upcoming|following)\s+(?:fiscal\s+)?quarter"
    rf"|(?P<the_quarter>quarterly|(?:in|for|during|of)\s+the\s+quarter\b)"
    rf"|(?P<half>(?:first|second|back|front|1st|2nd)[\s-]+half|(?:remainder|rest|balance)\s+of\s+(?:the\s+)?"
    rf"(?:fiscal\s+)?year|(?:beyond|after|exiting|through|until)\s+(?:the\s+)?(?:fiscal\s+)?Q[1-4]\b)"
    rf"|(?P<exit>exit(?:ing)?\s+(?:the\s+)?(?:fiscal\s+|FY\s*)?(?:year\s+)?)(?P<exit_year>'?\d{{2}}\b|\d{{4}}\b)"
    rf"|(?:fiscal|FY)\s*(?:year\s+)?(?P<fy>'?\d{{2}}\b|\d{{4}}\b)"
    rf"|(?P<full>full|whole|entire)[\s-]+(?:fiscal[\s-]+)?year|(?:the\s+)?fiscal\s+year\b(?!\s+'?\d)|\bannual\b"
    rf"|(?P<rely>this|next|current|coming)\s+(?:fiscal\s+)?year"
    rf"|for\s+the\s+(?:fiscal\s+)?year\b"
    rf"|(?P<calendar>calendar\s+(?:year\s+)?\d{{4}})"
    rf"|\b(?:in|for|of|during|into|(?:forward|ahead|turn(?:ing)?|mov(?:e|ing))\s+(?:now\s+)?to)\s+(?P<bare>20\d\d)\b"
    rf"|(?<![\w$.,])(?P<lead>20\d\d)(?=\s+(?:full[\s-]year\s+)?(?:revenue|sales|results|gross|net|operating|was|were|"
    rf"financial|annual|is|will)\b))",
    re.I,
)


@dataclass(frozen=True)
class Target:
    """A period a phrase names: a fiscal quarter, a whole fiscal year (quarter None), or a span that is neither
    (a half, "the rest of the year", "beyond Q1": not tracked)."""

    start: int
    end: int
    fiscal_year: int | None
    fiscal_quarter: int | None
    half: bool = False
    relative: bool = False  # "next quarter", "this year": from the call's own period, not a number said

    @property
    def trackable(self) -> bool:
        return not self.half and self.fiscal_year is not None


def _year(text: str) -> int:
    digits = text.lstrip("'")
    return int(digits) + 2000 if len(digits) == 2 else int(digits)


def targets(text: str, call: Period, *, future: bool, calendar_is_fiscal: bool = False) -> list[Target]:
    """Every period phrase of the text, resolved: a quarter or year said without its year is the next one after
    the call's period (`future`, for guidance) or the latest one up to it (for reported results)."""
    found = []
    for match in _PHRASES.finditer(text):
        found.append(_resolve(match, call, future=future, calendar_is_fiscal=calendar_is_fiscal))
    return [target for target in found if target is not None]


def _resolve(match: re.Match, call: Period, *, future: bool, calendar_is_fiscal: bool) -> Target | None:
    span = (match.start(), match.end())
    group = match.groupdict()
    if group["half"]:
        return Target(*span, None, None, half=True)
    if group["calendar"]:
        return Target(*span, None, None, half=True) if not calendar_is_fiscal else Target(
            *span, int(re.search(r"\d{4}", group["calendar"]).group(0)), None)
    quarter = _ORDINALS.get((group["ordinal"] or "").lower()) or (int(group["q"]) if group["q"] else None)
    if quarter:
        year_text = group["year"] or group["next_year"] or group["qyear"]
        if year_text:
            return Target(*span, _year(year_text), quarter)
        return Target(*span, *_nearest_quarter(call, quarter, future=future), relative=True)
    if group["relq"] or group["the_quarter"]:
        # said on the call, "this quarter" of an outlook is the quarter under way: the one after the reported one
        period = Period.from_ordinal(call.ordinal + (1 if future else 0))
        return Target(*span, period.fiscal_year, period.fiscal_quarter, relative=True)
    if group["exit"]:  # "exit FY '13 at around 52%": the year's last quarter
        return Target(*span, _year(group["exit_year"]), 4)
    if group["fy"]:
        return Target(*span, _year(group["fy"]), None)
    if group["bare"] or group["lead"]:  # "in 2024", "2024 revenue": a fiscal year where fiscal years are calendar
        return Target(*span, int(group["bare"] or group["lead"]), None) if calendar_is_fiscal else None
    this_year = call.fiscal_year + (1 if future and call.fiscal_quarter == 4 else 0)
    if group["rely"] and group["rely"].lower() in ("next", "coming"):
        return Target(*span, this_year + (1 if group["rely"].lower() == "next" else 0), None, relative=True)
    return Target(*span, this_year, None, relative=True)


def _nearest_quarter(call: Period, quarter: int, *, future: bool) -> tuple[int, int]:
    """The fiscal year of quarter `quarter` nearest the call: the next one after it, or the latest up to it."""
    if future:
        year = call.fiscal_year if quarter > call.fiscal_quarter else call.fiscal_year + 1
    else:
        year = call.fiscal_year if quarter <= call.fiscal_quarter else call.fiscal_year - 1
    return year, quarter
