"""The current (Next.js) fool.com parser against the real NVIDIA Q3 FY2026 page, and its shared helpers."""
from __future__ import annotations

import datetime as dt

import pytest
from bs4 import BeautifulSoup

from core.errors import ParseError
from core.ingest.parsers import detect_format, fool_current, fool_legacy
from core.ingest.parsers.html_text import parse_date, parse_time, title_info
from core.model import Period

CANONICAL = "https://www.fool.com/earnings/call-transcripts/2025/11/19/nvidia-nvda-q3-2026-earnings-call-transcript/"
# The 34 'Name:' paragraphs of the page's transcript section, in order (read off the page).
SPEAKERS = [
    "Toshiya Hari", "Colette Kress", "Jensen Huang", "Toshiya Hari",
    "Sarah", "Joseph Moore", "Colette Kress", "Sarah", "C.J. Muse", "Jensen Huang",
    "Sarah", "Vivek Arya", "Jensen Huang", "Sarah", "Ben Reitzes", "Jensen Huang",
    "Sarah", "Jim Schneider", "Jensen Huang", "Colette Kress", "Jensen Huang",
    "Sarah", "Timothy Arcuri", "Jensen Huang", "Sarah", "Stacy Rasgon", "Colette Kress", "Jensen Huang",
    "Sarah", "Aaron Rakers", "Jensen Huang", "Sarah", "Toshiya Hari", "Sarah",
]
FIRST_QA = 4  # Sarah's turn that announces the first question (from Joseph Moore)
MANAGEMENT = [
    ("Jensen Huang", "President and Chief Executive Officer"),
    ("Colette Kress", "Executive Vice President and Chief Financial Officer"),
    ("Toshiya Hari", "Vice President, Investor Relations"),
]
ANALYSTS = {
    "Joseph Moore": "Morgan Stanley", "C.J. Muse": "Cantor Fitzgerald", "Vivek Arya": "Bank of America Securities",
    "Ben Reitzes": "Melius", "Jim Schneider": "Goldman Sachs", "Timothy Arcuri": "UBS",
    "Stacy Rasgon": "Bernstein Research", "Aaron Rakers": "Wells Fargo",
}


def _signature(t) -> list[tuple]:
    return [(x.speaker, x.kind, x.section, x.type, x.firm, x.text) for x in t.turns]


def test_nvidia_page(current_page: str) -> None:
    t = fool_current.parse(current_page, source="nvda.html")
    assert (t.ticker, t.company, t.title) == ("NVDA", "Nvidia", "Nvidia (NVDA) Q3 2026 Earnings Call Transcript")
    assert (t.fiscal_year, t.fiscal_quarter, t.period) == (2026, 3, "FY2026 Q3")
    assert (t.call_date, t.call_time) == (dt.date(2025, 11, 19), "17:00 ET")
    assert (t.format, t.source) == ("fool_current", CANONICAL)
    assert [x.speaker for x in t.turns] == SPEAKERS
    assert [x.section for x in t.turns] == ["prepared"] * FIRST_QA + ["qa"] * (len(SPEAKERS) - FIRST_QA)
    assert [x.type for x in t.turns[:FIRST_QA]] == ["presentation"] * FIRST_QA
    expected_types = {"Sarah": "operator", **{a: "question" for a in ANALYSTS}, **{m: "answer" for m, _ in MANAGEMENT}}
    assert [x.type for x in t.turns[FIRST_QA:]] == [expected_types[s] for s in SPEAKERS[FIRST_QA:]]
    assert {x.speaker: (x.kind, x.firm) for x in t.turns if x.kind == "analyst"} == {
        name: ("analyst", firm) for name, firm in ANALYSTS.items()
    }
    assert {x.kind for x in t.turns if x.speaker == "Sarah"} == {"operator"}
    assert [(p.name, p.role, p.firm, p.kind) for p in t.participants] == [
        *[(name, role, "", "executive") for name, role in MANAGEMENT],
        *[(name, "Analyst", firm, "analyst") for name, firm in ANALYSTS.items()],
    ]
    # Only the transcript section: no summary, takeaway or glossary text, nothing after the operator's close.
    assert t.turns[0].text.startswith("Good afternoon, everyone")
    assert t.turns[-1].text == "This concludes today's conference call. May now disconnect."
    assert not any("Motley Fool" in x.text or "CUDA\u2019s" in x.text for x in t.turns)
    assert t.turns[1].text.count("\n\n") >= 20  # Colette Kress's prepared remarks keep their paragraphs


