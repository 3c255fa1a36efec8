"""The guidance tracker: spoken amounts, the period a phrase names, items read from a call's sentences (made-up
sentences in the style of calls, written here), revision and delivery links, and the gold set of real calls."""
from __future__ import annotations

import pytest

from core.analysis.amounts import PER_SHARE, PERCENT, USD, amounts
from core.analysis.guidance import UNNAMED_SEGMENT, extract
from core.analysis.metrics import load_vocabulary
from core.analysis.sentences import Sentence
from core.analysis.target_periods import targets
from core.model import Period

VOCABULARY = load_vocabulary()


def one(text: str) -> tuple:
    (found,) = amounts(text)
    return found.low, found.high, found.unit


@pytest.mark.parametrize("text, expected", [
    ("revenue is expected to be $12.5 billion plus or minus 2%", (12.25e9, 12.75e9, USD)),
    ("about $800 million, plus or minus $50 million", (750e6, 850e6, USD)),
    ("approximately 19%", (19.0, 19.0, PERCENT)),
    ("in the range of 11% to 13%", (11.0, 13.0, PERCENT)),
    ("between $2.1 and $2.3 billion", (2.1e9, 2.3e9, USD)),
    ("minus 1% to minus 5.5%", (-5.5, -1.0, PERCENT)),
    ("forty-two point five billion dollars", (42.5e9, 42.5e9, USD)),
    ("two and a half billion dollars", (2.5e9, 2.5e9, USD)),
    ("diluted earnings of $1.07 per share", (1.07, 1.07, PER_SHARE)),
    ("62% plus or minus 50 basis points", (61.5, 62.5, PERCENT)),
    ("$16.4 billion", (16.4e9, 16.4e9, USD)),
])
def test_an_amount_is_read_as_the_range_it_states(text, expected):
    assert one(text) == pytest.approx(expected)


def test_words_give_a_qualitative_range():
    (found,) = amounts("growth in the mid-single digits")
    assert (found.low, found.high, found.qualitative) == (4.0, 6.0, True)
    (found,) = amounts("margins in the high 60s")
    assert (found.low, found.high) == (67.0, 69.0)
    (found,) = amounts("low to mid-teens growth")
    assert (found.low, found.high) == (11.0, 16.0)
    (found,) = amounts("a mid- to high-teens percentage")
    assert (found.low, found.high) == (14.0, 19.0)
    (found,) = amounts("mid-to-high single digits")
    assert (found.low, found.high) == (4.0, 9.0)


def test_the_part_of_a_range_a_sentence_picks_is_the_amount():
    (found,) = amounts("to remain in the upper half of our historical 55% to 65% range")
    assert (found.low, found.high) == (60.0, 65.0)
    (found,) = amounts("return to the low end of our target range of 51% to 53%")
    assert (found.low, found.high) == (51.0, 51.0)


def test_a_scale_slip_takes_the_other_end_and_is_flagged():
    (found,) = amounts("revenue of $4.1 million to $4.3 billion")
    assert (found.low, found.high, found.scale_slip) == (4.1e9, 4.3e9, True)


def test_a_tolerance_after_respectively_widens_every_amount_of_the_list():
    first, second = amounts("margins of 58% and 60.5%, respectively, plus or minus 50 basis points")
    assert (first.low, first.high, second.low, second.high) == (57.5, 58.5, 60.0, 61.0)


def test_a_year_is_no_amount():
    assert amounts("in fiscal 2024 we shipped") == []


@pytest.mark.parametrize("phrase, call, future, expected", [
    ("for the next quarter", Period(2025, 3), True, (2025, 4)),
    ("in Q1", Period(2024, 4), True, (2025, 1)),
    ("the third quarter", Period(2024, 3), False, (2024, 3)),
    ("the fourth quarter of fiscal 2026", Period(2025, 2), True, (2026, 4)),
    ("for fiscal '24", Period(2023, 2), True, (2024, None)),
    ("for the full year", Period(2023, 2), True, (2023, None)),
    ("for the full year", Period(2023, 4), True, (2024, None)),
    ("for the year", Period(2023, 4), False, (2023, None)),
    ("Fourth quarter 2022 revenue", Period(2023, 1), False, (2022, 4)),
    ("quarterly revenue reached", Period(2023, 1), False, (2023, 1)),
    ("during the quarter", Period(2023, 1), True, (2023, 2)),
])
def test_a_period_phrase_resolves_against_the_call(phrase, call, future, expected):
    (target,) = targets(phrase, call, future=future)
    assert (target.fiscal_year, target.fiscal_quarter) == expected


