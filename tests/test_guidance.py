"""The guidance tracker: spoken amounts, the period a phrase names, items read from a call's sentences (made-up
sentences in the style of calls, written here), revision and delivery links, and the gold set of real calls."""
from __future__ import annotations

import pytest

from core.amounts import PERCENT, PER_SHARE, USD, amounts
from core.guidance import extract
from core.metrics import load_vocabulary
from core.model import Period
from core.sentences import Sentence
from core.target_periods import targets

VOCABULARY = load_vocabulary()


def one(text: str) -> tuple:
    (found,) = amounts(text)
    return found.low, found.high, found.unit


@pytest.mark.parametrize("text, expected", [
    ("revenue is expected to be $12.5 billion plus or minus 2%", (12.25e9, 12.75e9, USD)),
    ("about $800 million, plus or minus $50 million", (750e6, 850e6, USD)),
    ("approximately 19%", (19.0, 19.0, PERCENT)),
    ("in the range of 11% to 13%", (11.0, 13.0, PERCENT)),
    ("between $2.1 and $2.3 billion", (2.1e9, 2.3e9, USD)),
    ("minus 1% to minus 5.5%", (-5.5, -1.0, PERCENT)),
    ("forty-two point five billion dollars", (42.5e9, 42.5e9, USD)),
    ("two and a half billion dollars", (2.5e9, 2.5e9, USD)),
    ("diluted earnings of $1.07 per share", (1.07, 1.07, PER_SHARE)),
    ("62% plus or minus 50 basis points", (61.5, 62.5, PERCENT)),
    ("$16.4 billion", (16.4e9, 16.4e9, USD)),
])
def test_an_amount_is_read_as_the_range_it_states(text, expected):
    assert one(text) == pytest.approx(expected)


def test_words_give_a_qualitative_range():
    (found,) = amounts("growth in the mid-single digits")
    assert (found.low, found.high, found.qualitative) == (4.0, 6.0, True)
    (found,) = amounts("margins in the high 60s")
    assert (found.low, found.high) == (67.0, 69.0)
    (found,) = amounts("low to mid-teens growth")
    assert (found.low, found.high) == (11.0, 16.0)


def test_a_scale_slip_takes_the_other_end_and_is_flagged():
    (found,) = amounts("revenue of $4.1 million to $4.3 billion")
    assert (found.low, found.high, found.scale_slip) == (4.1e9, 4.3e9, True)


def test_a_tolerance_after_respectively_widens_every_amount_of_the_list():
    first, second = amounts("margins of 58% and 60.5%, respectively, plus or minus 50 basis points")
    assert (first.low, first.high, second.low, second.high) == (57.5, 58.5, 60.0, 61.0)


def test_a_year_is_no_amount():
    assert amounts("in fiscal 2024 we shipped") == []


@pytest.mark.parametrize("phrase, call, future, expected", [
    ("for the next quarter", Period(2025, 3), True, (2025, 4)),
    ("in Q1", Period(2024, 4), True, (2025, 1)),
    ("the third quarter", Period(2024, 3), False, (2024, 3)),
    ("the fourth quarter of fiscal 2026", Period(2025, 2), True, (2026, 4)),
    ("for fiscal '24", Period(2023, 2), True, (2024, None)),
    ("for the full year", Period(2023, 2), True, (2023, None)),
    ("for the full year", Period(2023, 4), True, (2024, None)),
    ("for the year", Period(2023, 4), False, (2023, None)),
])
def test_a_period_phrase_resolves_against_the_call(phrase, call, future, expected):
    (target,) = targets(phrase, call, future=future)
    assert (target.fiscal_year, target.fiscal_quarter) == expected


def test_a_half_year_or_the_rest_of_the_year_is_not_tracked():
    assert not any(t.trackable for t in targets("in the second half", Period(2024, 2), future=True))
    assert not any(t.trackable for t in targets("for the rest of the year", Period(2024, 2), future=True))


