"""Synthetic analysed calls written straight into a DuckDB store with SQL (no parsing, no model): realistic sizes
for the trend-query and dashboard benchmarks. What the analysis derives from the sentences (speaker groups, the
measure registry's facts, the per-call aggregates) is written by the product's own code (core.analysis.aggregates)."""
from __future__ import annotations

import math

from core.analysis.aggregates import complete
from core.analysis.topics import load_taxonomy
from core.storage.store import Store

WORDS = (
    "revenue growth margin gross operating guidance outlook demand supply capacity pricing competition customers "
    "data center gaming automotive networking software platform inference training GPU systems cloud enterprise "
    "quarter year sequential record strong weak expect expected increase decrease decline higher lower inventory "
    "shipments product products launch ramp production constraints export controls regulation macro environment "
    "China buyback dividend cash flow expenses investment investments partners ecosystem AI models workloads "
    "Blackwell Hopper architecture we our the a of to in and for with on as is are was were will continue "
    "believe think see very good great challenging uncertain approximately billion million percent"
).split()
SENTENCES_PER_TURN = 12
PREPARED_SHARE = 0.4
QUARTERS = 60  # per ticker: consecutive fiscal quarters from FY2010 Q1


def generate(store: Store, *, calls: int, sentences_per_call: int, quarters: int = QUARTERS,
             prefix: str = "S") -> int:
    """Write `calls` analysed calls (tickers of `quarters` consecutive quarters each); returns the sentences."""
    topics = list(load_taxonomy().keys)
    tickers = math.ceil(calls / quarters)
    width = max(2, len(str(tickers - 1)))
    with store.transaction() as cur:
        cur.execute("""
            CREATE TEMP TABLE gen AS
            SELECT i AS call_id, ? || lpad(((i - 1) // ?)::VARCHAR, ?, '0') AS ticker,
                   2010 * 4 + (i - 1) % ? AS ordinal,
                   greatest(20, round(? * (0.7 + 0.6 * (hash(i, 'n') % 1000) / 1000.0)))::INTEGER AS n
            FROM range(1, ? + 1) t(i)""", [prefix, quarters, width, quarters, sentences_per_call, calls])
        cur.execute("""
            INSERT INTO documents
            SELECT 'synthetic-' || call_id, 'file', 'synthetic://' || call_id, encode('synthetic'), now()::TIMESTAMP,
                   NULL, ticker, ordinal // 4, ordinal % 4 + 1, 1, NULL FROM gen""")
        cur.execute("""
            INSERT INTO calls
            SELECT call_id, ticker, ordinal // 4, ordinal % 4 + 1, ticker || ' Corp',
                   DATE '2009-05-15' + INTERVAL (91 * (ordinal - 2010 * 4)) DAY, '17:00',
                   'Q' || (ordinal % 4 + 1) || ' ' || (ordinal // 4) || ' ' || ticker || ' Earnings Call', 'file',
                   'synthetic://' || call_id, 'synthetic-' || call_id, 1, now()::TIMESTAMP FROM gen""")
        cur.execute(f"""
            CREATE TEMP TABLE gen_sentences AS
            SELECT call_id, pos, pos // {SENTENCES_PER_TURN} AS turn_idx, pos % {SENTENCES_PER_TURN} AS sent_idx,
                   CASE WHEN (pos // {SENTENCES_PER_TURN}) * {SENTENCES_PER_TURN} < {PREPARED_SHARE} * n
                        THEN 'prepared' ELSE 'qa' END AS section,
                   array_to_string(list_transform(range(6 + (hash(call_id, pos, 'w') % 26)::BIGINT),
                       lambda k: words[1 + (hash(call_id, pos, k) % len(words))::INTEGER]), ' ') || '.' AS text,
                   (hash(call_id, pos, 'tone') % 100)::INTEGER AS tone,
                   (hash(call_id, pos, 'topic') % 1000)::INTEGER AS pick
            FROM (SELECT call_id, n, unnest(range(n)) AS pos FROM gen), (SELECT $words::VARCHAR[] AS words)""",
                    {"words": WORDS})
        cur.execute("""
            INSERT INTO turns (call_id, idx, speaker, role, firm, kind, section, type, text)
            SELECT call_id, turn_idx,
                   CASE role WHEN 'Operator' THEN 'Operator' WHEN 'Analyst' THEN 'Analyst ' || (turn_idx % 9)
                        ELSE role || ' Person' END, role, 'Firm', kind, section,
                   CASE WHEN section = 'prepared' THEN (CASE WHEN kind = 'operator' THEN 'operator'
                        ELSE 'presentation' END) WHEN kind = 'analyst' THEN 'question' ELSE 'answer' END,
                   text
            FROM (SELECT call_id, turn_idx, any_value(section) AS section,
                         string_agg(text, ' ' ORDER BY sent_idx) AS text,
                         CASE WHEN turn_idx = 0 THEN 'Operator'
                              WHEN any_value(section) = 'qa' AND turn_idx % 2 = 0 THEN 'Analyst'
                              WHEN turn_idx % 3 = 1 THEN 'Chief Executive Officer'
                              WHEN turn_idx % 3 = 2 THEN 'Chief Financial Officer'
                              ELSE 'Vice President, Investor Relations' END AS role,
                         CASE role WHEN 'Operator' THEN 'operator' WHEN 'Analyst' THEN 'analyst'
                              ELSE 'executive' END AS kind
                  FROM gen_sentences GROUP BY call_id, turn_idx)""")
        cur.execute("""
            INSERT INTO sentences (call_id, pos, turn_idx, sent_idx, text, word_count, sentiment_label,
                                   sentiment_score, sentiment_model, lm_positive, lm_negative, lm_uncertainty,
                                   lm_litigious, lm_constraining, forward_looking, topic)
            SELECT call_id, pos, turn_idx, sent_idx, text, len(string_split(text, ' ')),
                   CASE WHEN tone < 18 THEN 'negative' WHEN tone < 63 THEN 'neutral' ELSE 'positive' END,
                   CASE WHEN tone < 18 THEN -0.3 - tone / 30.0 WHEN tone < 63 THEN (tone - 40) / 100.0
                        ELSE 0.3 + (tone - 63) / 60.0 END,
                   'synthetic', tone % 3, tone % 2, (tone // 7) % 2, 0, (tone // 11) % 2, tone % 10 = 0,
                   CASE WHEN pick < 450 THEN topics[1 + pick % len(topics)] END
            FROM gen_sentences, (SELECT $topics::VARCHAR[] AS topics)""", {"topics": topics})
        cur.execute("""
            INSERT INTO sentence_topics
            SELECT call_id, pos, topic, 0.5 + (pick % 40) / 100.0 FROM sentences s
                JOIN gen_sentences g USING (call_id, pos) WHERE topic IS NOT NULL
            UNION ALL
            SELECT call_id, pos, topics[1 + (pick // 7) % len(topics)], 0.45
            FROM gen_sentences, (SELECT $topics::VARCHAR[] AS topics)
            WHERE pick < 90 AND topics[1 + (pick // 7) % len(topics)]
                                 != topics[1 + pick % len(topics)]""", {"topics": topics})
        cur.execute("""
            INSERT INTO qa_exchanges
            SELECT t.call_id, t.idx, [t.idx + 1], (hash(t.call_id, t.idx) % 100) / 100.0, NULL,
                   hash(t.call_id, t.idx) % 100 < 8
            FROM turns t JOIN gen USING (call_id) WHERE t.kind = 'analyst'""")
        cur.execute("""
            INSERT INTO analysis_runs
            SELECT call_id, now()::TIMESTAMP, 'synthetic', 'all-MiniLM-L6-v2', 'synthetic', n FROM gen""")
        complete(cur, [row[0] for row in cur.execute("SELECT call_id FROM gen").fetchall()])
        total = cur.execute("SELECT count(*) FROM gen_sentences").fetchall()[0][0]
        cur.execute("DROP TABLE gen_sentences")
        cur.execute("DROP TABLE gen")
    return int(total)