def test_detected_as_current_only(current_page: str) -> None:
    assert fool_current.looks_like(current_page)
    assert not fool_legacy.looks_like(current_page)
    assert detect_format(current_page) == "fool_current"


def _without_body(page: str) -> str:
    soup = BeautifulSoup(page, "lxml")
    soup.find(id="article-body-transcript").decompose()
    return str(soup)


def test_payload_only_page_gives_the_same_transcript(current_page: str) -> None:
    stripped = _without_body(current_page)
    assert "<strong>Colette Kress:</strong>" not in stripped  # the turns now exist only as escaped payload text
    assert fool_current.looks_like(stripped)
    reference = fool_current.parse(current_page)
    t = fool_current.parse(stripped)
    assert len(t.turns) == 34
    assert _signature(t) == _signature(reference)
    assert (t.participants, t.call_date, t.call_time, t.period) == (
        reference.participants, reference.call_date, reference.call_time, reference.period)


def test_operator_recognised_by_behaviour_not_by_name(current_page: str) -> None:
    renamed = current_page.replace("<strong>Sarah:</strong>", "<strong>Dana Whitfield:</strong>")
    for page in (renamed, current_page.replace("<strong>Sarah:</strong>", "<strong>Operator:</strong>")):
        t = fool_current.parse(page)
        operator = t.turns[FIRST_QA].speaker
        assert operator != "Sarah"
        assert [x.index for x in t.turns if x.kind == "operator"] == [i for i, s in enumerate(SPEAKERS) if s == "Sarah"]
        assert t.turns[FIRST_QA].section == "qa" and t.turns[FIRST_QA - 1].section == "prepared"
        assert "Dana Whitfield" not in {p.name for p in t.participants}


def test_opening_by_a_first_name_operator_stays_in_prepared_remarks(current_page: str) -> None:
    opening = ("<p><strong>Dana:</strong> Good afternoon. My name is Dana, and I will be your conference operator "
               "today. After the speakers' remarks, there will be a question-and-answer session. "
               "[Operator Instructions] I will now turn the call over to Toshiya Hari.</p>")
    page = current_page.replace("<strong>Sarah:</strong>", "<strong>Dana:</strong>").replace(
        '<h2 id="full-conference-call-transcript" class="my-6 text-2xl font-bold">Full Conference Call Transcript</h2>',
        '<h2 id="full-conference-call-transcript">Full Conference Call Transcript</h2>' + opening, 1)
    t = fool_current.parse(page)
    assert [x.speaker for x in t.turns] == ["Dana"] + [s.replace("Sarah", "Dana") for s in SPEAKERS]
    assert (t.turns[0].kind, t.turns[0].section, t.turns[0].type) == ("operator", "prepared", "operator")
    assert [x.section for x in t.turns].index("qa") == FIRST_QA + 1
    assert t.turns[FIRST_QA + 1].type == "operator" and t.turns[FIRST_QA + 2].type == "question"


def test_participants_listed_name_first(current_page: str) -> None:
    swapped = current_page
    for name, role in MANAGEMENT:
        swapped = swapped.replace(f"<li>{role} \u2014 {name}</li>", f"<li>{name} \u2014 {role}</li>")
    assert swapped != current_page
    t = fool_current.parse(swapped)
    assert [(p.name, p.role, p.kind) for p in t.participants[:3]] == [(n, r, "executive") for n, r in MANAGEMENT]


