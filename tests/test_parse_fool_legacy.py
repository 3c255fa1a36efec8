"""The legacy fool.com parser against the real 2020 pages and their independent expected parses."""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from core.errors import ParseError
from core.ingest.parsers import detect_format, fool_current, fool_legacy
from core.ingest.parsers.html_text import split_role, url_info
from core.model import Period

SECTION = {"pres": "prepared", "qa": "qa"}
TYPE = {"P": "presentation", "Q": "question", "A": "answer", "O": "operator"}


def _expected(page: Path) -> dict:
    return json.loads((page.parent / "expected" / f"{page.stem}.json").read_text(encoding="utf-8"))


def _expected_participants(expected: dict) -> list[tuple[str, str, str, str]]:
    people = [(p["speaker"], p["role"], p["affiliation"], "executive") for p in expected["participants"]["management"]]
    for p in expected["participants"]["analysts"]:
        # Divergence: for '<em>Analyst -- Analyst</em>' (SLP's Brett Tasakiyo) the expected parse takes the
        # first 'Analyst' as the firm; the page names no firm, so we give firm "".
        firm = "" if p["affiliation"] == p["role"] else p["affiliation"]
        people.append((p["speaker"], p["role"], firm, "analyst"))
    return people


def _soup(page: Path) -> BeautifulSoup:
    return BeautifulSoup(page.read_text(encoding="utf-8"), "lxml")


def test_every_page_matches_its_expected_parse(legacy_page: Path) -> None:
    text = legacy_page.read_text(encoding="utf-8")
    expected = _expected(legacy_page)
    t = fool_legacy.parse(text, source=str(legacy_page))

    assert t.format == "fool_legacy"
    assert t.source == expected["call_url"]
    assert t.ticker == expected["ticker"]
    assert t.company == expected["company_name"]
    assert t.title == expected["call_title"]
    assert t.call_date == dt.date.fromisoformat(expected["call_date"])
    assert t.call_time == expected["call_time"][11:16] + " ET"
    assert (t.fiscal_year, t.fiscal_quarter) == (int(expected["fiscal_period_year"]),
                                                 int(expected["fiscal_period_qtr"][1:]))
    assert [(p.name, p.role, p.firm, p.kind) for p in t.participants] == _expected_participants(expected)
    assert [(x.speaker, x.section, x.type) for x in t.turns] == [
        (s["speaker"], SECTION[s["section"]], TYPE[s["statement_type"]]) for s in expected["call_transcript"]
    ]
    listed = {p.name: p for p in t.participants}
    for turn in t.turns:
        if turn.speaker == "Operator":
            assert (turn.kind, turn.role, turn.firm) == ("operator", "", "")
        else:
            assert (turn.kind, turn.role, turn.firm) == (listed[turn.speaker].kind, listed[turn.speaker].role,
                                                         listed[turn.speaker].firm)


def test_detected_as_legacy_only(legacy_page: Path) -> None:
    text = legacy_page.read_text(encoding="utf-8")
    assert fool_legacy.looks_like(text)
    assert not fool_current.looks_like(text)
    assert detect_format(text) == "fool_legacy"


def test_carnival_turn_texts_skip_ads_and_stop_at_duration(shared_dir: Path) -> None:
    page = next((shared_dir / "fixtures/foolcom/legacy-2020").glob("*-ccl-*.html"))
    t = fool_legacy.parse(page.read_text(encoding="utf-8"))
    assert len(t.turns) == 100
    assert not any("googletag" in x.text or "Duration" in x.text for x in t.turns)
    # The closing remarks end before the 'Duration' marker and the participants list.
    assert t.turns[-1].speaker == "Operator"
    assert "More CCL analysis" not in t.turns[-2].text
    assert t.turns[-2].text.count("\n\n") == 3  # four paragraphs, one split across two <p> by the page


def test_markup_in_paragraphs_stays_out_of_the_text(shared_dir: Path) -> None:
    page = next((shared_dir / "fixtures/foolcom/legacy-2020").glob("*-ccl-*.html")).read_text(encoding="utf-8")
    plain = fool_legacy.parse(page)
    first = plain.turns[0].text.split("\n\n")[0]  # its start and end stand once in the page
    assert page.count(first[:50]) == page.count(first[-40:]) == 1
    marked = page.replace(first[:50], f'<Sync id="L1"time="00:00:05"/>&lt;Sync time="00:00:06"/&gt;<b>{first[:50]}'
                          ).replace(first[-40:], f"{first[-40:]}</b> &lt;!-- note --&gt;")
    assert fool_legacy.parse(marked).turns == plain.turns


