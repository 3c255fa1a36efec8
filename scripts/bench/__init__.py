"""`make bench`: ingest, search, trend-query, dashboard and memory benchmarks written into BENCHMARKS.md."""
