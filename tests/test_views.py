"""Dashboard queries on a hand-analysed two-call store: exact figures, scope filters, comparisons."""
from __future__ import annotations

import pytest

from core.analysis.measures import MEASURES, PERIOD_LABEL_SQL
from core.model import Period
from core.queries import compare, reader, views
from core.queries.views import Scope


@pytest.fixture
def store(analysed_store):
    return analysed_store()


def test_stored_tickers_and_periods(store):
    assert views.stored_tickers(store) == ["ACME"]
    assert views.stored_periods(store) == [Period(2025, 1), Period(2025, 2)]


def test_empty_store_has_no_periods_and_empty_views():
    from core.storage.store import Store

    empty = Store()
    assert views.stored_periods(empty) == []
    assert views.overview(empty, scope=Scope()).empty
    assert views.tone_series(empty, scope=Scope()).empty
    assert views.stored_calls(empty).empty


def test_call_measures_are_the_registry_per_call_with_section_tones_and_gap(store):
    frame = views.call_measures(store, scope=Scope())
    assert frame["fiscal_period"].tolist() == ["FY2025 Q1", "FY2025 Q2"]
    assert frame["sentences"].tolist() == [4, 4]
    assert frame["net_tone"].tolist() == [-0.25, 0.25]
    assert frame["net_tone_prepared"].tolist() == [0.0, 1.0]
    assert frame["net_tone_qa"].tolist() == [-0.5, -0.5]
    assert frame["tone_gap"].tolist() == [-0.5, -1.5]
    assert frame["uncertainty_per_1000"].round(4).tolist() == [76.9231, 71.4286]
    assert frame[["positive", "negative", "neutral", "words"]].values.tolist() == [[1, 2, 1, 13], [2, 1, 1, 14]]
    assert frame["fls_share"].tolist() == [0.0, 0.0]
    assert frame.columns.tolist() == ["call_id", "ticker", "fiscal_year", "fiscal_quarter", "fiscal_period",
                                      "call_date", *(m.name for m in MEASURES), "net_tone_prepared", "net_tone_qa",
                                      "tone_gap"]


def test_scope_filters_sentences_and_calls(store):
    qa_only = views.call_measures(store, scope=Scope(sections=("qa",)))
    assert qa_only["sentences"].tolist() == [2, 2]
    assert qa_only["net_tone"].tolist() == [-0.5, -0.5]
    assert views.call_measures(store, scope=Scope(speaker_groups=("ceo",)))["net_tone"].tolist() == [0.0, 1.0]
    assert views.call_measures(store, scope=Scope(period_to=Period(2025, 1)))["fiscal_period"].tolist() == [
        "FY2025 Q1"]
    assert views.call_measures(store, scope=Scope(tickers=("XYZ",))).empty


def test_overview_compares_latest_with_previous(store):
    frame = views.overview(store, scope=Scope())
    assert frame[["which", "fiscal_period", "net_tone", "calls_in_scope"]].values.tolist() == [
        ["latest", "FY2025 Q2", 0.25, 2], ["previous", "FY2025 Q1", -0.25, 2]]


def test_topic_shares_and_movers(store):
    shares = views.topic_shares(store, scope=Scope(period_from=Period(2025, 2)))
    assert dict(zip(shares["topic"], shares["share"])) == {"guidance": 0.25, "pricing": 0.5, "revenue_growth": 0.25}
    assert dict(zip(shares["topic"], shares["net_tone"])) == {"guidance": 1.0, "pricing": -0.5,
                                                               "revenue_growth": 1.0}
    movers = views.topic_movers(store, scope=Scope())
    assert movers[["direction", "topic", "share_change"]].values.tolist() == [
        ["rising", "pricing", 0.5], ["rising", "guidance", 0.25],
        ["falling", "demand", -0.75], ["falling", "margins", -0.25]]


