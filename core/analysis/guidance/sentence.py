"""One sentence of management read into items: each amount of each clause tied to its metric, basis, kind,
measure and period, with what the turn said before (its outlook, its results, its last item)."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ...model import Period
from ..amounts import COUNT, PER_SHARE, PERCENT, USD, Amount, amounts
from ..metrics import Mention, Vocabulary, is_business_name
from ..sentences import Sentence
from ..target_periods import Target
from . import cues
from .item import ACTUAL, GROWTH, GUIDANCE, LEVEL, SEQUENTIAL, UNNAMED_SEGMENT, Item
from .periods import ahead, compared_with, is_reported, periods, target_of


@dataclass(frozen=True)
class TurnContext:
    """What a turn has said so far that later sentences lean on: the period of its outlook, of its results."""

    outlook: Target | None = None
    results: Target | None = None
    said: Item | None = None  # the last item the turn's previous sentences yielded, for "This is an increase of …"


def with_bare_bases(text: str, mentions: list[Mention], said: Item | None) -> list[Mention]:
    """"GAAP gross margin was 58.4% and non-GAAP was 59%": a bare basis names the metric said before it again (in
    the sentence, else the last one the turn said: "And non-GAAP was 56%."); "Gross margin was 60.4% and non-GAAP
    was 61%": the metric said first without a basis was GAAP."""
    found = list(mentions)
    for match in cues.BARE_BASIS.finditer(text):
        earlier = [m for m in found if m.end <= match.start()]
        if any(m.start <= match.start() < m.end for m in found):
            continue
        basis = "non_gaap" if match.group("non") else "gaap"
        if earlier:
            if not earlier[-1].bases and basis == "non_gaap":
                found[found.index(earlier[-1])] = replace(earlier[-1], bases=("gaap",))
            found.append(Mention(match.start(), match.end(), earlier[-1].metric, earlier[-1].segment, (basis,),
                                 earlier[-1].named))
        elif said is not None and not mentions and match.start() < 12:
            found.append(Mention(match.start(), match.end(), said.metric, said.segment, (basis,)))
    return sorted(found, key=lambda m: m.start)


def clauses(text: str) -> list[tuple[int, int]]:
    bounds, start = [], 0
    for match in cues.CLAUSE_BREAK.finditer(text):
        bounds.append((start, match.start()))
        start = match.end()
    bounds.append((start, len(text)))
    return bounds


def sentence_items(sentence: Sentence, call: Period, vocabulary: Vocabulary, context: TurnContext,
                    calendar_is_fiscal: bool) -> tuple[list[Item], TurnContext]:
    text = sentence.text
    mentions = with_bare_bases(text, vocabulary.mentions(text), context.said)
    first_number = re.search(r"\d", text)
    if context.said is not None and cues.ANAPHORA.match(text) and first_number and not any(
            m.start < first_number.start() for m in mentions):
        said = context.said  # "This would be an increase of approximately 8% year-over-year."
        mentions = [Mention(0, 0, said.metric, said.segment, () if said.basis == "none" else (said.basis,)),
                    *mentions]
    ahead = [t for t in periods(text, call, True, calendar_is_fiscal) if t.trackable]
    opens_outlook = cues.OUTLOOK_INTRO.search(text) or cues.SWITCH_TO_PERIOD.match(text) or (
        cues.OPENS_WITH_PERIOD.match(text) and cues.FUTURE.search(text) and not mentions)  # "In Q2, we expect …"
    if opens_outlook and not cues.PAST.search(text) and ahead:
        context = TurnContext(outlook=ahead[0])  # "Turning to the outlook for the fourth quarter."
    else:  # "Now let me turn to our full year results."; "the specifics of the fourth quarter, where I will be …"
        said_in_past = cues.PAST.search(text) or cues.RESULTS.search(text) or not cues.FUTURE.search(text)
        back_to_results = cues.PAST.search(text) and not cues.FUTURE.search(text)  # "So, 2010 was our best year"
        for target in periods(text, call, False, calendar_is_fiscal):
            if target.trackable and is_reported((target.fiscal_year, target.fiscal_quarter), call) and (
                    said_in_past or target.fiscal_quarter is not None):
                context = replace(context, results=target, outlook=None if back_to_results else context.outlook)
    if not mentions:
        return [], context
    notes = [match.span() for match in cues.EDITORIAL.finditer(text)]
    found = [a for a in amounts(text) if not any(start <= a.start < end for start, end in notes)]
    items: list[Item] = []
    for clause_start, clause_end in clauses(text):
        clause_amounts = [a for a in found if clause_start <= a.start < clause_end]
        for mention, assigned in _assign(text, mentions, clause_amounts, clause_start, clause_end):
            for basis, amount in assigned:
                later = [a.start for a in clause_amounts if a.start > amount.start]
                item = _item(sentence, call, vocabulary, mention, basis, amount, (clause_start, clause_end),
                             later[0] if later else clause_end, context, calendar_is_fiscal)
                if item:
                    items.append(item)
    explicit = [i for i in items if i.kind == GUIDANCE and "period_from_context" not in i.flags]
    if explicit:  # "For the full year, we expect gross margins …": the year is the turn's period from here on
        context = replace(context, outlook=Target(0, 0, explicit[-1].target_fiscal_year,
                                                  explicit[-1].target_fiscal_quarter))
    return items, context


