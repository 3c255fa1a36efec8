"""Amounts as spoken on a call: "$37.5 billion plus or minus 2%", "between 11% and 13%", "approximately 19%",
"minus 1% to minus 5.5%", "thirty-seven point five billion dollars", "mid-single digits".

`amounts(text)` finds every amount in a piece of text as a range (low, high) in a base unit: US dollars in units
(not billions), percent, US dollars per share, basis points (turned into percentage points where one qualifies a
percentage), or a bare count. It knows nothing of metrics or periods: `core.analysis.guidance` places what it finds."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal

USD, PERCENT, PER_SHARE, BASIS_POINTS, COUNT = "USD", "%", "USD/share", "bp", "count"

_SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "mln": 1e6, "mn": 1e6, "mm": 1e6, "m": 1e6,
           "billion": 1e9, "bln": 1e9, "bn": 1e9, "b": 1e9, "trillion": 1e12, "tn": 1e12}
_UNITS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
          "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
          "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
         "ninety": 90}
_WORD = "|".join(sorted([*_UNITS, *_TENS, "hundred", "half"], key=len, reverse=True))
# "thirty-seven point five", "one hundred twenty", "two and a half": words only, no digits
_WORD_NUMBER = (rf"(?:(?:{_WORD})(?:[\s-]+(?:and\s+)?(?:a\s+)?(?:{_WORD}))*"
                rf"(?:\s+point(?:\s+(?:{'|'.join(_UNITS)}))+)?)")
_DIGITS = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+"
_SCALE = r"(?:thousand|million|billion|trillion|mln|bln|mn|bn|mm|tn|[kmb])\b"
_NUMBER = re.compile(
    rf"(?P<sign>(?<!\bor\s)(?<!\band\s)(?<!/)minus\s+|negative\s+|-\s?)?(?P<dollar>\$|US\$|USD\s?)?\s?"
    rf"(?P<value>{_DIGITS}|\b{_WORD_NUMBER}\b)"
    rf"(?:\s?(?P<scale>{_SCALE}))?"
    rf"(?P<unit>\s?(?:%|percent\b|per\s?cent\b|percentage\s+points?\b|points?\b|basis\s+points?\b|bps?\b)"
    rf"|\s+(?:(?:US\s+)?dollars?|cents?)\b)?"
    rf"(?P<share>\s+(?:(?:a|per)\s+(?:diluted\s+)?share|of\s+(?:diluted\s+)?(?:earnings\s+)?per\s+share)\b)?",
    re.I,
)
_QUALITATIVE = re.compile(
    r"\b(?P<where>low|mid|middle|high|upper)(?:[\s-]*to[\s-]*(?P<where2>mid|high|upper))?[\s-]*"
    r"(?:(?P<kind>single|double)[\s-]+digits?\b|(?P<teens>teens)\b|(?P<decade>[2-9]0)(?:'?s\b|\s?%|\s?percent\b))"
    r"|\b(?P<flat>(?:roughly\s+|approximately\s+|about\s+|essentially\s+)?flat)\b",
    re.I,
)
_PART = re.compile(r"\b(?:the\s+)?(?P<part>upper|top|high|higher|lower|low|bottom)(?:\s+(?P<half>half)|[\s-]+end)"
                   r"\s+of\s+"
                   r"(?:the\s+|our\s+|its\s+|that\s+|this\s+)?(?:[\w-]+\s+){0,3}?(?:range\s+(?:of\s+)?)?$", re.I)
_UPPER = ("upper", "top", "high", "higher")
_WHERE = {"low": "low", "mid": "mid", "middle": "mid", "high": "high", "upper": "high"}
_SINGLE_DIGITS = {"low": (1, 3), "mid": (4, 6), "high": (7, 9)}
_DOUBLE_DIGITS = {"low": (10, 13), "mid": (14, 16), "high": (17, 19)}
_TEENS = {"low": (11, 13), "mid": (14, 16), "high": (17, 19)}
_BETWEEN = re.compile(r"\bbetween\s*$", re.I)
_RANGE_JOIN = re.compile(r"^\s*(?:to|through|-|–|—|and)\s*$", re.I)
_TOLERANCE = re.compile(r"^\s*,?\s*(?:(?:sequentially|year[\s-]+(?:over|on)[\s-]+year)\s*,?\s*)?"
                        r"(?P<each>respectively\s*,?\s*)?(?:plus\s*(?:or|and|/)\s*minus|\+/-|±|give\s+or\s+take)"
                        r"\s*$", re.I)
_LIST_JOIN = re.compile(r"^\s*(?:,\s*(?:and\s+)?|and\s+)$", re.I)
_WORD_WIDTH = re.compile(r"(?<=minus\s)(?P<word>a\s+couple\s+of|a\s+couple|a|one)\s+"
                         r"(?P<unit>(?:percentage\s+)?points?)\b", re.I)
_FROM_OR_BY = re.compile(r"\b(?:from|by)\s*$", re.I)  # "from 5% to 3%", "by $500 million to $69.5 billion"
_APPROX = re.compile(r"(?:approximately|about|around|roughly|circa|nearly|almost|close\s+to|~)\s*$", re.I)


@dataclass(frozen=True)
class Amount:
    """An amount found in text: the range it states, in its base unit, and where it stands."""

    start: int
    end: int
    low: float
    high: float
    unit: str                 # USD, %, USD/share, bp or count
    qualitative: bool = False  # a range put in words ("mid-single digits", "flat")
    scale_slip: bool = False   # the two ends spoke different scales ("$53.6 million to $53.8 billion")
    approximate: bool = False  # "approximately", "about", "around"
    points: bool = False       # said in (percentage) points: a rate's move, never a growth rate of an amount

    @property
    def point(self) -> bool:
        return self.low == self.high


@dataclass(frozen=True)
class _Number:
    start: int
    end: int
    value: float
    scale: float | None
    unit: str
    points: bool = False


def _word_value(text: str) -> float | None:
    """The value of a number in words: 'thirty-seven point five' -> 37.5, 'two and a half' -> 2.5."""
    whole, _, decimals = text.lower().partition(" point ")
    total, current = 0.0, 0.0
    for word in re.split(r"[\s-]+", whole.strip()):
        if word in ("and", "a", ""):
            continue
        if word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current = (current or 1) * 100
        elif word == "half":
            current += 0.5
        else:
            return None
    total += current
    if decimals:
        digits = "".join(str(_UNITS[w]) for w in decimals.split() if w in _UNITS and _UNITS[w] < 10)
        total = float(f"{int(total)}.{digits}") if digits else total
    return total


def _numbers(text: str) -> list[_Number]:
    found = []
    for match in _NUMBER.finditer(text):
        raw = match.group("value")
        if raw[0].isdigit() or raw[0] == ".":
            value = float(raw.replace(",", ""))
            if re.fullmatch(r"(?:19|20)\d\d", raw) and not (match.group("dollar") or match.group("scale")
                                                            or match.group("unit")):
                continue  # a year, not an amount
        else:
            value = _word_value(raw)
            if value is None:
                continue
        scale_word = (match.group("scale") or "").lower()
        unit_word = (match.group("unit") or "").strip().lower()
        if scale_word in ("m", "b", "k") and not match.group("dollar"):
            scale_word = ""  # "5 M" without a dollar sign is too ambiguous ("M" can start a word)
        scale = _SCALES.get(scale_word)
        if unit_word.startswith(("%", "percent", "per cent", "percentage", "point")) and "basis" not in unit_word:
            unit = PERCENT
        elif unit_word.startswith(("basis", "bp")):
            unit = BASIS_POINTS
        elif unit_word.startswith("cent"):
            unit, value = USD, value / 100
        elif match.group("dollar") or unit_word.startswith(("dollar", "us dollar")):
            unit = USD
        else:
            unit = COUNT
        if match.group("share") and unit == USD:
            unit = PER_SHARE
        if match.group("sign"):
            sign = match.group("sign").strip()
            if sign in ("-",) and match.start() > 0 and text[match.start() - 1].isalnum():
                sign = ""  # "Q3-2024", "a 10-K": a hyphen, not a minus
            value = -value if sign else value
        start = match.start() + (len(match.group("sign")) if match.group("sign") and value >= 0 else 0)
        start += len(text[start:match.end()]) - len(text[start:match.end()].lstrip())
        found.append(_Number(start, match.end(), value, scale, unit,
                             unit_word.startswith(("point", "percentage", "basis", "bp"))))
    return found


def _absolute(number: _Number, scale: float | None) -> float:
    """The number times its scale, exactly as said ($16.4 billion is 16400000000, not 16399999999.999998)."""
    return float(Decimal(repr(number.value)) * Decimal(repr(scale or 1.0)))


def _joined(first: _Number, second: _Number) -> tuple[float, float, str, bool] | None:
    """The range of two numbers joined by 'to' / 'and': units and scales resolved from whichever end states them."""
    units = {first.unit, second.unit} - {COUNT}
    if len(units) > 1 or first.points != second.points:
        return None  # "down 1.5 points to 63%": a move, then the level it came to
    unit = units.pop() if units else COUNT
    slip = False
    if first.scale and second.scale and first.scale != second.scale:
        # "$53.6 million to $53.8 billion": one end misspoke its scale; the spoken digits are close, so the
        # scale of the range's upper end (where a speaker states it once) is taken, and the item is flagged
        digits_close = 0.5 <= (first.value / second.value if second.value else 0) <= 2
        if not digits_close:
            return None  # "by $500 million to $69.5 billion": a change, then a level; no range
        slip, scale_low, scale_high = True, second.scale, second.scale
    else:
        scale_low = first.scale or second.scale
        scale_high = second.scale or first.scale
    return _absolute(first, scale_low), _absolute(second, scale_high), unit, slip


def _tolerance(center: float, unit: str, number: _Number) -> float | None:
    """The half-width of 'X plus or minus Y' in X's unit: Y% of a dollar amount is relative, of a percentage
    absolute (percentage points); basis points are hundredths of a point."""
    width = abs(_absolute(number, number.scale))
    if number.unit == BASIS_POINTS:
        return width / 100 if unit == PERCENT else None
    if number.unit == PERCENT:
        return abs(center) * width / 100 if unit in (USD, PER_SHARE, COUNT) else width
    if number.unit in (unit, COUNT):
        return width
    return None


def _spelled(text: str) -> str:
    """The text with "a couple of points" written as "2 points" (same length, so every position stays)."""
    def digits(match: re.Match) -> str:
        value = "2" if "couple" in match.group("word").lower() else "1"
        return value + " " * (len(match.group(0)) - len(value) - len(match.group("unit"))) + match.group("unit")
    return _WORD_WIDTH.sub(digits, text)


def amounts(text: str) -> list[Amount]:
    """Every amount stated in the text, left to right: ranges, tolerances and words resolved."""
    text = _spelled(text)
    worded = [_qualitative(match) for match in _QUALITATIVE.finditer(text)]
    numbers = [n for n in _numbers(text) if not any(w.start <= n.start < w.end for w in worded)]
    found: list[Amount] = []
    i = 0
    while i < len(numbers):
        first = numbers[i]
        approx = bool(_APPROX.search(text[max(0, first.start - 20):first.start]))
        low = high = _absolute(first, first.scale)
        unit, end, slip, used = first.unit, first.end, False, 1
        if i + 1 < len(numbers):
            second = numbers[i + 1]
            gap = text[first.end:second.start]
            before = text[:first.start]
            joins = (_RANGE_JOIN.match(gap) and not _FROM_OR_BY.search(before)
                     and (gap.strip().lower() != "and" or _BETWEEN.search(before)))
            joined = _joined(first, second) if joins else None
            tolerance = _TOLERANCE.match(gap)
            if joined and (joined[0] <= joined[1] or joined[1] < 0):  # "minus 1% to minus 5.5%" runs downwards
                low, high, unit, slip = min(joined[:2]), max(joined[:2]), joined[2], joined[3]
                end, used = second.end, 2
            elif tolerance and (width := _tolerance(low, unit, second)) is not None:
                low, high, end, used = low - width, high + width, second.end, 2
                if tolerance.group("each"):  # "73% and 73.5% respectively plus or minus 50 basis points"
                    _widen_list(found, text, first.start, second)
        if unit == BASIS_POINTS:
            unit, low, high = PERCENT, low / 100, high / 100  # a margin move in basis points is in points
        found.append(Amount(first.start, end, low, high, unit, scale_slip=slip, approximate=approx,
                            points=first.points))
        i += used
    picked = [_part_of_range(text, a) for a in found]
    inside = [a for a in picked + worded if any(p.start < a.start < p.end for p in picked)]  # "half" of "upper half"
    return sorted([a for a in picked + worded if a not in inside], key=lambda a: a.start)


def _part_of_range(text: str, amount: Amount) -> Amount:
    """"The upper half of our 55% to 65% range" is 60..65, "the low end of our range of 51% to 53%" is 51: the
    part a sentence picks of a range it names (the amount then starts at the pick)."""
    match = _PART.search(text, max(0, amount.start - 70), amount.start)
    if not match or amount.low >= amount.high:
        return amount
    middle = (amount.low + amount.high) / 2
    part = match.group("part").lower()
    if match.group("half"):
        low, high = (middle, amount.high) if part in _UPPER else (amount.low, middle)
    else:
        low = high = amount.high if part in _UPPER else amount.low
    return replace(amount, start=match.start(), low=low, high=high)


def _widen_list(found: list[Amount], text: str, before: int, width_number: _Number) -> None:
    """Apply a tolerance said once after a list of amounts to every amount of the list."""
    index = len(found) - 1
    while index >= 0 and _LIST_JOIN.match(text[found[index].end:before]):
        amount = found[index]
        width = _tolerance(amount.low, amount.unit, width_number)
        if width is None:
            return
        found[index] = Amount(amount.start, amount.end, amount.low - width, amount.high + width, amount.unit,
                              amount.qualitative, amount.scale_slip, amount.approximate)
        before, index = amount.start, index - 1


def _qualitative(match: re.Match) -> Amount:
    """A percentage range in words: low/mid/high single or double digits, the teens, the 70s, flat."""
    if match.group("flat"):
        return Amount(match.start(), match.end(), 0.0, 0.0, PERCENT, qualitative=True)
    kind = (match.group("kind") or "").lower()
    if kind:
        bands = _SINGLE_DIGITS if kind == "single" else _DOUBLE_DIGITS
    elif match.group("teens"):
        bands = _TEENS
    else:
        decade = int(match.group("decade"))
        bands = {where: (decade + low, decade + high) for where, (low, high) in _SINGLE_DIGITS.items()}
        bands["low"] = (decade, decade + 3)
    first = _WHERE[match.group("where").lower()]
    last = _WHERE[(match.group("where2") or match.group("where")).lower()]
    return Amount(match.start(), match.end(), float(bands[first][0]), float(bands[last][1]), PERCENT,
                  qualitative=True)
