"""The LanceDB vector table: writes per call, real-embedding search in three modes, filters, hostile input, ANN."""
from __future__ import annotations

import lancedb
import numpy as np
import pytest
from vector_corpus import CALLS, corpus_rows, keys_where

from core.embedding import load_encoder
from core.errors import ConfigError, StoreError
from core.model import Period
from core.storage.vectors import ANN_MIN_ROWS, TABLE, VectorIndex


@pytest.fixture(scope="module")
def encoder():
    return load_encoder()


@pytest.fixture(scope="module")
def rows(encoder) -> dict[int, list[dict]]:
    return corpus_rows(encoder.encode)


@pytest.fixture
def index(tmp_path, rows, encoder) -> VectorIndex:
    vectors = VectorIndex(tmp_path / "vectors.lance", encoder=encoder)
    vectors.write_calls(rows)
    return vectors


def keys(hits) -> list[tuple[int, int]]:
    return [(hit.call_id, hit.pos) for hit in hits]


# -- writes ------------------------------------------------------------------------------------------
def test_write_calls_stores_every_row_once(index):
    assert index.counts() == {1: 10, 2: 10, 3: 10}
    assert index.call_ids() == {1, 2, 3}
    assert (index.count(), index.count(2), index.count(7)) == (30, 10, 0)


def test_write_call_twice_replaces_instead_of_duplicating(index, rows):
    index.write_call(2, rows[2])
    assert index.counts() == {1: 10, 2: 10, 3: 10}
    shorter = [dict(row, text="Rewritten " + row["text"]) for row in rows[2][:4]]
    index.write_call(2, shorter)
    assert index.counts() == {1: 10, 2: 4, 3: 10}
    found = index.search("Rewritten", mode="fts", k=50)
    assert sorted(keys(found)) == [(2, 0), (2, 1), (2, 2), (2, 3)]


def test_write_call_with_no_rows_empties_the_call(index):
    index.write_call(3, [])
    assert index.counts() == {1: 10, 2: 10}


def test_delete_call(index):
    index.delete_call(1)
    assert index.call_ids() == {2, 3}
    assert all(hit.call_id != 1 for hit in index.search("revenue grew", mode="hybrid", k=30))


def test_writes_are_visible_to_another_handle(tmp_path, index, rows):
    other = VectorIndex(index.path)
    other.delete_call(3)
    assert index.call_ids() == {1, 2}
    other.write_call(9, [dict(row, call_id=9) for row in rows[3]])
    assert index.counts() == {1: 10, 2: 10, 9: 10}


def test_a_table_written_with_the_old_column_names_is_renamed_in_place(tmp_path, index):
    data = index._table.to_arrow()
    old_names = {"speaker_group": "speaker_kind", "ordinal": "period"}
    table = lancedb.connect(tmp_path / "old.lance").create_table(
        TABLE, data=data.rename_columns([old_names.get(n, n) for n in data.schema.names]))
    table.create_index("speaker_kind", config=lancedb.index.Bitmap())
    table.create_index("period", config=lancedb.index.BTree())
    renamed = VectorIndex(tmp_path / "old.lance")
    assert not {"speaker_kind", "period"} & set(renamed._table.schema.names)
    assert (renamed.index_names()["speaker_group"], renamed.index_names()["ordinal"]) == ("Bitmap", "BTree")
    filters = dict(speaker_groups=["analyst"], period_from=Period(2024, 3))
    assert (sorted(keys(renamed.search("lithium", mode="fts", k=50, **filters)))
            == sorted(keys(index.search("lithium", mode="fts", k=50, **filters))))
    assert renamed.counts() == index.counts()


@pytest.mark.parametrize("change, message", [
    ({"call_id": 5}, r"call_id 5 in the rows of call 1"),
    ({"section": "intro"}, r"section 'intro' not in"),
    ({"speaker_group": "CEO"}, r"speaker_group 'CEO' not in"),
    ({"vector": np.zeros(383, np.float32)}, r"vector of shape \(383,\), expected \(384,\)"),
    ({"fiscal_quarter": 5}, r"fiscal quarter 5"),
])
def test_bad_rows_are_refused_and_nothing_is_written(tmp_path, rows, change, message):
    vectors = VectorIndex(tmp_path / "v")
    with pytest.raises(StoreError, match=message):
        vectors.write_call(1, [*rows[1][:3], dict(rows[1][3], **change)])
    assert vectors.count() == 0


def test_missing_row_key_is_refused(tmp_path, rows):
    row = {k: v for k, v in rows[1][0].items() if k != "topic"}
    with pytest.raises(StoreError, match=r"missing keys \['topic'\]"):
        VectorIndex(tmp_path / "v").write_call(1, [row])


