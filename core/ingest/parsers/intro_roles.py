"""Missing executive titles, filled from the call's own introduction ("Jane Doe, Chief Executive Officer; and ...")."""
from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import replace

from ...model import Transcript, Turn, name_key

INTRO_TURNS = 4  # the operator's and the host's opening: introductions come before the people introduced speak

_UPPER = "[A-ZÀ-ÖØ-Þ]"
# Up to five capitalised words before ", ": the speaker's name is their tail ("... are Dr. Jane Doe, ...").
_NAMED = re.compile(rf"({_UPPER}[\w'’.-]*(?:\s+{_UPPER}[\w'’.-]*){{0,4}}),\s*")
# A title is capitalised words and connectors; it stops at any other word or at ; . : ( ) ("..., who", "...; and").
_TITLE_WORD = rf"(?:{_UPPER}[\w'’&/-]*|&|and|of|for|the)"
_TITLE = re.compile(rf"(?:our\s+)?({_UPPER}[\w'’&/-]*(?:,?\s+{_TITLE_WORD})*)")
_PART_BREAK = re.compile(r"(,\s*(?:and\s+)?|\s+and\s+)")  # between the parts of a title, or before the next name
_TRAILING = re.compile(r"(?:\s+(?:&|and|of|for|the))+$")
_ROLE_WORD = re.compile(
    r"\b(?:chief|officer|president|chair\w*|ceo|cfo|coo|cto|cio|vp|svp|evp|director|treasurer|controller|head"
    r"|investor relations|founder|manager|secretary|counsel)\b",
    re.I,
)


def fill_intro_roles(transcript: Transcript) -> Transcript:
    """The transcript with empty roles of non-analyst, non-operator speakers taken from the opening introduction."""
    missing = {t.speaker for t in transcript.turns if _fillable(t)}
    titles = {speaker: title for speaker in missing if (title := introduced_title(transcript.turns, speaker))}
    if not titles:
        return transcript
    turns = tuple(replace(t, role=titles[t.speaker]) if _fillable(t) and t.speaker in titles else t
                  for t in transcript.turns)
    return replace(transcript, turns=turns)


def introduced_title(turns: Sequence[Turn], speaker: str) -> str:
    """The first title the opening turns give speaker by name ('Jane Doe, President and CEO;'), or ''."""
    key = name_key(speaker).split()
    if not key:
        return ""
    for turn in _opening(turns, speaker):
        for m in _NAMED.finditer(turn.text):
            if name_key(m[1]).split()[-len(key):] == key and (title := title_at(turn.text[m.end():])):
                return title
    return ""


def title_at(text: str) -> str:
    """The job title text starts with, cut before the first part with no role word ('CFO, and John Roe' -> 'CFO')."""
    m = _TITLE.match(text)
    if not m:
        return ""
    parts = _PART_BREAK.split(m[1])
    title = ""
    for i in range(0, len(parts), 2):
        if not _ROLE_WORD.search(parts[i]):
            break
        title += (parts[i - 1] if i else "") + parts[i]
    return _TRAILING.sub("", title.strip())


def _fillable(turn: Turn) -> bool:
    return not turn.role and turn.kind not in ("operator", "analyst")


def _opening(turns: Sequence[Turn], speaker: str) -> Iterator[Turn]:
    """Prepared-remarks turns among the call's first INTRO_TURNS, up to the speaker's own first turn."""
    for turn in turns[:INTRO_TURNS]:
        if turn.speaker == speaker or turn.section != "prepared":
            return
        yield turn
