"""Guidance and reported results read from a call's sentences, deterministically (no model).

A sentence of management (prepared remarks or answers; never an analyst or the operator) yields an item for each
amount it ties to a metric of the vocabulary (core/analysis/metrics.toml):
- the amount's clause says whether it is guidance (expect, outlook, anticipate, will be, …) or a reported result
  (was, came in, grew, …); a reference to an earlier outlook ("above our outlook of $32.5 billion") or a comparison
  ("up from $18.1 billion a year ago") is neither and yields nothing;
- the metric is the nearest one named before the amount in its clause (or right after it: "$6 billion of revenue");
  "GAAP and non-GAAP gross margins … 73% and 73.5%, respectively" pairs bases with amounts in order;
- the period is the one its clause names, else the one the turn's outlook named last ("Turning to the outlook for the
  fourth quarter. Revenue is expected to be …"); a reported result is about the reported quarter (or, in a fourth
  quarter's call, the fiscal year); a half year, a long-term model or a period it cannot place yields nothing;
- a growth amount ("up 17% sequentially", "growth of 11% to 13%") is a growth measure of its metric; a margin's move
  in points is no item; a share of revenue ("87% of revenue") is no item.
A tolerance said on its own right after guidance ("Plus or minus 2%.") widens that item."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from ...model import Period
from ..amounts import PERCENT, amounts
from ..metrics import Vocabulary
from ..sentences import Sentence
from . import cues
from .item import ACTUAL, GROWTH, GUIDANCE, LEVEL, MANAGEMENT, SEQUENTIAL, UNNAMED_SEGMENT, Item
from .sentence import TurnContext, sentence_items

__all__ = ["ACTUAL", "GROWTH", "GUIDANCE", "LEVEL", "MANAGEMENT", "SEQUENTIAL", "UNNAMED_SEGMENT", "Item", "extract"]


def extract(sentences: Sequence[Sentence], call: Period, vocabulary: Vocabulary, *,
            calendar_is_fiscal: bool = False) -> list[Item]:
    """Every guidance and reported item of a call's sentences, each said once (its first place)."""
    items: list[Item] = []
    context = TurnContext()
    last_turn = None
    for sentence in sentences:
        if sentence.turn_idx != last_turn:
            context, segment, last_turn, previous, said = TurnContext(), None, sentence.turn_idx, None, None
        if sentence.speaker_group not in MANAGEMENT:
            continue
        widened = _tolerance_only(sentence.text, previous) or _range_end_only(sentence.text, previous)
        if widened:
            items[items.index(previous)] = previous = widened
            continue
        switched = vocabulary.topic_switch(sentence.text)
        talking_of = (switched or None) if switched is not None else segment
        names_period = cues.OPENS_WITH_PERIOD.match(sentence.text) or cues.PERIOD_REVENUE.search(sentence.text)
        if switched is None and names_period:
            talking_of = None  # "Second-quarter revenue was …", "our full year revenue" after a segment: the company's
        found, context = sentence_items(sentence, call, vocabulary, replace(context, said=said), calendar_is_fiscal)
        said = found[-1] if found else (said if not vocabulary.mentions(sentence.text) else None)
        if talking_of:  # "Moving to automotive. Revenue was $281 million": the segment's revenue, not the company's
            found = [replace(i, segment=talking_of) if i.metric == "revenue" and i.segment is None and not
                     cues.TOTAL.search(sentence.text) else i for i in found]
        segment = _segment_context(sentence.text, vocabulary, segment)
        items.extend(found)
        previous = found[-1] if found and found[-1].kind == GUIDANCE else None
    items = _segments_by_size(items)
    stated = {replace(i, basis="none").key for i in items if i.basis != "none"}
    seen, unique, ranges = set(), [], {}
    for item in items:  # once each; a number said again without its basis is the one said with it
        thing = (*item.key[:7], item.unit)  # all but the range
        first = ranges.get(thing)
        restated = first is not None and first[0] <= item.low and item.high <= first[1] and item.low == item.high
        if item.key not in seen and not (item.basis == "none" and item.key in stated) and not restated:
            seen.add(item.key)
            unique.append(item)  # "the guidance for Q3 of $6.8 billion" after "$6.8 billion plus or minus 2%": once
            ranges.setdefault(thing, (item.low, item.high))
    return unique


def _segments_by_size(items: list[Item]) -> list[Item]:
    """A company revenue well below another company revenue said for the same period on the same call belongs to
    a business the sentence does not name ("Q2 revenue was $209 million" in a segment's paragraph): every revenue
    item of its sentence is set apart as an unnamed segment's."""
    largest: dict[tuple, float] = {}
    for item in items:
        if item.metric == "revenue" and item.segment is None and item.measure == LEVEL:
            period = (item.kind, item.target_fiscal_year, item.target_fiscal_quarter)
            largest[period] = max(largest.get(period, 0.0), item.high)
    def is_small(item: Item) -> bool:
        return (item.metric == "revenue" and item.segment is None and item.measure == LEVEL
                and item.high < 0.8 * largest[(item.kind, item.target_fiscal_year, item.target_fiscal_quarter)])

    levels: dict[int, list[bool]] = {}
    for item in items:
        if item.metric == "revenue" and item.segment is None and item.measure == LEVEL:
            levels.setdefault(item.pos, []).append(is_small(item))
    small = {pos for pos, flags in levels.items() if all(flags)}  # a sentence with the company's total keeps it
    return [replace(i, segment=UNNAMED_SEGMENT) if i.metric == "revenue" and i.segment is None and (
        i.pos in small or (i.measure == LEVEL and is_small(i))) else i for i in items]


def _segment_context(text: str, vocabulary: Vocabulary, segment: str | None) -> str | None:
    """The segment a turn is talking about after this sentence: one it turns to or names, until it turns elsewhere
    or names another metric or the company's total."""
    switched = vocabulary.topic_switch(text)
    if switched is not None:  # "Moving to gaming." holds; "In gaming, …" speaks of gaming in its own sentence only
        return (switched or None) if cues.MOVE.match(text) else None
    mentions = vocabulary.mentions(text)
    named = {m.segment for m in mentions if m.segment and m.named}
    if named:  # "embedded segment revenue to be up, and the gaming segment to decline": a list holds no one segment
        listed = named | {name.lower() for name in vocabulary.segments
                          if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text, re.I)}
        return named.pop() if len(listed) == 1 else None
    if cues.TOTAL.search(text) or any(m.metric != "revenue" for m in mentions) or cues.OUTLOOK_INTRO.search(text):
        return None
    return segment


def _tolerance_only(text: str, previous: Item | None) -> Item | None:
    """'Plus or minus 2%.' said alone right after a point guidance: that guidance widened."""
    match = cues.TOLERANCE_ONLY.match(text)
    if not match or previous is None or previous.low != previous.high:
        return None
    width = float(match.group("width"))
    if match.group("unit").lower().startswith(("basis", "bp")):
        width /= 100
        if previous.unit != PERCENT:
            return None
    elif previous.unit != PERCENT:
        width = abs(previous.low) * width / 100
    return replace(previous, low=previous.low - width, high=previous.high + width)


def _range_end_only(text: str, previous: Item | None) -> Item | None:
    """'To $2.5 billion.' said alone right after a point guidance (a range split across two sentences): the range
    from that point to this end."""
    match = cues.RANGE_END_ONLY.match(text)
    if not match or previous is None or previous.low != previous.high:
        return None
    found = amounts(text)
    end = found[0] if len(found) == 1 else None
    if end is None or end.unit != previous.unit or end.low != end.high or end.low <= previous.low:
        return None
    return replace(previous, high=end.high)