# -- search quality ----------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["vector", "fts", "hybrid"])
def test_exact_quote_is_the_top_hit_in_every_mode(index, mode):
    quote = "Supply of advanced packaging will remain tight through the end of the year."
    assert keys(index.search(quote, mode=mode, k=3))[0] == (1, 9)


@pytest.mark.parametrize("paraphrase, expected", [
    ("The company bought back shares and paid a dividend", (1, 4)),
    ("sales of cars dropped because European customers bought less", (2, 1)),
    ("borrowing costs for buyers are hurting vehicle sales", (2, 9)),
    ("our illustrators already work faster thanks to machine learning software", (3, 9)),
    ("executives refused to give a number for next year's output but stayed upbeat", (2, 7)),
])
def test_paraphrase_finds_the_passage(index, paraphrase, expected):
    assert keys(index.search(paraphrase, mode="vector", k=1)) == [expected]
    assert expected in keys(index.search(paraphrase, mode="hybrid", k=3))


def test_vector_scores_are_cosine_similarities_best_first(index, rows):
    hits = index.search(rows[3][1]["vector"], mode="vector", k=5)
    assert keys(hits)[0] == (3, 1)
    assert hits[0].score == pytest.approx(1.0, abs=1e-4)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(-1.0 <= h.score <= 1.0 for h in hits)


def test_fts_finds_exactly_the_sentences_with_the_keyword(index):
    assert sorted(keys(index.search("lithium", mode="fts", k=10))) == [(2, 3)]
    # lower-cased and stemmed: "prices" and "pricing" match "price"
    assert sorted(keys(index.search("price", mode="fts", k=10))) == [(2, 2), (2, 4), (3, 6), (3, 7)]


def test_hit_carries_the_metadata_of_its_sentence(index):
    (hit,) = index.search("lithium", mode="fts", k=1)
    assert (hit.ticker, hit.fiscal_year, hit.fiscal_quarter, hit.section, hit.speaker_group, hit.topic) == (
        "BOLT", 2024, 3, "prepared", "cfo", "supply")
    assert hit.text == CALLS[2][3][3][3]
    assert hit.to_dict()["call_id"] == 2


# -- filters -------------------------------------------------------------------------------------------
FILTER_CASES = [
    (dict(tickers=["bolt"]), lambda r: r["ticker"] == "BOLT"),
    (dict(tickers=["ACME", "CRUX"]), lambda r: r["ticker"] in ("ACME", "CRUX")),
    (dict(period_from=Period(2024, 3)), lambda r: (r["fiscal_year"], r["fiscal_quarter"]) >= (2024, 3)),
    (dict(period_to=Period(2024, 3)), lambda r: (r["fiscal_year"], r["fiscal_quarter"]) <= (2024, 3)),
    (dict(period_from=Period(2024, 2), period_to=Period(2024, 4)), lambda r: r["ticker"] == "BOLT"),
    (dict(sections=["qa"]), lambda r: r["section"] == "qa"),
    (dict(speaker_groups=["cfo", "analyst"]), lambda r: r["speaker_group"] in ("cfo", "analyst")),
    (dict(topics=["pricing", "gaming"]), lambda r: r["topic"] in ("pricing", "gaming")),
    (dict(tickers=["CRUX"], sections=["qa"], speaker_groups=["ceo"]),
     lambda r: r["ticker"] == "CRUX" and r["section"] == "qa" and r["speaker_group"] == "ceo"),
]


@pytest.mark.parametrize("mode", ["vector", "hybrid"])
@pytest.mark.parametrize("filters, predicate", FILTER_CASES)
def test_filters_return_exactly_the_matching_sentences(index, filters, predicate, mode):
    expected = keys_where(predicate)
    assert 0 < len(expected) < 30
    assert set(keys(index.search("quarterly results", mode=mode, k=100, **filters))) == expected


def test_fts_respects_filters(index):
    assert sorted(keys(index.search("price", mode="fts", k=10, tickers=["CRUX"]))) == [(3, 6), (3, 7)]
    assert index.search("lithium", mode="fts", k=10, sections=["qa"]) == []


def test_filter_with_no_match_gives_no_hits(index):
    assert index.search("revenue", k=10, tickers=["ZZZZ"]) == []
    assert index.search("revenue", k=10, topics=["no_such_topic"]) == []


