"""Forward-looking cues, non-answer phrases, and Q&A exchanges (hand-made and on real NVDA turns)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.analysis.cues import Exchange, exchanges, is_forward_looking, judge, non_answer_phrase
from core.analysis.sentences import Sentence


@pytest.mark.parametrize("text", [
    "We expect revenue to be $32.5 billion, plus or minus 2%.",
    "Blackwell will ramp in the fourth quarter.",
    "We'll continue to invest in the data center.",
    "We're going to see strong growth next year.",
    "Gross margins are expected to be in the mid-70s.",
    "Our outlook assumes continued demand.",
    "We plan to return capital through buybacks.",
    "Demand should remain strong in the second half.",
    "Going forward, we anticipate higher opex.",
])
def test_forward_looking_cues(text: str) -> None:
    assert is_forward_looking(text)


@pytest.mark.parametrize("text", [
    "Revenue was $35.1 billion, up 17% sequentially.",
    "Results were better than expected.",
    "Thank you, Stewart.",
    "Next question, please.",
    "We are going to the next question.",
    "Margins may fluctuate.",
])
def test_statements_about_the_past_or_hedges_are_not_forward_looking(text: str) -> None:
    assert not is_forward_looking(text)


@pytest.mark.parametrize("text, phrase", [
    ("So, we don't guide beyond the next quarter.", "we don't guide"),
    ("We don't disclose that.", "We don't disclose"),
    ("Yes, we don't break it out.", "we don't break it out"),
    ("I'm not going to comment on unannounced products.", "not going to comment"),
    ("It's too early to say how yields will develop.", "too early to say"),
    ("We are not in a position to share that.", "not in a position to"),
    ("We guide one quarter at a time.", "guide one quarter at a time"),
])
def test_non_answer_phrases(text: str, phrase: str) -> None:
    assert non_answer_phrase(text) == phrase


@pytest.mark.parametrize("text", [
    "Data center revenue grew 17% and we expect more.",
    "I don't know if that comment was fair, but demand is strong.",
    "We can't wait to share more about Blackwell.",
])
def test_answers_without_refusal_phrases(text: str) -> None:
    assert non_answer_phrase(text) is None


def test_judge_rule() -> None:
    assert judge(0.59, "we don't guide") and not judge(0.61, "we don't guide")
    assert judge(0.14, None) and not judge(0.16, None)
    assert not judge(0.14, None, substantive=False) and judge(0.14, "no comment", substantive=False)


def test_low_similarity_alone_needs_a_real_question_and_answer() -> None:
    question = "Can you tell us how gross margins will trend over the next few quarters?"
    sentences = [_sentence(0, 0, "qa", "question", question),
                 _sentence(1, 1, "qa", "answer", "Yes."),
                 _sentence(2, 2, "qa", "question", question),
                 _sentence(3, 3, "qa", "answer", "Our automotive design wins keep growing across many car makers.")]
    vectors = np.array([[1, 0], [0, 1], [1, 0], [0, 1]], dtype=np.float32)
    assert [e.non_answer for e in exchanges(sentences, vectors)] == [False, True]


def _sentence(pos: int, turn: int, section: str, kind: str, text: str) -> Sentence:
    return Sentence(pos, turn, 0, text, section, kind, "analyst" if kind == "question" else "cfo")


def test_exchanges_pair_questions_with_following_answers() -> None:
    sentences = [
        _sentence(0, 0, "prepared", "presentation", "Welcome."),
        _sentence(1, 1, "qa", "operator", "First question."),
        _sentence(2, 2, "qa", "question", "How is demand?"),
        _sentence(3, 3, "qa", "answer", "Demand is strong."),
        _sentence(4, 4, "qa", "answer", "Very strong."),
        _sentence(5, 5, "qa", "question", "And margins?"),
        _sentence(6, 6, "qa", "question", "For next year?"),
        _sentence(7, 7, "qa", "answer", "We don't guide that far out."),
        _sentence(8, 8, "qa", "operator", "Next question."),
        _sentence(9, 9, "qa", "answer", "An answer without a question."),
    ]
    vectors = np.zeros((10, 3), dtype=np.float32)
    vectors[[2, 3, 4]] = [1, 0, 0]            # the demand answer is on topic
    vectors[[5, 6]] = [0, 1, 0]               # the margin question ...
    vectors[7] = [0.6, 0.8, 0]                # ... gets a refusal that is 0.8 similar
    assert exchanges(sentences, vectors) == [
        Exchange(2, (3, 4), 1.0, None, False),
        Exchange(5, (7,), 0.8, "We don't guide", False),  # on topic despite the phrase: not flagged
    ]
    vectors[7] = [0.9, 0.1, 0.42]
    assert exchanges(sentences, vectors)[1].non_answer


def test_exchanges_need_one_vector_per_sentence() -> None:
    with pytest.raises(ValueError, match="2 sentences but 1 embeddings"):
        exchanges([_sentence(0, 0, "qa", "question", "a"), _sentence(1, 1, "qa", "answer", "b")], np.zeros((1, 3)))


def test_real_refusals_are_flagged_and_most_answers_are_not(shared_dir: Path) -> None:
    from core.analysis.sentences import sentences_of
    from core.embedding import load_encoder
    from core.ingest.parsers import parse_document

    flagged_texts, totals = [], []
    for name in ("2011-08-11-NVDA.txt", "2012-05-11-NVDA.txt"):
        path = shared_dir / "corpus" / "streetevents" / "NVDA" / name
        transcript = parse_document(path.read_text(encoding="utf-8"), source=str(path))
        sentences = sentences_of(transcript)
        found = exchanges(sentences, load_encoder().encode([s.text for s in sentences]))
        turns = {t.index: t.text for t in transcript.turns}
        flagged_texts += [" ".join(turns[i] for i in e.answer_turns) for e in found if e.non_answer]
        totals.append((len(found), sum(e.non_answer for e in found)))
    assert any("we don't guide beyond the next quarter" in t for t in flagged_texts)
    assert any(t.startswith("We don't disclose that.") for t in flagged_texts)
    for count, flagged in totals:
        assert count >= 20 and flagged <= count // 5
