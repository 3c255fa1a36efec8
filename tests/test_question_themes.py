"""Recurring and new questions (core/queries/question_themes.py): clustering, novelty and key terms on made-up
vectors and
sentences, the whole pipeline on a made-up store with exact figures, and the real corpus slice (tests/conftest.py)."""
from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

from core.analysis.aggregates import complete
from core.embedding import EMBEDDING_DIM
from core.model import Period
from core.queries.question_terms import key_terms
from core.queries.question_themes import cluster, is_courtesy, nearest_earlier, question_themes


def axis(k: int, size: int = EMBEDDING_DIM) -> list[float]:
    """A unit vector along one axis: questions on the same axis are identical, on two axes unrelated."""
    vector = [0.0] * size
    vector[k] = 1.0
    return vector


# -- the pieces, on made-up vectors and sentences ------------------------------------------------------------------
def test_cluster_groups_close_vectors_without_a_preset_count():
    tilt = 0.1  # cosine distance of (1, 0.1) to (1, 0): 0.005, far below the threshold
    vectors = np.array([[1, 0, 0], [0, 1, 0], [1, tilt, 0], [0, 0, 1], [0, 1, tilt], [1, 0, tilt]])
    assert cluster(vectors).tolist() == [0, 1, 0, -1, 1, 0]  # numbered by first row; a lone row is no theme
    assert cluster(vectors, distance=0.001).tolist() == [-1] * 6
    assert cluster(vectors[:1]).tolist() == [-1] and cluster(np.zeros((0, 3))).tolist() == []


def test_a_question_identical_to_an_earlier_one_is_not_new_an_unrelated_one_is():
    vectors = np.array([axis(0, 4), axis(1, 4), axis(0, 4), axis(2, 4), axis(1, 4)])
    near = nearest_earlier(vectors, [0, 0, 1, 1, 1])
    assert np.isnan(near[:2]).all()  # the first call has nothing earlier
    assert near[2:].tolist() == [1.0, 0.0, 1.0]  # identical: 1; unrelated: 0; the same call does not count
    assert np.isnan(nearest_earlier(np.array([axis(0, 4), axis(0, 4)]), [0, 0])).all()


@pytest.mark.parametrize("sentence, courtesy", [
    ("Thanks for taking my question.", True), ("Yeah.", True), ("Congrats on the strong results.", True),
    ("Thanks, and could you talk about China?", False), ("What about gross margins next year?", False),
    ("Thank you, and then a longer one on how the supply chain and the packaging capacity develop next year.", False),
])
def test_courtesy_sentences(sentence, courtesy):
    assert is_courtesy(sentence) is courtesy


def test_key_terms_are_shared_by_the_themes_questions_and_rare_elsewhere():
    sentences = ["Thanks. What are your gross margin trends this quarter?", "Could you discuss gross margin trends?",
                 "Jensen, how is China demand?", "And Jensen, gross margin again?", "Anything on China demand?"]
    question_of = [0, 1, 2, 3, 4]
    themes = np.array([0, 0, 1, 0, 1])
    terms = key_terms(sentences, question_of, themes, stop_words=["jensen"])
    # "gross" and "margin" sit inside "gross margin" (held by as many questions), "trends" inside "margin trends";
    # "gross margin" (all three of the theme's questions, none of the others) ranks above "margin trends" (two)
    assert terms == {0: ["gross margin", "margin trends"], 1: ["china demand"]}
    assert key_terms(["Thanks.", "Thank you."], [0, 1], np.array([0, 0])) == {0: []}


# -- the pipeline on a made-up store: five ACME calls, each question on one axis -------------------------------
CALLS = [  # per call: (analyst, question, axis); axis None: a courtesy turn
    [("Ann Analyst", "What are your gross margin trends?", 0), ("Cy Analyst", "Any update on inventory levels?", 2),
     ("Cy Analyst", "And inventory levels into next year?", 2)],
    [("Bo Analyst", "Could you discuss gross margin trends?", 0), ("Bo Analyst", "Thanks.", None)],
    [("Ann Analyst", "Gross margin trends next quarter?", 0), ("Di Analyst", "How is China export demand?", 1)],
    [("Di Analyst", "What about buybacks?", 4)],
    [("Ed Analyst", "China export demand now?", 1), ("Fay Analyst", "Tell us about robotics?", 3)],
]


