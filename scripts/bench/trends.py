"""Trend-query benchmark: the dashboard's heaviest DuckDB queries over synthetic analysed calls of realistic size,
at growing numbers of calls."""
from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

from .report import machine_facts, table
from .scales import Scale
from .synthetic_calls import QUARTERS, generate


def queries() -> dict[str, Callable]:
    """Name -> query(store, tickers) of what the pages (and the `trends` command) run."""
    from core.queries import compare, export, reader, rollups, views
    from core.queries.views import Scope

    every = Scope()
    return {
        "sidebar: `stored_tickers` + `stored_periods`": lambda s, t: (views.stored_tickers(s), views.stored_periods(s)),
        "Overview: `overview` (all tickers)": lambda s, t: views.overview(s, scope=every),
        "Overview: `topic_movers` (all tickers)": lambda s, t: views.topic_movers(s, scope=every),
        "Trends: `tone_series` (all tickers)": lambda s, t: views.tone_series(s, scope=every),
        "Trends: `tone_series` (3 tickers)": lambda s, t: views.tone_series(s, scope=Scope(tickers=t[:3])),
        "Trends: `call_measures` (all tickers)": lambda s, t: views.call_measures(s, scope=every),
        # the Topics page asks one ticker's shares (all tickers' would be 380,000 rows at 20,000 calls)
        "Topics: `topic_shares` (1 ticker: what the page asks)": lambda s, t: views.topic_shares(
            s, scope=Scope(tickers=t[:1])),
        "Reader: `call_sentences` (one call)": lambda s, t: reader.call_sentences(s, 1),
        "Compare: `phrase_changes` (two calls)": lambda s, t: compare.phrase_changes(s, a=1, b=2),
        "Data: `stored_calls`": lambda s, t: views.stored_calls(s),
        "Data: `sentence_export` (1 ticker)": lambda s, t: export.sentence_export(s, scope=Scope(tickers=t[:1])),
        "CLI trends: `rollups.trends` (1 ticker)": lambda s, t: rollups.trends(s, ticker=t[0]),
        "`rollups.rollup(by='topic')` (1 ticker)": lambda s, t: rollups.rollup(s, ticker=t[0], by="topic"),
    }


def measure(path: Path, *, calls: int, sentences_per_call: int, repeats: int) -> dict:
    """Generate `calls` synthetic calls into a fresh DuckDB file, then time each query: first run and warm median."""
    from core.storage.store import Store

    path.unlink(missing_ok=True)
    with Store(path) as store:
        started = time.perf_counter()
        sentences = generate(store, calls=calls, sentences_per_call=sentences_per_call)
        generated = time.perf_counter() - started
    size = path.stat().st_size / 2**20
    timings = {}
    with Store(path) as store:  # reopened: the first query reads from the file, as the app's first page does
        tickers = tuple(store.calls()[i]["ticker"] for i in (0, QUARTERS, 2 * QUARTERS) if i < calls) or ("S00",)
        for name, query in queries().items():
            runs = []
            for _ in range(1 + repeats):
                started = time.perf_counter()
                query(store, tickers)
                runs.append(time.perf_counter() - started)
            timings[name] = (runs[0], statistics.median(runs[1:]) if repeats else runs[0])
    path.unlink(missing_ok=True)
    return {"calls": calls, "sentences": sentences, "generate_s": generated, "mb": size, "timings": timings}


def section(scale: Scale, workdir: Path) -> str:
    """Run the trend-query benchmark at the scale's sizes and return its markdown."""
    machine = machine_facts()
    results = [measure(workdir / f"trends-{n}.duckdb", calls=n, sentences_per_call=scale.sentences_per_call,
                       repeats=scale.trend_repeats) for n in scale.trend_sizes]
    headers = ["query", *[f"{r['calls']:,} calls: first / warm ms" for r in results]]
    rows = [[name, *[f"{r['timings'][name][0] * 1000:.0f} / {r['timings'][name][1] * 1000:.0f}" for r in results]]
            for name in results[0]["timings"]]
    sizes = "; ".join(f"{r['calls']:,} calls = {r['sentences']:,} sentences, generated in {r['generate_s']:.0f} s, "
                      f"{r['mb']:.0f} MB" for r in results)
    growth = ""
    if len(results) > 1:
        a, b = results[0], results[-1]
        ratio = {name: b["timings"][name][1] / max(a["timings"][name][1], 1e-9) for name in a["timings"]}
        worst = max(ratio, key=ratio.get)
        growth = (f"From {a['calls']:,} to {b['calls']:,} calls ({b['calls'] / a['calls']:.0f}× the data) the warm "
                  f"time grows by {min(ratio.values()):.1f}× – {max(ratio.values()):.1f}× (most: {worst}).")
    return "\n".join([
        "## Trend queries: the dashboard's heaviest queries as calls grow",
        "",
        machine,
        "",
        f"Synthetic analysed calls written straight into a DuckDB file with SQL (scripts/bench/synthetic_calls.py): "
        f"tickers of {QUARTERS} consecutive quarters, ~{scale.sentences_per_call} sentences per call (±30%) of 6–31 "
        "words in turns of 12 sentences (40% prepared remarks; CEO, CFO, IR, analysts, operator), labels, LM "
        "counts, FLS flags, topics (45% of sentences, some two), Q&A exchanges and an analysis run per call; speaker "
        "groups, the registry's other facts and the per-call aggregate tables (which the all-ticker "
        "queries read) by the product's own code (core/analysis/aggregates.py). "
        "No sentence vectors, so the phrase trend (which scans them) is not covered here. First = the first run "
        f"after opening the file; warm = median of {scale.trend_repeats} further runs (the app caches results, so "
        "a page pays the first-run time once per filter change).",
        "",
        f"Sizes: {sizes}.",
        "",
        table(headers, rows),
        "",
        growth,
    ])
