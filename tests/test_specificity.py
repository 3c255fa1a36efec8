"""Specificity: which sentences state a number (core/analysis/specificity.py)."""
from __future__ import annotations

import pytest

from core.analysis.specificity import states_number


@pytest.mark.parametrize("text", [
    "Revenue was $2.3 billion, up 15% from a year ago.",
    "Gross margin was 75.1%.",
    "We now have 1,200 customers.",
    "We shipped 3 new systems.",
    "Data center revenue grew fifteen percent sequentially.",
    "That is roughly two billion dollars of backlog.",
    "We expect a hundred million in savings.",
    "Opex rose three point five million dollars.",
    "Margins expanded 50 basis points.",
    "Inference demand is up 10x.",
    "Revenue was $0.5 billion.",
    "We bought back €200 million of stock.",
    "The tax rate was .5 percent higher.",
    "Guidance is 10-12% growth.",
    "We returned $2024 to each holder.",
    "1. Revenue grew 12% in the quarter.",  # the item's number does not count, its 12% does
    "Q3 revenue was 30 billion.",
    "About 40 of them were new.",
    "Tegra products shipped in 14 phones and in 18 of the top 20 carriers.",
    "The GTX 460 sells for $229.",
])
def test_sentences_that_state_a_number(text: str) -> None:
    assert states_number(text)


@pytest.mark.parametrize("text", [
    "Demand remains strong.",
    "In fiscal 2025 we expect continued growth.",
    "We said so in 2019 and again in 2024.",
    "Our Q3 results were strong.",
    "The H100 and GB200 ramps continue.",
    "5G and COVID-19 changed the market.",
    "See our 10-K for details.",
    "This is our 4th quarter of growth.",
    "Our priorities: 1. Growth. 2) Margins.",
    "The call is on January 28, 2025.",
    "We report on 28 Jan.",
    "The event is on 2025-01-28 at 10:30.",
    "Join us on 1/28/2025 at 5 p.m. Eastern.",
    "One of our customers asked about it.",
    "Growth was in the mid-single digits.",
    "We make a point of it.",
    "Back in the 1990s things were different.",
    "Fiscal '24 was a record.",
    "In July we launched the GTX 460 and Tegra 3.",
])
def test_sentences_that_state_none(text: str) -> None:
    assert not states_number(text)
