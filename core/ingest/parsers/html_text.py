"""Pieces shared by the fool.com parsers: element text, dates, titles and URLs, and turn assembly."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, Tag

from ...errors import ParseError
from ...fiscal import period_for_call
from ...model import Participant, Period, Turn
from ..speakers import canonical_names, is_operator_name, kind_from_role
from .markup import Mark, plain_text

_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}
_DATE = re.compile(r"\b(?P<mon>[A-Za-z]{3})[a-z]*\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>\d{4})\b")
_ISO_DATE = re.compile(r"\b(?P<year>\d{4})-(?P<mon>\d{2})-(?P<day>\d{2})\b")
_TIME = re.compile(
    r"\b(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<ap>[aApP])\.?\s?[mM]\b\.?(?:\s*(?P<tz>[A-Z]{2,4})\b)?"
)
_TITLE = re.compile(
    r"^(?P<company>.+?)\s*\((?:[A-Z]+:\s*)?(?P<ticker>[A-Z][A-Z0-9.\-]{0,9})\)"
    r"(?:\s*Q(?P<q>[1-4])\s+(?:FY\s*)?(?P<y>(?:19|20)\d{2}))?"
)
_SLUG = re.compile(r"-(?P<ticker>[a-z][a-z0-9]{0,5})-q(?P<q>[1-4])-(?P<y>(?:19|20)\d{2})(?=[-./]|$)")
_ROLE_SPLIT = re.compile(r"\s+(?:--|[\u2013\u2014])\s+")
_ANALYST = re.compile(r"\banalyst\b", re.I)
_HTML_END = re.compile(r"</html\s*>", re.I)
_NOT_A_NAME = re.compile(r"[?!;:\d\"]|https?\b")


def soup_of(html: str) -> BeautifulSoup:
    """The document parsed with lxml."""
    return BeautifulSoup(html, "lxml")


def text_of(element: Tag) -> str:
    """The element's text with <br> as a space, all whitespace collapsed, and no markup left in it (a page may
    carry escaped tags or entities in its text)."""
    for br in element.find_all("br"):
        br.replace_with(" ")
    return plain_text(element.get_text())


def is_name(text: str) -> bool:
    """True if a bold lead-in could be a speaker's name (a few words, no digits or sentence marks)."""
    words = text.split()
    return 1 <= len(words) <= 6 and not _NOT_A_NAME.search(text)


def parse_date(text: str) -> dt.date | None:
    """The first date in text ('Jul 10, 2020', 'Wednesday, November 19, 2025', 'Jan. 28, 2026', '2025-11-19')."""
    m = _DATE.search(text)
    if m and m["mon"][:3].lower() in _MONTHS:
        month = _MONTHS[m["mon"][:3].lower()]
    else:
        m = _ISO_DATE.search(text)
        if not m:
            return None
        month = int(m["mon"])
    try:
        return dt.date(int(m["year"]), month, int(m["day"]))
    except ValueError:
        return None


def parse_time(text: str) -> str | None:
    """The first clock time in text as 'HH:MM' plus its time zone ('5 p.m. ET' -> '17:00 ET')."""
    m = _TIME.search(text)
    if not m or not 1 <= int(m["h"]) <= 12:
        return None
    hour = int(m["h"]) % 12 + (12 if m["ap"].lower() == "p" else 0)
    clock = f"{hour:02d}:{m['m'] or '00'}"
    return f"{clock} {m['tz']}" if m["tz"] else clock


@dataclass(frozen=True)
class TitleInfo:
    """What a fool.com headline or URL says about the call."""

    company: str = ""
    ticker: str = ""
    period: Period | None = None


def title_info(title: str) -> TitleInfo:
    """Company, ticker and fiscal period from 'Nvidia (NVDA) Q3 2026 Earnings Call Transcript'."""
    m = _TITLE.match(title.strip())
    if not m:
        return TitleInfo()
    period = Period(int(m["y"]), int(m["q"])) if m["q"] else None
    return TitleInfo(company=m["company"].strip(), ticker=m["ticker"], period=period)