def _assign(text: str, mentions: list[Mention], clause_amounts: list[Amount], clause_start: int,
            clause_end: int) -> list[tuple[Mention, list[tuple[str, Amount]]]]:
    """Each amount of a clause tied to its metric mention and basis."""
    out: dict[int, list[tuple[str, Amount]]] = {}
    by_mention: dict[int, list[Amount]] = {}
    for amount in clause_amounts:
        mention = _mention_of(text, mentions, amount, clause_start)
        if mention is not None:
            by_mention.setdefault(mentions.index(mention), []).append(amount)
    for index, tied in by_mention.items():
        mention = mentions[index]
        bases = mention.bases or _basis_after(text, mention.end, clause_end) or (
            _basis_for_all(text) if mention.metric != "revenue" else ())  # revenue: one number on any basis
        if len(bases) > 1 and len(tied) == len(bases) and (cues.RESPECTIVELY.search(text, mention.end, clause_end)
                                                           or len(tied) > 1):
            out[index] = list(zip(bases, tied))
        elif len(bases) > 1 and len(tied) == 1:
            out[index] = [(basis, tied[0]) for basis in bases]
        else:
            out[index] = [(bases[0] if bases else "none", amount) for amount in tied]
    return [(mentions[index], pairs) for index, pairs in sorted(out.items())]


def _basis_for_all(text: str) -> tuple[str, ...]:
    """"…, EPS of $0.10, all on a non-GAAP basis", "Our GAAP outlook is as follows -- …": one basis said for every
    figure of the sentence."""
    match = cues.ALL_ON_BASIS.search(text)
    if not match:
        return ()
    return ("non_gaap",) if match.group("non") or match.group("non_opener") else ("gaap",)


def _basis_after(text: str, start: int, end: int) -> tuple[str, ...]:
    match = cues.BASIS_AFTER.match(text[start:end])
    if not match:
        return ()
    return ("non_gaap",) if match.group("non") else ("gaap",)


def _mention_of(text: str, mentions: list[Mention], amount: Amount, clause_start: int) -> Mention | None:
    """The metric an amount belongs to: the nearest named before it in its clause (no other amount's metric in
    between), else one named right after it ("$6 billion in revenue")."""
    mentions = [m for m in mentions if not cues.PART_OF.search(text[max(0, m.start - 30):m.start])]
    before = [m for m in mentions if clause_start <= m.start and m.end <= amount.start]
    move = cues.MOVE_AFTER.match(text[amount.end:]) if amount.unit == PERCENT else None
    if move and cues.MOVE_OF_ANOTHER.match(text[amount.end + move.end():]):
        return None  # "driven by a 13% decline in the Computing segment": another thing's move
    if cues.CHANGE_AFTER.match(text[amount.end:]) and not move:
        return None  # "$700 million more revenue", "$2.2 billion in revenue growth": a change, no level
    after = [m for m in mentions if m.start >= amount.end and
             re.fullmatch(r"\s*(?:(?:year[\s-]+(?:over|on)[\s-]+year|sequential)\s+)?"
                          r"(?:(?:growth|increase|decline|decrease)\s+)?"
                          r"(?:(?:in|of)\s+|percent(?:age)?\s+)?"
                          r"(?:total\s+|non[\s-]?GAAP\s+|GAAP\s+|adjusted\s+)*", text[amount.end:m.start], re.I)]
    if after:
        return after[0]
    if before:
        return before[-1]
    return None


