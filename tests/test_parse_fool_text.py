"""fool.com transcripts saved as text: an invented call in that shape, the same call as StreetEvents text, and the
real fool.com pages in ../shared rendered to text here (read in place) against the HTML parser's result."""
from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Comment, NavigableString, Tag
from invented_call import DANA, KIM, LEE, SAM, TURNS, TYPES, streetevents_text
from invented_call import fool_text as invented_text

from core.errors import ParseError
from core.ingest.parsers import detect_format, fool_legacy, fool_text, parse_document, plain, streetevents

BLOCKS = {"p", "div", "h1", "h2", "h3", "li", "ul", "section", "article", "header", "br"}


def browser_text(element: Tag) -> str:
    """What a browser's 'save as text' gives: block elements on lines of their own, inline text run together."""
    out: list[str] = []

    def walk(node) -> None:
        if isinstance(node, Comment) or (isinstance(node, Tag) and node.name in ("script", "style", "noscript")):
            return
        if isinstance(node, NavigableString):
            out.append(str(node))
            return
        block = node.name in BLOCKS
        out.append("\n" if block else "")
        for child in node.children:
            walk(child)
        out.append("\n" if block else "")

    walk(element)
    return "\n".join(" ".join(line.split()) for line in "".join(out).split("\n"))


def structure(transcript) -> list[tuple[str, str, str, str, str, str]]:
    return [(t.speaker, t.role, t.kind, t.section, t.type, t.firm if t.kind == "analyst" else "")
            for t in transcript.turns]


@pytest.mark.parametrize("split_headers", [True, False], ids=["name-dash-role-lines", "one-line-headers"])
def test_an_invented_call_in_text_shape(split_headers):
    t = fool_text.parse(invented_text(split_headers=split_headers), source="call.txt")
    assert (t.ticker, t.period, t.call_date, t.call_time) == ("ACME", "FY2025 Q1", dt.date(2024, 5, 22), "17:00 ET")
    assert (t.company, t.title, t.format) == (
        "Acme Widgets Inc", "Acme Widgets (ACME) Q1 2025 Earnings Call Transcript", "fool_text")
    assert structure(t) == [(p.name, p.role, p.kind, section, TYPES[p.kind, section],
                             p.firm if p.kind == "analyst" else "") for p, section, _ in TURNS]
    assert [turn.text for turn in t.turns] == ["\n\n".join(paragraphs) for _, _, paragraphs in TURNS]
    assert [(p.name, p.role, p.firm, p.kind) for p in t.participants] == [
        (DANA.name, DANA.role, "", "executive"), (LEE.name, LEE.role, "", "executive"),
        (SAM.name, "Analyst", SAM.firm, "analyst"), (KIM.name, "Analyst", KIM.firm, "analyst")]
    assert "More ACME analysis" not in t.turns[-1].text and t.warnings == ()


def test_the_same_call_as_streetevents_text_gives_the_same_speakers_sections_and_text():
    text = parse_document(invented_text(), source="call.txt")
    street = parse_document(streetevents_text(), source="2024-05-22-ACME.txt")
    assert (text.ticker, text.period, text.call_date) == (street.ticker, street.period, street.call_date)
    assert structure(text) == structure(street)
    assert [t.text.replace("\n\n", "\n") for t in text.turns] == [t.text for t in street.turns]


@pytest.mark.parametrize("rendering", ["article as a browser saves it", "every text node on a line", "whole page"])
def test_real_pages_rendered_as_text_parse_like_their_html(legacy_page: Path, rendering):
    html = legacy_page.read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "lxml")
    body = soup.select_one("span.article-content")
    text = {"article as a browser saves it": lambda: browser_text(body),
            "every text node on a line": lambda: body.get_text("\n"),
            "whole page": lambda: browser_text(soup.body)}[rendering]()
    page, saved = fool_legacy.parse(html, source=str(legacy_page)), fool_text.parse(text, source="saved.txt")
    assert detect_format(text) == "fool_text"
    assert saved.turns == page.turns
    assert set(saved.participants) == set(page.participants)
    assert (saved.ticker, saved.period, saved.call_date, saved.call_time, saved.company) == (
        page.ticker, page.period, page.call_date, page.call_time, page.company)
    assert saved.warnings == page.warnings


