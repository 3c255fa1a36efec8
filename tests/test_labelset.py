"""The in-domain label set: loading, rebuilding texts from the real corpus, drift detection, no corpus text in git."""
from __future__ import annotations

import csv
import dataclasses
import re
from collections import Counter
from pathlib import Path

import pytest

from scripts.label_tool import main as label_tool
from scripts.label_tool import shown_group
from scripts.labelset import (
    ADJUDICATED_COLUMNS,
    LABEL_COLUMNS,
    LABELS,
    LabelRef,
    LabelSetError,
    SampleRef,
    corpus_sentences,
    load_adjudicated,
    load_labels,
    load_sample,
    rebuild_texts,
    sentence_hash,
    with_adjudicated,
)
from scripts.sample_sentences import write_sample
from scripts.sample_targeted import STRATA, draw_targeted

LABELS_DIR = Path(__file__).resolve().parents[1] / "labels"
LABEL_FILE = LABELS_DIR / "incall-labels.tsv"
SECOND_FILE = LABELS_DIR / "incall-labels-B.tsv"
ADJUDICATED_FILE = LABELS_DIR / "adjudicated.tsv"
RELABELLED_FILE = LABELS_DIR / "relabelled.tsv"
SAMPLE_FILE = LABELS_DIR / "sample.tsv"
TARGETED_SAMPLE = LABELS_DIR / "sample-targeted.tsv"
TARGETED_LABELS = LABELS_DIR / "incall-labels-targeted.tsv"
REF_FILE = re.compile(r"(AMD|INTC|NVDA)/\d{4}-\d{2}-\d{2}-(AMD|INTC|NVDA)\.txt")


@pytest.fixture
def corpus(shared_dir: Path) -> Path:
    return shared_dir / "corpus" / "streetevents"


def _write(path: Path, rows: list[tuple], columns: tuple[str, ...] = LABEL_COLUMNS) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
    return path


def test_sentence_hash_is_first_12_hex_of_sha1() -> None:
    assert sentence_hash("abc") == "a9993e364706"


def test_load_labels_reads_typed_rows(tmp_path: Path) -> None:
    path = _write(tmp_path / "l.tsv", [("NVDA/2023-05-24-NVDA.txt", "3", "1", "0123456789ab", "negative", "A")])
    assert load_labels(path) == [LabelRef("NVDA/2023-05-24-NVDA.txt", 3, 1, "0123456789ab", "negative", "A")]


@pytest.mark.parametrize("row, message", [
    (("NVDA/x.txt", "3", "1", "0123456789ab", "bullish", "A"), r"l\.tsv:2: label must be one of"),
    (("NVDA/x.txt", "three", "1", "0123456789ab", "neutral", "A"), r"l\.tsv:2: turn_idx, sent_idx must be integers"),
    (("NVDA/x.txt", "3", "1", "0123456789", "neutral", "A"), r"l\.tsv:2: sha1 must be 12 hex digits"),
    (("NVDA/x.txt", "3", "1", "0123456789ab", "neutral"), r"l\.tsv:2: expected 6 tab-separated fields"),
])
def test_load_labels_rejects_bad_rows(tmp_path: Path, row: tuple, message: str) -> None:
    with pytest.raises(LabelSetError, match=message):
        load_labels(_write(tmp_path / "l.tsv", [row]))


def test_load_labels_rejects_other_columns(tmp_path: Path) -> None:
    path = _write(tmp_path / "l.tsv", [], columns=("file", "label"))
    with pytest.raises(LabelSetError, match="expected columns ref_file, turn_idx, sent_idx, sha1, label, annotator"):
        load_labels(path)


def test_rebuild_round_trip_on_real_corpus(corpus: Path) -> None:
    sentences = corpus_sentences(corpus, "NVDA/2023-05-24-NVDA.txt")
    picked = [s for s in sentences if s.turn_type != "operator"][::40]
    refs = [LabelRef("NVDA/2023-05-24-NVDA.txt", s.turn_idx, s.sent_idx, sentence_hash(s.text), "neutral", "T")
            for s in picked]
    assert rebuild_texts(refs, corpus) == [s.text for s in picked]
    assert [s.pos for s in sentences] == list(range(len(sentences)))


