"""Hand-labelling loop for labels/sample.tsv: show the next unlabelled sentences, then record the annotator's labels.

    python -m scripts.label_tool show --count 100          # prints the batch and its id
    python -m scripts.label_tool add <batch-id> "+00-0 0+..."  # one mark per shown sentence, in order

Marks: '+' positive, '0' neutral, '-' negative; spaces are ignored. The batch id (hash of the first shown reference,
a colon, the number of sentences shown) makes sure the marks go to the sentences that were shown. Sentence texts are
rebuilt from the corpus and cached outside the repository (they are third-party text); the label file only gets
references and labels. `--sample labels/sample-targeted.tsv --labels labels/incall-labels-targeted.tsv` labels the
targeted sample.
"""
from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

from scripts.labelset import LABEL_COLUMNS, LabelRef, SampleRef, load_labels, load_sample, rebuild_texts
from scripts.sample_targeted import STRATA

ROOT = Path(__file__).resolve().parents[1]

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "streetevents"
MARKS = {"+": "positive", "0": "neutral", "-": "negative"}


def pending(sample: list[SampleRef], labels: list[LabelRef], count: int) -> list[SampleRef]:
    """The next `count` sample references without a label, in sample order."""
    done = {(r.ref_file, r.turn_idx, r.sent_idx) for r in labels}
    return [r for r in sample if (r.ref_file, r.turn_idx, r.sent_idx) not in done][:count]


def shown_group(stratum: str) -> str:
    """The speaker group shown with a sentence; the lexicon pool and the targeted stratum (labels/README.md) are not
    shown: they must not steer the label."""
    if stratum in STRATA:
        return "qa-analyst" if stratum == STRATA[0] else "executive"
    return stratum.rsplit("-", 1)[0]


def cached_texts(refs: list[SampleRef], corpus_dir: Path, cache: Path) -> list[str]:
    """Texts of refs, from a cache keyed by sha1 (outside the repo), rebuilding what is missing."""
    known: dict[str, str] = json.loads(cache.read_text(encoding="utf-8")) if cache.is_file() else {}
    missing = [r for r in refs if r.sha1 not in known]
    known.update(zip((r.sha1 for r in missing), rebuild_texts(missing, corpus_dir)))
    cache.write_text(json.dumps(known), encoding="utf-8")
    return [known[r.sha1] for r in refs]


def parse_marks(marks: str, *, expected: int) -> list[str]:
    """Labels from a mark string; SystemExit when a mark is unknown or the count is off."""
    compact = "".join(marks.split())
    unknown = sorted(set(compact) - set(MARKS))
    if unknown:
        raise SystemExit(f"unknown marks {unknown}; use + 0 -")
    if len(compact) != expected:
        raise SystemExit(f"{len(compact)} marks for {expected} sentences")
    return [MARKS[m] for m in compact]


def append_labels(path: Path, refs: list[SampleRef], labels: list[str], *, annotator: str) -> None:
    """Append one row per labelled reference (header written when the file is new)."""
    new = not path.is_file()
    with path.open("a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        if new:
            writer.writerow(LABEL_COLUMNS)
        writer.writerows((r.ref_file, r.turn_idx, r.sent_idx, r.sha1, label, annotator)
                         for r, label in zip(refs, labels))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("show", "add"))
    parser.add_argument("batch_id", nargs="?")
    parser.add_argument("marks", nargs="?")
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--sample", type=Path, default=ROOT / "labels" / "sample.tsv")
    parser.add_argument("--labels", type=Path, default=ROOT / "labels" / "incall-labels.tsv")
    parser.add_argument("--annotator", default="A")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/incall-label-cache.json"))
    args = parser.parse_args(argv)
    labels = load_labels(args.labels) if args.labels.is_file() else []
    first, _, shown = (args.batch_id or "").partition(":")
    batch = pending(load_sample(args.sample), labels, int(shown) if shown.isdigit() else args.count)
    if not batch:
        raise SystemExit("every sampled sentence is labelled")
    if args.command == "show":
        for i, (ref, text) in enumerate(zip(batch, cached_texts(batch, args.corpus, args.cache)), start=1):
            print(f"{i:3d} [{shown_group(ref.stratum)}] {text}")
        print(f"batch id: {batch[0].sha1}:{len(batch)} ({len(labels)} labelled so far)")
        return
    if first != batch[0].sha1 or args.marks is None:
        raise SystemExit(f"batch id {args.batch_id} is not the next batch ({batch[0].sha1}:…); show it first")
    append_labels(args.labels, batch, parse_marks(args.marks, expected=len(batch)), annotator=args.annotator)
    print(f"{len(batch)} labels appended -> {args.labels} ({len(labels) + len(batch)} in all)")


if __name__ == "__main__":
    main()
