"""Alpha Vantage EARNINGS_CALL_TRANSCRIPT JSON:
{symbol, quarter, transcript: [{speaker, title, content, sentiment}]}."""
from __future__ import annotations

import json
import re

from ...errors import ParseError
from ...model import Period, Transcript, Turn
from ..speakers import is_operator_name, kind_from_role
from .markup import plain_text, strip_markup
from .qa_cues import qa_start
from .validate import check_transcript

_EXECUTIVE_TITLE = re.compile(
    r"\b(chief|ceo|cfo|coo|cto|president|officer|director|head|vice|vp|investor relations|chair\w*|treasurer"
    r"|controller|founder|executive|manager|counsel|secretary|evp|svp)\b",
    re.I,
)


def looks_like(text: str) -> bool:
    """True for a JSON object with an Alpha Vantage 'transcript' list."""
    head = text.lstrip()[:2000]
    return head.startswith("{") and '"transcript"' in text and '"speaker"' in text


def _entries(text: str, where: str | None) -> tuple[dict, list[tuple[str, str, str]]]:
    """The JSON object and its (speaker, title, content) entries, consecutive same-speaker entries merged."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"not JSON ({exc.msg} at line {exc.lineno})", where=where) from None
    if not isinstance(data, dict) or not isinstance(data.get("transcript"), list):
        raise ParseError("no 'transcript' list in the Alpha Vantage response", where=where)
    merged: list[tuple[str, str, str]] = []
    for item in data["transcript"]:
        if not isinstance(item, dict):
            raise ParseError("a transcript entry is not an object", where=where)
        speaker = plain_text(str(item.get("speaker") or ""))
        title = plain_text(str(item.get("title") or ""))
        content = strip_markup(str(item.get("content") or ""))[0].strip()
        if not speaker or not content:
            continue
        if merged and merged[-1][0] == speaker:
            merged[-1] = (speaker, merged[-1][1] or title, f"{merged[-1][2]}\n{content}")
        else:
            merged.append((speaker, title, content))
    return data, merged


def _kind(speaker: str, title: str, *, first_in_qa: bool, after_operator: bool) -> str:
    if is_operator_name(speaker) or is_operator_name(title):
        return "operator"
    role_kind = kind_from_role(title) if title else ""
    if role_kind == "analyst":
        return "analyst"
    if _EXECUTIVE_TITLE.search(title):
        return "executive"
    # Introduced by the operator in Q&A (the title is then only a firm, or empty): an analyst.
    return "analyst" if first_in_qa and after_operator else "executive"


def parse(text: str, *, source: str = "", ticker: str | None = None, period: Period | None = None) -> Transcript:
    """Parse an Alpha Vantage transcript response into a validated Transcript."""
    where = source or None
    data, entries = _entries(text, where)
    symbol = str(data.get("symbol") or ticker or "").upper()
    label = str(data.get("quarter") or "")
    try:
        found = Period.parse(label) if label else period
    except ValueError:
        raise ParseError(f"unreadable quarter label {label!r} (expected e.g. 2024Q1)", where=where) from None
    if found is None:
        raise ParseError("the response names no quarter; give the period", where=where)
    pairs = [(speaker, content) for speaker, _, content in entries]
    operators = {s for s, title, _ in entries if is_operator_name(s) or is_operator_name(title)}
    start = qa_start(pairs, operators=operators.__contains__) if pairs else None
    first_qa = len(entries) if start is None else start
    kinds: dict[str, str] = {}
    turns = []
    for i, (speaker, title, content) in enumerate(entries):
        section = "prepared" if i < first_qa else "qa"
        if speaker not in kinds:
            after_operator = i > 0 and entries[i - 1][0] in operators
            kinds[speaker] = _kind(speaker, title, first_in_qa=section == "qa", after_operator=after_operator)
        kind = kinds[speaker]
        if kind == "operator":
            turn_type = "operator"
        elif section == "prepared":
            turn_type = "presentation"
        else:
            turn_type = "question" if kind == "analyst" else "answer"
        turns.append(Turn(index=i, speaker=speaker, role=title, firm="", kind=kind, section=section,
                          type=turn_type, text=content))
    transcript = Transcript(
        ticker=symbol, company="", fiscal_year=found.fiscal_year, fiscal_quarter=found.fiscal_quarter,
        call_date=None, title=f"{symbol} Q{found.fiscal_quarter} {found.fiscal_year} earnings call",
        format="alphavantage", source=source, turns=tuple(turns),
    )
    return check_transcript(transcript)
