"""The in-domain labelled set: labels keyed by reference into a StreetEvents corpus, texts rebuilt from it."""
from __future__ import annotations

import csv
import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Protocol

from core.analysis.sentences import Sentence, sentences_of
from core.errors import TranscriptError
from core.ingest.parsers import parse_document
from core.model import Transcript

LABELS = ("positive", "neutral", "negative")
LABEL_COLUMNS = ("ref_file", "turn_idx", "sent_idx", "sha1", "label", "annotator")
SAMPLE_COLUMNS = ("ref_file", "turn_idx", "sent_idx", "pos", "sha1", "stratum")
ADJUDICATED_COLUMNS = ("ref_file", "turn_idx", "sent_idx", "sha1", "label", "reason")
ADJUDICATED_ANNOTATOR = "adjudicated"
HASH_CHARS = 12
_HEX = re.compile(rf"[0-9a-f]{{{HASH_CHARS}}}")
_REASON = re.compile(r"[a-z]+:[a-z0-9-]+")


class LabelSetError(TranscriptError):
    """A label file is malformed, or a reference no longer matches the corpus (drift)."""


class SentenceKey(Protocol):
    """Anything that points at one sentence of one corpus file."""

    ref_file: str
    turn_idx: int
    sent_idx: int
    sha1: str


@dataclass(frozen=True)
class LabelRef:
    """One hand label of one corpus sentence, without the sentence's text."""

    ref_file: str      # path under the corpus dir, e.g. "NVDA/2023-05-24-NVDA.txt"
    turn_idx: int
    sent_idx: int
    sha1: str          # first 12 hex digits of sha1(sentence text, UTF-8)
    label: str
    annotator: str


@dataclass(frozen=True)
class SampleRef:
    """One sentence drawn for labelling (labels/sample.tsv), without its text."""

    ref_file: str
    turn_idx: int
    sent_idx: int
    pos: int           # position in the call, as core.analysis.sentences numbers it
    sha1: str
    stratum: str       # e.g. "qa-executive-lmneg"


