"""fool.com transcript pages in the legacy layout (2019 to mid-2025): headed sections, 'Name -- Role' turns."""
from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from bs4 import Tag

from ...errors import ParseError
from ...model import Participant, Period, Transcript
from ..speakers import kind_from_role
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
    split_role,
    text_of,
    title_info,
    url_info,
)
from .validate import check_transcript

_SPEAKER_HEADER = re.compile(r"</strong>\s*(?:--|&#8212;|\u2014)\s*<em>")
_PREPARED_HEADING = re.compile(r"<h2[^>]*>\s*Prepared Remarks:?\s*</h2>", re.I)
DURATION = re.compile(r"^Duration:\s*(\d+)\s*minutes?$", re.I)
_LEAD_DASH = re.compile(r"^(?:--|[\u2013\u2014])\s*")
_BODY_SELECTORS = ("#article-body-transcript", "span.article-content", "section.article-body")

# Heading text (lower case, without the colon) -> what follows it.
CONTENTS, PARTICIPANTS, QA = "contents", "participants", "qa"


def heading_kind(text: str) -> str | None:
    """What a section heading opens: CONTENTS, "prepared", QA, PARTICIPANTS, or None for any other text."""
    text = text.lower().rstrip(": ")
    if text == "contents":
        return CONTENTS
    if text == "prepared remarks":
        return "prepared"
    if re.fullmatch(r"questions? (?:and|&) answers?|question-and-answer session", text):
        return QA
    if text in ("call participants", "call participants list"):
        return PARTICIPANTS
    return None


def looks_like(text: str) -> bool:
    """A fool.com page with 'Name -- Role' speaker lines or a 'Prepared Remarks:' heading."""
    return "fool.com" in text and bool(_SPEAKER_HEADER.search(text) or _PREPARED_HEADING.search(text))


def _speaker_header(p: Tag) -> tuple[str, str] | None:
    """(name, role) if the paragraph is a '<strong>Name</strong> -- <em>Role</em>' line, else None."""
    first = next((c for c in p.children if not (isinstance(c, str) and not c.strip())), None)
    if not isinstance(first, Tag) or first.name not in ("strong", "b"):
        return None
    name = " ".join(first.get_text().split())
    rest = text_of(p)[len(name):].strip()
    if rest and not (_LEAD_DASH.match(rest) and p.find("em")):
        return None
    if not is_name(name):
        return None
    return name, _LEAD_DASH.sub("", rest)


@dataclass
class _Page:
    """What the walk over the article body collects."""

    turns: list[RawTurn] = field(default_factory=list)
    listed: list[Participant] = field(default_factory=list)
    contents: list[str] = field(default_factory=list)
    sections: set[str] = field(default_factory=set)
    duration: int | None = None


def _walk(body: Tag) -> _Page:
    page = _Page()
    mode: str | None = None
    for el in body.find_all(["h2", "p", "li"]):
        if el.find_parent("div", class_="interad"):
            continue
        if el.name == "h2":
            kind = heading_kind(text_of(el))
            mode = kind or mode
            page.sections.add(kind or "")
            continue
        if el.name == "li":
            if mode == CONTENTS:
                page.contents.append(text_of(el))
            continue
        if mode in ("prepared", QA):
            duration = DURATION.match(text_of(el))
            if duration:
                page.duration, mode = int(duration.group(1)), None
                continue
        header = _speaker_header(el) if mode in ("prepared", QA, PARTICIPANTS) else None
        if mode == PARTICIPANTS and header:
            role, firm = split_role(header[1])
            page.listed.append(Participant(header[0], role, firm, kind_from_role(role, firm)))
        elif mode in ("prepared", QA) and header:
            page.turns.append(RawTurn(header[0], "prepared" if mode == "prepared" else "qa", header[1]))
        elif mode in ("prepared", QA) and page.turns:
            page.turns[-1].paragraphs.append(text_of(el))
    return page


def check_complete(contents: Sequence[str], sections: Collection[str], *, ended: bool, where: str | None) -> None:
    """ParseError if the transcript lacks a section its Contents promise, or any sign of its end (the 'Duration'
    line or the participants list)."""
    missing = [item for item in contents
               if heading_kind(item) in ("prepared", QA, PARTICIPANTS) and heading_kind(item) not in sections]
    if missing:
        raise ParseError(f"the Contents promise {', '.join(missing)} but the page lacks them (truncated page?)",
                         where=where)
    if not ended and PARTICIPANTS not in sections:
        raise ParseError("no end of the transcript ('Duration: N minutes' or 'Call participants') "
                         "(truncated page?)", where=where)


def parse(text: str, *, source: str = "", ticker: str | None = None, period: Period | None = None) -> Transcript:
    """Parse a legacy fool.com transcript page; ticker and period, if given, override the page's."""
    soup = soup_of(text)
    url = canonical_url(soup) or source
    where = source or url or None
    require_complete_page(text, where=where)
    body = next((b for b in (soup.select_one(s) for s in _BODY_SELECTORS) if b is not None), None)
    if body is None:
        raise ParseError("no fool.com article body (span.article-content or div#article-body-transcript)",
                         where=where)
    page = _walk(body)
    if not page.turns:
        raise ParseError("no '<strong>Name</strong> -- <em>Role</em>' speaker turns in the article body",
                         where=where)
    check_complete(page.contents, page.sections, ended=page.duration is not None, where=where)

    h1 = soup.find("h1")
    title = text_of(h1) if h1 else ""
    from_title, from_url = title_info(title), url_info(url)
    ticker_el = body.select_one("span.ticker")
    page_ticker = text_of(ticker_el).strip("() ").split(":")[-1].strip() if ticker_el else ""
    company_el = ticker_el.find_previous_sibling("strong") if ticker_el else None
    company = text_of(company_el) if company_el else from_title.company
    date_el, time_el = body.select_one("#date"), body.select_one("#time")
    call_date = parse_date(text_of(date_el)) if date_el else None
    final_ticker = (ticker or page_ticker or from_title.ticker or from_url.ticker).upper()
    fiscal = resolve_period(given=period, found=(from_title.period, from_url.period), ticker=final_ticker,
                            call_date=call_date, where=where)
    turns, participants = assemble(page.turns, page.listed, company=company)
    return check_transcript(Transcript(
        ticker=final_ticker, company=company, fiscal_year=fiscal.fiscal_year, fiscal_quarter=fiscal.fiscal_quarter,
        call_date=call_date, title=title, format="fool_legacy", source=url, turns=turns,
        participants=participants, call_time=parse_time(text_of(time_el)) if time_el else None,
    ))
