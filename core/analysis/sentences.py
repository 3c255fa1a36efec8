"""Sentences of a call: turn text split into sentences, plus the speaker group of each sentence.

Splitting is two-step. A sentence surely ends at `.`, `?` or `!` (closing quotes or brackets may follow) before
whitespace and a capital, when the word before a `.` is no abbreviation (pysbd's English list; initials, dotted
tokens like "U.S." and "i.e.", and list item numbers are never sure) and a `!` or `?` is no part of a name ("Yum!
Brands"), and after a stage direction such as "(Operator Instructions)" or "[inaudible]"; nothing is cut inside
brackets or an open quote. The pieces between those cuts that still hold an
inner `.`, `?`, `!` or `…` (a decimal point is not one) go to pysbd. This is ten times faster than pysbd alone on
call transcripts, and it splits where pysbd keeps several sentences of one speaker together around a spoken dash
("It's -- the stack is complicated. It's performant.").
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache

import pysbd
from pysbd.exclamation_words import ExclamationWords
from pysbd.lang.english import English

from ..model import Transcript, Turn

# pysbd splits after a company suffix that ends a name ("Goldman Sachs & Co. LLC."); such a piece is glued back.
_SUFFIX_ONLY = re.compile(r"^(?:LLC|L\.?L\.?C|Inc|Ltd|Co|Corp|Corporation|LP|L\.P|PLC|AG|SA|N\.V|S\.A)\.?[,;]?$", re.I)
# a sentence end to test: terminal punctuation (or a closing bracket), closing quotes, whitespace, then a capital
_CANDIDATE_END = re.compile(r"(?<=[.!?)\]])([\"”’')]*)\s+(?=[\"“‘']?[A-Z]|[(\[])")
_LAST_TOKEN = re.compile(r"(\S+?)([.!?]+)[\"”’')]*$")
_PLAIN_WORD = re.compile(r"[A-Za-z]*[a-z][A-Za-z]*|[A-Za-z]*\d[A-Za-z\d,%]*")  # no dots: "Q4", "2019", "GPUs"
_STAGE_DIRECTION = re.compile(r"\s*(?:\((?![A-Za-z\d]{1,4}\))[^()]*\)|\[[^\[\]]*\])")  # not "(1)", "(a)", "(iv)"
_LONGEST_ASIDE = 600  # characters a quote or bracket may stay open across sentence ends before it counts as stray
_LIST_MARKER_BEFORE = re.compile(r"(?:^|[.!?:;])\s*$")  # "priorities. 1. Growth.": "1." numbers an item
_INNER_STOP = re.compile(r"[!?…]|\.(?!\d)|(?<!\d)\.")  # what pysbd must look at; "7.19" is no stop
_ABBREVIATIONS = frozenset(English.Abbreviation.ABBREVIATIONS)
_NAMES_WITH_STOPS = frozenset(ExclamationWords.EXCLAMATION_WORDS) | {"Guess?"}  # "Yum! Brands", "Yahoo! Inc."
_HAS_WORD = re.compile(r"[A-Za-z0-9]")
_SOLID = re.compile(r"\S")
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
    offset_s: int | None = None  # seconds into the call, when a time mark of the document starts the sentence


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False)


def _sure_end(text: str, end: int) -> bool:
    """Whether the punctuation that ends text[:end] surely ends a sentence (not an abbreviation or initial)."""
    found = _LAST_TOKEN.search(text, max(0, end - 40), end)
    if not found:
        return False
    word, stops = found.group(1).lstrip("\"“‘'("), found.group(2)
    if "?" in stops or "!" in stops:
        return f"{word}{stops[0]}" not in _NAMES_WITH_STOPS
    if word.isdigit():  # "a quarter or 2. But" ends a sentence; a list item number ("1. Growth") does not
        return _LIST_MARKER_BEFORE.search(text, max(0, found.start() - 12), found.start()) is None
    return len(word) > 1 and _PLAIN_WORD.fullmatch(word) is not None and word.lower() not in _ABBREVIATIONS


def _paragraph_sentences(paragraph: str) -> list[str]:
    """Raw sentences of one line: cut at the sure ends, pysbd for what stays ambiguous between them."""
    pieces, start, counted, open_since = [], 0, 0, None
    parens = brackets = straight_quotes = curly_quotes = 0  # open so far (running counts: linear in the line)
    for end in _CANDIDATE_END.finditer(paragraph):
        cut = end.end(1)  # closing quotes and brackets stay with their sentence
        seen, counted = paragraph[counted:cut], cut
        parens = max(0, parens + seen.count("(") - seen.count(")"))  # a closer opened on an earlier line
        brackets = max(0, brackets + seen.count("[") - seen.count("]"))
        straight_quotes += seen.count('"')
        curly_quotes = max(0, curly_quotes + seen.count("“") - seen.count("”"))
        if parens or brackets or straight_quotes % 2 or curly_quotes:
            open_since = cut if open_since is None else open_since
            if cut - open_since <= _LONGEST_ASIDE:
                continue
            parens = brackets = straight_quotes = curly_quotes = 0  # a stray opener ('12" wafers'): stop waiting
        open_since = None
        if _sure_end(paragraph, end.start()) or _STAGE_DIRECTION.fullmatch(paragraph, start, end.start()):
            pieces.append(paragraph[start:cut])
            start = end.end()
    pieces.append(paragraph[start:])
    out: list[str] = []
    for piece in pieces:
        if _INNER_STOP.search(piece.rstrip().rstrip("\"”’')").rstrip(".!?")):
            out.extend(_segmenter().segment(piece))
        else:
            out.append(piece)
    return out


def split_sentences(text: str) -> list[str]:
    """Sentences of a text; line breaks always end a sentence, abbreviations and decimals never do. A piece without
    a letter or digit (a stray "." or "--") joins its neighbour; a line of nothing else is not a sentence."""
    out: list[str] = []
    for paragraph in text.splitlines():
        pieces: list[str] = []
        leading = ""  # wordless pieces before the line's first sentence
        for piece in _paragraph_sentences(paragraph) if paragraph.strip() else ():
            piece = piece.strip()
            wordless = not _HAS_WORD.search(piece)
            if pieces and (wordless or _SUFFIX_ONLY.match(piece)):
                pieces[-1] = f"{pieces[-1]} {piece}"
            elif wordless:
                leading = f"{leading}{piece} "
            else:
                pieces.append(f"{leading}{piece}")
                leading = ""
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


def sentence_starts(text: str, sentences: list[str]) -> list[int]:
    """Where each of text's sentences (as split_sentences gives them, in order) starts in it."""
    solid = [m.start() for m in _SOLID.finditer(text)]  # the non-blank characters, which sentences keep
    starts, k = [], 0
    for sentence in sentences:
        at = text.find(sentence.split(maxsplit=1)[0], solid[k] if k < len(solid) else len(text))
        starts.append(at)
        k = bisect_left(solid, at) + len(_SOLID.findall(sentence))
    return starts


def turn_sentences(turn: Turn, *, start: int) -> list[Sentence]:
    """The sentences of one turn, numbered in the call from start, each with the time mark it starts at."""
    group = speaker_group(turn.kind, turn.role)
    texts = split_sentences(turn.text)
    marks = dict(turn.marks)
    clocks = [marks.get(at) for at in sentence_starts(turn.text, texts)] if marks else [None] * len(texts)
    return [
        Sentence(start + i, turn.index, i, text, turn.section, turn.type, group, clock)
        for i, (text, clock) in enumerate(zip(texts, clocks))
    ]


def sentences_of(transcript: Transcript) -> list[Sentence]:
    """Every sentence of a call in order."""
    out: list[Sentence] = []
    for turn in transcript.turns:
        out.extend(turn_sentences(turn, start=len(out)))
    return out