def test_rebuild_keeps_the_order_of_refs_across_files(corpus: Path) -> None:
    a = corpus_sentences(corpus, "AMD/2023-01-31-AMD.txt")[20]
    b = corpus_sentences(corpus, "INTC/2019-01-24-INTC.txt")[30]
    refs = [SampleRef(f, s.turn_idx, s.sent_idx, s.pos, sentence_hash(s.text), "x")
            for f, s in (("INTC/2019-01-24-INTC.txt", b), ("AMD/2023-01-31-AMD.txt", a),
                         ("INTC/2019-01-24-INTC.txt", b))]
    assert rebuild_texts(refs, corpus) == [b.text, a.text, b.text]


def test_rebuild_detects_a_tampered_hash(corpus: Path) -> None:
    sentence = corpus_sentences(corpus, "NVDA/2023-05-24-NVDA.txt")[50]
    tampered = "f" * 12 if sentence_hash(sentence.text) != "f" * 12 else "0" * 12
    ref = LabelRef("NVDA/2023-05-24-NVDA.txt", sentence.turn_idx, sentence.sent_idx, tampered, "neutral", "T")
    where = f"NVDA/2023-05-24-NVDA.txt turn {sentence.turn_idx} sentence {sentence.sent_idx}"
    with pytest.raises(LabelSetError, match=rf"^{where}: sentence hash {sentence_hash(sentence.text)} != stored "
                                            rf"{tampered} \(drift"):
        rebuild_texts([ref], corpus)


def test_rebuild_names_a_missing_sentence_and_a_missing_file(corpus: Path) -> None:
    gone = LabelRef("NVDA/2023-05-24-NVDA.txt", 0, 999, "0" * 12, "neutral", "T")
    with pytest.raises(LabelSetError, match=r"^NVDA/2023-05-24-NVDA\.txt turn 0 sentence 999: no such sentence"):
        rebuild_texts([gone], corpus)
    with pytest.raises(LabelSetError, match=r"NVDA/1999-01-01-NVDA\.txt: referenced call is not in the corpus"):
        rebuild_texts([dataclasses.replace(gone, ref_file="NVDA/1999-01-01-NVDA.txt")], corpus)


@pytest.mark.parametrize("path", [LABEL_FILE, SAMPLE_FILE, SECOND_FILE, ADJUDICATED_FILE, TARGETED_SAMPLE,
                                  TARGETED_LABELS], ids=lambda p: p.name)
def test_committed_files_hold_references_not_corpus_text(path: Path) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    for row in rows[1:]:
        assert REF_FILE.fullmatch(row[0]), row
        assert all(len(field) <= 40 and " " not in field for field in row[1:]), row


def test_label_file_is_a_labelled_prefix_of_the_sample() -> None:
    labels, sample = load_labels(LABEL_FILE), load_sample(SAMPLE_FILE)
    assert [(r.ref_file, r.turn_idx, r.sent_idx, r.sha1) for r in labels] == \
        [(r.ref_file, r.turn_idx, r.sent_idx, r.sha1) for r in sample[:len(labels)]]
    assert len(labels) >= 1500
    assert set(Counter(r.label for r in labels)) == {"positive", "neutral", "negative"}
    assert {r.ref_file.split("/")[0] for r in labels} == {"AMD", "INTC", "NVDA"}
    assert [r.annotator for r in labels] == ["A"] * 1640 + ["C"] * (len(labels) - 1640)  # C: the sample's rest


def test_every_relabelled_sentence_is_labelled_anew_with_its_rule() -> None:
    """relabelled.tsv: A's labels the blind re-reading changed, each with a short reason (its rule), no text."""
    labels = {(r.ref_file, r.turn_idx, r.sent_idx, r.sha1): r.label for r in load_labels(LABEL_FILE)[:1640]}
    with RELABELLED_FILE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert len(rows) == 65
    for row in rows:
        key = (row["ref_file"], int(row["turn_idx"]), int(row["sent_idx"]), row["sha1"])
        assert labels[key] == row["label"] != row["old"], key
        assert 0 < len(row["reason"]) <= 100, row["reason"]