def test_speaker_spellings_follow_the_participant_list(current_page: str) -> None:
    page = current_page.replace("<strong>Colette Kress:</strong>", "<strong>Colette M. Kress:</strong>", 2)
    page = page.replace("<strong>Jensen Huang:</strong>", "<strong>Jensen Huang (CEO):</strong>", 1)
    t = fool_current.parse(page)
    assert [x.speaker for x in t.turns] == SPEAKERS
    assert {x.kind for x in t.turns if x.speaker.startswith("Colette")} == {"executive"}


def test_period_from_url_when_title_lacks_it_and_given_values_win(current_page: str) -> None:
    page = current_page.replace(">Nvidia (NVDA) Q3 2026 Earnings Call Transcript</h1>",
                                ">Nvidia (NVDA) Earnings Call</h1>")
    t = fool_current.parse(page)
    assert (t.title, t.period) == ("Nvidia (NVDA) Earnings Call", "FY2026 Q3")
    t = fool_current.parse(current_page, ticker="nvda", period=Period(2026, 2))
    assert (t.ticker, t.period) == ("NVDA", "FY2026 Q2")


def test_truncated_pages_are_refused(current_page: str) -> None:
    with pytest.raises(ParseError, match=r"^nvda\.html: the page ends before </html>"):
        fool_current.parse(current_page[: int(len(current_page) * 0.3)], source="nvda.html")
    inside_body = current_page.index("<strong>Stacy Rasgon:</strong>")
    with pytest.raises(ParseError, match=r"^nvda\.html: the page ends inside the transcript body"):
        fool_current.parse(current_page[:inside_body] + "</div></html>", source="nvda.html")
    stripped = _without_body(current_page)
    inside_payload = stripped.index("Stacy Rasgon:")
    with pytest.raises(ParseError, match=r"^nvda\.html: the Next\.js payload ends inside a text row"):
        fool_current.parse(stripped[:inside_payload] + '"])</script></body></html>', source="nvda.html")


def test_not_a_transcript() -> None:
    page = ('<html><head><link rel="canonical" href="https://www.fool.com/investing/x/"></head><body>'
            '<div id="article-body-transcript"><h2 id="full-conference-call-transcript">Transcript</h2>'
            "<p>Coming soon.</p></div><footer></footer></body></html>")
    with pytest.raises(ParseError, match=r"^https://www\.fool\.com/investing/x/: no '<strong>Name:</strong>'"):
        fool_current.parse(page)
    assert not fool_current.looks_like("<html><body><p>fool.com: <strong>Note:</strong> hi</p></body></html>")


@pytest.mark.parametrize(("text", "date", "time"), [
    ("Wednesday, November 19, 2025 at 5 p.m. ET", dt.date(2025, 11, 19), "17:00 ET"),
    ("Jan. 28, 2026 at 5:30 p.m. ET", dt.date(2026, 1, 28), "17:30 ET"),
    ("Sept. 3, 2025, 8:00 a.m. ET", dt.date(2025, 9, 3), "08:00 ET"),
    ("Jul 10, 2020", dt.date(2020, 7, 10), None),
    ("12:30 PM ET on 2024-08-28", dt.date(2024, 8, 28), "12:30 ET"),
    ("Date to be announced", None, None),
])
def test_dates_and_times(text: str, date: dt.date | None, time: str | None) -> None:
    assert (parse_date(text), parse_time(text)) == (date, time)


@pytest.mark.parametrize(("title", "company", "ticker", "period"), [
    ("Nvidia (NVDA) Q3 2026 Earnings Call Transcript", "Nvidia", "NVDA", Period(2026, 3)),
    ("Carnival Corp & plc (CCL) Q2 2020 Earnings Call Transcript", "Carnival Corp & plc", "CCL", Period(2020, 2)),
    ("Berkshire Hathaway (BRK.B) Q1 2025 Earnings Call Transcript", "Berkshire Hathaway", "BRK.B", Period(2025, 1)),
    ("Nvidia (NVDA) Earnings Call", "Nvidia", "NVDA", None),
    ("Why Nvidia Stock Jumped Today", "", "", None),
])
def test_title_info(title: str, company: str, ticker: str, period: Period | None) -> None:
    info = title_info(title)
    assert (info.company, info.ticker, info.period) == (company, ticker, period)
