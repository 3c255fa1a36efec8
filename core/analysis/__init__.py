"""Analysing stored calls: sentences, tone, topics, cues, metrics, guidance, the measure registry; the analysis run
and repair."""