def test_spoken_dashes_in_paragraphs_open_no_turn():
    text = invented_text().replace(
        "Pricing should stay firm. ", "So thanks -- thanks to the team.\nOkay. That's I --\nPricing should stay firm. ")
    lee = fool_text.parse(text, source="call.txt").turns[5]
    assert lee.speaker == "Lee Okafor"
    assert lee.text.startswith("So thanks -- thanks to the team.\n\nOkay. That's I --\n\nPricing should stay firm.")


def test_a_name_alone_opens_a_turn_when_the_participants_list_names_it():
    text = invented_text().replace("Kim Wu\n--\nEastgate Capital -- Analyst\nCould", "Kim Wu\nCould")
    kim = fool_text.parse(text, source="call.txt").turns[7]
    assert (kim.speaker, kim.kind, kim.type, kim.text) == ("Kim Wu", "analyst", "question", TURNS[7][2][0])


def test_an_empty_turn_is_dropped_with_a_warning():
    text = invented_text().replace("Thanks for taking my question.", "Sam Patel\n--\nNorthbank Securities -- Analyst\n"
                                   "Thanks for taking my question.")
    t = fool_text.parse(text, source="call.txt")
    assert t.warnings == ("speaker turn 5 of 11 (Sam Patel) has no text; dropped",)
    assert [turn.index for turn in t.turns] == list(range(10)) and structure(t)[4][0] == "Sam Patel"


@pytest.mark.parametrize(("change", "reason"), [
    (lambda s: s[:s.index("Duration:")], r"cut\.txt: the Contents promise Call Participants but the page lacks"),
    (lambda s: s[:s.index("Duration:")].replace("Call Participants\n", ""),
     r"cut\.txt: no end of the transcript \('Duration: N minutes'"),
    (lambda s: s.replace("Questions & Answers:", "More remarks:"),
     r"the Contents promise Questions and Answers but the page lacks them"),
    (lambda s: s.replace("--", "-").replace("Operator\n", "Our operator\n"),
     r"no speaker turns \('Name -- Role' lines\) under 'Prepared Remarks:'"),
])
def test_a_cut_or_broken_copy_is_refused_with_the_reason(change, reason):
    with pytest.raises(ParseError, match=reason):
        fool_text.parse(change(invented_text()), source="cut.txt")


def test_the_ticker_comes_from_the_argument_the_text_or_the_file_name():
    anonymous = "\n".join(line for line in invented_text().splitlines()
                          if "ACME" not in line and "Acme Widgets (" not in line)
    assert fool_text.parse(anonymous, source="call.txt", ticker="acme").ticker == "ACME"
    assert fool_text.parse(anonymous, source="ACME_2024-May-22.txt").ticker == "ACME"
    with pytest.raises(ParseError, match=r"call\.txt: the ticker is not in the text; give it \(--ticker\) or name "
                                         r"the file like 2016-02-17-TICKER\.txt"):
        fool_text.parse(anonymous, source="call.txt")


def test_detection_tells_text_copies_from_the_other_formats():
    text = invented_text()
    assert detect_format(text) == "fool_text" and detect_format(invented_text(split_headers=False)) == "fool_text"
    assert not (streetevents.looks_like(text) or plain.looks_like(text))
    assert not fool_text.looks_like(streetevents_text())
    assert not fool_text.looks_like(f"<html><body><pre>{text}</pre></body></html>")
    assert detect_format(streetevents_text()) == "streetevents"


def test_a_copy_wrapped_at_a_fixed_width_gives_the_same_paragraphs():
    text = invented_text()
    wrapped = "\n".join(f"{textwrap.fill(line, 72)}\n" for line in text.splitlines())  # and a blank line after each
    assert max(map(len, wrapped.splitlines())) <= 72 and wrapped.count("\n") > 2 * text.count("\n") + 10
    assert fool_text.parse(wrapped, source="call.txt").turns == fool_text.parse(text, source="call.txt").turns