def test_a_half_year_or_the_rest_of_the_year_is_not_tracked():
    assert not any(t.trackable for t in targets("in the second half", Period(2024, 2), future=True))
    assert not any(t.trackable for t in targets("for the rest of the year", Period(2024, 2), future=True))


def call(*turns: tuple[str, str, str]) -> list[Sentence]:
    """Sentences of a made-up call: (speaker group, section, text) per turn, one sentence per '|'."""
    out = []
    for turn_idx, (group, section, text) in enumerate(turns):
        for sent_idx, sentence in enumerate(text.split("|")):
            out.append(Sentence(len(out), turn_idx, sent_idx, sentence.strip(), section, "statement", group))
    return out


def keys(items) -> set[tuple]:
    return {(i.kind, i.metric, i.segment, i.basis, i.target_fiscal_year, i.target_fiscal_quarter, i.measure,
             round(i.low, 4), round(i.high, 4), i.unit) for i in items}


CALL = call(
    ("cfo", "prepared",
     "Revenue for the second quarter was $4.20 billion, up 8% sequentially and well above our outlook of "
     "$3.9 billion.|GAAP gross margin was 61.2% and non-GAAP gross margin was 62.0%.|"
     "Turning to industrial.|Revenue was $310 million, up 4% year over year.|"
     "Let me turn to the outlook for the third quarter.|Revenue is expected to be $4.5 billion.|Plus or minus 2%.|"
     "GAAP and non-GAAP gross margins are expected to be 61% and 62%, respectively, plus or minus 50 basis points.|"
     "For fiscal 2026, we now expect revenue growth of 11% to 13%, up from our prior outlook of 9% to 11%."),
    ("analyst", "qa", "So your guide of $4.5 billion implies gross margin of about 63% next quarter?"),
    ("ceo", "qa", "We think gross margin will be around 62% in the fourth quarter.|"
                  "Over the long term we target gross margins of 65%."),
)


def test_a_call_yields_its_guidance_and_results_and_nothing_else():
    found = keys(extract(CALL, Period(2026, 2), VOCABULARY))
    assert found == {
        ("actual", "revenue", None, "none", 2026, 2, "level", 4.2e9, 4.2e9, USD),
        ("actual", "revenue", None, "none", 2026, 2, "sequential_growth", 8.0, 8.0, PERCENT),
        ("actual", "gross_margin", None, "gaap", 2026, 2, "level", 61.2, 61.2, PERCENT),
        ("actual", "gross_margin", None, "non_gaap", 2026, 2, "level", 62.0, 62.0, PERCENT),
        ("actual", "revenue", "industrial", "none", 2026, 2, "level", 310e6, 310e6, USD),
        ("actual", "revenue", "industrial", "none", 2026, 2, "growth", 4.0, 4.0, PERCENT),
        ("guidance", "revenue", None, "none", 2026, 3, "level", 4.41e9, 4.59e9, USD),
        ("guidance", "gross_margin", None, "gaap", 2026, 3, "level", 60.5, 61.5, PERCENT),
        ("guidance", "gross_margin", None, "non_gaap", 2026, 3, "level", 61.5, 62.5, PERCENT),
        ("guidance", "revenue", None, "none", 2026, None, "growth", 11.0, 13.0, PERCENT),
        ("guidance", "gross_margin", None, "none", 2026, 4, "level", 62.0, 62.0, PERCENT),
    }


def test_every_item_points_at_its_sentence():
    for item in extract(CALL, Period(2026, 2), VOCABULARY):
        sentence = CALL[item.pos]
        assert sentence.speaker_group in ("cfo", "ceo")
        assert any(char.isdigit() for char in sentence.text)


def test_what_a_sentence_leans_on_is_read_from_the_turn():
    turn = call(("cfo", "prepared",
                 "Specifically in 2025, we reduced spending.|Moving to the specifics of the fourth quarter, "
                 "where I will be referencing non-GAAP figures.|Gross margin was 43.8%, down 1 point sequentially.|"
                 "Q4 GAAP gross margin was 41.5%.|And non-GAAP was 44.0%.|Our revenue per employee rose 12%.|"
                 "Full year revenue crossed the $9 billion mark for the first time.|"
                 "Now turning to our first quarter outlook.|We expect revenue to be approximately $2.4 billion.|"
                 "Sequentially, this would be a decrease of approximately 3%.|"
                 "At the midpoint, this represents 9% growth over the prior year.|"
                 "We expect the services segment revenue to be up, and the gaming segment to decline.|"
                 "Year-over-year, we expect revenue to grow approximately 10%."))
    assert keys(extract(turn, Period(2025, 4), VOCABULARY, calendar_is_fiscal=True)) == {
        ("actual", "gross_margin", None, "none", 2025, 4, "level", 43.8, 43.8, PERCENT),
        ("actual", "gross_margin", None, "gaap", 2025, 4, "level", 41.5, 41.5, PERCENT),
        ("actual", "gross_margin", None, "non_gaap", 2025, 4, "level", 44.0, 44.0, PERCENT),
        ("guidance", "revenue", None, "none", 2026, 1, "level", 2.4e9, 2.4e9, USD),
        ("guidance", "revenue", None, "none", 2026, 1, "sequential_growth", -3.0, -3.0, PERCENT),
        ("guidance", "revenue", None, "none", 2026, 1, "growth", 9.0, 9.0, PERCENT),
        ("guidance", "revenue", None, "none", 2026, 1, "growth", 10.0, 10.0, PERCENT),
    }