def _item(sentence: Sentence, call: Period, vocabulary: Vocabulary, mention: Mention, basis: str, amount: Amount,
          clause: tuple[int, int], following: int, context: TurnContext, calendar_is_fiscal: bool) -> Item | None:
    text = sentence.text
    left = text[clause[0]:amount.start]
    if _not_a_value(left, text[amount.end:], text[amount.end:following]):
        return None
    kind = _kind(text, clause, amount) or (
        ACTUAL if cues.RESULTS.search(text) and sentence.section != "qa" else
        GUIDANCE if context.outlook is not None else
        ACTUAL if sentence.section != "qa" else None)  # answers must say which
    if kind is None:
        return None
    metric = vocabulary.metric(mention.metric)
    measure = _measure(text, clause, mention, amount, metric.unit, following)
    if measure is None:
        return None
    low, high = amount.low, amount.high
    move_after = cues.MOVE_AFTER.match(text[amount.end:])
    if measure != LEVEL and high > 0 and (_falling(text[max(clause[0], mention.start):amount.start]) or (
            move_after and move_after.group("down"))):
        low, high = -high, -low
    flags, confidence = [], 0.9
    target = target_of(text, clause, amount, call, kind, context, calendar_is_fiscal)
    if target is None:
        return None
    period, from_context = target
    if from_context:
        flags.append("period_from_context")
        confidence -= 0.15
    if measure != LEVEL:  # "down 4% from Q4": the quarter it is compared with says which growth
        measure = compared_with(text[amount.end:min(clause[1], amount.end + 80)], call, period) or measure
    if kind == GUIDANCE and (cues.LONG_TERM.search(text[clause[0]:clause[1]]) or not ahead(period, call)):
        return None
    if kind == ACTUAL and (not is_reported(period, call) or cues.LONG_AGO.search(left)):
        return None
    segment = mention.segment or (_segment_subject(text[clause[0]:mention.start]) if metric.key == "revenue"
                                  else None)
    if metric.key == "revenue" and segment is None and (cues.BUSINESS.search(text[mention.end:amount.start]) or (
            mention.end < amount.start and cues.PART_REVENUE.match(text, mention.end))):
        segment = UNNAMED_SEGMENT  # "revenue from our data-centric businesses to be up 10%"
    if amount.qualitative:
        confidence -= 0.2
    if amount.scale_slip:
        flags.append("scale_slip")
        confidence -= 0.3
    if mention.start > amount.start:
        confidence -= 0.05
    if amount.start - mention.end > 120:
        confidence -= 0.1
    return Item(kind, metric.key, segment, basis, period[0], period[1], measure, low, high,
                amount.unit, amount.qualitative, sentence.pos, round(max(confidence, 0.1), 2), tuple(flags))


def _not_a_value(left: str, right: str, to_next: str) -> bool:
    """Whether an amount is no value of its own from what is said around it: an earlier outlook recalled, a
    comparison's base, a figure excluding something, a line crossed, a what-if level ("at the $1.3 billion revenue
    level, we …")."""
    recalled = cues.REFERENCE.search(left) and not cues.NEW_GUIDE.search(left) and not cues.KEPT_AFTER.match(right)
    return bool(recalled or cues.EXCLUDING.search(left) or cues.THRESHOLD.search(left)
                or cues.COMPARISON_BEFORE.search(left[-40:]) or cues.COMPARISON_AFTER.match(right)
                or cues.REFERENCE_AFTER.match(right) or cues.EXCLUDING_AFTER.match(to_next)
                or (cues.AT_LEVEL.search(left) and cues.LEVEL_AFTER.match(right)) or cues.SEASONAL_NORM.search(left))


