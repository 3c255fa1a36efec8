"""Earnings-call analyzer core: sources, parsers, store, vectors, analysis, export, CLI."""