def test_load_adjudicated_reads_resolved_labels(tmp_path: Path) -> None:
    row = ("NVDA/x.txt", "3", "1", "0123456789ab", "positive", "guideline:mixed-clause")
    path = _write(tmp_path / "adj.tsv", [row], columns=ADJUDICATED_COLUMNS)
    assert load_adjudicated(path) == [LabelRef("NVDA/x.txt", 3, 1, "0123456789ab", "positive", "adjudicated")]


@pytest.mark.parametrize("row, message", [
    (("NVDA/x.txt", "3", "1", "0123456789ab", "positive", "mixed clause"), r"adj\.tsv:2: reason must look like"),
    (("NVDA/x.txt", "3", "1", "0123456789ab", "good", "guideline:x"), r"adj\.tsv:2: label must be one of"),
])
def test_load_adjudicated_rejects_bad_rows(tmp_path: Path, row: tuple, message: str) -> None:
    with pytest.raises(LabelSetError, match=message):
        load_adjudicated(_write(tmp_path / "adj.tsv", [row], columns=ADJUDICATED_COLUMNS))


def test_with_adjudicated_replaces_only_resolved_labels() -> None:
    labels = [LabelRef("NVDA/x.txt", 1, i, f"{i:012x}", "neutral", "A") for i in range(3)]
    resolved = LabelRef("NVDA/x.txt", 1, 1, f"{1:012x}", "negative", "adjudicated")
    assert with_adjudicated(labels, [resolved]) == [labels[0], resolved, labels[2]]


def test_with_adjudicated_rejects_unknown_or_drifted_refs() -> None:
    labels = [LabelRef("NVDA/x.txt", 1, 0, "0" * 12, "neutral", "A")]
    with pytest.raises(LabelSetError, match=r"^NVDA/x\.txt turn 1 sentence 5: adjudicated sentence has no label"):
        with_adjudicated(labels, [LabelRef("NVDA/x.txt", 1, 5, "0" * 12, "neutral", "adjudicated")])
    with pytest.raises(LabelSetError, match=r"^NVDA/x\.txt turn 1 sentence 0: adjudicated sha1 111111111111 != "
                                            r"labelled 000000000000"):
        with_adjudicated(labels, [LabelRef("NVDA/x.txt", 1, 0, "1" * 12, "neutral", "adjudicated")])


def test_second_annotation_is_from_the_sample_prefix_and_every_disagreement_is_adjudicated() -> None:
    """B labelled the first 300 drawn sentences; the 4 that a later splitter cut apart were dropped (README)."""
    first, second = load_labels(LABEL_FILE), load_labels(SECOND_FILE)
    sample = [(r.ref_file, r.turn_idx, r.sent_idx, r.sha1) for r in load_sample(SAMPLE_FILE)]
    refs = [(r.ref_file, r.turn_idx, r.sent_idx, r.sha1) for r in second]
    assert len(refs) == 296
    assert [ref for ref in sample[:320] if ref in set(refs)] == refs  # in sample order, from its prefix
    assert {r.annotator for r in second} == {"B"}
    labelled = {(r.ref_file, r.turn_idx, r.sent_idx): r.label for r in first}
    with RELABELLED_FILE.open(encoding="utf-8", newline="") as handle:  # A's labels before the re-reading
        labelled |= {(row["ref_file"], int(row["turn_idx"]), int(row["sent_idx"])): row["old"]
                     for row in csv.DictReader(handle, delimiter="\t")}
    disagreements = {(r.ref_file, r.turn_idx, r.sent_idx) for r in second
                     if labelled[(r.ref_file, r.turn_idx, r.sent_idx)] != r.label}
    adjudicated = load_adjudicated(ADJUDICATED_FILE)
    assert {(r.ref_file, r.turn_idx, r.sent_idx) for r in adjudicated} == disagreements
    assert len(with_adjudicated(first, adjudicated)) == len(first)


