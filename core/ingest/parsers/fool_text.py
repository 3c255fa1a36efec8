"""fool.com transcripts saved or copied as text (a browser's "save as text", a copy of the page).

The shape: a header ("Acme Corp (NASDAQ:ACME)", "Q1 2025 Earnings Call", "May 22, 2024", "5:00 p.m. ET"), the
headings "Prepared Remarks:" and "Questions & Answers:", each turn opened by its speaker, then its paragraphs, one a
line (or, where the copy was wrapped at a fixed width, parted by blank lines); "Duration: N minutes" and a "Call
participants:" list end it, and whatever follows the list (the rest of a saved page) is ignored. A speaker is
"Name -- Role" on one line, or the name, "--" and the role on lines of their own (analysts' roles carry the firm:
"UBS -- Analyst"), or "Operator" alone, or a name alone that the participants list names.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from ...errors import ParseError
from ...model import Participant, Period, Transcript
from ..speakers import is_operator_name, kind_from_role
from .file_names import NAME_EXAMPLE, name_info
from .fool_legacy import CONTENTS, DURATION, PARTICIPANTS, QA, check_complete, heading_kind
from .html_text import RawTurn, assemble, is_name, parse_date, parse_time, resolve_period, split_role, title_info
from .markup import Line, clean_lines, join_lines
from .streetevents import fiscal_label
from .validate import check_transcript

_DASH = r"(?:--|[\u2013\u2014])"
_DASH_LINE = re.compile(rf"^{_DASH}$")
_INLINE = re.compile(rf"^(?P<name>.+?)\s+{_DASH}\s+(?P<role>\S.*)$")  # "Name -- Role" (the role may hold " -- ")
_NAME_THEN_DASH = re.compile(rf"^(?P<name>.+?)\s+{_DASH}$")  # "Name --", the role on the next line
_DASH_THEN_ROLE = re.compile(rf"^{_DASH}\s+(?P<role>\S.*)$")  # "-- Role" below the name
_SMALL_WORDS = frozenset("and of for the in on at to & - -- \u2013 \u2014 de da di du del della van von der den la le "
                         "bin al".split())
_NOT_A_TITLE = re.compile(r"[?!;:\"\u201c\u201d]")
_INITIALS = re.compile(r"(?:[A-Z]\.)+|[A-Z][a-z]{1,2}\.")  # "W.", "C.J.", "Jr.", "Dr."
_LOOKS_PREPARED = re.compile(r"^[ \t]*Prepared Remarks[ \t]*:[ \t]*$", re.M | re.I)
_LOOKS_SPEAKER = re.compile(rf"^[ \t]*{_DASH}[ \t]*$|\S[ \t]+{_DASH}[ \t]+\S", re.M)
_CALL_LABEL = re.compile(r"\bearnings\s+(?:conference\s+)?call$", re.I)  # "Q2 2020 Earnings Call"
_EXCHANGE_TICKER = re.compile(
    r"(?P<company>[^\n()]*?)\s*\(\s*[A-Za-z]{2,10}\s*:\s*(?P<ticker>[A-Z][A-Z0-9.\-]{0,9})\s*\)")
_PERIOD_ENDING = re.compile(r"\bperiod ending\b", re.I)  # "… for the period ending May 31, 2020": no call date
_ROLE_WORDS = 12  # the most words a role line has
_AHEAD = 6  # lines a speaker header may span, blank lines included
_WRAP_WIDTH = 100  # no line of speech longer than this: the copy was wrapped, and blank lines part the paragraphs


def looks_like(text: str) -> bool:
    """Text, not a web page, with a 'Prepared Remarks:' heading line and '--' speaker lines."""
    return ("<html" not in text[:5000].lower() and bool(_LOOKS_PREPARED.search(text))
            and bool(_LOOKS_SPEAKER.search(text)))


def _title_like(text: str, *, most: int) -> bool:
    """A few capitalised words (small words allowed between them), as names and job titles are written."""
    words = text.replace(",", " ").split()
    return 0 < len(words) <= most and not _NOT_A_TITLE.search(text) and all(
        w[0].isupper() or w[0].isdigit() or w.lower() in _SMALL_WORDS for w in words)


def _person(name: str) -> bool:
    """A person's name: a few capitalised words, dots only after initials or a short title ('C.J.', 'Jr.')."""
    return is_name(name) and _title_like(name, most=6) and all(
        _INITIALS.fullmatch(word) for word in name.split() if word.endswith("."))


def _speaker(lines: Sequence[Line], i: int, listed: Collection[str]) -> tuple[str, str, int] | None:
    """(name, role, index of the line after the header) when a speaker header starts at lines[i]."""
    text = lines[i].text
    ahead = [j for j in range(i + 1, min(len(lines), i + _AHEAD)) if lines[j].text][:2]
    below = [lines[j].text for j in ahead]
    m = _INLINE.match(text)
    if m and len(m["name"].split()) > 1 and _person(m["name"]) and _title_like(m["role"], most=_ROLE_WORDS):
        return m["name"], m["role"], i + 1
    if len(below) == 2 and _DASH_LINE.match(below[0]) and _person(text) and _title_like(below[1], most=_ROLE_WORDS):
        return text, below[1], ahead[1] + 1
    if below and (m := _NAME_THEN_DASH.match(text)) and _person(m["name"]) and _title_like(below[0], most=_ROLE_WORDS):
        return m["name"], below[0], ahead[0] + 1
    if below and (m := _DASH_THEN_ROLE.match(below[0])) and _person(text) and _title_like(m["role"], most=_ROLE_WORDS):
        return text, m["role"], ahead[0] + 1
    return (text, "", i + 1) if is_operator_name(text) or text in listed else None


