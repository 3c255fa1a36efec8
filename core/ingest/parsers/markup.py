"""Markup that is not speech: tags removed, entities decoded, and the call's clock kept from timing tags.

A tag is `<name …>`, `</name>`, `<name …/>`, a comment or a `<!…>` / `<?…>` declaration; a `<` before a digit
or a blank ("< 5%") is text. Block tags (p, br, div, li, …) become line breaks, other tags vanish. A tag with a clock
attribute (`<Sync id="L190"time="00:29:30"/>`, `begin="1770.5"`) leaves a mark: the position of the next
non-blank character on its line (or the line's end) and the seconds into the call. Joined into a turn, a mark at
a line's end moves to the next line's start; a mark with no text after it in its turn is dropped.
"""
from __future__ import annotations

import html
import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Mark = tuple[int, int]  # (character position in a text, seconds into the call)

_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_TAG = re.compile(r"<!--.*?-->|<[!?][^<>]{0,1000}>|<(/?)([A-Za-z][\w:.-]{0,40})((?:[\s/][^<>]{0,1000})?)>", re.S)
_BLOCK = frozenset("p br div li ul ol tr td th table h1 h2 h3 h4 h5 h6 section article blockquote".split())
_CLOCK = re.compile(r"""\b(?:time|begin)\s*=\s*["']?(?P<clock>\d{1,6}(?::\d{1,2}){0,2})(?:[.,]\d+)?""", re.I)
_BLANK = re.compile(r"[ \t]*")
_WORD = re.compile(r"\S+")
_LINE_BREAK = re.compile(r"\r\n?|[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")  # what str.splitlines splits at


@dataclass(frozen=True)
class Line:
    """One line of a document, stripped, with the marks that fall in it (positions in the stripped line)."""

    text: str
    marks: tuple[Mark, ...] = ()

    def tail(self, start: int) -> "Line":
        """The line from start on, stripped; marks before start move to its beginning."""
        rest = self.text[start:]
        skip = len(rest) - len(rest.lstrip())
        return Line(rest.strip(), tuple((max(0, at - start - skip), s) for at, s in self.marks))

    def squeezed(self) -> "Line":
        """The line with each run of blanks as one space, marks kept on their characters."""
        words = list(_WORD.finditer(self.text))
        text = " ".join(w[0] for w in words)
        old, new = [w.start() for w in words], [0]
        for w in words[:-1]:
            new.append(new[-1] + len(w[0]) + 1)
        marks = []
        for at, seconds in self.marks:
            k = bisect_right(old, at) - 1
            marks.append((min(len(text), new[k] + at - old[k]) if k >= 0 else 0, seconds))
        return Line(text, tuple(marks))


def _seconds(clock: str) -> int:
    seconds = 0
    for part in clock.split(":"):
        seconds = seconds * 60 + int(part)
    return seconds


def strip_markup(text: str) -> tuple[str, tuple[Mark, ...]]:
    """The text without tags, entities decoded, and the marks of its timing tags."""
    text = _ENTITY.sub(lambda m: html.unescape(m[0]), text)
    out: list[str] = []
    marks: list[Mark] = []
    size = last = 0
    for tag in (*_TAG.finditer(text), None):
        piece = text[last:tag.start() if tag else len(text)]
        if piece[:1] in (" ", "\t") and out and out[-1][-1] in (" ", "\t"):
            piece = piece[1:]  # "said. <Sync/> Next" keeps one blank
        if tag and tag[2] and tag[2].lower() in _BLOCK:
            piece += "\n"
        if piece:
            out.append(piece)
            size += len(piece)
        if tag:
            last = tag.end()
            if tag[3] and (clock := _CLOCK.search(tag[3])):
                marks.append((size, _seconds(clock["clock"])))
    clean = "".join(out)
    placed = ((_BLANK.match(clean, at).end(), s) for at, s in marks)
    return clean, tuple((at, s) for at, s in placed if at < len(clean))


def clean_lines(text: str) -> list[Line]:
    """The document's lines without markup, stripped, each with its marks."""
    clean, marks = strip_markup(_LINE_BREAK.sub("\n", text))
    raw = clean.split("\n")
    starts, pos = [], 0
    for line in raw:
        starts.append(pos)
        pos += len(line) + 1
    lines = [Line(line.strip()) for line in raw]
    placed: dict[int, list[Mark]] = {}
    for at, seconds in marks:
        n = bisect_right(starts, at) - 1
        indent = len(raw[n]) - len(raw[n].lstrip())
        placed.setdefault(n, []).append((min(len(lines[n].text), at - starts[n] - indent), seconds))
    return [Line(line.text, tuple(placed.get(n, ()))) for n, line in enumerate(lines)]


def join_lines(lines: Iterable[Line], sep: str = "\n") -> tuple[str, tuple[Mark, ...]]:
    """The non-empty lines joined by sep, with their marks; marks at a line's end (all of an empty line's) go to the
    next line's start, and are dropped after the last line."""
    texts: list[str] = []
    marks: list[Mark] = []
    pending: list[int] = []
    size = 0
    for line in lines:
        ending = [s for at, s in line.marks if at >= len(line.text)]
        if line.text:
            start = size + (len(sep) if texts else 0)
            marks.extend((start, s) for s in pending)
            marks.extend((start + at, s) for at, s in line.marks if at < len(line.text))
            pending.clear()
            texts.append(line.text)
            size = start + len(line.text)
        pending.extend(ending)
    return sep.join(texts), _first_marks(marks)


def _first_marks(marks: Sequence[Mark]) -> tuple[Mark, ...]:
    """One mark per position (the first given), in text order."""
    seen: dict[int, int] = {}
    for at, seconds in marks:
        seen.setdefault(at, seconds)
    return tuple(sorted(seen.items()))


def plain_text(text: str) -> str:
    """The text without tags and with entities decoded (no marks), blanks collapsed."""
    return " ".join(strip_markup(text)[0].split())