def url_info(url: str) -> TitleInfo:
    """Ticker and fiscal period from a URL slug '…-nvda-q3-2026-earnings-call-transcript/'."""
    slug = url.split("?")[0].rstrip("/").rsplit("/", 1)[-1].lower()
    m = _SLUG.search(slug)
    if not m:
        return TitleInfo()
    return TitleInfo(ticker=m["ticker"].upper(), period=Period(int(m["y"]), int(m["q"])))


def canonical_url(soup: BeautifulSoup) -> str:
    """The page's canonical URL (link rel=canonical or og:url), or ''."""
    link = soup.find("link", rel="canonical")
    if link and link.get("href"):
        return link["href"].strip()
    meta = soup.find("meta", property="og:url")
    return meta["content"].strip() if meta and meta.get("content") else ""


def require_complete_page(html: str, *, where: str | None) -> None:
    """ParseError unless the page runs to its closing </html> tag (a cut-off download is not parsed)."""
    if not _HTML_END.search(html[-20000:]):
        raise ParseError("the page ends before </html>: truncated download, not parsing half a transcript",
                         where=where)


def resolve_period(
    *, given: Period | None, found: Sequence[Period | None], ticker: str, call_date: dt.date | None,
    where: str | None,
) -> Period:
    """The given period, else the first one found in the document, else the one the call date implies."""
    for period in (given, *found):
        if period is not None:
            return period
    if ticker and call_date:
        return period_for_call(ticker, call_date)
    raise ParseError("no fiscal period in the title or URL and no call date; give one (--period)", where=where)


def split_role(text: str) -> tuple[str, str]:
    """(role, firm) from 'Chief Financial Officer' or 'Morgan Stanley -- Analyst'."""
    parts = [p.strip() for p in _ROLE_SPLIT.split(text.strip()) if p.strip()]
    if len(parts) >= 2 and _ANALYST.search(parts[-1]):
        firm = " -- ".join(parts[:-1])
        return parts[-1], "" if firm.lower() == parts[-1].lower() else firm
    return text.strip(), ""


@dataclass
class RawTurn:
    """A speaker turn as found on the page, before names, kinds and types are settled."""

    speaker: str
    section: str = "prepared"
    role: str = ""
    paragraphs: list[str] = field(default_factory=list)
    marks: tuple[Mark, ...] = ()  # time marks in the paragraphs joined by a blank line


def assemble(
    raw_turns: Sequence[RawTurn], listed: Sequence[Participant], *, operators: Collection[str] = (),
    company: str = "",
) -> tuple[tuple[Turn, ...], tuple[Participant, ...]]:
    """Turns with canonical speakers, kinds and types, and the listed participants plus unlisted speakers.

    Kinds come from the participant list, else from the turn's own role; in Q&A an analyst's turn is a
    question, anyone else's (but the operator's) an answer. A turn without text stays (the checks drop it).
    """
    names = canonical_names([t.speaker for t in raw_turns], preferred=[p.name for p in listed])
    people = {p.name: p for p in listed}
    operator_set = {names.get(o, o) for o in operators}
    turns: list[Turn] = []
    for raw in raw_turns:
        text = "\n\n".join(p for p in raw.paragraphs if p)
        name = names[raw.speaker]
        if is_operator_name(name) or name in operator_set:
            person = Participant(name, kind="operator")
        elif name in people:
            person = people[name]
        else:
            role, firm = split_role(raw.role)
            person = people[name] = Participant(name, role, firm, kind_from_role(role, firm, company=company))
        if person.kind == "operator":
            turn_type = "operator"
        elif raw.section == "prepared":
            turn_type = "presentation"
        else:
            turn_type = "question" if person.kind == "analyst" else "answer"
        turns.append(Turn(len(turns), name, person.role, person.firm, person.kind, raw.section, turn_type, text,
                          raw.marks))
    return tuple(turns), tuple(people.values())
