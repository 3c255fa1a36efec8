"""CSV export: formula injection neutralised, numbers kept numeric, the sentence-level export's rows and columns."""
from __future__ import annotations

import io

import pandas as pd
import pytest

from core.model import Period
from core.queries.export import SENTENCE_COLUMNS, neutralise, safe_cell, sentence_export, to_csv
from core.queries.views import Scope


@pytest.mark.parametrize("text, expected", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("+1", "'+1"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tcmd", "'\tcmd"),
    ("\rcmd", "'\rcmd"),
    ("Revenue = $30B", "Revenue = $30B"),
    ("", ""),
])
def test_safe_cell_prefixes_only_formula_starts(text, expected):
    assert safe_cell(text) == expected


def test_non_text_values_are_unchanged():
    assert safe_cell(-0.5) == -0.5
    assert safe_cell(None) is None


def test_csv_keeps_numbers_numeric_and_neutralises_text_and_headers():
    frame = pd.DataFrame({"sentence": ["=1+1", "fine"], "tone_score": [-0.25, 0.5], "=col": ["a", "b"]})
    back = pd.read_csv(io.BytesIO(to_csv(frame)))
    assert back.columns.tolist() == ["sentence", "tone_score", "'=col"]
    assert back["sentence"].tolist() == ["'=1+1", "fine"]
    assert back["tone_score"].tolist() == [-0.25, 0.5]


def test_neutralise_does_not_touch_the_original():
    frame = pd.DataFrame({"a": ["-x"]})
    assert neutralise(frame)["a"].tolist() == ["'-x"]
    assert frame["a"].tolist() == ["-x"]


def test_sentence_export_has_one_row_per_analysed_sentence_with_quant_columns(analysed_store):
    store = analysed_store()
    frame = sentence_export(store, scope=Scope())
    assert frame.columns.tolist() == SENTENCE_COLUMNS
    assert len(frame) == 8
    first = frame.iloc[0]
    assert (first["ticker"], first["fiscal_period"], str(first["call_date"])[:10], first["section"],
            first["speaker"], first["role"], first["speaker_group"]) == (
        "ACME", "FY2025 Q1", "2024-05-01", "prepared", "Jane Doe", "Chief Executive Officer", "ceo")
    assert (first["sentence"], first["tone_label"], first["tone_score"], first["topics"]) == (
        "Revenue grew strongly.", "positive", 0.9, "revenue_growth; demand")


def test_sentence_export_follows_the_scope(analysed_store):
    store = analysed_store()
    frame = sentence_export(store, scope=Scope(period_from=Period(2025, 2), sections=("qa",)))
    assert frame["fiscal_period"].unique().tolist() == ["FY2025 Q2"]
    assert frame["section"].unique().tolist() == ["qa"]
    assert frame["speaker_group"].tolist() == ["analyst", "cfo"]


def test_exported_csv_of_a_hostile_sentence_is_safe(analysed_store):
    store = analysed_store(hostile="=cmd|' /C calc'!A0")
    back = pd.read_csv(io.BytesIO(to_csv(sentence_export(store, scope=Scope(sections=("qa",))))))
    assert "'=cmd|' /C calc'!A0" in back["sentence"].tolist()
