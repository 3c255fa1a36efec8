"""The StreetEvents text parser over the whole real corpus in ../shared, plus layout variants made from it."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from conftest import SHARED, needs_shared

from core.errors import ParseError
from core.fiscal import end_month_from_label, period_for_call, year_end_month
from core.ingest.parsers import detect_format, streetevents
from core.model import Period

CORPUS = SHARED / "corpus" / "streetevents"
FILES = sorted(CORPUS.glob("*/*.txt"))
SPOT = CORPUS / "NVDA" / "2022-02-16-NVDA.txt"

pytestmark = needs_shared(CORPUS)

# Independent of the parser: a line that starts flush left and ends in two blanks and "[n]".
SPEAKER_LINE = re.compile(r"^\S.*  \[\d+\] *$", re.M)
# The document's own label, as the title line right above the "MONTH D, YYYY / H:MMPM GMT" line writes it.
LABEL_ABOVE_DATE = re.compile(r"^Q([1-4]) (\d{4}) .*\n[A-Za-z]+ \d{1,2}, \d{4} / ", re.M)


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _parse(path: Path, **options):
    return streetevents.parse(_read(path), source=str(path), **options)


@pytest.mark.parametrize("path", FILES or [CORPUS], ids=[f"{p.parent.name}/{p.stem}" for p in FILES] or ["absent"])
def test_every_corpus_file(path: Path) -> None:
    text = _read(path)
    assert streetevents.looks_like(text)
    t = _parse(path)
    assert t.ticker == path.parent.name
    assert t.call_date == dt.date.fromisoformat(path.stem[:10])
    assert re.fullmatch(r"\d\d:\d\d UTC", t.call_time)
    sections = [turn.section for turn in t.turns]
    assert sections == sorted(sections, key=["prepared", "qa"].index), "prepared remarks must precede Q&A"
    assert set(sections) == {"prepared", "qa"}
    assert len(t.turns) == len(SPEAKER_LINE.findall(text))
    label = LABEL_ABOVE_DATE.search(text)
    assert label, "every corpus title carries a 'Qn YYYY' label"
    assert Period(t.fiscal_year, t.fiscal_quarter) == Period(int(label[2]), int(label[1]))
    assert period_for_call(t.ticker, t.call_date) == Period(t.fiscal_year, t.fiscal_quarter)
    assert end_month_from_label(Period(t.fiscal_year, t.fiscal_quarter), t.call_date) == year_end_month(t.ticker)
    assert "All Rights Reserved" not in t.turns[-1].text and "Edited Transcript" not in t.turns[-1].text
    for turn in t.turns:
        assert (turn.kind == "operator") == (turn.speaker == "Operator")
        assert (turn.type == "operator") == (turn.kind == "operator")
        if turn.section == "prepared" and turn.kind != "operator":
            assert turn.type == "presentation"
        if turn.section == "qa" and turn.kind == "analyst":
            assert turn.type == "question"
        if turn.section == "qa" and turn.kind == "executive":
            assert turn.type == "answer"


def test_nvda_calls_cover_fy2010_q4_to_fy2025_q3_without_gap_or_duplicate() -> None:
    calls = [_parse(path) for path in sorted((CORPUS / "NVDA").glob("*.txt"))]
    periods = [Period(t.fiscal_year, t.fiscal_quarter) for t in calls]
    assert len(periods) == 60
    assert periods == [Period(year, quarter) for year in range(2010, 2026) for quarter in (1, 2, 3, 4)][3:-1]


def test_spot_checks_on_one_call() -> None:
    t = _parse(SPOT)
    assert (t.ticker, t.company, t.period) == ("NVDA", "NVIDIA Corp", "FY2022 Q4")
    assert (t.call_date, t.call_time) == (dt.date(2022, 2, 16), "22:30 UTC")
    assert t.title == "Q4 2022 NVIDIA Corp Earnings Call"
    assert len(t.turns) == 45
    assert next(turn.index for turn in t.turns if turn.section == "qa") == 7
    third = t.turns[3]
    assert (third.speaker, third.firm, third.role) == ("Jensen Huang", "", "Co-Founder, CEO, President & Director")
    assert [turn.type for turn in t.turns[6:11]] == ["presentation", "operator", "question", "answer", "answer"]
    kinds = {turn.speaker: turn.kind for turn in t.turns}
    assert kinds == {
        "Operator": "operator",
        "Simona Jankowski": "executive", "Colette M. Kress": "executive", "Jensen Huang": "executive",
        "Toshiya Hari": "analyst", "Christopher James Muse": "analyst", "Joseph Lawrence Moore": "analyst",
        "John William Pitzer": "analyst", "Timothy Michael Arcuri": "analyst", "Vivek Arya": "analyst",
        "Michael Tsvetanov": "analyst", "Rajvindra S. Gill": "analyst", "Stacy Aaron Rasgon": "analyst",
        "Harlan Sur": "analyst", "Matthew D. Ramsay": "analyst",
    }
    assert len(t.participants) == 14
    assert t.participants[0].name == "Colette M. Kress" and t.participants[0].kind == "executive"
    toshiya = next(p for p in t.participants if p.name == "Toshiya Hari")
    assert toshiya.firm == "Goldman Sachs Group, Inc., Research Division"
    assert (toshiya.role, toshiya.kind) == ("MD", "analyst")


def test_speaker_spelled_differently_from_the_list_takes_the_listed_spelling() -> None:
    text = _read(SPOT).replace("Colette M. Kress,  NVIDIA", "Colette Kress,  NVIDIA", 1)
    t = streetevents.parse(text, source=str(SPOT))
    assert t.turns[2].speaker == "Colette M. Kress"
    assert t.turns[2].kind == "executive"


def test_lowercase_lseg_sections() -> None:
    t = _parse(CORPUS / "NVDA" / "2024-11-20-NVDA.txt")
    assert t.period == "FY2025 Q3"
    assert [turn.section for turn in t.turns[:4]] == ["prepared", "prepared", "prepared", "qa"]
    assert "Operator" not in {p.name for p in t.participants}  # listed as a participant in 2024 files


def _with_separator_rows(text: str) -> str:
    """The original StreetEvents layout: '=' rows around headings, '-' rows around speaker lines and the trailer."""
    equals, dashes = "=" * 80, "-" * 80
    out = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped in ("Corporate Participants", "Conference Call Participiants", "Presentation",
                        "Questions and Answers"):
            out += [equals, line, equals if "Particip" in stripped else dashes]
        elif SPEAKER_LINE.match(line) or stripped in ("Definitions", "Disclaimer"):
            out += [dashes, line, dashes]
        else:
            out.append(line)
    return "\n".join(out)


def test_original_layout_with_separator_rows_parses_the_same() -> None:
    text = _read(SPOT)
    ruled = _with_separator_rows(text)
    assert ruled.count("=" * 80) == 6 and ruled.count("-" * 80) > 2 * 45
    plain, original = streetevents.parse(text, source=str(SPOT)), streetevents.parse(ruled, source=str(SPOT))
    assert original.turns == plain.turns
    assert original.participants == plain.participants
    assert (original.period, original.call_date) == (plain.period, plain.call_date)


def test_crlf_line_ends_parse_the_same() -> None:
    text = _read(SPOT)
    assert streetevents.parse(text.replace("\n", "\r\n"), source=str(SPOT)).turns == _parse(SPOT).turns


def test_unidentified_speaker_is_other_and_asks_when_it_asks() -> None:
    t = _parse(CORPUS / "NVDA" / "2014-11-06-NVDA.txt")
    unidentified = [turn for turn in t.turns if turn.speaker == "Unidentified Participant"]
    assert len(unidentified) == 6
    assert {turn.kind for turn in unidentified} == {"other"}
    assert [turn.type for turn in unidentified] == ["question", "question", "answer", "question", "question", "answer"]
    assert "Unidentified Participant" not in {p.name for p in t.participants}


def test_executives_listed_among_call_participants_are_executives() -> None:
    t = _parse(CORPUS / "AMD" / "2012-01-24-AMD.txt")
    rory = next(p for p in t.participants if p.name == "Rory Read")
    assert rory.kind == "executive"
    assert {turn.type for turn in t.turns if turn.speaker == "Rory Read" and turn.section == "qa"} == {"answer"}


def test_html_entities_in_the_title_are_decoded() -> None:
    t = _parse(CORPUS / "AMD" / "2020-10-27-AMD.txt")
    assert t.title == "Q3 2020 Advanced Micro Devices Inc Earnings & Xilinx Acquisition Announcement Call"
    assert t.company == "Advanced Micro Devices Inc"


def test_ticker_comes_from_the_argument_or_the_file_name() -> None:
    text = _read(SPOT)
    assert streetevents.parse(text, source="/tmp/2022-02-16-nvda.txt").ticker == "NVDA"
    assert streetevents.parse(text, source="upload.txt", ticker="nvda").ticker == "NVDA"
    with pytest.raises(
        ParseError, match=r"upload\.txt: the ticker is not in a StreetEvents text; give it \(--ticker\)"
    ):
        streetevents.parse(text, source="upload.txt")


def test_callers_period_wins_and_a_title_without_label_falls_back_to_the_calendar() -> None:
    text = _read(SPOT)
    assert streetevents.parse(text, source=str(SPOT), period=Period(2030, 1)).period == "FY2030 Q1"
    unlabelled = text.replace("Q4 2022 NVIDIA Corp Earnings Call", "NVIDIA Corp Earnings Call", 1)
    t = streetevents.parse(unlabelled, source=str(SPOT))
    assert (t.period, t.company) == ("FY2022 Q4", "NVIDIA Corp")
    undated = unlabelled.replace("FEBRUARY 16, 2022 / 10:30PM GMT", "", 1)
    with pytest.raises(ParseError, match="no fiscal period in the title 'NVIDIA Corp Earnings Call' and no call date"):
        streetevents.parse(undated, source=str(SPOT))


@pytest.mark.parametrize(
    ("title", "period", "rest"),
    [
        ("Q1 2024 NVIDIA Corp Earnings Call", Period(2024, 1), "NVIDIA Corp Earnings Call"),
        ("Q4 and Full Year 2013 Acme Inc Earnings Call", Period(2013, 4), "Acme Inc Earnings Call"),
        ("Acme Corp FY 10 Second Quarter Results", Period(2010, 2), "Acme Corp Results"),
        ("Acme Corp Q2 FY2011 Earnings Conference Call", Period(2011, 2), "Acme Corp Earnings Conference Call"),
        ("3Q 2012 Acme Earnings Call", Period(2012, 3), "Acme Earnings Call"),
        ("Acme Third Quarter Fiscal 2014 Results", Period(2014, 3), "Acme Results"),
        ("Acme Full Year 2019 Results Call", Period(2019, 4), "Acme Results Call"),
        ("Acme Corp at Goldman Sachs Technology Conference", None, "Acme Corp at Goldman Sachs Technology Conference"),
    ],
)
def test_fiscal_label(title: str, period: Period | None, rest: str) -> None:
    assert streetevents.fiscal_label(title) == (period, rest)


def test_rejects_documents_without_sections() -> None:
    header = "Refinitiv StreetEvents Event Transcript\n\nQ1 2024 Acme Earnings Call\nMAY 24, 2023 / 9:00PM GMT\n"
    with pytest.raises(ParseError, match=r"x\.txt: no 'Presentation' / 'Questions and Answers' section"):
        streetevents.parse(header + "\nSome prose without any speaker.\n", source="x.txt", ticker="ACME")
    with pytest.raises(ParseError, match="only 2 speaker turns found"):
        streetevents.parse(header + "Presentation\nOperator    [1]\nHello.\nJo Bloggs,  Acme - CEO    [2]\nHi.\n",
                           source="x.txt", ticker="ACME")


def test_format_detection() -> None:
    assert detect_format(_read(SPOT)) == "streetevents"
    assert detect_format(_with_separator_rows(_read(SPOT))) == "streetevents"
    assert not streetevents.looks_like("<html><body><p>Presentation</p></body></html>")
    assert not streetevents.looks_like("Operator: Good day.\nJo Bloggs: Thanks.\nAl Smith: Hi?\n")
    headless = _read(SPOT).replace("Refinitiv StreetEvents Event Transcript", "", 1)
    assert streetevents.looks_like(headless)


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _with_timing_tags(text: str) -> tuple[str, list[int]]:
    """The text with a vendor's timing tag before every line of speech and every second sentence of it, and the
    seconds of the first tag of each speaker turn."""
    out, firsts, seconds, speaking = [], [], 0, False
    for line in text.splitlines():
        if SPEAKER_LINE.match(line):
            speaking, firsts = True, [*firsts, None]
        elif line.strip() in ("Definitions", "Questions and Answers"):
            speaking = line.strip() != "Definitions"
        elif speaking and line.strip():
            tagged = []
            for n, sentence in enumerate(line.split(". ")):
                if n % 2 == 0 and sentence.strip():
                    seconds += 7
                    firsts[-1] = seconds if firsts[-1] is None else firsts[-1]
                    sentence = f'<Sync id="L{seconds}"time="{_clock(seconds)}"/>{sentence}'
                tagged.append(sentence)
            line = ". ".join(tagged)
        out.append(line)
    return "\n".join(out), firsts


def test_timing_tags_leave_the_text_and_give_each_turn_its_clock() -> None:
    text = _read(SPOT)
    tagged, firsts = _with_timing_tags(text)
    assert tagged.count("<Sync") > 200
    plain, timed = streetevents.parse(text, source=str(SPOT)), streetevents.parse(tagged, source=str(SPOT))
    assert [t.text for t in timed.turns] == [t.text for t in plain.turns]
    assert [t.speaker for t in timed.turns] == [t.speaker for t in plain.turns]
    assert [t.offset_s for t in timed.turns] == firsts and None not in firsts
    assert sum(len(t.marks) for t in timed.turns) == tagged.count("<Sync")
    for turn in timed.turns:
        for at, _ in turn.marks:
            assert at == 0 or turn.text[at - 1] == "\n" or turn.text[at - 2:at] == ". "


def test_an_invented_call_with_timing_tags_and_an_empty_operator_turn() -> None:
    from invented_call import TURNS, streetevents_text

    text = streetevents_text(body={
        0: ['<Sync id="L1"time="00:00:05"/>Good day. <Sync id="L2"time="00:00:09"/>All lines are muted.'],
        3: ['<Sync id="L9"time="00:12:00"/>'],  # the operator's turn holds nothing but a timing tag
        4: [f'<Sync id="L10"time="00:12:04"/>{TURNS[4][2][0]}'],
    })
    t = streetevents.parse(text, source="/imports/2024-May-22-acme.txt")
    assert t.ticker == "ACME" and t.warnings == ("speaker turn 4 of 10 (Operator) has no text; dropped",)
    assert len(t.turns) == 9 and [turn.index for turn in t.turns] == list(range(9))
    assert (t.turns[0].text, t.turns[0].marks) == ("Good day. All lines are muted.", ((0, 5), (10, 9)))
    assert (t.turns[3].speaker, t.turns[3].offset_s, t.turns[3].text) == ("Sam Patel", 724, TURNS[4][2][0])
    assert all("<" not in turn.text for turn in t.turns)


def test_a_call_whose_turns_are_mostly_empty_is_refused() -> None:
    from invented_call import TURNS, streetevents_text

    text = streetevents_text(body={n: ["<Sync id='x'/>"] for n in range(1, len(TURNS))})
    with pytest.raises(ParseError, match=r"x\.txt: 9 of 10 speaker turns have no text: the text of the call was not "
                                         r"found"):
        streetevents.parse(text, source="x.txt", ticker="ACME")


@pytest.mark.parametrize("name", ["2016-02-17-NVDA.txt", "2016-Feb-17-NVDA.txt", "20160217-NVDA.txt",
                                  "Feb-17-2016-NVDA.txt", "NVDA_2016-02-17.txt", "nvda 20160217.txt"])
def test_the_ticker_comes_from_a_file_name_in_any_common_date_style(name: str) -> None:
    assert streetevents.parse(_read(SPOT), source=f"/imports/{name}").ticker == "NVDA"