def test_later_layout_without_contents_in_article_body_transcript_div(legacy_page: Path) -> None:
    soup = _soup(legacy_page)
    contents = soup.find("h2", string=re.compile("Contents"))
    contents.find_next_sibling("ul").decompose()
    contents.decompose()
    body = soup.select_one("span.article-content")
    body.name, body.attrs = "div", {"id": "article-body-transcript"}
    reference = fool_legacy.parse(legacy_page.read_text(encoding="utf-8"))
    t = fool_legacy.parse(str(soup), source="variant")
    assert [(x.speaker, x.section, x.type, x.text) for x in t.turns] == [
        (x.speaker, x.section, x.type, x.text) for x in reference.turns
    ]
    assert t.participants == reference.participants


def test_questions_and_answers_heading_spellings(shared_dir: Path) -> None:
    bbby = next((shared_dir / "fixtures/foolcom/legacy-2020").glob("*-bbby-*.html"))
    assert "<h2>Questions &amp; Answers:</h2>" in bbby.read_text(encoding="utf-8")
    t = fool_legacy.parse(bbby.read_text(encoding="utf-8"))
    assert sum(x.section == "qa" for x in t.turns) == 99


def test_truncated_page_is_refused(legacy_page: Path) -> None:
    text = legacy_page.read_text(encoding="utf-8")
    with pytest.raises(ParseError, match=r"^cut\.html: the page ends before </html>"):
        fool_legacy.parse(text[: int(len(text) * 0.3)], source="cut.html")
    # Even when something closed the tags, a cut inside the Q&A contradicts the Contents list.
    qa_at = re.search(r"Questions (?:and|&amp;) Answers:</h2>", text).end()
    cut = text[: (qa_at + text.index("<strong>Duration:")) // 2] + "</p></span></section></html>"
    with pytest.raises(ParseError, match=r"Contents promise Call Participants but the page lacks them"):
        fool_legacy.parse(cut, source="cut.html")


def test_page_without_contents_needs_an_end_marker(legacy_page: Path) -> None:
    soup = _soup(legacy_page)
    for heading in soup.find_all("h2", string=re.compile("Contents|Call participants")):
        heading.decompose()
    for p in soup.find_all("p"):
        if p.get_text().startswith("Duration:"):
            p.decompose()
    with pytest.raises(ParseError, match=r"no end of the transcript \('Duration: N minutes' or 'Call participants'\)"):
        fool_legacy.parse(str(soup), source="cut.html")


def test_not_a_transcript() -> None:
    page = "<html><head><title>fool.com news</title></head><body><p>Stocks rose.</p></body></html>"
    assert not fool_legacy.looks_like(page) and not fool_current.looks_like(page)
    with pytest.raises(ParseError, match=r"^news\.html: no fool\.com article body"):
        fool_legacy.parse(page, source="news.html")


def test_period_from_url_and_given_period_wins(legacy_page: Path) -> None:
    soup = _soup(legacy_page)
    h1 = soup.find("h1")
    h1.string = re.sub(r"\s*Q\d \d{4}", "", h1.get_text())
    expected = _expected(legacy_page)
    t = fool_legacy.parse(str(soup))
    assert t.title == h1.string
    assert t.period == f"FY{expected['fiscal_period_year']} {expected['fiscal_period_qtr']}"
    given = fool_legacy.parse(str(soup), period=Period(2019, 4), ticker="xyz")
    assert (given.fiscal_year, given.fiscal_quarter, given.ticker) == (2019, 4, "XYZ")


@pytest.mark.parametrize(("url", "ticker", "period"), [
    ("https://www.fool.com/earnings/call-transcripts/2020/07/10/"
     "carnival-corp-plc-ccl-q2-2020-earnings-call-transc.aspx",
     "CCL", Period(2020, 2)),
    ("https://www.fool.com/earnings/call-transcripts/2021/08/18/nvidia-corporation-nvda-q2-2022-earnings-call-tran/",
     "NVDA", Period(2022, 2)),
    ("https://www.fool.com/earnings/call-transcripts/2026/05/20/nvidia-nvda-q1-2027-earnings-transcript/",
     "NVDA", Period(2027, 1)),
    ("https://www.fool.com/investing/2020/07/10/why-carnival-stock-fell.aspx", "", None),
])
def test_url_info(url: str, ticker: str, period: Period | None) -> None:
    info = url_info(url)
    assert (info.ticker, info.period) == (ticker, period)


@pytest.mark.parametrize(("text", "role", "firm"), [
    ("Stifel -- Analyst", "Analyst", "Stifel"),
    ("Analyst -- Analyst", "Analyst", ""),
    ("Analyst", "Analyst", ""),
    ("Chief Financial Office and Chief Accounting Officer", "Chief Financial Office and Chief Accounting Officer", ""),
])
def test_split_role(text: str, role: str, firm: str) -> None:
    assert split_role(text) == (role, firm)