def test_a_range_split_across_two_sentences_is_one_range():
    turn = call(("cfo", "prepared", "For the third quarter, we expect revenue in the range of $2.3 billion.|"
                                    "To $2.5 billion.|Gross margin is expected to be 61%.|To 63%."))
    assert keys(extract(turn, Period(2024, 2), VOCABULARY)) == {
        ("guidance", "revenue", None, "none", 2024, 3, "level", 2.3e9, 2.5e9, USD),
        ("guidance", "gross_margin", None, "none", 2024, 3, "level", 61.0, 63.0, PERCENT),
    }


def test_premises_notes_and_restatements_are_not_guidance():
    turn = call(("cfo", "prepared",
                 "Gross margin was 38% (sic, see press release, 36 percent), up 2 points.|"
                 "Under the new standard, Q2 restated revenue was $3.1 billion.|"
                 "Let's move to the full year.|Based on our Q3 guidance, we expect revenue of $14.2 billion.|"
                 "We reaffirm our gross margin guidance of 41%.|As we look forward to 2026, we expect a record year.|"
                 "We expect gross margins to remain in the upper half of our 40% to 44% range.|"
                 "For the full year, we expect gross margin to return to the low end of our target range of 42% to "
                 "44% in Q4."))
    assert keys(extract(turn, Period(2025, 2), VOCABULARY, calendar_is_fiscal=True)) == {
        ("actual", "gross_margin", None, "none", 2025, 2, "level", 38.0, 38.0, PERCENT),
        ("guidance", "revenue", None, "none", 2025, None, "level", 14.2e9, 14.2e9, USD),
        ("guidance", "gross_margin", None, "none", 2025, None, "level", 41.0, 41.0, PERCENT),
        ("guidance", "gross_margin", None, "none", 2026, None, "level", 42.0, 44.0, PERCENT),
        ("guidance", "gross_margin", None, "none", 2025, 4, "level", 42.0, 42.0, PERCENT),
    }


def test_the_base_of_a_comparison_the_part_a_move_is_of_and_the_basis_a_list_names():
    turn = call(("cfo", "prepared",
                 "Revenue for the fourth quarter was $2.1 billion, up 9% year-over-year and down 4% from Q3, driven "
                 "by a 12% decline in the Devices segment.|Revenue from our printer cartridges was up 30%.|"
                 "So, 2025 was our best year, as the plans we laid out played out.|"
                 "The quarterly gross margin of 47% benefited from lower component costs.|"
                 "We are targeting a $1.8 billion revenue breakeven point.|"
                 "At the $1.9 billion revenue level, our expense structure is in place.|"
                 "Our GAAP outlook for the first quarter is as follows -- revenue of $2.0 billion to $2.2 billion; "
                 "gross margin of 46.5%, flat from the fourth quarter.|"
                 "For non-GAAP, we expect the following differences from our GAAP outlook -- gross margin of 47.2%."))
    assert keys(extract(turn, Period(2025, 4), VOCABULARY, calendar_is_fiscal=True)) == {
        ("actual", "revenue", None, "none", 2025, 4, "level", 2.1e9, 2.1e9, USD),
        ("actual", "revenue", None, "none", 2025, 4, "growth", 9.0, 9.0, PERCENT),
        ("actual", "revenue", None, "none", 2025, 4, "sequential_growth", -4.0, -4.0, PERCENT),
        ("actual", "revenue", UNNAMED_SEGMENT, "none", 2025, 4, "growth", 30.0, 30.0, PERCENT),
        ("actual", "gross_margin", None, "none", 2025, 4, "level", 47.0, 47.0, PERCENT),
        ("guidance", "revenue", None, "none", 2026, 1, "level", 2.0e9, 2.2e9, USD),
        ("guidance", "gross_margin", None, "gaap", 2026, 1, "level", 46.5, 46.5, PERCENT),
        ("guidance", "gross_margin", None, "non_gaap", 2026, 1, "level", 47.2, 47.2, PERCENT),
    }


