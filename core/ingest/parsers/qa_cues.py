"""Cues in the operator's words: where Q&A starts, and which speaker is the operator."""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from ..speakers import is_operator_name

# "Our first question comes from…", "We'll take our first question from…", "first question is from…".
FIRST_QUESTION = re.compile(r"\bfirst question\b", re.I)
# "We will now begin the question-and-answer session", "open the call (up) for questions", "open it up for Q&A".
OPEN_QA = re.compile(
    r"\b(?:now|begin|open|start)\w*\b[^.?!]{0,60}?"
    r"\b(?:question[- ]and[- ]answer|q\s*&\s*a|q-and-a|(?:for|to)\s+(?:your\s+)?questions)\b",
    re.I,
)
OPERATOR_INSTRUCTIONS = re.compile(r"[\[(]\s*operator instructions\s*[\])]", re.I)
# Things only an operator says: used to recognise an operator who appears under a first name ("Sarah:").
_OPERATOR_TALK = re.compile(
    r"\bquestion (?:comes|is coming|will come|is) from\b|\boperator instructions\b|\bconference operator\b"
    r"|\bfrom the line of\b|\byou may (?:now )?disconnect\b|\bopen the line\b|\byour line is (?:now )?open\b",
    re.I,
)

Turns = Sequence[tuple[str, str]]  # (speaker, text) in call order


def operator_names(turns: Turns) -> set[str]:
    """Speakers who are the operator: named so, or else talking like one in at least half of their turns."""
    named = {speaker for speaker, _ in turns if is_operator_name(speaker)}
    if named:
        return named
    hits: dict[str, list[bool]] = {}
    for speaker, text in turns:
        hits.setdefault(speaker, []).append(bool(_OPERATOR_TALK.search(text)))
    return {s for s, flags in hits.items() if any(flags) and sum(flags) * 2 >= len(flags)}


def qa_start(turns: Turns, *, operators: Callable[[str], bool] | None = None) -> int | None:
    """Index of the turn that opens Q&A (the operator's first-question cue), or None if no cue is found.

    An operator turn is a cue if it announces the first question, or (not as the call's very first turn,
    which often promises a Q&A session) opens the Q&A or gives "[Operator Instructions]" before a question.
    Without any operator, a non-first turn announcing the first question or opening Q&A is the cue.
    """
    if operators is None:
        names = operator_names(turns)
        operators = names.__contains__
    for i, (speaker, text) in enumerate(turns):
        if not operators(speaker):
            continue
        if FIRST_QUESTION.search(text) or (i > 0 and OPEN_QA.search(text)):
            return i
        following = turns[i + 1][1] if i + 1 < len(turns) else ""
        if i > 0 and OPERATOR_INSTRUCTIONS.search(text) and "?" in following:
            return i
    if not any(operators(speaker) for speaker, _ in turns):
        for i, (_, text) in enumerate(turns):
            if i > 0 and (FIRST_QUESTION.search(text) or OPEN_QA.search(text)):
                return i
    return None
