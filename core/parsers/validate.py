"""Checks every parser applies before returning: a transcript or a ParseError, never half of one."""
from __future__ import annotations

from ..errors import ParseError
from ..model import KINDS, SECTIONS, TURN_TYPES, Transcript

MIN_TURNS = 4
MIN_WORDS = 200


def check_transcript(transcript: Transcript) -> Transcript:
    """Raise ParseError if the transcript is implausible; return it unchanged otherwise."""
    where = transcript.source or None
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
        if not turn.text.strip():
            raise ParseError(f"turn {turn.index} ({turn.speaker}) has no text", where=where)
    if [t.index for t in turns] != list(range(len(turns))):
        raise ParseError("turn indexes are not 0..n-1 in order", where=where)
    return transcript