def call(*turns: tuple[str, str, str]) -> list[Sentence]:
    """Sentences of a made-up call: (speaker group, section, text) per turn, one sentence per '|'."""
    out = []
    for turn_idx, (group, section, text) in enumerate(turns):
        for sent_idx, sentence in enumerate(text.split("|")):
            out.append(Sentence(len(out), turn_idx, sent_idx, sentence.strip(), section, "statement", group))
    return out


def keys(items) -> set[tuple]:
    return {(i.kind, i.metric, i.segment, i.basis, i.target_fiscal_year, i.target_fiscal_quarter, i.measure,
             round(i.low, 4), round(i.high, 4), i.unit) for i in items}


CALL = call(
    ("cfo", "prepared",
     "Revenue for the second quarter was $4.20 billion, up 8% sequentially and well above our outlook of "
     "$3.9 billion.|GAAP gross margin was 61.2% and non-GAAP gross margin was 62.0%.|"
     "Turning to industrial.|Revenue was $310 million, up 4% year over year.|"
     "Let me turn to the outlook for the third quarter.|Revenue is expected to be $4.5 billion.|Plus or minus 2%.|"
     "GAAP and non-GAAP gross margins are expected to be 61% and 62%, respectively, plus or minus 50 basis points.|"
     "For fiscal 2026, we now expect revenue growth of 11% to 13%, up from our prior outlook of 9% to 11%."),
    ("analyst", "qa", "So your guide of $4.5 billion implies gross margin of about 63% next quarter?"),
    ("ceo", "qa", "We think gross margin will be around 62% in the fourth quarter.|"
                  "Over the long term we target gross margins of 65%."),
)


def test_a_call_yields_its_guidance_and_results_and_nothing_else():
    found = keys(extract(CALL, Period(2026, 2), VOCABULARY))
    assert found == {
        ("actual", "revenue", None, "none", 2026, 2, "level", 4.2e9, 4.2e9, USD),
        ("actual", "revenue", None, "none", 2026, 2, "sequential_growth", 8.0, 8.0, PERCENT),
        ("actual", "gross_margin", None, "gaap", 2026, 2, "level", 61.2, 61.2, PERCENT),
        ("actual", "gross_margin", None, "non_gaap", 2026, 2, "level", 62.0, 62.0, PERCENT),
        ("actual", "revenue", "industrial", "none", 2026, 2, "level", 310e6, 310e6, USD),
        ("actual", "revenue", "industrial", "none", 2026, 2, "growth", 4.0, 4.0, PERCENT),
        ("guidance", "revenue", None, "none", 2026, 3, "level", 4.41e9, 4.59e9, USD),
        ("guidance", "gross_margin", None, "gaap", 2026, 3, "level", 60.5, 61.5, PERCENT),
        ("guidance", "gross_margin", None, "non_gaap", 2026, 3, "level", 61.5, 62.5, PERCENT),
        ("guidance", "revenue", None, "none", 2026, None, "growth", 11.0, 13.0, PERCENT),
        ("guidance", "gross_margin", None, "none", 2026, 4, "level", 62.0, 62.0, PERCENT),
    }


def test_every_item_points_at_its_sentence():
    for item in extract(CALL, Period(2026, 2), VOCABULARY):
        sentence = CALL[item.pos]
        assert sentence.speaker_group in ("cfo", "ceo")
        assert any(char.isdigit() for char in sentence.text)


def test_a_call_without_guidance_yields_none():
    quiet = call(("ceo", "prepared", "We had a good quarter and we are excited about the year ahead.|"
                                     "Our customers love the new products."),
                 ("analyst", "qa", "Can you talk about revenue of $5 billion next quarter and margins near 60%?"),
                 ("cfo", "qa", "We do not guide beyond the current quarter."))
    assert extract(quiet, Period(2024, 1), VOCABULARY) == []