def _store(path: str = ":memory:"):
    """A store of CALLS (FY2024 Q1 …), each question answered by one sentence of tone call / 10."""
    from core.model import Transcript, Turn
    from core.storage.store import RawDocument, Store

    store = Store(path)
    for number, questions in enumerate(CALLS, start=1):
        period = Period.from_ordinal(Period(2024, 1).ordinal + number - 1)
        turns = [turn for who, text, _ in questions for turn in (
            ("analyst", who, "question", text), ("executive", "Jane Doe", "answer", "We see it.")) if text]
        transcript = Transcript("ACME", "Acme Corp", period.fiscal_year, period.fiscal_quarter,
                                dt.date(2023, 5, 1) + dt.timedelta(days=91 * number), "ACME call", "plain", "x.txt",
                                tuple(Turn(i, who, None, None, kind, "qa", kind_of, text)
                                      for i, (kind, who, kind_of, text) in enumerate(turns)))
        call_id = store.save_transcript(transcript, RawDocument(f"doc {number}".encode(), "file", "x.txt"),
                                        parser_version=1).call_id
        with store.transaction() as cur:
            for pos, ((_, _, kind, text), (*_, k)) in enumerate(zip(turns, [q for q in questions for _ in (0, 1)])):
                score = number / 10 if kind == "answer" else 0.0
                cur.execute("INSERT INTO sentences (call_id, pos, turn_idx, sent_idx, text, word_count, "
                            "sentiment_label, sentiment_score, sentiment_model) VALUES (?, ?, ?, 0, ?, ?, "
                            "'neutral', ?, 'hand')", [call_id, pos, pos, text, len(text.split()), score])
                vector = axis(EMBEDDING_DIM - 1 if kind == "answer" or k is None else k)
                cur.execute("INSERT INTO sentence_vectors VALUES (?, ?, ?)", [call_id, pos, vector])
                if kind == "question":
                    cur.execute("INSERT INTO qa_exchanges VALUES (?, ?, [?], 0.5, NULL, FALSE)",
                                [call_id, pos, pos + 1])
            cur.execute("INSERT INTO analysis_runs VALUES (?, now(), 'hand', 'none', 'v0', ?)", [call_id, len(turns)])
            complete(cur, [call_id])
    return store


def test_themes_new_questions_and_quiet_themes_of_a_made_up_ticker():
    found = question_themes(_store(), "acme")
    assert (found.ticker, found.latest_period) == ("ACME", "FY2025 Q1")
    assert len(found.questions) == 9  # "Thanks." is no question
    themes = found.themes
    assert themes[["label", "terms", "questions", "calls", "first_period", "last_period", "analysts",
                   "recurring"]].values.tolist() == [
        ["What are your gross margin trends?", "gross margin, margin trends", 3, 3, "FY2024 Q1", "FY2024 Q3",
         "Ann Analyst, Bo Analyst", True],
        ["How is China export demand?", "china export, export demand", 2, 2, "FY2024 Q3", "FY2025 Q1",
         "Di Analyst, Ed Analyst", True],
        ["Any update on inventory levels?", "inventory levels", 2, 1, "FY2024 Q1", "FY2024 Q1", "Cy Analyst", False]]
    assert themes[["answer_tone_first", "answer_tone_last"]].values.round(6).tolist()[0] == [0.1, 0.3]
    first = found.questions.iloc[0]
    assert (themes["label_call_id"][0], themes["label_pos"][0]) == (first["call_id"], first["pos"])
    assert found.new[["speaker", "question", "nearest_earlier"]].values.tolist() == [
        ["Fay Analyst", "Tell us about robotics?", 0.0]]
    assert found.quiet["label"].tolist() == ["What are your gross margin trends?"]
    margins = found.over_time(int(themes["theme"][0]))
    assert margins["questions"].tolist() == [1, 1, 1, 0, 0]
    assert margins["answer_tone"].round(6).tolist()[:3] == [0.1, 0.2, 0.3] and margins["answer_tone"][3:].isna().all()