def test_sample_covers_tickers_years_and_strata() -> None:
    sample = load_sample(SAMPLE_FILE)
    years = {(r.ref_file.split("/")[0], r.ref_file.split("/")[1][:4]) for r in sample}
    assert {year for _, year in years} == {str(y) for y in range(2010, 2025)}
    assert {t for t, _ in years} == {"AMD", "INTC", "NVDA"}
    assert {r.stratum for r in sample} == {f"{g}-{p}" for g in ("prepared-executive", "qa-analyst", "qa-executive")
                                           for p in ("lmneg", "rest")}
    assert len({(r.ref_file, r.turn_idx, r.sent_idx) for r in sample}) == len(sample)
    assert len({r.sha1 for r in sample}) == len(sample)


def test_the_targeted_sample_is_labelled_whole_and_shares_no_sentence_with_the_sample() -> None:
    targeted, labels = load_sample(TARGETED_SAMPLE), load_labels(TARGETED_LABELS)
    assert [(r.ref_file, r.turn_idx, r.sent_idx, r.sha1) for r in labels] == \
        [(r.ref_file, r.turn_idx, r.sent_idx, r.sha1) for r in targeted]
    assert {r.annotator for r in labels} == {"D"} and set(Counter(r.label for r in labels)) == set(LABELS)
    assert Counter(r.stratum for r in targeted) == {stratum: 180 for stratum in STRATA}
    per_call = Counter((r.ref_file, r.stratum) for r in targeted)
    assert max(per_call.values()) == 1 and len({r.ref_file for r in targeted}) == 180
    hashes = {r.sha1 for r in targeted}
    assert len(hashes) == len(targeted) and not hashes & {r.sha1 for r in load_sample(SAMPLE_FILE)}


@pytest.mark.slow
def test_the_targeted_sample_is_redrawn_byte_for_byte_by_its_script(corpus: Path) -> None:
    """scripts/sample_targeted.py with its default seed gives the committed file, so each row is in the stratum the
    rule puts it in (a question, a forward-looking sentence with a number, an uncertainty word)."""
    assert draw_targeted(corpus, seed=7, main_sample=load_sample(SAMPLE_FILE)) == load_sample(TARGETED_SAMPLE)


@pytest.mark.slow
@pytest.mark.parametrize("path", [LABEL_FILE, TARGETED_LABELS], ids=lambda p: p.name)
def test_every_label_rebuilds_from_the_real_corpus(corpus: Path, path: Path) -> None:
    labels = load_labels(path)
    texts = rebuild_texts(labels, corpus)
    assert [sentence_hash(t) for t in texts] == [r.sha1 for r in labels]


def test_the_label_tool_shows_a_batch_and_takes_its_marks_by_the_batch_id(corpus: Path, tmp_path: Path,
                                                                          capsys) -> None:
    sample, labels = tmp_path / "sample.tsv", tmp_path / "labels.tsv"
    write_sample(load_sample(TARGETED_SAMPLE)[:3], sample)
    files = ["--sample", str(sample), "--labels", str(labels), "--corpus", str(corpus), "--cache",
             str(tmp_path / "cache.json")]
    label_tool(["show", "--count", "2", *files])
    shown = capsys.readouterr().out.splitlines()
    assert [line.split("]")[0].split("[")[1] for line in shown[:2]] == [
        shown_group(r.stratum) for r in load_sample(sample)[:2]]
    assert "targeted" not in "\n".join(shown)  # the stratum must not steer the label
    batch_id = shown[-1].split()[2]
    assert batch_id == f"{load_sample(sample)[0].sha1}:2"
    with pytest.raises(SystemExit, match="1 marks for 2 sentences"):
        label_tool(["add", batch_id, "+", *files])
    label_tool(["add", batch_id, "+ 0", "--annotator", "D", *files])
    assert [(r.label, r.annotator) for r in load_labels(labels)] == [("positive", "D"), ("neutral", "D")]
    with pytest.raises(SystemExit, match="is not the next batch"):
        label_tool(["add", batch_id, "-", *files])
