"""The call's clock end to end: timing tags in an imported text become each turn's and sentence's time, analysed."""
from __future__ import annotations

from conftest import missing_prerequisite
from invented_call import TURNS, streetevents_text

from core.errors import TranscriptError
from core.ingest.files import import_paths
from core.queries.reader import call_sentences
from core.storage.store import Store


def test_timing_tags_reach_the_analysed_sentences(tmp_path):
    from core.analysis.analyze import Analyzer
    from core.storage.vectors import VectorIndex

    first, second = TURNS[2][2]
    first = '<Sync id="L7"time="00:03:10"/>' + first.replace(" Revenue", ' <Sync id="L8"time="00:03:12"/>Revenue')
    second = second[:20] + '<Sync id="L9"time="00:04:00"/>' + second[20:]  # inside a sentence: no sentence's clock
    path = tmp_path / "2024-05-22-ACME.txt"
    path.write_text(streetevents_text(body={2: [first, second]}), encoding="utf-8")
    store = Store(tmp_path / "calls.duckdb")
    [outcome] = import_paths(store, [path])
    assert outcome.outcome == "inserted"
    try:
        analyzer = Analyzer()
    except TranscriptError as exc:
        missing_prerequisite(f"the analysis cannot run: {exc}")
    analyzer.run(store, VectorIndex(tmp_path / "vectors.lance"))
    sentences = call_sentences(store, store.calls()[0]["call_id"])
    timed = sentences[sentences["offset_s"].notna()]
    assert [(row.turn_idx, row.sent_idx, row.text[:14], row.offset_s) for row in timed.itertuples()] == [
        (2, 0, "Thanks, Dana.", 190), (2, 1, "Revenue was $1", 192)]
    assert sentences.groupby("turn_idx")["turn_offset_s"].first().isna().tolist() == [
        turn != 2 for turn in range(len(TURNS))]
    assert (sentences.loc[sentences["turn_idx"] == 2, "turn_offset_s"] == 190).all()
