"""Search filters rendered as SQL from validated values, and `python -m core search`."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from vector_corpus import corpus_rows, keys_where

from core.embedding import load_encoder
from core.errors import ConfigError
from core.model import Period
from core.storage.search import Filters
from core.storage.vectors import VectorIndex

ROOT = Path(__file__).resolve().parents[1]


def test_no_filters_is_no_predicate():
    assert Filters.build().where() is None


def test_every_filter_becomes_one_conjunct():
    filters = Filters.build(tickers=["nvda", " amd "], period_from=Period(2023, 1), period_to=Period(2024, 4),
                            sections=["qa"], speaker_groups=["ceo", "cfo"], topics=["data_center"])
    assert filters.where() == (
        "ticker IN ('NVDA', 'AMD') AND section IN ('qa') AND speaker_group IN ('ceo', 'cfo') "
        "AND topic IN ('data_center') AND ordinal >= 8092 AND ordinal <= 8099")


def test_tickers_with_dot_and_dash_are_literals():
    assert Filters.build(tickers=["brk.b", "BF-B"]).where() == "ticker IN ('BRK.B', 'BF-B')"


@pytest.mark.parametrize("options, message", [
    (dict(tickers=["NV DA"]), "not a valid ticker: 'NV DA'"),
    (dict(tickers=[""]), "not a valid ticker: ''"),
    (dict(sections=["Q&A"]), "not a valid section: 'Q&A'"),
    (dict(speaker_groups=["Analyst"]), "not a valid speaker group: 'Analyst'"),
    (dict(topics=["a" * 42]), "not a valid topic"),
    (dict(topics=["Data center"]), "not a valid topic: 'Data center'"),
    (dict(topics=["ai' OR topic IS NOT NULL OR topic IN ('ai"]), "not a valid topic"),
    (dict(topics=["x\nOR 1"]), "not a valid topic"),
    (dict(topics=[7]), "not a valid topic: 7"),
])
def test_invalid_values_are_refused(options, message):
    with pytest.raises(ConfigError, match=message):
        Filters.build(**options)


# -- the command line ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    """A data directory whose vector table holds the invented three-call corpus."""
    directory = tmp_path_factory.mktemp("data")
    VectorIndex(directory / "vectors.lance").write_calls(corpus_rows(load_encoder().encode))
    return directory


def search(*args: str, data_dir: Path) -> subprocess.CompletedProcess:
    env = {"EARNINGS_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "core", "search", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_cli_json_lists_hit_dicts_best_first(data_dir):
    result = search("Supply of advanced packaging will remain tight", "-k", "3", "--json", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert len(hits) == 3
    assert hits[0] == {
        "call_id": 1, "pos": 9, "ticker": "ACME", "fiscal_year": 2024, "fiscal_quarter": 1, "section": "qa",
        "speaker_group": "cfo", "topic": "supply",
        "text": "Supply of advanced packaging will remain tight through the end of the year.",
        "score": hits[0]["score"]}
    assert hits[0]["score"] >= hits[1]["score"] >= hits[2]["score"]


def test_cli_filters_narrow_the_hits(data_dir):
    result = search("results", "--mode", "vector", "-k", "50", "--ticker", "bolt", "--ticker", "CRUX",
                    "--from", "2024Q3", "--to", "FY2025 Q1", "--section", "qa", "--speaker-group", "ceo", "--json",
                    data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    found = {(hit["call_id"], hit["pos"]) for hit in json.loads(result.stdout)}
    assert found == keys_where(lambda r: r["ticker"] in ("BOLT", "CRUX") and r["section"] == "qa"
                               and r["speaker_group"] == "ceo") == {(2, 7), (3, 7), (3, 9)}


def test_cli_fts_table_output(data_dir):
    result = search("lithium", "--mode", "fts", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["score", "ticker", "period", "section", "speaker", "sentence"]
    assert len(lines) == 3 and "BOLT" in lines[2] and "Lithium costs declined sharply" in lines[2]


@pytest.mark.parametrize("args, message", [
    (("   ", "--mode", "fts"), "error: empty search query"),
    (("x", "--mode", "fts", "-k", "0"), "error: k must be between 1 and 1000"),
    (("x", "--mode", "fts", "--topic", "a=b"), "error: not a valid topic: 'a=b'"),
    (("x", "--from", "2025Q1", "--to", "2024Q1", "--mode", "fts"), "error: empty period range"),
])
def test_cli_errors_are_one_line(data_dir, args, message):
    result = search(*args, data_dir=data_dir)
    assert result.returncode == 1
    assert result.stderr.strip().startswith(message) and len(result.stderr.strip().splitlines()) == 1


def test_cli_rejects_bad_ticker_and_section_before_searching(data_dir):
    for args, message in ((("x", "--ticker", "A' OR 1=1"), "argument --ticker: not a ticker symbol"),
                          (("x", "--section", "intro"), "argument --section: invalid choice: 'intro'")):
        result = search(*args, data_dir=data_dir)
        assert result.returncode == 2
        assert message in result.stderr
