"""CSV export that is safe to open in a spreadsheet, and the sentence-level export table.

Formula injection: a text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a
formula (or a cell break) by Excel, LibreOffice and Google Sheets. Such cells get a leading apostrophe (``'``), which
spreadsheets show as text and never evaluate. Numeric, boolean and date columns are written as they are — a number
cannot carry a formula — so a quant reading the CSV with pandas gets numbers, not strings.
"""
from __future__ import annotations

import pandas as pd

from ..analysis.measures import FACTS, PERIOD_LABEL_SQL
from ..storage.store import Store
from .views import Scope

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

SENTENCE_COLUMNS = [
    "ticker", "fiscal_year", "fiscal_quarter", "fiscal_period", "call_date", "call_id", "section", "turn_idx",
    "sentence_idx", "speaker", "role", "speaker_group", "sentence", "tone_label", "tone_score",
    *(fact.column for fact in FACTS), "topics",  # the measure registry's per-sentence values
]


def safe_cell(value: object) -> object:
    """A text value that cannot start a spreadsheet formula; any other value unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of the frame whose text cells (and column names) cannot start a spreadsheet formula."""
    out = frame.copy()
    out.columns = [safe_cell(str(name)) for name in out.columns]
    for name in out.columns:
        column = out[name]
        if pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column):
            out[name] = column.map(safe_cell).astype(object)
    return out


def to_csv(frame: pd.DataFrame) -> bytes:
    """The frame as injection-safe UTF-8 CSV (no index column)."""
    # CRLF line ends (RFC 4180) make the writer quote every cell holding a CR or LF: a bare CR inside a cell would
    # otherwise start a new row in a spreadsheet, whose next cell could be a formula ("ok\r=1+1")
    return neutralise(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def sentence_export(store: Store, *, scope: Scope) -> pd.DataFrame:
    """Every analysed sentence in scope, one row each, in call order (columns: SENTENCE_COLUMNS)."""
    where, params = scope.where()
    query = f"""
        SELECT c.ticker, c.fiscal_year, c.fiscal_quarter,
               {PERIOD_LABEL_SQL} AS fiscal_period, c.call_date, c.call_id,
               s.section, s.turn_idx, s.sent_idx AS sentence_idx, s.speaker, s.role, s.speaker_group,
               s.text AS sentence, s.sentiment_label AS tone_label, s.sentiment_score AS tone_score,
               {", ".join(f"s.{fact.column}" for fact in FACTS)},
               coalesce((SELECT string_agg(t.topic, '; ' ORDER BY t.score DESC) FROM sentence_topics t
                         WHERE t.call_id = s.call_id AND t.pos = s.pos), '') AS topics
        FROM ({Scope.SENTENCES}) s JOIN calls c USING (call_id)
        WHERE {where}
        ORDER BY c.ticker, c.fiscal_year, c.fiscal_quarter, s.pos
    """  # where is built from fixed fragments; every value is a bound parameter
    with store.cursor() as cur:
        return cur.execute(query, params).df()[SENTENCE_COLUMNS]
