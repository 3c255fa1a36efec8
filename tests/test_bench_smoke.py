"""Each benchmark of `make bench` at a tiny size: the code runs end to end and its numbers are sane."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import missing_prerequisite, require_shared

from scripts.bench import dashboard, ingest, memory, search, trends
from scripts.bench.report import markers, write_section
from scripts.bench.scales import SCALES
from scripts.bench.synthetic_calls import generate

TINY = SCALES["tiny"]
pytestmark = pytest.mark.slow


def test_write_section_appends_then_replaces_in_place(tmp_path):
    path = tmp_path / "BENCHMARKS.md"
    path.write_text("# Benchmarks\n\nintro\n", encoding="utf-8")
    write_section(path, "a", "## A\n\n1")
    write_section(path, "b", "## B\n\n2")
    write_section(path, "a", "## A\n\n3")
    assert path.read_text(encoding="utf-8") == (
        "# Benchmarks\n\nintro\n\n<!-- bench-a -->\n## A\n\n3\n<!-- /bench-a -->\n\n"
        "<!-- bench-b -->\n## B\n\n2\n<!-- /bench-b -->\n")
    assert markers("search") == ("<!-- bench-search -->", "<!-- /bench-search -->")


def test_synthetic_calls_are_complete_analysed_calls():
    from core.queries import views
    from core.storage.store import Store

    with Store(":memory:") as store:
        sentences = generate(store, calls=6, sentences_per_call=40, quarters=4)
        with store.cursor() as cur:
            per_ticker = cur.execute("SELECT ticker, count(*) FROM calls GROUP BY ALL ORDER BY 1").fetchall()
            stored = cur.execute("SELECT count(*) FROM sentences").fetchall()[0][0]
            runs = cur.execute("SELECT sum(sentences), count(*) FROM analysis_runs").fetchall()[0]
            sections = cur.execute("SELECT count(DISTINCT call_id) FROM turns WHERE section = 'qa'").fetchall()[0][0]
        measures = views.call_measures(store, scope=views.Scope())
    assert per_ticker == [("S00", 4), ("S01", 2)]
    assert stored == sentences == runs[0] and runs[1] == 6
    assert sections == 6
    assert len(measures) == 6 and measures["net_tone_prepared"].notna().all() and measures["net_tone_qa"].notna().all()


def test_search_benchmark_recall_is_measured_against_exact_search(tmp_path):
    rows, facts = search.scale_rows(3_000, n_queries=4, workdir=tmp_path, ann_min_rows=1_000)
    assert facts["ann"] and facts["rows"] == 3_000
    flat = rows[0]
    assert flat[1] == "vector, no index (flat)" and flat[-1] == "1.000"  # lance's flat search is exact
    recalls = [float(r[-1]) for r in rows if r[-1] != "–"]
    assert len(recalls) == 6 and min(recalls) >= 0.8, rows
    assert {r[1] for r in rows} == {"vector, no index (flat)", "vector (ANN)", "fts", "hybrid (query embedded)"}


def test_trends_benchmark_times_every_query(tmp_path):
    text = trends.section(TINY, tmp_path)
    for name in trends.queries():
        assert re.search(re.escape(f"| {name} | ") + r"\d+ / \d+ \|", text), name
    assert "6 calls = " in text and not list(tmp_path.glob("*.duckdb"))


@pytest.fixture(scope="module")
def tiny_corpus(tmp_path_factory) -> Path:
    require_shared(ingest.CORPUS)
    workdir = tmp_path_factory.mktemp("bench")
    result = ingest.run(TINY, workdir)
    (run,) = result.runs
    assert run.facts["calls"] == 1 and run.facts["sentences"] > 100
    assert 0 < run.facts["encode_rate"] and 0 < run.facts["import_s"] < run.facts["analyse_s"]
    assert 0 < result.profile["model_s"] < result.profile["total_s"]
    text = ingest.section(result)
    assert "| NVDA ×1 | 1 | " in text and "% of total" in text
    assert result.memory.facts["calls"] == 1 and result.memory.facts["peak_rss_kib"] > 100_000
    assert "| ingest subprocess alone: INTC ×1 | 1 calls, " in memory.section(result, None)
    return result.data_dir


def test_search_quality_on_real_vectors(tiny_corpus, tmp_path):
    rows, facts = search.real_rows(tiny_corpus, n_queries=8, workdir=tmp_path)
    assert [r[2].split(" (")[0] for r in rows] == ["none", "ticker NVDA + section qa", "last 8 quarters"]
    assert all(0.8 <= float(r[-1]) <= 1.0 for r in rows), rows
    assert facts["found_in_top10"]["fts"] == 1.0  # an exact quote is always found by its own words


def test_dashboard_benchmark_renders_pages_in_the_browser(tiny_corpus, tmp_path):
    if not Path(dashboard.CHROMIUM).is_file():
        missing_prerequisite(f"{dashboard.CHROMIUM} is absent (apt-get install chromium)")
    text, memory = dashboard.section(TINY, tmp_path, tiny_corpus)
    for page in TINY.pages:
        assert re.search(rf"\| {page} \| \d+\.\d\d \| \**\d+\.\d\d\** \| \**\d+\.\d\d\** \| \d+ \|", text), page
    assert all(mem["hwm"] >= mem["idle_rss"] > 0 for mem, _ in memory.values())