def sentence_hash(text: str) -> str:
    """The drift check of a sentence: the first 12 hex digits of its UTF-8 SHA-1."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:HASH_CHARS]


def load_labels(path: Path | str) -> list[LabelRef]:
    """Every label of a TSV label file (header: ref_file turn_idx sent_idx sha1 label annotator)."""
    refs = []
    for where, row in _tsv_rows(Path(path), LABEL_COLUMNS):
        if row["label"] not in LABELS:
            raise LabelSetError(f"label must be one of {', '.join(LABELS)}, got {row['label']!r}", where=where)
        turn_idx, sent_idx = _ints(row, ("turn_idx", "sent_idx"), where=where)
        refs.append(LabelRef(row["ref_file"], turn_idx, sent_idx, row["sha1"], row["label"], row["annotator"]))
    return refs


def load_adjudicated(path: Path | str) -> list[LabelRef]:
    """The resolved labels of annotator disagreements (header: ref_file turn_idx sent_idx sha1 label reason).

    Each comes back as a LabelRef with annotator "adjudicated"; the reason code ("guideline:mixed-clause") is checked
    for its form only.
    """
    refs = []
    for where, row in _tsv_rows(Path(path), ADJUDICATED_COLUMNS):
        if row["label"] not in LABELS:
            raise LabelSetError(f"label must be one of {', '.join(LABELS)}, got {row['label']!r}", where=where)
        if not _REASON.fullmatch(row["reason"]):
            raise LabelSetError(f"reason must look like 'guideline:mixed-clause', got {row['reason']!r}", where=where)
        turn_idx, sent_idx = _ints(row, ("turn_idx", "sent_idx"), where=where)
        refs.append(LabelRef(row["ref_file"], turn_idx, sent_idx, row["sha1"], row["label"], ADJUDICATED_ANNOTATOR))
    return refs


def with_adjudicated(labels: list[LabelRef], adjudicated: list[LabelRef]) -> list[LabelRef]:
    """labels with each adjudicated sentence's label replaced by the resolved one (same order, same length).

    LabelSetError when an adjudication points at a sentence the labels do not hold, or at another text (sha1).
    """
    resolved = {(r.ref_file, r.turn_idx, r.sent_idx): r for r in adjudicated}
    by_key = {(r.ref_file, r.turn_idx, r.sent_idx): r for r in labels}
    for key, ref in resolved.items():
        where = f"{ref.ref_file} turn {ref.turn_idx} sentence {ref.sent_idx}"
        if key not in by_key:
            raise LabelSetError("adjudicated sentence has no label to resolve", where=where)
        if by_key[key].sha1 != ref.sha1:
            raise LabelSetError(f"adjudicated sha1 {ref.sha1} != labelled {by_key[key].sha1}", where=where)
    return [resolved.get((r.ref_file, r.turn_idx, r.sent_idx), r) for r in labels]


def load_sample(path: Path | str) -> list[SampleRef]:
    """Every drawn reference of a sample file (header: ref_file turn_idx sent_idx pos sha1 stratum)."""
    refs = []
    for where, row in _tsv_rows(Path(path), SAMPLE_COLUMNS):
        turn_idx, sent_idx, pos = _ints(row, ("turn_idx", "sent_idx", "pos"), where=where)
        refs.append(SampleRef(row["ref_file"], turn_idx, sent_idx, pos, row["sha1"], row["stratum"]))
    return refs


def _tsv_rows(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[str, dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        if tuple(reader.fieldnames or ()) != columns:
            raise LabelSetError(f"expected columns {', '.join(columns)}, got {reader.fieldnames}", where=str(path))
        for line, row in enumerate(reader, start=2):
            where = f"{path}:{line}"
            if None in row or any(value is None for value in row.values()):
                raise LabelSetError(f"expected {len(columns)} tab-separated fields", where=where)
            if not _HEX.fullmatch(row["sha1"]):
                raise LabelSetError(f"sha1 must be {HASH_CHARS} hex digits, got {row['sha1']!r}", where=where)
            yield where, row


def _ints(row: dict[str, str], names: tuple[str, ...], *, where: str) -> tuple[int, ...]:
    try:
        return tuple(int(row[name]) for name in names)
    except ValueError:
        raise LabelSetError(f"{', '.join(names)} must be integers", where=where) from None


def parse_corpus_file(path: Path) -> Transcript:
    """A StreetEvents corpus file parsed as the product parses it (ticker from the name, '2023-05-24-NVDA.txt')."""
    ticker = path.stem.rsplit("-", 1)[-1].upper()
    return parse_document(path.read_text(encoding="utf-8"), source=str(path), ticker=ticker)


def corpus_sentences(corpus_dir: Path | str, ref_file: str) -> list[Sentence]:
    """The sentences of one corpus file, numbered exactly as the product numbers them."""
    path = Path(corpus_dir) / ref_file
    if not path.is_file():
        raise LabelSetError("referenced call is not in the corpus directory", where=str(path))
    return sentences_of(parse_corpus_file(path))


def rebuild_texts(refs: Iterable[SentenceKey], corpus_dir: Path | str) -> list[str]:
    """The sentence text of each reference, in order; LabelSetError naming the ref when it is gone or has drifted."""
    refs = list(refs)
    by_file: dict[str, list[int]] = defaultdict(list)
    for i, ref in enumerate(refs):
        by_file[ref.ref_file].append(i)
    texts: list[str] = [""] * len(refs)
    for ref_file, indices in by_file.items():
        sentences = {(s.turn_idx, s.sent_idx): s.text for s in corpus_sentences(corpus_dir, ref_file)}
        for i in indices:
            ref = refs[i]
            where = f"{ref.ref_file} turn {ref.turn_idx} sentence {ref.sent_idx}"
            text = sentences.get((ref.turn_idx, ref.sent_idx))
            if text is None:
                raise LabelSetError("no such sentence in the corpus file (corpus or splitter changed?)", where=where)
            if sentence_hash(text) != ref.sha1:
                raise LabelSetError(f"sentence hash {sentence_hash(text)} != stored {ref.sha1} (drift: corpus, "
                                    "parser or sentence splitter changed)", where=where)
            texts[i] = text
    return texts
