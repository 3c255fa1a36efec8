"""The aggregate tables and the derived sentence columns: written with the sentences, removed with the call, and built
in place for a database stored before they existed."""
from __future__ import annotations

import duckdb
import pytest

from core.analysis import aggregates
from core.analysis.cues import is_forward_looking
from core.analysis.measures import FACTS
from core.analysis.sentences import speaker_group
from core.queries import views
from core.storage.schema import MIGRATIONS
from core.storage.store import Store

ROLES = [("executive", "President, Chief Executive Officer"), ("executive", "Interim CFO"),
         ("executive", "CFO & CEO"), ("executive", "Investor Relations"), ("analyst", "Analyst"),
         ("analyst", "Former CEO"), ("operator", ""), ("other", ""), ("other", "chief financial officer"),
         ("other", "Chief  Executive"), ("executive", "CEOs Office"), ("executive", "Chief Executives Council"),
         ("executive", None)]
TEXTS = ["We will grow.", "Revenue rose 15% to $2.3 billion.", "Thank you.", "Next year we expect two billion."]


def _rows(store: Store, query: str) -> list[tuple]:
    with store.cursor() as cur:
        return cur.execute(query).fetchall()


def test_a_database_of_schema_6_gets_speaker_groups_and_aggregates_in_place(tmp_path):
    path = tmp_path / "v6.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    for version, migration in enumerate(MIGRATIONS[:6], start=1):
        con.execute(migration)
        con.execute("INSERT INTO schema_version VALUES (?)", [version])
    con.execute("INSERT INTO calls VALUES (1, 'ACME', 2025, 1, 'Acme', NULL, NULL, 't', 'file', 'x', 'd', 1, now())")
    for idx, (kind, role) in enumerate(ROLES):
        text = TEXTS[idx % len(TEXTS)]
        section = "qa" if idx % 2 else "prepared"
        con.execute("INSERT INTO turns (call_id, idx, speaker, role, kind, section, type, text) "
                    "VALUES (1, ?, 'X', ?, ?, ?, 'answer', 'We will grow.')", [idx, role, kind, section])
        con.execute("INSERT INTO sentences (call_id, pos, turn_idx, sent_idx, text, word_count, sentiment_label, "
                    "sentiment_score, lm_uncertainty, forward_looking) VALUES (1, ?, ?, 0, ?, 3, ?, 0.5, 1, ?)",
                    [idx, idx, text, "positive" if idx % 3 else "negative", is_forward_looking(text)])
    con.execute("INSERT INTO sentence_topics VALUES (1, 0, 'demand', 0.6), (1, 1, 'demand', 0.6)")
    con.execute("INSERT INTO analysis_runs VALUES (1, now(), 'm', 'e', 't', ?)", [len(ROLES)])
    con.close()
    with Store(path) as store:
        assert store.schema_version == len(MIGRATIONS)
        stored = _rows(store, "SELECT s.speaker_group FROM sentences s ORDER BY pos")
        assert [g for (g,) in stored] == [speaker_group(kind, role) for kind, role in ROLES]
        for fact in FACTS:  # every fact of the registry, computed by its own rule for the stored sentences
            stored = _rows(store, f"SELECT s.{fact.column} FROM sentences s ORDER BY pos")
            assert [v for (v,) in stored] == [fact.compute(TEXTS[i % len(TEXTS)]) for i in range(len(ROLES))]
        assert _rows(store, "SELECT sum(sentences), sum(positive), sum(words) FROM call_aggregates") == [(13, 8, 39)]
        assert _rows(store, "SELECT topic, sum(sentences) FROM call_topic_aggregates GROUP BY ALL") == [("demand", 2)]
        measures = views.call_measures(store, scope=views.Scope())
    assert measures[["sentences", "net_tone", "uncertainty_per_1000", "fls_share"]].values.tolist() == [
        [13, 3 / 13, 1000 / 3, 7 / 13]]


def test_aggregates_go_with_their_call(analysed_store):
    store = analysed_store()
    tables = list(aggregates.TABLES)
    before = [_rows(store, f"SELECT * FROM {table} ORDER BY ALL") for table in tables]
    with store.transaction() as cur:
        aggregates.write_calls(cur, [1])  # idempotent, and only that call's rows
    assert [_rows(store, f"SELECT * FROM {table} ORDER BY ALL") for table in tables] == before
    assert [_rows(store, f"SELECT DISTINCT call_id FROM {t} ORDER BY 1") for t in tables] == [[(1,), (2,)]] * 2
    store.delete_call(1)
    assert [_rows(store, f"SELECT DISTINCT call_id FROM {t}") for t in tables] == [[(2,)]] * 2


def test_facts_are_computed_only_where_missing(analysed_store):
    store = analysed_store()
    with store.transaction() as cur:
        cur.execute("UPDATE sentences SET forward_looking = NULL WHERE call_id = 2")
        aggregates.fill_facts(cur, ["forward_looking"], [2])
    assert _rows(store, "SELECT call_id, text FROM sentences WHERE forward_looking") == [(2, "We expect more growth.")]
    with pytest.raises(ValueError, match="no fact 'no_such_fact' in core.analysis.measures.FACTS"):
        with store.transaction() as cur:
            aggregates.add_fact(cur, "no_such_fact")
