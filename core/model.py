"""Domain records: a parsed transcript, its participants and its turns."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import asdict, dataclass

SECTIONS = ("prepared", "qa")
SECTION_LABELS = {"prepared": "Prepared remarks", "qa": "Q&A"}  # how the product names them
TURN_TYPES = ("presentation", "question", "answer", "operator")
KINDS = ("executive", "analyst", "operator", "other")

EMBEDDING_DIM = 384  # the width of a sentence vector (MiniLM-L6); the vector table and search check it
SPEAKER_GROUPS = (*KINDS, "ceo", "cfo")  # a sentence's speaker: the kinds, with CEO and CFO apart from executives
MODES = ("vector", "fts", "hybrid")     # search modes (core/storage/search.py)



def ticker_symbol(text: str) -> str:
    """A ticker as stored (upper case); ValueError unless it is 1-10 letters, digits, '.' or '-'."""
    ticker = text.strip().upper()
    if not ticker or len(ticker) > 10 or not all(c.isalnum() or c in ".-" for c in ticker):
        raise ValueError(f"not a ticker symbol: {text!r}")
    return ticker

@dataclass(frozen=True)
class Participant:
    """A person on the call, as listed by the document."""

    name: str
    role: str = ""
    firm: str = ""
    kind: str = "other"


@dataclass(frozen=True)
class Turn:
    """One uninterrupted stretch of one speaker."""

    index: int
    speaker: str
    role: str
    firm: str
    kind: str
    section: str
    type: str
    text: str
    marks: tuple[tuple[int, int], ...] = ()  # (character in text, seconds into the call) of the document's clock

    @property
    def offset_s(self) -> int | None:
        """Seconds into the call at the turn's first time mark, when the document gives one."""
        return self.marks[0][1] if self.marks else None


@dataclass(frozen=True)
class Transcript:
    """A whole call, keyed by (ticker, fiscal_year, fiscal_quarter)."""

    ticker: str
    company: str
    fiscal_year: int
    fiscal_quarter: int
    call_date: dt.date | None
    title: str
    format: str  # the parser format it was read from (a key of core/ingest/parsers FORMATS)
    source: str
    turns: tuple[Turn, ...]
    participants: tuple[Participant, ...] = ()
    call_time: str | None = None
    warnings: tuple[str, ...] = ()  # what parsing dropped or doubted (not stored)

    @property
    def period(self) -> str:
        """The fiscal period as 'FY2025 Q2'."""
        return period_label(self.fiscal_year, self.fiscal_quarter)

    def to_dict(self) -> dict:
        """A JSON-ready dict (dates as ISO strings)."""
        data = asdict(self)
        data["call_date"] = self.call_date.isoformat() if self.call_date else None
        data["participants"] = [asdict(p) for p in self.participants]
        data["turns"] = [asdict(t) for t in self.turns]
        return data


@dataclass(frozen=True)
class Period:
    """A fiscal quarter of one company."""

    fiscal_year: int
    fiscal_quarter: int

    def __post_init__(self) -> None:
        if not 1 <= self.fiscal_quarter <= 4:
            raise ValueError(f"fiscal quarter must be 1-4, got {self.fiscal_quarter}")
        if not 1990 <= self.fiscal_year <= 2100:
            raise ValueError(f"fiscal year out of range: {self.fiscal_year}")

    def __str__(self) -> str:
        return f"{self.fiscal_year}Q{self.fiscal_quarter}"

    @property
    def ordinal(self) -> int:
        """Quarters since year 0, for ranges and ordering (core.analysis.measures.PERIOD_ORDINAL_SQL in SQL)."""
        return self.fiscal_year * 4 + self.fiscal_quarter - 1

    @property
    def label(self) -> str:
        """'FY2025 Q2'."""
        return period_label(self.fiscal_year, self.fiscal_quarter)

    @classmethod
    def from_ordinal(cls, ordinal: int) -> "Period":
        return cls(ordinal // 4, ordinal % 4 + 1)

    @classmethod
    def parse(cls, text: str) -> "Period":
        """Read '2025Q2', '2025-Q2', 'Q2 2025' or 'FY2025 Q2'."""
        m = re.fullmatch(r"\s*(?:FY)?(\d{4})\s*-?\s*Q([1-4])\s*", text, re.I) or re.fullmatch(
            r"\s*Q([1-4])\s*(?:FY)?\s*(\d{4})\s*", text, re.I
        )
        if not m:
            raise ValueError(f"not a fiscal period (expected e.g. 2025Q2): {text!r}")
        a, b = m.groups()
        year, quarter = (int(a), int(b)) if len(a) == 4 else (int(b), int(a))
        return cls(year, quarter)


def period_label(fiscal_year: int, fiscal_quarter: int) -> str:
    """'FY2025 Q2' (core.analysis.measures.PERIOD_LABEL_SQL in SQL)."""
    return f"FY{fiscal_year} Q{fiscal_quarter}"


def period_range(start: Period, end: Period) -> list[Period]:
    """Every quarter from start to end inclusive."""
    return [Period.from_ordinal(o) for o in range(start.ordinal, end.ordinal + 1)]


_HONORIFIC = re.compile(r"^(mr|mrs|ms|dr|prof)\.?\s+", re.I)
_MIDDLE_INITIAL = re.compile(r"\s+[A-Z]\.(?=\s)")


def name_key(name: str) -> str:
    """A spelling-insensitive key for a person's name ('Colette M. Kress' == 'Colette Kress')."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = _HONORIFIC.sub("", text.strip())
    text = _MIDDLE_INITIAL.sub("", f" {text} ").strip()
    text = re.sub(r"[^a-z ]", "", text.lower())
    return " ".join(text.split())
