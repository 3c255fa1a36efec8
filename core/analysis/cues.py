"""Forward-looking-statement cues per sentence, and likely non-answers per Q&A exchange.

Forward-looking statements (after the FLS keyword method of Li 2010 and Muslu et al. 2015, narrowed for speech):
a sentence is forward-looking when it contains a cue of the future — "will"/"'ll", "going to" + verb, "expect",
"anticipate", "intend", "plan to", "forecast", "outlook", "guidance", "going forward", "look(ing) ahead", "next
quarter/year", "coming quarters", "second half", "later this year", "in the future". Hedges ("may", "could")
are left to the Loughran–McDonald uncertainty count, and past forms ("than expected") are not cues.

Non-answers: a Q&A exchange is one analyst question turn with the executive answer turns that follow it (up to the
next question or operator turn). Its answer is a likely non-answer when
  (a) the answer contains a refusal phrase ("we don't guide", "not going to comment", "too early to say", "we
      don't break that out", …) and the question–answer similarity is below PHRASE_SIMILARITY_MAX — the answer
      declined rather than declining one part and then answering the rest; or
  (b) the question–answer similarity is below LOW_SIMILARITY while both sides are substantive — a question of at
      least SUBSTANTIVE_WORDS words with a question mark, an answer of at least SUBSTANTIVE_WORDS words — so the
      answer is about something else (a "Yes." to a yes/no question, or a reply to "Thanks.", is not flagged).
Similarity is the cosine of the mean sentence embeddings of the question and of the answer.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .sentences import Sentence

PHRASE_SIMILARITY_MAX = 0.6
LOW_SIMILARITY = 0.15
SUBSTANTIVE_WORDS = 8

_FLS = re.compile(
    r"\b(?:will|shall|won't)\b|(?<=\w)'ll\b|(?<=\w)’ll\b"
    r"|\bgoing to (?!the\b|a\b|an\b|our next\b|next\b)[a-z]+"
    r"|\b(?:expect|expects|expecting|anticipate|anticipates|anticipating|intend|intends|intending|forecast|forecasts)\b"
    r"|\b(?:is|are|be|remain|remains) expected to\b"
    r"|\bplan(?:s|ning)? to\b|\boutlook\b|\bguidance\b|\bgoing forward\b|\blook(?:ing)? ahead\b"
    r"|\b(?:next|coming|upcoming) (?:quarter|quarters|year|years|fiscal year|few quarters)\b"
    r"|\b(?:second|back) half\b|\blater this (?:year|quarter)\b|\bin the (?:near |long )?(?:future|term)\b",
    re.I,
)

_NON_ANSWER = re.compile(
    r"\b(?:we|i)\s+(?:don't|do not|won't|will not|can't|cannot|wouldn't|are not going to|'re not going to|"
    r"am not going to|'m not going to)\s+"
    r"(?:guide|give guidance|provide guidance|comment|speculate|break (?:that|it|this|those|them) out|break out|"
    r"disclose|get into|go into|share|give (?:out )?(?:that|those|a|any|you)|provide (?:that|those|a|any))"
    r"|\b(?:not|never) (?:going|able|prepared) to (?:comment|speculate|guide|disclose|get into)"
    r"|\bno comment\b|\bnot in a position to\b|\bnot something (?:that )?we (?:disclose|break out|talk about)"
    r"|\b(?:too early|premature) to (?:say|tell|comment|talk|know|guess|predict|speculate)"
    r"|\bhard to (?:say|predict|tell)\b|\bdifficult to (?:say|predict)\b"
    r"|\bguide (?:only )?(?:one|1) quarter at a time\b|\bbeyond the (?:current|next) quarter\b",
    re.I,
)


def is_forward_looking(text: str) -> bool:
    """True when the sentence carries a forward-looking cue."""
    return bool(_FLS.search(text))


def non_answer_phrase(text: str) -> str | None:
    """The first refusal phrase in an answer, or None."""
    match = _NON_ANSWER.search(text)
    return match.group(0) if match else None


@dataclass(frozen=True)
class Exchange:
    """One analyst question with its answer and the non-answer verdict."""

    question_turn: int
    answer_turns: tuple[int, ...]
    similarity: float
    phrase: str | None
    non_answer: bool


def judge(similarity: float, phrase: str | None, *, substantive: bool = True) -> bool:
    """The documented non-answer rule (see the module docstring)."""
    return (phrase is not None and similarity < PHRASE_SIMILARITY_MAX) or (substantive and similarity < LOW_SIMILARITY)


def _substantive(question: str, answer: str) -> bool:
    """A real question (a '?' and enough words) and an answer of more than a word or two."""
    return "?" in question and min(len(question.split()), len(answer.split())) >= SUBSTANTIVE_WORDS


def exchanges(sentences: Sequence[Sentence], embeddings: np.ndarray) -> list[Exchange]:
    """Every Q&A exchange of one call, from its sentences (in order) and their normalised embeddings."""
    if len(sentences) != len(embeddings):
        raise ValueError(f"{len(sentences)} sentences but {len(embeddings)} embeddings")
    turns: dict[int, tuple[str, list[int]]] = {}  # qa turn -> (type, sentence rows), in call order
    for row, sentence in enumerate(sentences):
        if sentence.section == "qa":
            turns.setdefault(sentence.turn_idx, (sentence.turn_type, []))[1].append(row)
    out: list[Exchange] = []
    question: tuple[int, list[int]] | None = None  # (question turn, question rows)
    answers: dict[int, list[int]] = {}  # answer turn -> rows
    for turn_idx, (turn_type, rows) in turns.items():
        if question is not None and answers and turn_type != "answer":
            out.append(_judged(question, answers, sentences, embeddings))
            question, answers = None, {}
        if turn_type == "question":
            question = question or (turn_idx, [])
            question[1].extend(rows)  # a question split over several turns stays one question
        elif turn_type == "answer" and question is not None:
            answers[turn_idx] = rows
        else:
            question, answers = None, {}
    if question is not None and answers:
        out.append(_judged(question, answers, sentences, embeddings))
    return out


def _judged(question: tuple[int, list[int]], answers: dict[int, list[int]], sentences: Sequence[Sentence],
            embeddings: np.ndarray) -> Exchange:
    a_rows = [r for rows in answers.values() for r in rows]
    similarity = _cosine(embeddings[question[1]].mean(axis=0), embeddings[a_rows].mean(axis=0))
    phrase = next((p for p in (non_answer_phrase(sentences[r].text) for r in a_rows) if p), None)
    substantive = _substantive(" ".join(sentences[r].text for r in question[1]),
                               " ".join(sentences[r].text for r in a_rows))
    return Exchange(question[0], tuple(answers), round(similarity, 4), phrase,
                    judge(similarity, phrase, substantive=substantive))


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b) / norm if norm else 0.0
