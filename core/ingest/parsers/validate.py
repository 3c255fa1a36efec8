"""Checks every parser applies before returning: a transcript or a ParseError, never half of one.

A speaker turn with no text (an operator's empty line, a heading with nothing under it, a stage direction that was
only markup) is dropped with a warning, whoever the speaker: its text cannot be analysed, and the call around it
is sound. A document is refused when more than half of its turns are empty (the parser did not find the text),
or when too few turns or words remain for a call.
"""
from __future__ import annotations

from dataclasses import replace

from ...errors import ParseError
from ...model import KINDS, SECTIONS, TURN_TYPES, Transcript

MIN_TURNS = 4
MIN_WORDS = 200


def _without_empty_turns(transcript: Transcript, where: str | None) -> Transcript:
    """The transcript without its empty turns (renumbered), each dropped one named in a warning."""
    turns = transcript.turns
    empty = [t for t in turns if not t.text.strip()]
    if not empty:
        return transcript
    if len(empty) * 2 > len(turns):
        raise ParseError(f"{len(empty)} of {len(turns)} speaker turns have no text: the text of the call "
                         "was not found", where=where)
    kept = [t for t in turns if t.text.strip()]
    notes = tuple(f"speaker turn {t.index + 1} of {len(turns)} ({t.speaker}) has no text; dropped" for t in empty)
    return replace(transcript, turns=tuple(replace(t, index=i) for i, t in enumerate(kept)),
                   warnings=(*transcript.warnings, *notes))


def check_transcript(transcript: Transcript) -> Transcript:
    """Raise ParseError if the transcript is implausible; return it without empty turns otherwise."""
    where = transcript.source or None
    if [t.index for t in transcript.turns] != list(range(len(transcript.turns))):
        raise ParseError("turn indexes are not 0..n-1 in order", where=where)
    transcript = _without_empty_turns(transcript, where)
    turns = transcript.turns
    if len(turns) < MIN_TURNS:
        raise ParseError(f"only {len(turns)} speaker turns found (at least {MIN_TURNS} expected)", where=where)
    words = sum(len(t.text.split()) for t in turns)
    if words < MIN_WORDS:
        raise ParseError(f"only {words} words of speech found (at least {MIN_WORDS} expected)", where=where)
    if not transcript.ticker:
        raise ParseError("no ticker in the document; give one (--ticker)", where=where)
    for turn in turns:
        if turn.section not in SECTIONS or turn.type not in TURN_TYPES or turn.kind not in KINDS:
            raise ParseError(f"turn {turn.index} has an invalid section/type/kind", where=where)
    return transcript
