"""The digest of a call against the previous one: the tone interval (made-up values), then NVDA's FY2025 Q3 call
against FY2025 Q2 from the analysed corpus, its phrases checked against the calls' own text, the command and the
page."""
from __future__ import annotations

import json
import re

import numpy as np
import pytest

from core.queries.digest import tone_change


def test_a_tone_change_has_a_bootstrap_interval_around_it():
    before = np.array([1.0] * 30 + [0.0] * 60 + [-1.0] * 10)  # net tone +0.2
    after = np.array([1.0] * 10 + [0.0] * 60 + [-1.0] * 30)   # net tone -0.2
    change, low, high = tone_change(before, after)
    assert change == pytest.approx(-0.4) and low < change < high < 0  # a clear fall: significant
    same, low, high = tone_change(before, before.copy())
    assert same == 0 and low < 0 < high  # no change: the interval straddles zero
    assert tone_change(before, after) == tone_change(before, after)  # a fixed seed: the same digest twice


@pytest.fixture(scope="module")
def nvda_digest(corpus_data_dir):
    from core.model import Period
    from core.queries.digest import digest
    from core.queries.reader import call_sentences
    from core.storage.store import Store

    with Store(corpus_data_dir / "calls.duckdb") as store:
        found = digest(store, "NVDA", Period(2025, 3))
        texts = {call: " ".join(call_sentences(store, call)["text"]).lower()
                 for call in (found.call_id, found.previous_call_id)}
        first = digest(store, "NVDA", Period(2023, 4))
        latest = digest(store, "NVDA")
    return found, texts, first, latest


@pytest.mark.slow
def test_the_digest_compares_a_call_with_the_previous_one(nvda_digest):
    found, texts, first, latest = nvda_digest
    assert (found.ticker, found.period, found.previous_period) == ("NVDA", "FY2025 Q3", "FY2025 Q2")
    assert latest.call_id == found.call_id  # the default is the latest analysed call
    assert first.previous_period is None and first.lines == ()  # the first call has nothing to compare
    kinds = {line.kind for line in found.lines}
    assert {"tone", "topic", "phrase"} <= kinds
    for line in found.lines:
        assert all(call in (found.call_id, found.previous_call_id) or line.kind == "question" for call, _ in line.refs)
    tone = [line for line in found.lines if line.kind == "tone"]
    groups = {line.numbers["group"] for line in tone}
    assert {"whole call", "section: prepared", "section: qa", "speakers: cfo", "speakers: analyst"} <= groups
    for line in tone:
        numbers = line.numbers
        assert numbers["low"] <= numbers["change"] <= numbers["high"]
        assert numbers["significant"] == (numbers["low"] > 0 or numbers["high"] < 0)
        assert numbers["change"] == pytest.approx(numbers["after"] - numbers["before"])


@pytest.mark.slow
def test_new_and_vanished_phrases_are_true_to_the_text(nvda_digest):
    found, texts, _, _ = nvda_digest
    phrases = [line.numbers for line in found.lines if line.kind == "phrase"]
    assert any(p["change"] == "new" for p in phrases) and any(p["change"] == "vanished" for p in phrases)
    for phrase in phrases:
        pattern = re.compile(r"\b" + r"[^a-z0-9.?!]+".join(map(re.escape, phrase["phrase"].split())) + r"\b")
        said_now = len(pattern.findall(texts[found.call_id]))
        said_before = len(pattern.findall(texts[found.previous_call_id]))
        if phrase["change"] == "new":
            assert said_before == 0 and said_now >= 1, phrase
        else:
            assert said_now == 0 and said_before >= 1, phrase
        assert phrase["calls_saying_it"] < 3  # boilerplate (said on at least half of the other 6 calls) is out


@pytest.mark.slow
def test_the_digest_command_prints_markdown_and_json(corpus_data_dir, monkeypatch, capsys):
    from core.cli import main

    monkeypatch.setenv("EARNINGS_DATA_DIR", str(corpus_data_dir))
    assert main(["digest", "NVDA", "--period", "2025Q3"]) == 0
    markdown = capsys.readouterr().out
    assert markdown.startswith("# NVDA FY2025 Q3 against FY2025 Q2\n") and "\n## Tone\n" in markdown
    assert main(["digest", "NVDA", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["period"] == "FY2025 Q3" and data["lines"]
    assert {"kind", "text", "refs", "numbers"} <= set(data["lines"][0])
    assert main(["digest", "NVDA", "--period", "1999Q1"]) == 1
    assert "no analysed call of NVDA for FY1999 Q1" in capsys.readouterr().err
    assert main(["digest", "ZZZZ"]) == 1


@pytest.mark.slow
def test_the_page_opens_from_overview_with_each_line_linked(corpus_data_dir, monkeypatch):
    from apprunner import open_page

    monkeypatch.setenv("EARNINGS_DATA_DIR", str(corpus_data_dir))
    overview = open_page("overview")
    assert any("What changed on NVDA's FY2025 Q3 call" in str(link.label) for link in overview.get("page_link"))
    at = open_page("digest", params={"digest-ticker": "NVDA", "digest-period": "FY2025 Q3"})
    shown = "\n".join(str(m.value) for m in at.markdown)
    assert "#### Tone" in shown and "#### Phrases" in shown
    assert len(at.get("page_link")) >= 5
    assert at.dataframe[0].value["kind"].iloc[0] == "tone"
