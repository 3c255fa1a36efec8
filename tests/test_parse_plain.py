"""The 'Name: text' parser and the shared Q&A cues, on small synthetic transcripts."""
from __future__ import annotations

import datetime as dt

import pytest

from core.errors import ParseError
from core.ingest.parsers import detect_format, plain, qa_cues
from core.model import Period

FILLER = "We saw steady demand across every region and expect margins to hold through the coming year. " * 6

CALL = f"""Operator: Good afternoon and welcome to the Acme Widgets call. [Operator Instructions] I will now hand over.

Dana Reyes (Vice President, Investor Relations): Thank you. Joining me today is our chief financial officer.
{FILLER}

Lee Okafor - Chief Financial Officer: Thanks, Dana. {FILLER}
Our balance sheet remains strong.

Operator: Thank you. Our first question comes from Sam Patel with Northbank Securities.
Sam Patel: Thanks for taking my question. How should we think about pricing next year?
Lee Okafor: {FILLER}
Sam Patel: Helpful. And one follow-up on inventory?
Dana Reyes: Inventory is in line with our plan. {FILLER}
Operator: Next question comes from the line of Kim Wu with Eastgate Capital.
Kim Wu: Could you talk about the new plant?
Lee Okafor: It opens in the spring.
Operator: That concludes today's call. You may now disconnect.
"""


def _parse(text: str = CALL, **options):
    options = {"ticker": "acme", "period": Period(2025, 2), **options}
    return plain.parse(text, source="acme.txt", **options)


def test_turns_speakers_roles_and_continuations() -> None:
    t = _parse(call_date=dt.date(2025, 7, 30))
    assert [turn.speaker for turn in t.turns] == [
        "Operator", "Dana Reyes", "Lee Okafor", "Operator", "Sam Patel", "Lee Okafor", "Sam Patel", "Dana Reyes",
        "Operator", "Kim Wu", "Lee Okafor", "Operator",
    ]
    assert t.turns[1].role == "Vice President, Investor Relations"
    assert t.turns[2].role == "Chief Financial Officer"
    assert t.turns[2].text.endswith("\nOur balance sheet remains strong.")
    assert t.turns[1].text.startswith("Thank you. Joining me today is our chief financial officer.\nWe saw")
    assert (t.ticker, t.period, t.call_date, t.format) == ("ACME", "FY2025 Q2", dt.date(2025, 7, 30), "plain")


def test_sections_kinds_and_types() -> None:
    t = _parse()
    assert [turn.section for turn in t.turns] == ["prepared"] * 3 + ["qa"] * 9
    assert [turn.type for turn in t.turns] == [
        "operator", "presentation", "presentation", "operator", "question", "answer", "question", "answer",
        "operator", "question", "answer", "operator",
    ]
    assert {turn.speaker: turn.kind for turn in t.turns} == {
        "Operator": "operator", "Dana Reyes": "executive", "Lee Okafor": "executive",
        "Sam Patel": "analyst", "Kim Wu": "analyst",
    }


def test_operator_under_a_first_name() -> None:
    text = CALL.replace("Operator:", "Sarah:")
    t = _parse(text)
    assert {turn.speaker: turn.kind for turn in t.turns}["Sarah"] == "operator"
    assert next(turn.index for turn in t.turns if turn.section == "qa") == 3


def test_without_a_cue_everything_is_prepared() -> None:
    text = CALL.replace("Our first question comes from", "We now welcome")
    text = text.replace("[Operator Instructions] ", "")
    assert {turn.section for turn in _parse(text).turns} == {"prepared"}


def test_one_word_prefixes_must_recur_to_be_speakers() -> None:
    text = CALL.replace("Our balance sheet remains strong.", "Note: our balance sheet remains strong.")
    turn = _parse(text).turns[2]
    assert turn.speaker == "Lee Okafor" and turn.text.endswith("\nNote: our balance sheet remains strong.")