def _kind(text: str, clause: tuple[int, int], amount: Amount) -> str | None:
    """Guidance or a reported result, from the nearest tense cue before the amount in its clause (else after)."""
    left = cues.NOT_A_CUE.sub(_blank, text[clause[0]:amount.start])
    right = cues.NOT_A_CUE.sub(_blank, text[amount.end:clause[1]])
    said = ([(m.end(), GUIDANCE) for m in cues.FUTURE.finditer(left)]
            + [(m.end(), ACTUAL) for m in cues.PAST.finditer(left)])
    if said:
        return max(said)[1]
    future, past = cues.FUTURE.search(right), cues.PAST.search(right)
    if future and (not past or future.start() < past.start()):
        return GUIDANCE
    if past:
        return ACTUAL
    return None


def _segment_subject(before: str) -> str | None:
    """The business a clause's subject names before its revenue: "Our Internet of Things business achieved record
    revenue", "NEX achieved …", "Data Center delivered record segment revenue"."""
    match = cues.SUBJECT.search(before)
    if match:
        name = re.sub(r"^(?:(?:our|the|and|also)\s+)+", "", match.group("name") or match.group("acronym"), flags=re.I)
        if not cues.NOT_A_SUBJECT.fullmatch(name) and is_business_name(name):
            return name.lower()
    if re.search(r"\bsegment\b", before, re.I):
        return "segment"
    return None


def _falling(left: str) -> bool:
    """Whether the direction word nearest before a growth amount says it falls ("down 4%", "a decrease of 10%")."""
    words = list(cues.DIRECTION.finditer(left))
    return bool(words) and bool(cues.NEGATIVE.fullmatch(words[-1].group(0)))


def _blank(match: re.Match) -> str:
    return " " * len(match.group(0))


def _measure(text: str, clause: tuple[int, int], mention: Mention, amount: Amount, unit: str,
             following: int) -> str | None:
    """Level, growth or sequential growth; None when the amount is no value of the metric. `following` is where
    the clause's next amount starts: what is said between tells this amount's comparison ("10% year-over-year")."""
    left = text[max(clause[0], mention.end):amount.start]
    after = text[amount.end:following]
    if cues.SHARE_OF.match(after) or cues.RUN_RATE.search(text[clause[0]:clause[1]]):
        return None
    change = (cues.CHANGE_BEFORE.search(left[-45:]) or re.search(r"\bgrowth\b", text[mention.start:amount.start], re.I)
              or cues.MOVE_AFTER.match(after))
    if amount.points or (amount.qualitative and amount.high == 0 and unit == PERCENT):
        return None  # "280 basis points better", "flat from a year ago": a rate's move, no level
    if amount.unit == unit or (unit == PER_SHARE and amount.unit == USD and amount.high < 100) or (
            unit == COUNT and amount.unit == COUNT and amount.high >= 1e6):
        if (change and not cues.CHANGED_TO.search(left)) or cues.BY.search(left):
            return None  # "up $1.5 billion", a margin "up 370 basis points": a change, no level
        return LEVEL      # "decreased 10% sequentially to $958 million": the level it came to
    if amount.unit != PERCENT or amount.points or unit not in (USD, COUNT, PER_SHARE):
        return None  # a growth rate is in percent; "down 1 point" moves a rate, not an amount
    own = text[amount.start:amount.end]  # "15% sequentially, plus or minus 3%"
    if mention.start > amount.start:  # "high single-digit percentage revenue growth"
        change = change or re.search(r"\bgrowth\b", text[mention.end:mention.end + 12], re.I)
    if cues.SEQUENTIAL.search(own) or cues.SEQUENTIAL.search(after[:40]):
        return SEQUENTIAL
    if cues.YEAR_OVER_YEAR.search(own) or cues.YEAR_OVER_YEAR.search(after[:40]):
        return GROWTH
    if change:
        return SEQUENTIAL if cues.SEQUENTIAL.search(text[clause[0]:amount.start]) else GROWTH
    return None
