"""Untrusted text (transcripts, user input) made safe for Streamlit markdown: escaping and match highlighting."""
from __future__ import annotations

import re

# Every ASCII punctuation mark CommonMark or Streamlit's markdown gives a meaning to: emphasis, links, code, HTML,
# tables, LaTeX ($), emoji shortcodes and colour directives (:red[...]).
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=^&\"'])")
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'-]{2,}")
STOP = frozenset("the and for with that this from what how are was were our you your has have had its into "
                 "about over than then they them their there which while will would can could".split())


def escape_markdown(text: str) -> str:
    """Text that Streamlit markdown shows literally: whitespace collapsed, every markup character escaped."""
    return _escape(_SPACE.sub(" ", text).strip())


def _escape(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", text)


def query_terms(query: str) -> list[str]:
    """The words of a query worth highlighting (3+ characters, not stop words), longest first."""
    words = {w.lower() for w in _WORD.findall(query)} - STOP
    return sorted(words, key=lambda w: (-len(w), w))


def highlight(text: str, terms: list[str]) -> str:
    """Escaped markdown of text with every occurrence of a term in bold; escaping happens before the bold marks."""
    text = _SPACE.sub(" ", text).strip()
    if not terms:
        return escape_markdown(text)
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.I)
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(_escape(text[last:match.start()]))
        out.append(f"**{_escape(match.group())}**")
        last = match.end()
    out.append(_escape(text[last:]))
    return "".join(out)


def format_date(value: object) -> str:
    """An ISO date for display, or 'undated' when the document gave none (None, NaT, NaN)."""
    import pandas as pd

    if value is None or pd.isna(value):
        return "undated"
    return f"{pd.Timestamp(value):%Y-%m-%d}"


def format_clock(seconds: object) -> str:
    """Seconds into the call as '00:29:30', or '' when the document gave no time (None, NaN)."""
    import pandas as pd

    if seconds is None or pd.isna(seconds):
        return ""
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