@dataclass
class _Page:
    """What the walk over the lines collects."""

    header: list[str] = field(default_factory=list)
    turns: list[RawTurn] = field(default_factory=list)
    bodies: list[list[Line]] = field(default_factory=list)  # each turn's lines, its header's marks first
    listed: list[Participant] = field(default_factory=list)
    contents: list[str] = field(default_factory=list)
    sections: set[str] = field(default_factory=set)
    ended: bool = False  # a 'Duration' line was seen


def _walk(lines: Sequence[Line], listed: Collection[str]) -> _Page:
    page, mode, i = _Page(), None, 0
    while i < len(lines):
        text = lines[i].text
        kind = heading_kind(text) if text else None
        if kind and mode == CONTENTS and not text.endswith(":") and text not in page.contents:
            page.contents.append(text)  # an entry of the Contents list, not the heading itself
        elif kind:
            mode = kind
            page.sections.add(kind)
        elif mode is None:
            page.header.append(text)
        elif mode in ("prepared", QA) and DURATION.match(text):
            page.ended, mode = True, "end"
        elif text and mode in ("prepared", QA, PARTICIPANTS) and (found := _speaker(lines, i, listed)):
            name, role, end = found
            if mode == PARTICIPANTS:
                role, firm = split_role(role)
                page.listed.append(Participant(name, role, firm, kind_from_role(role, firm)))
            else:
                page.turns.append(RawTurn(name, "prepared" if mode == "prepared" else "qa", role))
                page.bodies.append([Line("", line.marks) for line in lines[i:end]])
            i = end
            continue
        elif mode == PARTICIPANTS and text and page.listed:
            break  # the list is over: the rest of a saved page follows
        elif mode in ("prepared", QA) and page.bodies:
            page.bodies[-1].append(lines[i].squeezed())  # blanks as a page shows them
        i += 1
    return page


@dataclass(frozen=True)
class _Header:
    title: str
    company: str
    ticker: str
    period: Period | None
    call_date: dt.date | None
    call_time: str | None


def _header(lines: Sequence[str]) -> _Header:
    """Title, company, ticker, fiscal period, date and time from the lines before the first heading."""
    lines = [line for line in lines if line]
    title = next((line for line in lines if title_info(line).ticker and title_info(line).period), "")
    titled = title_info(title)
    exchange = _EXCHANGE_TICKER.search("\n".join(lines))
    label_at = next((i for i, line in enumerate(lines) if _CALL_LABEL.search(line)), None)
    label = lines[label_at] if label_at is not None else ""
    when = " ".join(lines[label_at + 1:label_at + 5] if label_at is not None
                    else [line for line in lines if not _PERIOD_ENDING.search(line)])
    company = (exchange["company"].strip() if exchange else "") or titled.company  # the body's name, as on the page
    ticker = titled.ticker or (exchange["ticker"] if exchange else "")
    title = title or " ".join(part for part in (company, f"({ticker})" if ticker else "", label) if part)
    return _Header(title, company, ticker, titled.period or fiscal_label(label)[0], parse_date(when), parse_time(when))


def _paragraphs(body: list[Line], *, wrapped: bool) -> list[Line]:
    """A turn's paragraphs: its lines, or in a wrapped copy the runs of lines between blank lines, rejoined."""
    if not wrapped:
        return body
    runs: list[list[Line]] = [[]]
    for line in body:
        if not line.text and any(part.text for part in runs[-1]):
            runs.append([])  # the blank line opens the next paragraph, with any mark it carries
        runs[-1].append(line)
    return [Line(*join_lines(run, sep=" ")) for run in runs]


def parse(text: str, *, source: str = "", ticker: str | None = None, period: Period | None = None) -> Transcript:
    """Parse a fool.com transcript in text form; ticker and period, if given, override the document's."""
    where = source or None
    lines = clean_lines(text)
    page = _walk(lines, ())
    if page.listed:  # a name alone opens a turn only when the list names the person
        page = _walk(lines, {p.name for p in page.listed})
    if not page.turns:
        raise ParseError("no speaker turns ('Name -- Role' lines) under 'Prepared Remarks:'", where=where)
    check_complete(page.contents, page.sections, ended=page.ended, where=where)
    head, named = _header(page.header), name_info(source)
    symbol = (ticker or head.ticker or named.ticker or "").upper()
    if not symbol:
        raise ParseError(f"the ticker is not in the text; give it (--ticker) or name the file like {NAME_EXAMPLE}",
                         where=where)
    call_date = head.call_date or named.call_date
    fiscal = resolve_period(given=period, found=(head.period,), ticker=symbol, call_date=call_date, where=where)
    wrapped = max((len(line.text) for body in page.bodies for line in body), default=0) <= _WRAP_WIDTH
    for raw, body in zip(page.turns, page.bodies):
        joined, raw.marks = join_lines(_paragraphs(body, wrapped=wrapped), sep="\n\n")
        raw.paragraphs = [joined]
    turns, participants = assemble(page.turns, page.listed, company=head.company)
    return check_transcript(Transcript(
        ticker=symbol, company=head.company, fiscal_year=fiscal.fiscal_year, fiscal_quarter=fiscal.fiscal_quarter,
        call_date=call_date, title=head.title, format="fool_text", source=source, turns=turns,
        participants=participants, call_time=head.call_time,
    ))
