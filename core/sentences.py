"""Sentences of a call: turn text split with pysbd, plus the speaker group of each sentence."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pysbd

from .model import Transcript, Turn

SPEAKER_GROUPS = ("ceo", "cfo", "executive", "analyst", "operator", "other")

# pysbd splits after a company suffix that ends a name ("Goldman Sachs & Co. LLC."); such a piece is glued back.
_SUFFIX_ONLY = re.compile(r"^(?:LLC|L\.?L\.?C|Inc|Ltd|Co|Corp|Corporation|LP|L\.P|PLC|AG|SA|N\.V|S\.A)\.?[,;]?$", re.I)
_HAS_WORD = re.compile(r"[A-Za-z0-9]")
_CEO = re.compile(r"\bchief\s+executive\b|\bCEO\b", re.I)
_CFO = re.compile(r"\bchief\s+financial\b|\bCFO\b", re.I)


@dataclass(frozen=True)
class Sentence:
    """One sentence of one turn, with what the roll-ups group by."""

    pos: int            # position in the call, 0..n-1
    turn_idx: int
    sent_idx: int       # position in the turn
    text: str
    section: str
    turn_type: str
    speaker_group: str


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False)


def split_sentences(text: str) -> list[str]:
    """Sentences of a text; line breaks always end a sentence, abbreviations and decimals never do."""
    out: list[str] = []
    for paragraph in text.splitlines():
        pieces: list[str] = []
        for piece in _segmenter().segment(paragraph) if paragraph.strip() else ():
            piece = piece.strip()
            wordless = not _HAS_WORD.search(piece)
            if pieces and (wordless or _SUFFIX_ONLY.match(piece)):
                pieces[-1] = f"{pieces[-1]} {piece}"
            elif not wordless:  # a paragraph of only punctuation ("--") is not a sentence
                pieces.append(piece)
        out.extend(pieces)
    return out


def speaker_group(kind: str, role: str) -> str:
    """ceo / cfo / executive / analyst / operator / other.

    Rule: operators and analysts keep their kind; anyone else whose role says "Chief Executive" or "CEO" is the CEO,
    else "Chief Financial" or "CFO" is the CFO (CEO wins when both appear); other executives are "executive".
    """
    if kind in ("operator", "analyst"):
        return kind
    if _CEO.search(role or ""):
        return "ceo"
    if _CFO.search(role or ""):
        return "cfo"
    return "executive" if kind == "executive" else "other"


def turn_sentences(turn: Turn, *, start: int) -> list[Sentence]:
    """The sentences of one turn, numbered in the call from start."""
    group = speaker_group(turn.kind, turn.role)
    return [
        Sentence(start + i, turn.index, i, text, turn.section, turn.type, group)
        for i, text in enumerate(split_sentences(turn.text))
    ]


def sentences_of(transcript: Transcript) -> list[Sentence]:
    """Every sentence of a call in order."""
    out: list[Sentence] = []
    for turn in transcript.turns:
        out.extend(turn_sentences(turn, start=len(out)))
    return out