def test_tone_series_with_quarter_on_quarter_change(store):
    frame = views.tone_series(store, scope=Scope())
    ceo = frame[frame["series"] == "ceo"]
    assert ceo["net_tone"].tolist() == [0.0, 1.0]
    assert ceo["qoq_change"].tolist()[1] == 1.0
    assert sorted(frame["series"].unique()) == ["analyst", "call", "ceo", "cfo", "prepared", "qa"]


def test_sentences_behind_a_point_strongest_first(store):
    frame = views.sentences_behind(store, scope=Scope(sections=("qa",)), ticker="ACME", period=Period(2025, 1))
    assert frame["sentence"].tolist() == ["Demand is uncertain.", "How is demand?"]


def test_call_sentences_header_and_details(store):
    sentences = reader.call_sentences(store, 1)
    assert sentences["speaker"].tolist() == ["Jane Doe", "Jane Doe", "Bob Smith", "John Roe"]
    assert sentences["tone_label"].tolist() == ["positive", "negative", "neutral", "negative"]
    header = reader.call_header(store, 2)
    assert (header["fiscal_period"], header["title"], header["source"]) == (
        "FY2025 Q2", "Q2 2025 Acme Earnings Call", "acme.txt")
    details = reader.sentence_details(store, keys=[(2, 3), (1, 0)])
    assert details["sentence"].tolist() == ["Pricing may be volatile.", "Revenue grew strongly."]
    assert details["speaker_group"].tolist() == ["cfo", "ceo"]


def test_stored_calls_show_origin_and_analysis(store):
    frame = views.stored_calls(store)
    assert frame[["fiscal_period", "origin", "analysed_sentences"]].values.tolist() == [
        ["FY2025 Q1", "file", 4], ["FY2025 Q2", "file", 4]]


def test_compare_tone_topics_and_phrases(store):
    tone = compare.tone_by_group(store, a=1, b=2).set_index("group")
    assert tone.loc["whole call", "net_tone_change"] == 0.5
    assert tone.loc["section: prepared", "net_tone_change"] == 1.0
    topics = compare.topic_deltas(store, a=1, b=2)
    assert topics[["topic", "share_change"]].values.tolist()[0] == ["demand", -0.75]
    phrases = compare.phrase_changes(store, a=1, b=2, min_count=1)
    assert phrases[phrases["change"] == "new"]["phrase"].tolist() == ["expect growth", "pricing volatile"]
    assert phrases[phrases["change"] == "vanished"]["phrase"].tolist() == [
        "demand uncertain", "grew strongly", "margins pressure", "revenue grew strongly"]



def test_calls_scored_by_an_earlier_sentiment_model_count_as_not_analysed(store):
    from core.queries.rollups import rollup

    def rescore(period: str, model: str, days: int) -> None:
        with store.transaction() as cur:
            cur.execute(f"UPDATE analysis_runs SET sentiment_model = ?, analyzed_at = now() + to_days({days}) "
                        f"WHERE call_id = (SELECT call_id FROM calls c WHERE {PERIOD_LABEL_SQL} = ?)", [model, period])

    rescore("FY2025 Q1", "older", -1)  # Q1 still holds the previous model's scores: never mixed with Q2's
    assert views.call_measures(store, scope=Scope())["fiscal_period"].tolist() == ["FY2025 Q2"]
    assert rollup(store, ticker="ACME")["fiscal_quarter"].tolist() == [2]
    assert set(views.tone_series(store, scope=Scope())["fiscal_period"]) == {"FY2025 Q2"}
    assert views.stored_calls(store)["analysed_sentences"].isna().tolist() == [True, False]  # "not analysed yet"
    rescore("FY2025 Q1", "newer", 1)  # the latest run's model is the current one
    assert views.call_measures(store, scope=Scope())["fiscal_period"].tolist() == ["FY2025 Q1"]
    rescore("FY2025 Q2", "newer", 2)
    assert rollup(store, ticker="ACME")["fiscal_quarter"].tolist() == [1, 2]
