"""fool.com transcript pages in the current Next.js layout: 'Name:' turns, Q&A start inferred from the operator."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from bs4 import Tag

from ...errors import ParseError
from ...model import Participant, Period, Transcript
from ..speakers import canonical_names, is_operator_name, kind_from_role
from .html_text import (
    RawTurn,
    assemble,
    canonical_url,
    is_name,
    parse_date,
    parse_time,
    require_complete_page,
    resolve_period,
    soup_of,
    text_of,
    title_info,
    url_info,
)
from .qa_cues import operator_names, qa_start
from .validate import check_transcript

_BODY_ID = "article-body-transcript"
_TRANSCRIPT_ID = "full-conference-call-transcript"
_COLON_TURN = re.compile(r"<strong>[^<>]{2,80}:</strong>")
_LEGACY_HEADER = re.compile(r"</strong>\s*--\s*<em>")
_PUSH = re.compile(r'self\.__next_f\.push\(\[\s*1\s*,\s*"((?:[^"\\]|\\.)*)"\s*\]\)', re.S)
_TEXT_ROW = re.compile(rb"(?<![0-9a-f])([0-9a-f]{1,6}):T([0-9a-f]{1,8}),")
_NAME_ROLE = re.compile(r"(?P<name>[^()]+?)\s*\((?P<role>[^()]+)\)")
_DASHES = (re.compile(r"\s*\u2014\s*"), re.compile(r"\s+(?:\u2013|--?)\s+"))  # em-dash first, then – - --
_ROLE_WORDS = re.compile(
    r"\b(?:chief|officer|president|director|vice|head|relations|chair\w*|ceo|cfo|coo|cto|treasurer|controller"
    r"|manager|founder|analyst|partner|secretary|counsel|executive|senior|general|svp|evp|investor)\b", re.I)
# "Your first question comes from Joseph Moore with Morgan Stanley", "from the line of C.J. Muse of Cantor",
# "next we'll go to Jane Doe at Acme Securities".
_WORD = r"(?:(?:[A-Z]\.){1,3}|[A-Z][\w'\u2019-]*)"
_NAME = rf"(?P<name>{_WORD}(?:\s+(?:(?:de|da|di|del|van|von|der|la|le)\s+)?{_WORD}){{0,4}})"
_FIRM = rf"\s*,?\s+(?:with|from|of|at)\s+(?P<firm>{_WORD}(?:\s+(?:{_WORD}|of|and|&|de|du|the)){{0,6}})"
_INTROS = (
    re.compile(rf"\b(?:question\s+(?:\w+\s+){{0,2}}?from\s+(?:the\s+line\s+of\s+)?|line\s+of\s+){_NAME}(?:{_FIRM})?"),
    re.compile(rf"\b(?:go|move)\s+(?:over\s+)?to\s+(?:the\s+line\s+of\s+)?{_NAME}{_FIRM}"),
)


def looks_like(text: str) -> bool:
    """A fool.com Next.js page with a transcript section or 'Name:' turns (and no legacy speaker lines)."""
    if "fool.com" not in text or _LEGACY_HEADER.search(text):
        return False
    return _TRANSCRIPT_ID in text or (_BODY_ID in text and bool(_COLON_TURN.search(text)))


def _turn_start(p: Tag) -> RawTurn | None:
    """The turn a paragraph opens with '<strong>Name:</strong>' (or 'Name (Role):'), else None."""
    first = next((c for c in p.children if not (isinstance(c, str) and not c.strip())), None)
    if not isinstance(first, Tag) or first.name not in ("strong", "b"):
        return None
    label = " ".join(first.get_text().split())
    rest = text_of(p)[len(label):].strip()
    if label.endswith(":"):
        label = label[:-1].strip()
    elif rest.startswith(":"):
        rest = rest[1:].strip()
    else:
        return None
    named = _NAME_ROLE.fullmatch(label)
    name, role = (named["name"], named["role"]) if named else (label, "")
    return RawTurn(name, role=role, paragraphs=[rest]) if is_name(name) else None


def _section_key(h2: Tag) -> str:
    key = (h2.get("id") or text_of(h2)).lower()
    for name in ("transcript", "participant", "date"):
        if name in key and (name != "date" or key.strip() == "date"):
            return name
    return "other"


@dataclass
class _Page:
    turns: list[RawTurn] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    date_text: str = ""


def _walk(container: Tag) -> _Page:
    """Collect the date, the participant lines and the turns of the transcript section.

    Without a transcript heading, every section but date and participants may hold turns; paragraphs
    before the first 'Name:' turn (summaries, risks, takeaways) are dropped either way.
    """
    has_heading = any(_section_key(h) == "transcript" for h in container.find_all("h2"))
    page, section = _Page(), ""
    for el in container.find_all(["h2", "p", "li"]):
        if el.name == "h2":
            section = _section_key(el)
        elif el.name == "li" and section == "participant":
            page.people.append(text_of(el))
        elif el.name == "p" and section == "date" and not page.date_text:
            page.date_text = text_of(el)
        elif el.name == "p" and not el.find_parent("li") and (
            section == "transcript" if has_heading else section not in ("date", "participant")
        ):
            start = _turn_start(el)
            if start:
                page.turns.append(start)
            elif page.turns:
                page.turns[-1].paragraphs.append(text_of(el))
    return page


def _followed(element: Tag) -> bool:
    """True if anything comes after the element in the document (a cut-off page ends inside it)."""
    node: Tag | None = element
    while node is not None:
        if node.find_next_sibling() is not None:
            return True
        node = node.parent
    return False


def _payload_html(text: str, *, where: str | None) -> str:
    """The transcript HTML inside the Next.js RSC payload (self.__next_f.push text rows), or ''."""
    try:
        payload = "".join(json.loads(f'"{chunk}"') for chunk in _PUSH.findall(text)).encode()
    except json.JSONDecodeError as exc:
        raise ParseError(f"undecodable Next.js payload chunk: {exc}", where=where) from exc
    best, pos = "", 0
    while m := _TEXT_ROW.search(payload, pos):
        size, start = int(m.group(2), 16), m.end()
        block = payload[start:start + size]
        if len(block) < size:
            raise ParseError("the Next.js payload ends inside a text row (truncated page)", where=where)
        html = block.decode("utf-8", errors="replace")
        if len(_COLON_TURN.findall(html)) > len(_COLON_TURN.findall(best)):
            best = html
        pos = start + size
    return best


def _same_person(name: str, candidates: list[str]) -> str | None:
    """The candidate spelling that names the same person, if any."""
    mapping = canonical_names([name], preferred=candidates)
    if mapping[name] in candidates:
        return mapping[name]
    last = [c for c in candidates if c.split()[-1:] == name.split()[-1:]]
    return last[0] if len(last) == 1 else None


def _listed(items: list[str], speakers: list[str]) -> list[Participant]:
    """Participants from 'Role — Name' lines ('Name — Role', 'Name (Role)': the side naming a speaker wins)."""
    people = []
    for item in items:
        parts = next((dash.split(item, maxsplit=1) for dash in _DASHES if dash.search(item)), None)
        named = _NAME_ROLE.fullmatch(item)
        if parts:
            left, right = (part.strip() for part in parts)
        elif named:
            left, right = named["role"], named["name"]
        else:
            continue
        if _same_person(left, speakers) and not _same_person(right, speakers):
            name, role = left, right
        elif _same_person(right, speakers) or _ROLE_WORDS.search(left) or not _ROLE_WORDS.search(right):
            name, role = right, left
        else:
            name, role = left, right
        kind = kind_from_role(role)
        firm = re.sub(r"\banalyst\b", "", role, flags=re.I).strip(" ,-()") if kind == "analyst" else ""
        people.append(Participant(name, role, firm, kind))
    return people


def _analysts(turns: list[RawTurn], operators: set[str], known: set[str]) -> list[Participant]:
    """Questioners the operator introduces ('comes from Joe Moore with Morgan Stanley'), with their firms."""
    speakers = sorted({t.speaker for t in turns} - operators - known)
    found: dict[str, Participant] = {}
    for turn in turns:
        if turn.speaker not in operators:
            continue
        text = " ".join(turn.paragraphs)
        for m in (m for intro in _INTROS for m in intro.finditer(text)):
            speaker = _same_person(m["name"], speakers)
            if speaker and speaker not in found:
                found[speaker] = Participant(speaker, "Analyst", (m["firm"] or "").strip(), "analyst")
    return list(found.values())


def _mark_qa(turns: list[RawTurn], operators: set[str], analysts: set[str]) -> None:
    """Put every turn from the operator's first-question cue (else the first analyst's turn) into Q&A."""
    start = qa_start([(t.speaker, " ".join(t.paragraphs)) for t in turns], operators=operators.__contains__)
    if start is None:
        start = next((i for i, t in enumerate(turns) if t.speaker in analysts), len(turns))
    for turn in turns[start:]:
        turn.section = "qa"


def parse(text: str, *, source: str = "", ticker: str | None = None, period: Period | None = None) -> Transcript:
    """Parse a current-layout fool.com transcript page; ticker and period, if given, override the page's."""
    soup = soup_of(text)
    url = canonical_url(soup) or source
    where = source or url or None
    require_complete_page(text, where=where)
    body = soup.find(id=_BODY_ID)
    page = _walk(body) if body is not None else _Page()
    if page.turns and not _followed(body):
        raise ParseError("the page ends inside the transcript body (truncated page)", where=where)
    if not page.turns:
        html = _payload_html(text, where=where)
        page = _walk(soup_of(html)) if html else page
    if not page.turns:
        raise ParseError("no '<strong>Name:</strong>' speaker turns in the page body or its Next.js payload",
                         where=where)
    speakers = list(dict.fromkeys(t.speaker for t in page.turns))
    listed = _listed(page.people, speakers)
    spelling = canonical_names(speakers, preferred=[p.name for p in listed])
    known = {s for s in speakers if spelling[s] in {p.name for p in listed} and not is_operator_name(s)}
    operators = {s for s in operator_names([(t.speaker, " ".join(t.paragraphs)) for t in page.turns])
                 if s not in known}
    analysts = _analysts(page.turns, operators, known)
    _mark_qa(page.turns, operators, {a.name for a in analysts})

    h1 = soup.find("h1")
    title = text_of(h1) if h1 else re.sub(r"\s*\|.*$", "", text_of(soup.title) if soup.title else "")
    from_title, from_url = title_info(title), url_info(url)
    call_date = parse_date(page.date_text)
    final_ticker = (ticker or from_title.ticker or from_url.ticker).upper()
    fiscal = resolve_period(given=period, found=(from_title.period, from_url.period), ticker=final_ticker,
                            call_date=call_date, where=where)
    turns, participants = assemble(page.turns, [*listed, *analysts], operators=operators,
                                   company=from_title.company)
    return check_transcript(Transcript(
        ticker=final_ticker, company=from_title.company, fiscal_year=fiscal.fiscal_year,
        fiscal_quarter=fiscal.fiscal_quarter, call_date=call_date, title=title, format="fool_current",
        source=url, turns=turns, participants=participants, call_time=parse_time(page.date_text),
    ))
