"""Loughran–McDonald counts, negation and tone on sentences written for the test."""
from __future__ import annotations

import pytest

from core.analysis.lexicon import CATEGORIES, LexiconCounts, lm_counts, lm_dictionary, lm_tone
from core.analysis.sentiment import SentimentResult


def test_dictionary_has_the_five_categories_with_known_members():
    lexicon = lm_dictionary()
    assert set(lexicon) == set(CATEGORIES)
    assert {"good", "strong", "gains"} <= lexicon["positive"]
    assert {"losses", "weak", "decline"} <= lexicon["negative"]
    assert {"may", "could", "uncertain"} <= lexicon["uncertainty"]
    assert "litigation" in lexicon["litigious"]
    assert {"obligated", "comply", "covenants"} <= lexicon["constraining"]
    assert "revenue" not in set().union(*lexicon.values())


def test_counts_every_category():
    counts = lm_counts("The company may face litigation and could incur losses.")
    assert counts == LexiconCounts(words=9, positive=0, negative=2, uncertainty=2, litigious=1, constraining=0)


def test_constraining_words():
    counts = lm_counts("We are obligated to comply with the covenants of the indenture.")
    assert counts == LexiconCounts(words=11, positive=0, negative=0, uncertainty=0, litigious=0, constraining=3)


def test_case_and_punctuation_do_not_matter():
    assert lm_counts("STRONG gains!") == lm_counts("strong, gains")


def test_positive_word_negated_within_three_words_is_not_counted():
    assert lm_counts("The results were good.").positive == 1
    assert lm_counts("The results were not good.").positive == 0
    assert lm_counts("Never were the results this good.").positive == 1  # 'never' is four words before 'good'


def test_negation_does_not_touch_negative_words():
    assert lm_counts("There were no losses.").negative == 1


def test_tone_is_net_share_of_tone_words():
    counts = lm_counts("Strong gains; no doubt.")  # strong, gains positive; doubt negative (and uncertain)
    assert counts == LexiconCounts(words=4, positive=2, negative=1, uncertainty=1, litigious=0, constraining=0)
    assert lm_tone(counts) == SentimentResult("positive", pytest.approx(1 / 3))


def test_tone_negative_and_neutral():
    assert lm_tone(lm_counts("Weak demand led to losses.")) == SentimentResult("negative", -1.0)
    assert lm_tone(lm_counts("The meeting is on Tuesday.")) == SentimentResult("neutral", 0.0)
    assert lm_tone(LexiconCounts(10, 1, 1, 0, 0, 0)) == SentimentResult("neutral", 0.0)


def test_empty_text():
    counts = lm_counts("")
    assert counts == LexiconCounts(0, 0, 0, 0, 0, 0)
    assert counts.rate("uncertainty") == 0.0
    assert lm_tone(counts) == SentimentResult("neutral", 0.0)


def test_rates():
    counts = lm_counts("The company may face litigation and could incur losses.")
    assert counts.rate("uncertainty") == pytest.approx(2 / 9)
    assert counts.rate("litigious") == pytest.approx(1 / 9)
    with pytest.raises(ValueError, match="unknown category 'tone'"):
        counts.rate("tone")
