"""The measure registry: well-formed entries, SQL fragments that agree with their Python twins, shown values."""
from __future__ import annotations

import string

import duckdb
import pytest

from core.analysis.measures import (
    BY_NAME,
    FACTS,
    MEASURES,
    PARTS,
    PERIOD_LABEL_SQL,
    PERIOD_ORDINAL_SQL,
    SUMMARY,
    TONE_GAP,
    Part,
)
from core.model import Period


def test_every_measure_is_an_expression_over_known_parts():
    assert len(BY_NAME) == len(MEASURES) and len({p.name for m in MEASURES for p in m.parts}) == len(PARTS)
    for measure in MEASURES:
        used = {name for _, name, _, _ in string.Formatter().parse(measure.expr) if name}
        assert used and used <= set(PARTS), measure.name
        assert measure.fmt in ("count", "signed", "decimal", "percent") and measure.label and measure.help
    assert [m.name for m in SUMMARY][:4] == ["net_tone", "net_tone_prepared", "net_tone_qa", TONE_GAP.name]
    assert {f.column for f in FACTS} <= {p.when.removeprefix("s.") for p in PARTS.values() if p.when}


def test_a_measure_is_the_same_sql_over_sentences_and_over_summed_parts():
    con = duckdb.connect()
    con.execute("CREATE TABLE sentences AS SELECT * FROM (VALUES ('positive', 0.9), ('negative', -0.5), "
                "('positive', 0.7), ('neutral', 0.1)) v(sentiment_label, sentiment_score)")
    net = BY_NAME["net_tone"]
    direct = con.execute(f"SELECT {net.sql(Part.of_sentences)} FROM sentences s").fetchall()[0][0]
    con.execute("CREATE TABLE parts AS SELECT sentiment_label, "
                + ", ".join(f"{PARTS[n].of_sentences()} AS {n}" for n in ("sentences", "positive", "negative"))
                + " FROM sentences s GROUP BY ALL")
    summed = con.execute(f"SELECT {net.sql(Part.of_aggregates)} FROM parts s").fetchall()[0][0]
    assert direct == summed == 0.25
    filtered = net.sql(lambda part: part.of_aggregates("s.sentiment_label = 'positive'"))
    assert con.execute(f"SELECT {filtered} FROM parts s").fetchall()[0][0] == 1.0


@pytest.mark.parametrize("period", [Period(2025, 1), Period(1999, 4), Period(2010, 3)])
def test_period_fragments_agree_with_python(period: Period):
    con = duckdb.connect()
    row = con.execute(f"SELECT {PERIOD_ORDINAL_SQL}, {PERIOD_LABEL_SQL} FROM (SELECT ? AS fiscal_year, "
                      "? AS fiscal_quarter) c", [period.fiscal_year, period.fiscal_quarter]).fetchall()[0]
    assert row == (period.ordinal, period.label)


def test_values_and_changes_as_shown():
    assert [BY_NAME[n].text(v) for n, v in (("net_tone", 0.25), ("uncertainty_per_1000", 71.428),
                                            ("fls_share", 0.125), ("sentences", 1204.0))] == [
        "+0.250", "71.43", "12.5%", "1,204"]
    assert BY_NAME["net_tone"].text(float("nan")) == "–"
    assert (BY_NAME["fls_share"].change_text(0.025), BY_NAME["net_tone"].change_text(-0.5)) == ("+2.5 pts", "-0.500")
    assert [BY_NAME[n].printf for n in ("net_tone", "uncertainty_per_1000", "fls_share")] == [
        "%+.3f", "%.2f", "percent"]