# -- hostile and invalid input -------------------------------------------------------------------------
@pytest.mark.parametrize("query", [
    "' OR 1=1 --", 'say "hello', "(((demand", "AND OR NOT", "margin* ~2 ^3 +lithium -gaming", "a:b title:x",
    "\\", "'; DROP TABLE sentences; --", "'')) OR ((''='",
])
@pytest.mark.parametrize("mode", ["fts", "hybrid"])
def test_query_syntax_characters_are_inert(index, query, mode):
    hits = index.search(query, mode=mode, k=30)
    assert len(hits) <= 30
    assert index.count() == 30
    if mode == "fts" and query.startswith("margin*"):
        # plain terms: "lithium" and "gaming" (stem of "Games") are searched for, not read as operators
        assert {(2, 3), (3, 0)} <= set(keys(hits))


@pytest.mark.parametrize("filters, message", [
    (dict(tickers=["ACME' OR 1=1 --"]), r"not a valid ticker: \"ACME' OR 1=1 --\""),
    (dict(tickers=["TOOLONGTICKER"]), r"not a valid ticker"),
    (dict(sections=["qa' OR '1'='1"]), r"not a valid section"),
    (dict(speaker_groups=["ceo", "boss"]), r"not a valid speaker group: 'boss'"),
    (dict(topics=["x' OR topic IS NOT NULL OR topic IN ('x"]), r"not a valid topic"),
    (dict(period_from=Period(2025, 1), period_to=Period(2024, 1)), r"empty period range: 2025Q1 is after 2024Q1"),
    (dict(period_from="2024Q1"), r"period_from must be a Period"),
])
def test_invalid_filters_raise(index, filters, message):
    with pytest.raises(ConfigError, match=message):
        index.search("revenue", **filters)


@pytest.mark.parametrize("query, options, message", [
    ("   ", {}, "empty search query"),
    ("", {"mode": "fts"}, "empty search query"),
    ("revenue", {"mode": "semantic"}, "search mode must be one of"),
    ("revenue", {"k": 0}, "k must be between 1 and 1000"),
    (np.zeros(384, np.float32), {"mode": "fts"}, "a fts search needs the query text"),
    (np.ones(10, np.float32), {"mode": "vector"}, r"query vector must be 384 finite floats"),
])
def test_invalid_queries_raise(index, query, options, message):
    with pytest.raises(ConfigError, match=message):
        index.search(query, **options)


# -- indexes ---------------------------------------------------------------------------------------------
def test_ensure_index_on_a_small_table_builds_scalar_indexes_but_no_ann(index):
    assert index.index_names() == {"text": "FTS"}
    index.ensure_index()
    assert index.index_names() == {"call_id": "BTree", "ordinal": "BTree", "ticker": "Bitmap", "section": "Bitmap",
                                   "speaker_group": "Bitmap", "topic": "Bitmap", "text": "FTS"}
    assert not index.has_ann_index()
    assert keys(index.search("lithium", mode="fts", k=5, tickers=["BOLT"])) == [(2, 3)]


def test_rows_written_after_the_fts_index_are_still_found(index, rows):
    index.ensure_index()
    index.write_call(4, [dict(rows[2][3], call_id=4, ticker="DASH")])
    assert sorted(keys(index.search("lithium", mode="fts", k=5))) == [(2, 3), (4, 3)]
    index.ensure_index()
    assert sorted(keys(index.search("lithium", mode="fts", k=5))) == [(2, 3), (4, 3)]


@pytest.mark.slow
def test_ann_index_on_60k_rows_keeps_recall_at_10_above_0_9(tmp_path):
    # Clustered synthetic vectors (300 centres + noise), like sentence embeddings; isotropic noise has no
    # neighbourhood structure for any ANN index to exploit.
    rng = np.random.default_rng(7)
    n, per_call = 60_000, 500
    centres = rng.normal(size=(300, 384)).astype(np.float32)
    data = centres[rng.integers(0, 300, n)] + 0.8 * rng.normal(size=(n, 384)).astype(np.float32)
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    vectors = VectorIndex(tmp_path / "big")
    vectors.write_calls({
        call_id: [dict(call_id=call_id, pos=pos, ticker="ACME", fiscal_year=2024, fiscal_quarter=1, section="qa",
                       speaker_group="analyst", topic=None, text=f"s{pos}", vector=data[call_id * per_call + pos])
                  for pos in range(per_call)]
        for call_id in range(n // per_call)})
    assert vectors.count() == n >= ANN_MIN_ROWS
    vectors.ensure_index()
    assert vectors.has_ann_index()
    queries = centres[rng.integers(0, 300, 40)] + 0.8 * rng.normal(size=(40, 384)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    exact = np.argsort(-(queries @ data.T), axis=1)[:, :10]
    recalls = [len({h.call_id * per_call + h.pos for h in vectors.search(q, mode="vector", k=10)}
                   & set(exact[i].tolist())) / 10 for i, q in enumerate(queries)]
    assert np.mean(recalls) >= 0.9