def test_a_second_review_s_wordings():
    turn = call(("cfo", "prepared",
                 "For the first quarter, we expect revenue to decrease 8%, plus/minus 3% sequentially.|"
                 "We expect gross margin to be down 1.5 points to 61% in the first quarter.|"
                 "The average seasonal decline is down 1% for the first quarter.|"
                 "Our expectation of high single-digit revenue growth for 2012 is unchanged.|"
                 "We expect gross margins to exit fiscal 2012 at around 60%."))
    assert keys(extract(turn, Period(2011, 4), VOCABULARY, calendar_is_fiscal=True)) == {
        ("guidance", "revenue", None, "none", 2012, 1, "sequential_growth", -11.0, -5.0, PERCENT),
        ("guidance", "gross_margin", None, "none", 2012, 1, "level", 61.0, 61.0, PERCENT),
        ("guidance", "revenue", None, "none", 2012, None, "growth", 7.0, 9.0, PERCENT),
        ("guidance", "gross_margin", None, "none", 2012, 4, "level", 60.0, 60.0, PERCENT),
    }


def test_a_call_without_guidance_yields_none():
    quiet = call(("ceo", "prepared", "We had a good quarter and we are excited about the year ahead.|"
                                     "Our customers love the new products."),
                 ("analyst", "qa", "Can you talk about revenue of $5 billion next quarter and margins near 60%?"),
                 ("cfo", "qa", "We do not guide beyond the current quarter."))
    assert extract(quiet, Period(2024, 1), VOCABULARY) == []


# -- the stored pipeline on the real corpus slice (8 NVDA + 4 AMD calls, analysed once per session) ----------------
def _nvda_gold() -> dict[str, list[dict]]:
    """The hand-read gold items of NVDA's calls, by call date."""
    from scripts.bench.guidance import gold_calls

    return {call["call"].split("/")[1][:10]: call["items"] for call in gold_calls()
            if call["call"].startswith("NVDA/")}


@pytest.mark.slow
def test_analyze_reads_the_guidance_of_every_analysed_call(corpus_data_dir):
    from core.analysis.guidance_runs import version, vocabulary_for
    from core.storage.store import Store

    with Store(corpus_data_dir / "calls.duckdb") as store, store.cursor() as cur:
        analysed = cur.execute("SELECT count(*) FROM analysis_runs").fetchone()[0]
        versions = cur.execute("SELECT DISTINCT version FROM guidance_runs").fetchall()
        read = cur.execute("SELECT count(*) FROM guidance_runs").fetchone()[0]
        items = cur.execute("SELECT count(*) FROM guidance_items").fetchone()[0]
    assert read == analysed == 12
    assert versions == [(version(vocabulary_for(None)),)]
    assert items > 12 * 5  # every call guides and reports several figures


@pytest.mark.slow
def test_nvda_revenue_guided_and_reported_match_the_calls(corpus_data_dir):
    """The Guidance page's NVDA revenue chart: every quarter's guided range and reported revenue, as read by hand."""
    from core.queries.guidance_links import items
    from core.storage.store import Store

    with Store(corpus_data_dir / "calls.duckdb") as store:
        frame = items(store, "NVDA", metric="revenue")
    company = frame[frame["segment"].isna() & (frame["measure"] == "level")]
    got = {(str(r["call_date"])[:10], r["kind"], r["target_fiscal_year"], r["target_fiscal_quarter"], r["low"],
            r["high"]) for r in company.to_dict("records")}
    dates = set(company["call_date"].astype(str).str[:10])
    expected = {(date, g["kind"], g["target_fiscal_year"], g["target_fiscal_quarter"], float(g["low"]),
                 float(g["high"]))
                for date, gold in _nvda_gold().items() if date in dates
                for g in gold if g["metric"] == "revenue" and g["measure"] == "level"}
    assert len(dates) == 8 and got == expected


