"""The analysts of the Q&A: one identity per person (made-up names for the rules; the real NVDA calls against a
hand-counted sample, tests/gold/analysts/NVDA-sample.json), firms over time, tone and non-answers of analysed
calls, who asked about what, and the `analysts` command."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.queries.analyst_identity import identities, name_parts, same_firm

GOLD = Path(__file__).with_name("gold") / "analysts" / "NVDA-sample.json"


def merged(*printings: tuple[str, str | None]) -> list[set[str]]:
    """The groups of printed names that identities() makes one person, largest first."""
    shown = identities(printings)
    groups: dict[str, set[str]] = {}
    for printed, person in shown.items():
        groups.setdefault(person, set()).add(printed)
    return sorted(groups.values(), key=lambda g: (-len(g), sorted(g)))


def test_a_name_splits_into_given_names_and_surname():
    assert name_parts("Q.T. Vandermeer") == (["qt"], "vandermeer")
    assert name_parts("Lina van der Berg") == (["lina"], "vanderberg")
    assert name_parts("Otto  Ramírez Jr.") == (["otto"], "ramirez")


def test_spellings_of_one_person_are_merged_and_namesakes_are_not():
    groups = merged(
        ("Quentin Tobias Vandermeer", "Northgate Securities, Research Division"), ("Q.T. Vandermeer", "Northgate"),
        ("QT Vandermeer", "Harbor Capital"), ("Quentin Vandermeer", None),
        ("Jon Ashdown", "Pine Partners"), ("Jonathan Ashdown", "Pine Partners LLC"),
        ("Bill Okafor", "Delta Research"), ("William Okafor", "Delta Research"),
        ("Ilse Marrow", "Crest & Co."), ("Ilse Marow", "Crest & Co."),  # a slip, at the same firm
        ("Ilse Barrow", "Elm Bank"),  # another person: other surname, other firm
        ("Petra Lund", "Elm Bank"), ("Oskar Lund", "Elm Bank"),  # same surname and firm, other given names
    )
    assert groups[0] == {"Quentin Tobias Vandermeer", "Q.T. Vandermeer", "QT Vandermeer", "Quentin Vandermeer"}
    assert {"Jon Ashdown", "Jonathan Ashdown"} in groups and {"Bill Okafor", "William Okafor"} in groups
    assert {"Ilse Marrow", "Ilse Marow"} in groups and {"Ilse Barrow"} in groups
    assert {"Petra Lund"} in groups and {"Oskar Lund"} in groups


def test_a_firm_is_recognised_under_its_printings():
    assert same_firm("Northgate Securities, LLC, Research Division", "Northgate Securities")
    assert same_firm("KL Morgenthal Chase & Co", "KLMorgenthal")
    assert same_firm("Friedman Billings and Ramsey", "FBR Capital Markets")
    assert same_firm("Bernstein", "Sanford C. Bernstein & Co., LLC.")
    assert not same_firm("Wedbush Morgan Securities", "Morgan Stanley")
    assert not same_firm("Raymond James", "Roth Capital Partners")
    assert not same_firm(None, "UBS")


# -- the real NVDA calls (parsed and stored; no analysis needed for names, firms and counts) --------------------
@pytest.fixture(scope="module")
def nvda_store(tmp_path_factory):
    from conftest import require_shared

    from core.ingest.files import import_paths
    from core.storage.store import Store

    folder = require_shared("corpus", "streetevents", "NVDA")
    store = Store(tmp_path_factory.mktemp("analysts") / "calls.duckdb")
    files = [p for p in sorted(folder.glob("*.txt")) if "2019-05" <= p.name[:7] <= "2025-03"]
    assert len(files) >= 20
    import_paths(store, files)
    yield store
    store.close()


@pytest.mark.needs_shared("corpus/streetevents/NVDA")
def test_the_hand_counted_calls_have_the_same_analysts_firms_and_questions(nvda_store):
    from core.queries.analysts import questions

    gold = json.loads(GOLD.read_text())
    asked = questions(nvda_store, "NVDA")
    for call in gold["calls"]:
        year, quarter = call["fiscal_year"], call["fiscal_quarter"]
        same_period = (asked["fiscal_year"] == year) & (asked["fiscal_quarter"] == quarter)
        here = asked[same_period]
        found = here.groupby(["speaker", "firm"]).size().to_dict()
        expected = {(a["name"], a["firm"]): a["question_turns"] - a["courtesy_turns"] for a in call["analysts"]}
        assert found == expected, call["file"]
        assert here["follow_up"].sum() == sum(n - 1 for n in expected.values())


@pytest.mark.needs_shared("corpus/streetevents/NVDA")
def test_a_name_variant_is_one_analyst_and_a_firm_change_is_history(nvda_store):
    from core.queries.analysts import directory

    gold = json.loads(GOLD.read_text())
    people = directory(nvda_store, "NVDA").set_index("name")
    variant = gold["name_variant"]["spellings"]
    holder = [name for name in people.index if name in variant or any(
        s in people.loc[name, "spellings"].split(", ") for s in variant)]
    assert len(holder) == 1 and set(variant) <= {holder[0], *people.loc[holder[0], "spellings"].split(", ")}
    moved = gold["firm_change"]
    firms = people.loc[[n for n in people.index if n.endswith(moved["name"].split()[-1])][0], "firms"]
    stretches = firms.split(" → ")
    assert len(stretches) == len(moved["firms"])
    for stretch, expected in zip(stretches, moved["firms"]):
        assert stretch.startswith(expected["firm"].removesuffix(", Research Division"))
    assert people["calls"].max() <= len(nvda_store.calls(ticker="NVDA"))


@pytest.mark.needs_shared("corpus/streetevents/NVDA")
def test_who_asked_about_a_phrase_finds_only_questions_with_it(nvda_store):
    from core.queries.analysts import asked_about

    asked = asked_about(nvda_store, "NVDA", phrase="Blackwell")
    assert len(asked) >= 3 and all("blackwell" in text.lower() for text in asked["text"])
    assert list(asked["period"]) == sorted(asked["period"], reverse=True)
    assert asked_about(nvda_store, "NVDA", phrase="%' OR 1=1 --").empty  # a phrase, not SQL


# -- analysed calls: tone, answers, non-answers, topics; the command --------------------------------------------
@pytest.mark.slow
def test_analysed_calls_give_tone_answers_and_topics(corpus_data_dir):
    from core.queries.analysts import asked_about, directory, history
    from core.storage.store import Store

    with Store(corpus_data_dir / "calls.duckdb") as store:
        people = directory(store, "NVDA")
        top = people.iloc[0]
        quarters = history(store, top["name"], "NVDA")
        topic = top["topics"].split(", ")[0]
        on_topic = asked_about(store, "NVDA", topic=topic)
        everyone = directory(store)
    assert people["question_tone"].notna().all() and people["answer_tone"].notna().all()
    assert people["non_answer_share"].between(0, 1).all() and (people["topics"] != "").all()
    assert quarters["questions"].sum() == top["questions"] and len(quarters) == top["calls"]
    assert top["name"] in set(on_topic["name"]) and on_topic["pos"].notna().all()
    assert set(everyone["tickers"]) >= {"NVDA", "AMD"}


@pytest.mark.slow
def test_the_analysts_command_prints_json_and_csv(corpus_data_dir, monkeypatch, capsys):
    from core.cli import main

    monkeypatch.setenv("EARNINGS_DATA_DIR", str(corpus_data_dir))
    assert main(["analysts", "NVDA", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and {"name", "firm", "calls", "questions", "first_period", "last_period", "topics"} <= set(rows[0])
    assert rows[0]["questions"] >= rows[-1]["questions"]
    assert main(["analysts", "--csv"]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("name,firm,firms,tickers,calls,questions,")
    assert main(["analysts", "ZZZZ"]) == 1
