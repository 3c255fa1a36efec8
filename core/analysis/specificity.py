"""Specificity: whether a sentence states a number ("$2.3 billion", "up 15%", "fifteen percent", "1,200 customers").

A number in digits counts, with or without a currency, scale or unit, except where the digits state no quantity: a
year alone (1900–2099: "fiscal 2025", "'24"), a date ("January 28", "28th of Jan", "1/28/2025", "2025-01-28"), a
time ("10:30", "5 p.m."), a list item's number ("Priorities: 1. Growth.") and digits that are part of a name or
label ("Q3", "H100", "5G", "COVID-19", "10-K", "4th", "1990s"; "GTX 460": an integer after a capitalised word
inside the sentence). A number in words counts only with a scale or a unit ("fifteen percent", "two billion", "a
hundred million", "three point five million dollars"): "one of our customers" states none. Ranges in words
("mid-single digits") are left out: they are vague by design.
"""
from __future__ import annotations

import re

_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
          r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?")
_DAY = r"\d{1,2}(?:st|nd|rd|th)?\b"
_NOT_QUANTITIES = re.compile(
    rf"\b{_MONTH}\s+{_DAY}(?:,?\s+\d{{4}})?|\b{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+\d{{4}})?"  # January 28, 28 Jan
    r"|\b\d{4}-\d{1,2}-\d{1,2}\b|\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b"  # 2025-01-28, 1/28/2025
    r"|\b\d{1,2}(?::\d{2}){1,2}\b|\b\d{1,2}\s?(?:[ap]\.m\.|[ap]m\b)"  # 10:30, 5 p.m.
    r"|(?:^|(?<=[.!?:;]))\s*\d{1,2}[.)]\s",  # a list item's number
    re.I,
)
_UNIT = (r"(?:%|percent\b|per\s?cent\b|percentage\s+points?\b|basis\s+points?\b|bps\b|points?\b|x\b|times\b"
         r"|thousand\b|million\b|billion\b|trillion\b|mln\b|bln\b|mn\b|bn\b|mm\b|[kmb]\b|dollars?\b|cents?\b)")
_DIGITS = re.compile(
    r"(?:(?P<money>[$€£])\s?|(?<![\w.,'’$€£]))(?<![A-Za-z]-)"
    r"(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    rf"(?P<unit>\s?{_UNIT})?(?!\w|-[A-Z]\b)",
    re.I,
)
_NUMBER_WORDS = frozenset(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen "
    "eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred half".split())
_SCALES = frozenset("hundred thousand million billion trillion".split())
# in lower case: a unit or scale in words (a number in words must end just before it)
_SPELLED_UNIT = re.compile(r"\b(?:percent|per\s?cent|percentage\s+points?|basis\s+points?|thousand|million|billion"
                           r"|trillion|dollars?|cents?)\b")
_HAS_DIGIT = re.compile(r"\d")


def _named(text: str, start: int) -> bool:
    """True when the digits at `start` follow a capitalised word inside the sentence: a name ("GTX 460")."""
    before = text[max(0, start - 60):start].split()
    return len(before) >= 2 and before[-1][:1].isupper() and not before[-2].endswith((".", "!", "?", ":"))


def _in_digits(text: str) -> bool:
    """True when the text states a quantity in digits."""
    text = _NOT_QUANTITIES.sub(" ", text)
    for match in _DIGITS.finditer(text):
        number = match["number"]
        if match["money"] or match["unit"]:
            return True
        year = len(number) == 4 and number.isdigit() and 1900 <= int(number) <= 2099
        if not year and not (number.isdigit() and _named(text, match.start())):
            return True
    return False


def states_number(text: str) -> bool:
    """True when the sentence states a quantity in digits, or in words with a scale or unit."""
    if _HAS_DIGIT.search(text) and _in_digits(text):
        return True
    lower = text.lower()
    if "cent" not in lower and not any(scale in lower for scale in _SCALES) and "dollar" not in lower:
        return False  # cheaply: no unit or scale in words
    for unit in _SPELLED_UNIT.finditer(lower):
        before = lower[max(0, unit.start() - 30):unit.start()].split()
        word = before[-1].rsplit("-", 1)[-1] if before else ""  # "thirty-seven" -> "seven"
        if word in _NUMBER_WORDS or (word == "a" and unit[0] in _SCALES):
            return True
    return False
