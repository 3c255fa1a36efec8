"""StreetEvents (Thomson Reuters / Refinitiv / LSEG) plain-text event transcripts."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace

from ...errors import ParseError
from ...fiscal import period_for_call
from ...model import Participant, Period, Transcript, Turn, name_key
from ..speakers import canonical_names, is_operator_name, kind_from_role
from .file_names import NAME_EXAMPLE, name_info
from .markup import Line, clean_lines, join_lines
from .validate import check_transcript

_HEADER = re.compile(r"StreetEvents Event Transcript", re.I)
_HTML = re.compile(r"\s*<(?:!doctype|html|head|body|div|p)\b", re.I)
_RULE = re.compile(r"^\s*(?:={4,}|-{4,})\s*$")  # separator rows of the original layout
_SPACED_CAPS = re.compile(r"^\s*(?:[A-Z]\s+){3,}[A-Z]\s*$")  # "E D I T E D   V E R S I O N"
_DATE_LINE = re.compile(
    r"^\s*(?P<month>[A-Za-z]{3,9})\.?\s+(?P<day>\d{1,2}),\s*(?P<year>\d{4})\s*/\s*"
    r"(?P<hour>\d{1,2}):(?P<minute>\d{2})\s*(?P<ampm>[AP]M)\s*(?P<tz>[A-Z]{2,4})?\s*$",
    re.I,
)
_SECTIONS = (
    (re.compile(r"^presentation$", re.I), "prepared"),
    (re.compile(r"^(?:questions?\s+(?:and|&)\s+answers?|q-and-a|q\s*&\s*a)$", re.I), "qa"),
)
_TRAILER = re.compile(r"^(?:definitions|disclaimer)$", re.I)
_LIST_HEADING = re.compile(r"^(?:(?P<corp>corporate)|conference call)\s+particip\w*$", re.I)
_LIST_ENTRY = re.compile(r"^\s*\*\s+(?P<name>\S.*?)\s*$")
# "Name,  Company - Title    [n]" / "Operator    [n]": at least two blanks before the bracketed counter.
_SPEAKER_LINE = re.compile(r"^\s*(?P<head>[^\s\[*].{0,300}?)\s{2,}\[(?P<n>\d+)\]\s*$")
_EMPTY_AFFILIATION = re.compile(r",\s*-?\s*$")
_NAME_SUFFIX = re.compile(r"\s*(?:Jr|Sr|II|III|IV|Ph\.?D|CFA)\.?(?=,|$)")
_UNIDENTIFIED = re.compile(r"^(?:unidentified|unknown)\b", re.I)

_YEAR = r"'?(?P<year>\d{4}|\d{2})\b"
_FISCAL = r"(?:fiscal\s+(?:year\s+)?|fy\s*)?"
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4}
# Fiscal labels seen in titles: "Q1 2024", "Q4 and Full Year 2013", "2Q FY12", "Second Quarter Fiscal 2011",
# "FY 10 Second Quarter"; a full-year label alone means the fourth quarter.
_LABELS = (
    re.compile(rf"\bQ(?P<q>[1-4])\s*(?:and\s+(?:full[- ]year|fy)\s*)?{_FISCAL}{_YEAR}", re.I),
    re.compile(rf"\b(?P<q>[1-4])Q\s*{_FISCAL}{_YEAR}", re.I),
    re.compile(rf"\b(?P<q>first|second|third|fourth)\s+quarter\s+(?:of\s+)?{_FISCAL}{_YEAR}", re.I),
    re.compile(rf"\b(?:fiscal\s+(?:year\s+)?|fy\s*){_YEAR}\s+(?P<q>first|second|third|fourth)\s+quarter\b", re.I),
    re.compile(rf"\b(?:full[- ]year|year[- ]end|fiscal\s+year|fy)\s*{_YEAR}", re.I),
)
_EVENT_WORDS = re.compile(r"\s+(?:earnings|financial|results|conference|quarterly|preliminary|annual|call)\b", re.I)


@dataclass
class _Draft:
    section: str
    head: str
    lines: list[Line] = field(default_factory=list)  # the speaker line's marks first, as an empty line


def looks_like(text: str) -> bool:
    """True for a StreetEvents header, or section headings with '[n]'-numbered speaker lines."""
    if _HTML.match(text):
        return False
    if _HEADER.search(text[:3000]):
        return True
    lines = [line.text for line in clean_lines(text)]
    has_section = any(pattern.match(line) for line in lines for pattern, _ in _SECTIONS)
    return has_section and sum(1 for line in lines if _SPEAKER_LINE.match(line)) >= 3


def fiscal_label(title: str) -> tuple[Period | None, str]:
    """The fiscal period named in a title, and the title with that label removed."""
    for pattern in _LABELS:
        m = pattern.search(title)
        if not m:
            continue
        year = int(m["year"])
        year = year + 2000 if year < 100 else year
        q = m.groupdict().get("q")
        quarter = 4 if q is None else int(q) if q.isdigit() else _ORDINALS[q.lower()]
        return Period(year, quarter), " ".join((title[: m.start()] + " " + title[m.end():]).split())
    return None, title


def _split_affiliation(text: str) -> tuple[str, str]:
    """'Company - Title' into (firm, role); either may be empty."""
    text = text.strip()
    if text in ("", "-"):
        return "", ""
    if text.startswith("- "):
        return "", text[2:].strip()
    firm, _, role = text.partition(" - ")
    return firm.strip(), role.strip()


def _split_head(head: str) -> tuple[str, str, str]:
    """A speaker line without its counter into (name, firm, role)."""
    head = _EMPTY_AFFILIATION.sub("", head.strip())
    semi, comma = head.find(";"), head.find(",")
    if semi >= 0 and (comma < 0 or semi < comma):  # "Name;Title" with no company
        return head[:semi].strip(), "", head[semi + 1:].strip()
    if comma < 0:
        return head, "", ""
    name, rest = head[:comma], head[comma + 1:]
    suffix = _NAME_SUFFIX.match(rest)
    if suffix:
        name, rest = f"{name},{suffix.group()}", rest[suffix.end():].lstrip(",")
    firm, role = _split_affiliation(rest)
    return name.strip(), firm, role


def _participants(lines: list[str]) -> list[Participant]:
    """Entries of the 'Corporate Participants' and 'Conference Call Participants' lists."""
    people: list[Participant] = []
    kind = None
    entry: list[str] = []

    def flush() -> None:
        if entry and kind:
            name, _, listed_role = entry[0].partition(";")
            firm, role = _split_affiliation(entry[1] if len(entry) > 1 else "")
            name = name.strip()
            if not (is_operator_name(name) or _UNIDENTIFIED.match(name)):
                people.append(Participant(name=name, role=role or listed_role.strip(), firm=firm, kind=kind))
        entry.clear()

    for line in lines:
        heading = _LIST_HEADING.match(line.strip())
        item = _LIST_ENTRY.match(line)
        if heading or item:
            flush()
        if heading:
            kind = "executive" if heading["corp"] else "analyst"
        elif item:
            entry.append(item["name"])
        elif entry and line.strip() and len(entry) == 1:
            entry.append(line)
    flush()
    # Some lists put executives among the call participants: their firm is the company's.
    own_firms = {name_key(p.firm) for p in people if p.kind == "executive" and p.firm}
    return [replace(p, kind="executive") if name_key(p.firm) in own_firms else p for p in people]


def _split_document(text: str) -> tuple[list[str], list[_Draft]]:
    """Header lines before the first section, and the speaker turns of the sections up to the trailer."""
    header: list[str] = []
    drafts: list[_Draft] = []
    section = None
    for line in clean_lines(text):
        if _RULE.match(line.text):
            continue
        new_section = next((name for pattern, name in _SECTIONS if pattern.match(line.text)), None)
        if new_section:
            section = new_section
        elif section is None:
            header.append(line.text)
        elif _TRAILER.match(line.text):
            break
        elif m := _SPEAKER_LINE.match(line.text):
            drafts.append(_Draft(section, m["head"], [Line("", line.marks)]))
        elif drafts:
            drafts[-1].lines.append(line)
    return header, drafts


def _date_and_title(header: list[str], where: str | None) -> tuple[dt.date | None, str | None, str]:
    """Call date, call time (24-hour, with its zone) and title line from the header."""
    lines = [line.strip() for line in header if line.strip()]
    for i, line in enumerate(lines):
        m = _DATE_LINE.match(line)
        if not m:
            continue
        try:
            month = dt.datetime.strptime(m["month"][:3].title(), "%b").month
            date = dt.date(int(m["year"]), month, int(m["day"]))
        except ValueError as exc:
            raise ParseError(f"bad call date line {line!r}: {exc}", where=where) from exc
        hour = int(m["hour"]) % 12 + (12 if m["ampm"].upper() == "PM" else 0)
        zone = (m["tz"] or "GMT").upper().replace("GMT", "UTC")
        title = lines[i - 1] if i else ""
        return date, f"{hour:02d}:{m['minute']} {zone}", title
    title = next((line for line in lines if not (_HEADER.search(line) or _SPACED_CAPS.match(line))), "")
    return None, None, title


def _ticker(ticker: str | None, source: str, where: str | None) -> str:
    symbol = ticker.strip().upper() if ticker else name_info(source).ticker
    if symbol:
        return symbol
    raise ParseError(f"the ticker is not in a StreetEvents text; give it (--ticker) or name the file like "
                     f"{NAME_EXAMPLE}", where=where)


def _turn_type(kind: str, section: str, text: str, after_operator: bool) -> str:
    """presentation/operator in prepared remarks; in Q&A analysts ask and executives answer.

    An unidentified speaker in Q&A asks (question) if the turn has a '?' or follows the operator, else answers.
    """
    if kind == "operator":
        return "operator"
    if section == "prepared":
        return "presentation"
    if kind == "analyst" or (kind == "other" and ("?" in text or after_operator)):
        return "question"
    return "answer"


def parse(text: str, *, source: str = "", ticker: str | None = None, period: Period | None = None) -> Transcript:
    """Parse a StreetEvents text into a Transcript (the caller's ticker and period win over the document's)."""
    where = source or None
    header, drafts = _split_document(text)
    if not drafts:
        raise ParseError("no 'Presentation' / 'Questions and Answers' section with numbered speaker lines",
                         where=where)
    symbol = _ticker(ticker, source, where)
    call_date, call_time, title = _date_and_title(header, where)
    label, rest = fiscal_label(title)
    company = _EVENT_WORDS.split(rest, maxsplit=1)[0].strip(" -:,")
    if period is None:
        if label is None and call_date is None:
            raise ParseError(f"no fiscal period in the title {title!r} and no call date", where=where)
        period = label or period_for_call(symbol, call_date)
    participants = _participants(header)
    listed = {p.name: p for p in participants}
    heads = [_split_head(d.head) for d in drafts]
    canonical = canonical_names([name for name, _, _ in heads], preferred=list(listed))
    turns: list[Turn] = []
    for i, (draft, (name, firm, role)) in enumerate(zip(drafts, heads)):
        person = listed.get(canonical.get(name, name))
        if is_operator_name(name):
            kind = "operator"
        elif _UNIDENTIFIED.match(name):
            kind = "other"
        elif person:
            name, firm, role, kind = person.name, firm or person.firm, role or person.role, person.kind
        else:
            kind = kind_from_role(role, firm, company=company)
        body, marks = join_lines(draft.lines)
        after_operator = bool(turns) and turns[-1].kind == "operator"
        turns.append(Turn(index=i, speaker=name, role=role, firm=firm, kind=kind, section=draft.section,
                          type=_turn_type(kind, draft.section, body, after_operator), text=body, marks=marks))
    transcript = Transcript(
        ticker=symbol, company=company, fiscal_year=period.fiscal_year, fiscal_quarter=period.fiscal_quarter,
        call_date=call_date, title=title, format="streetevents", source=source, turns=tuple(turns),
        participants=tuple(participants), call_time=call_time,
    )
    return check_transcript(transcript)
