"""Thirty invented earnings-call sentences over three calls, for the vector, search and repair tests."""
from __future__ import annotations

import numpy as np

# call_id -> (ticker, fiscal_year, fiscal_quarter, [(section, speaker_group, topic, text), ...])
CALLS: dict[int, tuple[str, int, int, list[tuple[str, str, str | None, str]]]] = {
    1: ("ACME", 2024, 1, [
        ("prepared", "operator", None, "Good afternoon and welcome to the Acme first quarter conference call."),
        ("prepared", "ceo", "revenue_growth", "Revenue grew 31 percent year over year to a record $4.2 billion."),
        ("prepared", "ceo", "data_center", "Our data center business doubled as cloud providers expanded."),
        ("prepared", "cfo", "margins", "Gross margin expanded to 64 percent on a favorable product mix."),
        ("prepared", "cfo", "capital_return", "We repurchased $800 million of stock and paid our quarterly dividend."),
        ("prepared", "cfo", "guidance", "For the second quarter we expect revenue of about $4.5 billion."),
        ("qa", "analyst", "competition", "How do you think about competitive pressure from custom accelerators?"),
        ("qa", "ceo", "competition", "Our software ecosystem keeps customers with us as rivals launch chips."),
        ("qa", "analyst", "supply", "Are you still constrained on advanced packaging capacity?"),
        ("qa", "cfo", "supply", "Supply of advanced packaging will remain tight through the end of the year."),
    ]),
    2: ("BOLT", 2024, 3, [
        ("prepared", "operator", None, "Thank you for standing by, and welcome to the Bolt Motors earnings call."),
        ("prepared", "ceo", "automotive", "Vehicle deliveries fell 8 percent as demand softened in Europe."),
        ("prepared", "ceo", "pricing", "We cut prices on our entry model to defend market share."),
        ("prepared", "cfo", "supply", "Lithium costs declined sharply, which helped our battery margins."),
        ("prepared", "cfo", "margins", "Operating margin contracted to 6 percent on lower selling prices."),
        ("prepared", "executive", "regulation", "New emissions rules in California will require compliance spending."),
        ("qa", "analyst", "guidance", "Can you give us any color on next year's production outlook?"),
        ("qa", "ceo", "guidance", "We will not give a number today, but we remain optimistic long term."),
        ("qa", "analyst", "macro", "How are higher interest rates affecting consumer financing?"),
        ("qa", "cfo", "macro", "Elevated interest rates made car loans more expensive and slowed orders."),
    ]),
    3: ("CRUX", 2025, 1, [
        ("prepared", "operator", None, "Ladies and gentlemen, the Crux Games quarterly call is about to begin."),
        ("prepared", "ceo", "gaming", "Our new console title sold five million copies in its first week."),
        ("prepared", "ceo", "gaming", "Player engagement hit an all-time high during the holiday season."),
        ("prepared", "cfo", "revenue_growth", "Net bookings rose 12 percent, driven by in-game purchases."),
        ("prepared", "cfo", "capital_return", "The board approved a new $2 billion share buyback program."),
        ("prepared", "other", None, "Please refer to our website for the reconciliation of non-GAAP measures."),
        ("qa", "analyst", "pricing", "Will you raise the price of your subscription service this year?"),
        ("qa", "ceo", "pricing", "We have no plans to change subscription pricing at the moment."),
        ("qa", "analyst", "ai", "Are you using generative AI to speed up game development?"),
        ("qa", "ceo", "ai", "Yes, AI tools already help our artists create levels faster."),
    ]),
}


def corpus_rows(encode) -> dict[int, list[dict]]:
    """Rows for VectorIndex.write_calls, embedded with encode(texts) -> (n, 384) array."""
    texts = [text for _, _, _, sentences in CALLS.values() for *_, text in sentences]
    vectors = iter(np.asarray(encode(texts), dtype=np.float32))
    return {
        call_id: [dict(call_id=call_id, pos=pos, ticker=ticker, fiscal_year=year, fiscal_quarter=quarter,
                       section=section, speaker_group=kind, topic=topic, text=text, vector=next(vectors))
                  for pos, (section, kind, topic, text) in enumerate(sentences)]
        for call_id, (ticker, year, quarter, sentences) in CALLS.items()
    }


def keys_where(predicate) -> set[tuple[int, int]]:
    """(call_id, pos) of every corpus sentence whose row dict satisfies predicate."""
    return {(call_id, pos)
            for call_id, (ticker, year, quarter, sentences) in CALLS.items()
            for pos, (section, kind, topic, text) in enumerate(sentences)
            if predicate(dict(ticker=ticker, fiscal_year=year, fiscal_quarter=quarter, section=section,
                              speaker_group=kind, topic=topic, text=text))}
