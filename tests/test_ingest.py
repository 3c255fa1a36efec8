"""Importing files: real transcripts go in, bad input is reported and skipped, nothing partial is stored."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SHARED, needs_shared

from core.ingest.files import MAX_DOCUMENT_BYTES, import_paths
from core.storage.store import Store

NVDA = SHARED / "corpus" / "streetevents" / "NVDA"
LEGACY = SHARED / "fixtures" / "foolcom" / "legacy-2020"

pytestmark = needs_shared("corpus/streetevents/NVDA", "fixtures/foolcom/legacy-2020")


def count(store: Store, table: str) -> int:
    with store.cursor() as cur:
        return cur.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]


def bad_files(tmp_path: Path) -> dict[str, Path]:
    """One file per kind of bad input; names carry a ticker so only the content is wrong."""
    page = (LEGACY / "2020-07-10-carnival-corp-plc-ccl-q2-2020-earnings-call-transc.html").read_bytes()
    files = {
        "empty": b"",
        "binary": bytes(range(256)) * 64,
        "not a transcript": b"<html><head><title>Weather</title></head><body><p>Sunny, 20 degrees.</p></body></html>",
        "truncated": page[: len(page) * 3 // 4],  # cut among the call's turns (its transcript starts near the middle)
        "cut before the transcript": page[: len(page) // 5],  # the site's header and menus, no transcript at all
        "huge": b"Operator: hello\n" * (MAX_DOCUMENT_BYTES // 16 + 1024),
    }
    paths = {}
    for n, (name, content) in enumerate(files.items()):
        path = tmp_path / f"2023-0{n + 1}-01-NVDA.txt"
        path.write_bytes(content)
        paths[name] = path
    return paths


@pytest.mark.parametrize("kind, reason", [
    ("empty", "empty"),
    ("binary", "binary"),
    ("not a transcript", "not a transcript"),
    ("truncated", "the page ends before </html>: truncated download, not parsing half a transcript"),
    ("cut before the transcript", "not a transcript in any known format"),
    ("huge", "over the 20 MB limit"),
])
def test_bad_input_is_reported_and_nothing_is_stored(tmp_path, kind, reason):
    path = bad_files(tmp_path)[kind]
    store = Store()
    [outcome] = import_paths(store, [path])
    assert outcome.outcome == "failed"
    assert reason in outcome.reason
    assert (count(store, "calls"), count(store, "turns"), count(store, "documents")) == (0, 0, 0)


def test_a_batch_imports_the_good_files_and_skips_the_bad(tmp_path):
    good = tmp_path / "good"
    good.mkdir()
    for src in sorted(NVDA.glob("*.txt"))[:3]:
        (good / src.name).symlink_to(src)
    bad = bad_files(tmp_path)
    store = Store()
    outcomes = import_paths(store, [good, *bad.values()])
    assert [o.outcome for o in outcomes] == ["inserted"] * 3 + ["failed"] * len(bad)
    assert [o.call for o in outcomes[:3]] == ["NVDA FY2010 Q4", "NVDA FY2011 Q1", "NVDA FY2011 Q2"]
    assert count(store, "calls") == 3


def test_reimporting_a_directory_changes_nothing(tmp_path):
    store = Store()
    files = sorted(NVDA.glob("*.txt"))[:2]
    import_paths(store, files)
    before = (count(store, "calls"), count(store, "turns"), count(store, "documents"))
    assert [o.outcome for o in import_paths(store, files)] == ["unchanged", "unchanged"]
    assert (count(store, "calls"), count(store, "turns"), count(store, "documents")) == before


def test_a_bad_batch_loses_nothing_already_stored(tmp_path):
    store = Store()
    import_paths(store, sorted(NVDA.glob("*.txt"))[:1])
    import_paths(store, list(bad_files(tmp_path).values()))
    assert count(store, "calls") == 1


def test_an_empty_turn_is_dropped_with_a_warning_and_the_call_is_stored(tmp_path):
    from invented_call import streetevents_text

    path = tmp_path / "2024-May-22-ACME.txt"  # the ticker comes from the name
    path.write_text(streetevents_text(body={3: ['<Sync id="L9"time="00:12:00"/>']}), encoding="utf-8")
    store = Store()
    [outcome] = import_paths(store, [path])
    assert (outcome.outcome, outcome.call) == ("inserted", "ACME FY2025 Q1")
    assert outcome.warnings == ("speaker turn 4 of 10 (Operator) has no text; dropped",)
    assert (count(store, "calls"), count(store, "turns")) == (1, 9)