@pytest.mark.slow
def test_guidance_links_revision_and_delivery(corpus_data_dir):
    from core.queries.guidance_links import items, latest_changes
    from core.storage.store import Store

    with Store(corpus_data_dir / "calls.duckdb") as store:
        frame = items(store, "NVDA", metric="revenue", kind="guidance")
        changes = latest_changes(store, "NVDA")
    q3 = frame[(frame["target_fiscal_year"] == 2025) & (frame["target_fiscal_quarter"] == 3)
               & (frame["measure"] == "level")].iloc[0]
    # guided on 2024-08-28: $32.5 billion plus or minus 2%; reported on 2024-11-20: $35.1 billion
    assert (q3["low"], q3["high"], q3["direction"]) == (31.85e9, 33.15e9, "new")
    assert q3["actual"] == 35.1e9 and q3["outcome"] == "beat"
    assert q3["surprise_pct"] == pytest.approx((35.1 - 32.5) / 32.5 * 100)
    assert set(changes["direction"]) <= {"raised", "lowered", "kept", "narrowed"}


@pytest.mark.slow
def test_the_guidance_command_prints_json_and_csv(corpus_data_dir, monkeypatch, capsys):
    import json

    from core.cli import main

    monkeypatch.setenv("EARNINGS_DATA_DIR", str(corpus_data_dir))
    assert main(["guidance", "NVDA", "--metric", "revenue", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    fields = {"ticker", "call_date", "call_fiscal_year", "call_fiscal_quarter", "metric", "segment", "basis", "kind",
              "target_fiscal_year", "target_fiscal_quarter", "measure", "low", "high", "unit", "direction",
              "speaker", "section", "sentence_id", "text"}
    assert rows and all(fields <= set(row) for row in rows)
    q4 = [r for r in rows if r["kind"] == "guidance" and r["target_fiscal_year"] == 2025
          and r["target_fiscal_quarter"] == 4 and r["measure"] == "level" and r["segment"] is None]
    assert len(q4) == 1 and (q4[0]["low"], q4[0]["high"], q4[0]["unit"]) == (36.75e9, 38.25e9, "USD")
    assert q4[0]["call_date"] == "2024-11-20" and q4[0]["speaker"] == "Colette Kress"
    assert q4[0]["section"] == "prepared" and "37.5 billion" in q4[0]["text"]
    call_id, pos = q4[0]["sentence_id"].split(":")
    assert int(call_id) > 0 and int(pos) >= 0
    assert main(["guidance", "NVDA", "--csv"]) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert header.startswith("ticker,call_date,") and "sentence_id" in header
    assert main(["guidance", "ZZZZ"]) == 1  # an unknown ticker: a clear error, not an empty table


@pytest.mark.slow
def test_the_guidance_page_draws_the_band_and_links_every_item(corpus_data_dir, monkeypatch):
    from apprunner import open_page

    monkeypatch.setenv("EARNINGS_DATA_DIR", str(corpus_data_dir))
    at = open_page("guidance", params={"guidance-ticker": "NVDA"})
    table = at.dataframe[0].value
    assert set(table["metric"]) == {"revenue"} and set(table["ticker"]) == {"NVDA"}
    assert all(link == f"reader?call={c}&at={p}" for link, c, p in
               zip(table["sentence"], table["call_id"], table["sentence_pos"]))
    charts = at.get("plotly_chart")
    assert charts and "Guided range" in charts[0].proto.spec


@pytest.mark.needs_shared("corpus/streetevents")
def test_the_gold_set_scores():
    """Precision, recall and direction accuracy on the 119 hand-read calls, at the issue's goal (0.95 / 0.95 / 0.9;
    measured 0.957 / 0.958 / 0.954 when this floor was set)."""
    from scripts.bench.guidance import extracted, gold_calls, score

    calls = gold_calls()
    result = score(calls, extracted(calls))
    assert result.gold == 759
    assert result.precision >= 0.95 and result.recall >= 0.95 and result.direction_accuracy >= 0.95


@pytest.mark.needs_shared("corpus/streetevents")
def test_nvda_guided_and_reported_revenue_fy2020_to_fy2025_number_for_number():
    """Every NVDA call from Q4 FY2019 to Q3 FY2025: the company's revenue guided (each next quarter's range, any
    full-year level) and reported, exactly as read by hand."""
    from scripts.bench.guidance import extracted, gold_calls

    calls = [c for c in gold_calls() if c["call"].startswith("NVDA/") and (c["fiscal_year"], c["fiscal_quarter"])
             >= (2019, 4)]
    found = {c.call: c.items for c in extracted(calls)}

    def revenue(items, *, company_only):
        return {(i["kind"], i["target_fiscal_year"], i["target_fiscal_quarter"], float(i["low"]), float(i["high"]))
                for i in items if i["metric"] == "revenue" and i["measure"] == "level"
                and not (company_only and i["segment"])}

    assert len(calls) == 24
    for call in calls:
        assert revenue(found[call["call"]], company_only=True) == revenue(call["items"], company_only=False), call