def test_as_of_a_past_call_and_a_stricter_recurrence():
    store = _store()
    found = question_themes(store, "ACME", up_to=Period(2024, 3))
    assert found.latest_period == "FY2024 Q3" and len(found.questions) == 6
    assert found.new["question"].tolist() == ["How is China export demand?"]  # new then, asked again later
    assert found.quiet.empty  # the margin theme was asked in that call
    assert question_themes(store, "ACME", min_calls=4).themes["recurring"].tolist() == [False] * 3


def test_a_ticker_without_analysed_questions_gives_empty_tables(analysed_store):
    found = question_themes(analysed_store(), "ACME")  # analysed, but no sentence vectors
    assert found.latest_call_id is None and found.latest_period is None
    assert found.questions.empty and found.themes.empty and found.new.empty and found.quiet.empty
    assert question_themes(_store(), "ZZZ").themes.empty


def test_the_questions_page_on_a_made_up_ticker(tmp_path, monkeypatch):
    from apprunner import open_page

    _store(str(tmp_path / "calls.duckdb")).close()
    monkeypatch.setenv("EARNINGS_DATA_DIR", str(tmp_path))
    at = open_page("questions")
    themes, asked, new, quiet = (frame.value for frame in at.dataframe)
    assert themes["label"].tolist() == ["What are your gross margin trends?", "How is China export demand?"]
    assert themes["sentence"][0] == "reader?call=1&at=0"
    assert asked["question"].tolist() == [text for _, text, k in CALLS[0] + CALLS[1] + CALLS[2] if k == 0]
    assert new["question"].tolist() == ["Tell us about robotics?"] and new["sentence"][0] == "reader?call=5&at=2"
    assert quiet["label"].tolist() == ["What are your gross margin trends?"]


def test_the_questions_page_teaches_when_no_call_is_analysed(tmp_path, monkeypatch, analysed_store):
    from apprunner import open_page

    analysed_store(path=str(tmp_path / "calls.duckdb")).close()  # analysed, but without sentence vectors
    monkeypatch.setenv("EARNINGS_DATA_DIR", str(tmp_path))
    shown = "\n".join(str(e.value) for kind in ("markdown", "info") for e in getattr(open_page("questions"), kind))
    assert "No analysed analyst questions of ACME yet" in shown and "press **Analyse now**" in shown


# -- the real corpus slice: 8 NVDA and 4 AMD calls (tests/conftest.py) ----------------------------------------------
@pytest.fixture(scope="module")
def corpus(corpus_data_dir):
    """(ticker -> QuestionThemes, (call_id, turn_idx) -> the question turn's stored text) of the corpus slice."""
    from core.storage.store import Store

    with Store(corpus_data_dir / "calls.duckdb") as store, store.cursor() as cur:
        texts = {(call, turn): text for call, turn, text in cur.execute(
            "SELECT call_id, idx, lower(text) FROM turns WHERE kind = 'analyst'").fetchall()}
    with Store(corpus_data_dir / "calls.duckdb") as store:
        found = {ticker: question_themes(store, ticker) for ticker in ("NVDA", "AMD")}
        found["NVDA as of FY2025 Q2"] = question_themes(store, "NVDA", up_to=Period(2025, 2))
    return found, texts


@pytest.mark.slow
@pytest.mark.parametrize("ticker, word, questions, calls, first, last", [
    ("NVDA", "inference", 5, 4, "FY2024 Q1", "FY2025 Q3"),
    ("NVDA", "competition", 3, 3, "FY2023 Q4", "FY2025 Q1"),
    ("NVDA", "china", 2, 2, "FY2024 Q3", "FY2024 Q4"),
    ("AMD", "gross margin", 4, 4, "FY2023 Q4", "FY2024 Q3"),  # asked in every one of the four AMD calls
])
def test_a_topic_analysts_keep_asking_is_one_recurring_theme(corpus, ticker, word, questions, calls, first, last):
    """The one theme whose every question names the topic (read from the stored turns), and its key terms name it."""
    found, texts = corpus
    asked = found[ticker].questions
    holding = [theme for theme in found[ticker].themes.itertuples() if all(
        word in texts[(q.call_id, q.turn_idx)] for q in asked[asked["theme"] == theme.theme].itertuples())]
    assert [(t.questions, t.calls, t.first_period, t.last_period, t.recurring) for t in holding] == [
        (questions, calls, first, last, True)]
    assert word in holding[0].terms.split(", ")


