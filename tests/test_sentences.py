"""Sentence splitting and speaker groups."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.analysis.sentences import (
    Sentence,
    sentence_starts,
    sentences_of,
    speaker_group,
    split_sentences,
    turn_sentences,
)
from core.model import Transcript, Turn


@pytest.mark.parametrize("text, expected", [
    ("Revenue of $7.19 billion was up 5%. Margins were 64.5%, up 2.1 points.",
     ["Revenue of $7.19 billion was up 5%.", "Margins were 64.5%, up 2.1 points."]),
    ("NVIDIA Corp. reported record sales in the U.S. and China. Thank you.",
     ["NVIDIA Corp. reported record sales in the U.S. and China.", "Thank you."]),
    ("We shipped more in Q1. Q2 should be better. Mr. Huang agreed.",
     ["We shipped more in Q1.", "Q2 should be better.", "Mr. Huang agreed."]),
    ("I'm with Goldman Sachs & Co. LLC. Can you talk about supply?",
     ["I'm with Goldman Sachs & Co. LLC.", "Can you talk about supply?"]),
    ("Yes. (Operator Instructions) Next question, please!",
     ["Yes.", "(Operator Instructions)", "Next question, please!"]),
])
def test_split_keeps_abbreviations_and_decimals_whole(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


@pytest.mark.parametrize("text, expected", [
    # pysbd alone keeps these together: a spoken dash ("--") earlier in the line hides the later stops from it
    ("It's -- the stack is complicated. It's performant. And we saw some -- early adopters.",
     ["It's -- the stack is complicated.", "It's performant.", "And we saw some -- early adopters."]),
    ("We might see that for the next quarter or 2. But gamers -- still buying.",
     ["We might see that for the next quarter or 2.", "But gamers -- still buying."]),
    ("Is it a tablet? I don't know! We'll -- see.", ["Is it a tablet?", "I don't know!", "We'll -- see."]),
    ("(multiple speakers) Thank you. [inaudible] Go ahead.",
     ["(multiple speakers)", "Thank you.", "[inaudible]", "Go ahead."]),
    # never sure: abbreviations, initials, dotted tokens, a number opening a line, inside brackets or quotes
    ("Ask Dr. Su -- or C.J. Muse. Sales in the U.S. Rose.", ["Ask Dr. Su -- or C.J. Muse.", "Sales in the U.S. Rose."]),
    ("1. Revenue grew.", ["1. Revenue grew."]),
    ('He said "we grew. We hired." Then -- we left.', ['He said "we grew. We hired."', "Then -- we left."]),
    ("We grew (a lot. Really) -- thanks.", ["We grew (a lot. Really) -- thanks."]),
    ("Revenue was $7.19 billion -- up 5%. Good.", ["Revenue was $7.19 billion -- up 5%.", "Good."]),
    # closing quotes and brackets stay with their sentence, opened on this line or an earlier one
    ("He said 'we grew.' Then -- we left.", ["He said 'we grew.'", "Then -- we left."]),
    ("As one put it, ‘it just works.’ We -- love that.",
     ["As one put it, ‘it just works.’", "We -- love that."]),
    ("as we said in our letter.” Then -- he left.", ["as we said in our letter.”", "Then -- he left."]),
    ("Welcome to the Yum! Brands call. I am -- the CFO.", ["Welcome to the Yum! Brands call.", "I am -- the CFO."]),
    ("Thank you. (1) Revenue grew 5%. (2) Margins rose.", ["Thank you.", "(1) Revenue grew 5%.", "(2) Margins rose."]),
    ("We had three priorities. 1. Growth. 2. Margins.", ["We had three priorities.", "1. Growth.", "2. Margins."]),
])
def test_split_cuts_sure_ends_itself_and_leaves_the_rest_to_pysbd(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_a_stray_quote_stops_holding_back_cuts_after_a_long_stretch() -> None:
    filler = "Revenue -- grew. " * 40
    sentences = split_sentences(f'We shipped 12" wafers. {filler}Then -- margins rose. And -- costs fell.')
    assert sentences[-2:] == ["Then -- margins rose.", "And -- costs fell."]
    quoted = split_sentences(f'He said "we grew. {filler[:300]}We hired." Then -- we left.')
    assert quoted[0].startswith('He said "we grew.') and quoted[0].endswith('We hired."')


_CALL_PIECES = list("abcXYZ019 .,?!-()[]\"'$%\n\u2026‘’“”«»") + [" -- ", "U.S.", "Dr.", "...", " I "]
_CALL_TEXT = st.lists(st.sampled_from(_CALL_PIECES), max_size=80).map("".join)


@given(_CALL_TEXT)
@settings(max_examples=300, deadline=None)
def test_split_loses_and_reorders_nothing(text: str) -> None:
    """Every character of a line with a letter or digit is kept, in order; only whitespace changes."""
    kept = "".join(line for line in text.splitlines() if any(c.isalnum() for c in line))
    assert "".join(split_sentences(text)).replace(" ", "") == "".join(kept.split())


def test_line_breaks_end_sentences_and_punctuation_only_lines_vanish() -> None:
    text = "Growth was strong\nand broad-based.\n\n--\nThanks, everyone -- !"
    assert split_sentences(text) == ["Growth was strong", "and broad-based.", "Thanks, everyone -- !"]


def test_empty_text_has_no_sentences() -> None:
    assert split_sentences("  \n\n ") == []


@pytest.mark.parametrize("kind, role, group", [
    ("executive", "President, Chief Executive Officer, Director", "ceo"),
    ("executive", "Chief Financial Officer, Executive Vice President", "cfo"),
    ("executive", "EVP & CFO", "cfo"),
    ("executive", "Co-Founder, CEO and CFO", "ceo"),
    ("executive", "Investor Relations", "executive"),
    ("executive", "Executive Vice President", "executive"),
    ("analyst", "Analyst", "analyst"),
    ("operator", "", "operator"),
    ("other", "Chief Financial Officer", "cfo"),
    ("other", "", "other"),
])
def test_speaker_group_from_role(kind: str, role: str, group: str) -> None:
    assert speaker_group(kind, role) == group


def test_sentences_of_numbers_positions_across_turns() -> None:
    turns = (
        Turn(0, "Operator", "", "", "operator", "prepared", "operator", "Welcome. Please go ahead."),
        Turn(1, "Jane Roe", "Chief Financial Officer", "Acme", "executive", "prepared", "presentation",
             "Revenue rose 5%.\nMargins fell."),
        Turn(2, "Al Bee", "Analyst", "Bank", "analyst", "qa", "question", "Why?"),
    )
    transcript = Transcript("ACME", "Acme", 2025, 1, None, "t", "plain", "s", turns)
    assert sentences_of(transcript) == [
        Sentence(0, 0, 0, "Welcome.", "prepared", "operator", "operator"),
        Sentence(1, 0, 1, "Please go ahead.", "prepared", "operator", "operator"),
        Sentence(2, 1, 0, "Revenue rose 5%.", "prepared", "presentation", "cfo"),
        Sentence(3, 1, 1, "Margins fell.", "prepared", "presentation", "cfo"),
        Sentence(4, 2, 0, "Why?", "qa", "question", "analyst"),
    ]


def test_a_sentence_that_starts_at_a_time_mark_carries_its_clock() -> None:
    text = "Welcome. We grew -- a lot. Why?\n-- \n(Operator Instructions) First,  Q2.  Then Q3."
    starts = sentence_starts(text, split_sentences(text))
    assert [text[at:at + 5] for at in starts] == ["Welco", "We gr", "Why?\n", "(Oper", "First", "Then "]
    marks = ((0, 60), (12, 65), (27, 80), (38, 90), (73, 99))  # the second and fourth fall inside a sentence
    turn = Turn(0, "Jane Roe", "CFO", "Acme", "executive", "prepared", "presentation", text, marks)
    assert [s.offset_s for s in turn_sentences(turn, start=0)] == [60, None, 80, None, None, 99]
    unmarked = Turn(0, "Jane Roe", "CFO", "Acme", "executive", "prepared", "presentation", text)
    assert [s.offset_s for s in turn_sentences(unmarked, start=0)] == [None] * 6