def test_caller_must_give_ticker_and_period() -> None:
    with pytest.raises(ParseError, match=r"acme\.txt: .*give the ticker \(--ticker\)"):
        plain.parse(CALL, source="acme.txt", period=Period(2025, 2))
    with pytest.raises(ParseError, match=r"give it \(--period 2025Q2\)"):
        plain.parse(CALL, source="acme.txt", ticker="ACME")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty document"),
        ("  \n\n ", "empty document"),
        ("\x00\x01\x02\xff binary", "binary data"),
        ("The quarter went well. Revenue rose and costs fell.\nWe expect more of the same.\n" * 20,
         "found 0 'Name: text' speaker lines"),
        ("Operator: Welcome.\nJo Bloggs: Thanks.\nAl Smith: Hi.\nJo Bloggs: Bye.\n",
         r"acme\.txt: only 4 words of speech found \(at least 200 expected\)"),
    ],
)
def test_bad_inputs_raise_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        _parse(text)


def test_looks_like_is_specific() -> None:
    assert plain.looks_like(CALL)
    assert detect_format(CALL) == "plain"
    prose = "Our results: better than expected.\nThe outlook is stable and the team is focused on execution.\n" * 5
    assert not plain.looks_like(prose)
    assert not plain.looks_like("<html><body><p><strong>Jo Bloggs:</strong> Hi.</p>\n" * 5 + "</body></html>")
    assert not plain.looks_like("Refinitiv StreetEvents Event Transcript\n" + CALL)
    assert not plain.looks_like("Jo Bloggs: hi\n")  # too few lines to tell


def test_qa_cues() -> None:
    turns = [
        ("Operator", "Welcome. After the remarks there will be a question-and-answer session. [Operator Instructions]"),
        ("Dana Reyes", "Thank you. We will take questions after the remarks."),
        ("Operator", "[Operator Instructions] Kim Wu, Eastgate."),
        ("Kim Wu", "What about the plant?"),
    ]
    assert qa_cues.qa_start(turns) == 2
    assert qa_cues.qa_start(turns[:2]) is None
    opening = [("Operator", "Welcome. We will now begin. Later we will open the call for questions."),
               ("Dana Reyes", "Remarks?"), ("Operator", "We will now begin the question-and-answer session.")]
    assert qa_cues.qa_start(opening) == 2
    opened = [("Dana Reyes", "Remarks."), ("Dana Reyes", "We will now open the call for questions."), ("Kim Wu", "Hi?")]
    assert qa_cues.qa_start(opened) == 1
    assert qa_cues.operator_names([("Sarah", "Our next question comes from Kim."), ("Kim Wu", "Hello?"),
                                   ("Sarah", "That concludes the call. You may now disconnect.")]) == {"Sarah"}
    assert qa_cues.operator_names([("Dana Reyes", "Next question comes from Kim."), ("Dana Reyes", "Thanks."),
                                   ("Dana Reyes", "Revenue grew."), ("Kim Wu", "Hi?")]) == set()


def test_markup_is_stripped_and_timing_tags_give_the_clock() -> None:
    text = CALL.replace("Sam Patel: Thanks for taking", 'Sam Patel: <Sync id="L3"time="00:21:07"/>Thanks for taking'
                        ).replace(" How should we", ' <Sync id="L4"time="00:21:10"/>How should we'
                        ).replace("Kim Wu: Could", "<Sync time='00:25:00'/>Kim Wu: Could &amp; would")
    t = _parse(text)
    sam, kim = t.turns[4], t.turns[9]
    assert (sam.speaker, sam.text) == ("Sam Patel", _parse().turns[4].text)
    assert (sam.offset_s, sam.marks) == (1267, ((0, 1267), (31, 1270)))
    assert sam.text[31:].startswith("How should we")
    assert (kim.speaker, kim.text, kim.offset_s) == ("Kim Wu", "Could & would you talk about the new plant?", 1500)


def test_an_empty_turn_is_dropped_with_a_warning() -> None:
    t = _parse(CALL.replace("Kim Wu: Could you talk", "Kim Wu:\nLee Okafor: Could you talk"))
    assert t.warnings == ("speaker turn 10 of 13 (Kim Wu) has no text; dropped",)
    assert [turn.speaker for turn in t.turns][8:10] == ["Operator", "Lee Okafor"]


def test_ticker_and_period_can_come_from_the_file_name() -> None:
    t = plain.parse(CALL, source="/imports/ACME_2025-Jul-30.txt")
    assert (t.ticker, t.call_date, t.period) == ("ACME", dt.date(2025, 7, 30), "FY2025 Q2")
    assert plain.parse(CALL, source="20250730-acme.txt", period=Period(2026, 1)).period == "FY2026 Q1"
