"""Plain-text transcripts with one 'Name: text' line per speaker turn."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ...errors import ParseError
from ...fiscal import period_for_call
from ...model import Period, Transcript, Turn
from ..speakers import kind_from_role
from .file_names import NAME_EXAMPLE, name_info
from .markup import Line, clean_lines, join_lines
from .qa_cues import operator_names, qa_start
from .validate import check_transcript

_WORD = r"[A-Z][\w.'\u2019-]*"
_PARTICLE = r"(?:de|da|di|du|del|della|van|von|der|den|la|le|bin|al)"
_NAME = rf"{_WORD}(?:\s+(?:{_PARTICLE}\s+)?{_WORD}){{0,4}}"
# "Name: text", "Name (Role): text", "Name - Role: text" (the text may start on the next line).
_SPEAKER = re.compile(
    rf"^(?P<name>{_NAME})(?:\s*\((?P<paren>[^()]{{1,80}})\)|\s+[-\u2013\u2014]+\s+(?P<dash>[^:]{{1,80}}?))?"
    rf"\s*:(?:\s+(?P<text>.*))?$"
)
_NOT_PLAIN = re.compile(r"<(?:html|body|div|p)\b|StreetEvents Event Transcript", re.I)
_LOOKS_SHARE = 0.5  # share of non-empty lines that must start with a speaker prefix


@dataclass
class _Draft:
    speaker: str
    role: str
    lines: list[Line]


def _speaker_match(line: str) -> re.Match[str] | None:
    return _SPEAKER.match(line.strip())


def looks_like(text: str) -> bool:
    """True if most non-empty lines (and at least three) start with a short 'Name:' prefix."""
    if _NOT_PLAIN.search(text[:5000]):
        return False
    lines = [line.text for line in clean_lines(text) if line.text]
    hits = sum(1 for line in lines if _speaker_match(line))
    return hits >= 3 and hits >= _LOOKS_SHARE * len(lines)


def _drafts(text: str) -> list[_Draft]:
    """Split the lines into speaker turns; unprefixed lines continue the previous turn (an empty turn is kept:
    the checks drop it with a warning)."""
    lines = clean_lines(text)
    matches = [_speaker_match(line.text) if line.text else None for line in lines]
    prefix_counts: dict[str, int] = {}
    for m in matches:
        if m:
            prefix_counts[m["name"]] = prefix_counts.get(m["name"], 0) + 1
    drafts: list[_Draft] = []
    for line, m in zip(lines, matches):
        # A one-word prefix ("Note:", "Revenue:") counts as a speaker only if it recurs or is "Operator".
        if m and (" " in m["name"] or prefix_counts[m["name"]] > 1 or m["name"].lower() == "operator"):
            role = (m["paren"] or m["dash"] or "").strip()
            first = line.tail(m.start("text")) if m["text"] else Line("", line.marks)
            drafts.append(_Draft(m["name"], role, [first]))
        elif drafts:
            drafts[-1].lines.append(line)
    return drafts


def _kinds(drafts: list[_Draft], operators: set[str], first_qa: int) -> dict[str, str]:
    """Each speaker's kind: from a role if given, else from where and after whom they first speak."""
    kinds: dict[str, str] = {}
    presenters = {d.speaker for d in drafts[:first_qa] if d.speaker not in operators}
    for i, draft in enumerate(drafts):
        name = draft.speaker
        if name in kinds:
            continue
        if name in operators:
            kinds[name] = "operator"
        elif draft.role:
            kinds[name] = kind_from_role(draft.role)
        elif name in presenters:
            kinds[name] = "executive"
        elif operators and i > first_qa and drafts[i - 1].speaker in operators:
            kinds[name] = "analyst"  # introduced by the operator in Q&A
        elif operators and i >= first_qa:
            kinds[name] = "executive"  # first speaks in Q&A after someone who is not the operator: answers
        else:
            kinds[name] = "other"
    return kinds


def _turn_type(kind: str, section: str, text: str) -> str:
    if kind == "operator":
        return "operator"
    if section == "prepared":
        return "presentation"
    if kind == "analyst" or (kind == "other" and "?" in text):
        return "question"
    return "answer"


def parse(
    text: str,
    *,
    source: str = "",
    ticker: str | None = None,
    period: Period | None = None,
    call_date: dt.date | None = None,
    company: str = "",
) -> Transcript:
    """Parse 'Name: text' lines into a Transcript; ticker and fiscal period must come from the caller."""
    where = source or None
    if not text.strip():
        raise ParseError("empty document", where=where)
    if "\x00" in text:
        raise ParseError("binary data, not a text transcript", where=where)
    named = name_info(source)
    ticker = ticker or named.ticker
    call_date = call_date or named.call_date
    if not ticker:
        raise ParseError(f"a plain transcript does not name its company; give the ticker (--ticker) or name the "
                         f"file like {NAME_EXAMPLE}", where=where)
    if period is None and call_date is None:
        raise ParseError("a plain transcript does not name its fiscal period; give it (--period 2025Q2) or the call "
                         f"date in the file name ({NAME_EXAMPLE})", where=where)
    period = period or period_for_call(ticker.upper(), call_date)
    drafts = _drafts(text)
    if len(drafts) < 2:
        raise ParseError(f"found {len(drafts)} 'Name: text' speaker lines; not a speaker-by-line transcript",
                         where=where)
    bodies = [join_lines(d.lines) for d in drafts]
    pairs = [(d.speaker, body) for d, (body, _) in zip(drafts, bodies)]
    operators = operator_names(pairs)
    start = qa_start(pairs, operators=operators.__contains__)
    first_qa = len(drafts) if start is None else start
    kinds = _kinds(drafts, operators, first_qa)
    turns = []
    for i, (draft, (body, marks)) in enumerate(zip(drafts, bodies)):
        section = "prepared" if i < first_qa else "qa"
        kind = kinds[draft.speaker]
        turns.append(Turn(index=i, speaker=draft.speaker, role=draft.role, firm="", kind=kind, section=section,
                          type=_turn_type(kind, section, body), text=body, marks=marks))
    transcript = Transcript(
        ticker=ticker.upper(), company=company, fiscal_year=period.fiscal_year, fiscal_quarter=period.fiscal_quarter,
        call_date=call_date, title=f"{ticker.upper()} FY{period.fiscal_year} Q{period.fiscal_quarter} earnings call",
        format="plain", source=source, turns=tuple(turns),
    )
    return check_transcript(transcript)
