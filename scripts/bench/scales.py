"""The sizes each benchmark runs at: `tiny` (smoke test), `default` (`make bench`, CI) and `full` (SCALE=full)."""
from __future__ import annotations

from dataclasses import dataclass

ALL_PAGES = ("overview", "trends", "topics", "search", "reader", "compare", "data")


@dataclass(frozen=True)
class Scale:
    """Sizes of one benchmark run."""

    name: str
    ingest_runs: tuple[tuple[tuple[str, int], ...], ...]  # per ingest subprocess: (ticker, latest n calls)…
    profile_calls: int                     # calls of the separate cProfile run
    search_sizes: tuple[int, ...]          # synthetic vectors
    search_queries: int                    # queries per search configuration
    search_ann_min_rows: int | None        # None: the product's threshold (core.storage.vectors.ANN_MIN_ROWS)
    trend_sizes: tuple[int, ...]           # synthetic analysed calls
    sentences_per_call: int
    trend_repeats: int                     # warm runs per query after the first
    grid: tuple[int, int]                  # (tickers, quarters) of the synthetic dashboard data dir
    pages: tuple[str, ...] = ALL_PAGES
    memory_ingest: tuple[tuple[str, int], ...] = ()  # a larger ingest timed alone, for its peak RSS


SCALES = {
    "tiny": Scale("tiny", ((("NVDA", 1),),), profile_calls=1, search_sizes=(3_000,), search_queries=4,
                  search_ann_min_rows=1_000, trend_sizes=(6,), sentences_per_call=40, trend_repeats=1, grid=(2, 4),
                  pages=("overview", "trends"), memory_ingest=(("INTC", 1),)),
    "default": Scale("default", ((("NVDA", 8), ("AMD", 4), ("INTC", 4)),), profile_calls=4,
                     search_sizes=(100_000,), search_queries=200, search_ann_min_rows=None, trend_sizes=(1_000,),
                     sentences_per_call=500, trend_repeats=3, grid=(3, 60), memory_ingest=(("NVDA", 60),)),
    "full": Scale("full", ((("NVDA", 60),), (("AMD", 60), ("INTC", 60))), profile_calls=8,
                  search_sizes=(100_000, 1_000_000), search_queries=200, search_ann_min_rows=None,
                  trend_sizes=(1_000, 10_000, 20_000), sentences_per_call=500, trend_repeats=3, grid=(3, 60)),
}