@pytest.mark.slow
def test_nvda_themes_new_questions_and_quiet_themes(corpus):
    found, texts = corpus
    nvda = found["NVDA"]
    assert (len(nvda.questions), len(nvda.themes), int(nvda.themes["recurring"].sum())) == (75, 16, 15)
    top = nvda.themes.iloc[0]  # most calls: the data-center demand and visibility questions
    assert (top["questions"], top["calls"], top["first_period"], top["last_period"]) == (11, 5, "FY2024 Q2",
                                                                                          "FY2025 Q2")
    assert "data center" in top["terms"].split(", ")
    assert nvda.latest_period == "FY2025 Q3" and nvda.new.empty  # each of its ten questions was asked before
    assert nvda.questions[nvda.questions["call_id"] == nvda.latest_call_id]["nearest_earlier"].min() >= 0.6
    assert nvda.quiet[["calls", "last_period"]].values.tolist() == [[5, "FY2025 Q2"], [2, "FY2024 Q4"],
                                                                     [2, "FY2025 Q2"]]
    assert "china" in nvda.quiet["terms"][1]
    before = found["NVDA as of FY2025 Q2"]
    assert before.latest_period == "FY2025 Q2"
    assert before.new["speaker"].tolist() == ["Vivek Arya", "Ben Reitzes", "C.J. Muse", "Aaron Rakers"]
    assert (before.new["nearest_earlier"] < 0.6).all()
    every = nvda.questions.set_index(["call_id", "turn_idx"])
    assert all(every.loc[(q.call_id, q.turn_idx), "fiscal_period"] == "FY2025 Q2" for q in before.new.itertuples())


@pytest.mark.slow
def test_the_questions_command_prints_json_and_csv(corpus_data_dir, monkeypatch, capsys):
    from core.cli import main

    monkeypatch.setenv("EARNINGS_DATA_DIR", str(corpus_data_dir))
    assert main(["questions", "AMD", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["ticker"], shown["latest_period"]) == ("AMD", "FY2024 Q3")
    assert len(shown["themes"]) == 16 and len(shown["new_questions"]) == 5 and len(shown["quiet_themes"]) == 6
    first = shown["themes"][0]
    assert set(first) == {"theme", "label", "terms", "questions", "calls", "first_period", "last_period", "analysts"}
    assert (first["questions"], first["calls"], first["first_period"]) == (4, 4, "FY2023 Q4")
    assert main(["questions", "AMD", "--csv", "--min-calls", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "label,terms,questions,calls,first_period,last_period,analysts" and len(lines) == 1 + 4
    assert main(["questions", "NVDA", "--up-to", "2025Q2"]) == 0
    assert "New questions in FY2025 Q2: 4" in capsys.readouterr().out
    assert main(["questions", "ZZZZ"]) == 1  # an unknown ticker: a clear error, not an empty table


@pytest.mark.slow
def test_the_questions_page_links_every_theme_and_question_to_the_reader(corpus_data_dir, monkeypatch):
    from apprunner import open_page

    monkeypatch.setenv("EARNINGS_DATA_DIR", str(corpus_data_dir))
    at = open_page("questions", params={"questions-ticker": "NVDA"})
    themes, asked = at.dataframe[0].value, at.dataframe[1].value
    assert len(themes) == 15 and themes["calls"].tolist()[:2] == [5, 4]
    assert all(link.startswith("reader?call=") and "&at=" in link for link in themes["sentence"])
    assert len(asked) == 11 and set(asked["fiscal_period"]) == {"FY2024 Q2", "FY2024 Q3", "FY2024 Q4", "FY2025 Q1",
                                                                "FY2025 Q2"}
    assert "Questions" in at.get("plotly_chart")[0].proto.spec
    shown = "\n".join(str(e.value) for kind in ("markdown", "info") for e in getattr(at, kind))
    assert "New in FY2025 Q3 · 0" in shown and "Quiet in FY2025 Q3 · 3" in shown
    assert len(at.get("download_button")) == 3  # themes, the theme's questions, quiet themes
