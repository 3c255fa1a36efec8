"""Inter-annotator agreement on the doubly labelled sentences: accuracy, Cohen's kappa, confusion matrix, disagreements.

    python -m scripts.label_agreement                       # A (incall-labels.tsv) vs B (incall-labels-B.tsv)
    python -m scripts.label_agreement --a X.tsv --b Y.tsv

Prints references only (never sentence text); rebuild a disagreement's text with scripts.labelset.rebuild_texts.
"""
from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sklearn.metrics import cohen_kappa_score, confusion_matrix

from scripts.labelset import LABELS, LabelRef, LabelSetError, load_labels, load_sample

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Agreement:
    """Agreement of two annotators over the sentences both labelled."""

    n: int
    accuracy: float
    kappa: float
    confusion: list[list[int]]                # rows: annotator a, columns: annotator b, in LABELS order
    pairs: list[tuple[LabelRef, LabelRef]]

    @property
    def disagreements(self) -> list[tuple[LabelRef, LabelRef]]:
        """The pairs whose labels differ, in pair order."""
        return [(x, y) for x, y in self.pairs if x.label != y.label]


def paired(a: list[LabelRef], b: list[LabelRef]) -> list[tuple[LabelRef, LabelRef]]:
    """The (a, b) label pairs of every sentence both files label, in b's order; LabelSetError on a hash mismatch."""
    by_ref = {_key(r): r for r in a}
    pairs = []
    for ref in b:
        other = by_ref.get(_key(ref))
        if other is None:
            continue
        if other.sha1 != ref.sha1:
            raise LabelSetError(f"annotators labelled different texts ({other.sha1} vs {ref.sha1})",
                                where=f"{ref.ref_file} turn {ref.turn_idx} sentence {ref.sent_idx}")
        pairs.append((other, ref))
    return pairs


def agreement(pairs: list[tuple[LabelRef, LabelRef]]) -> Agreement:
    """Percent agreement, Cohen's kappa and the confusion matrix of label pairs; LabelSetError when there are none."""
    if not pairs:
        raise LabelSetError("the two label files share no sentence", where="label pairs")
    a = [x.label for x, _ in pairs]
    b = [y.label for _, y in pairs]
    return Agreement(
        n=len(pairs),
        accuracy=sum(x == y for x, y in zip(a, b)) / len(pairs),
        kappa=float(cohen_kappa_score(a, b, labels=list(LABELS))),
        confusion=confusion_matrix(a, b, labels=list(LABELS)).tolist(),
        pairs=pairs,
    )


def report(result: Agreement, *, strata: dict[tuple[str, int, int], str], a_name: str, b_name: str) -> str:
    """A plain-text report: the numbers, the confusion matrix, per-stratum counts and the disagreeing references."""
    width = max(map(len, LABELS)) + 2
    lines = [f"n = {result.n}   accuracy = {result.accuracy:.3f}   Cohen's kappa = {result.kappa:.3f}", "",
             f"confusion (rows {a_name}, columns {b_name}):",
             " " * width + "".join(f"{label:>{width}}" for label in LABELS)]
    lines += [f"{label:<{width}}" + "".join(f"{count:>{width}}" for count in row)
              for label, row in zip(LABELS, result.confusion)]
    totals = Counter(strata.get(_key(x), "?") for x, _ in result.pairs)
    misses = Counter(strata.get(_key(x), "?") for x, _ in result.disagreements)
    lines += ["", "disagreements by stratum:"]
    lines += [f"  {stratum:<28} {misses[stratum]:>3} / {totals[stratum]:>3}" for stratum in sorted(totals)]
    lines += ["", f"disagreements ({len(result.disagreements)}): ref_file turn sent sha1 {a_name} {b_name}"]
    lines += [f"  {x.ref_file}\t{x.turn_idx}\t{x.sent_idx}\t{x.sha1}\t{x.label}\t{y.label}"
              for x, y in result.disagreements]
    return "\n".join(lines)


def _key(ref: LabelRef) -> tuple[str, int, int]:
    return ref.ref_file, ref.turn_idx, ref.sent_idx


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--a", type=Path, default=ROOT / "labels" / "incall-labels.tsv")
    parser.add_argument("--b", type=Path, default=ROOT / "labels" / "incall-labels-B.tsv")
    parser.add_argument("--sample", type=Path, default=ROOT / "labels" / "sample.tsv")
    args = parser.parse_args(argv)
    pairs = paired(load_labels(args.a), load_labels(args.b))
    strata = {(r.ref_file, r.turn_idx, r.sent_idx): r.stratum for r in load_sample(args.sample)}
    print(report(agreement(pairs), strata=strata, a_name="A", b_name="B"))


if __name__ == "__main__":
    main()
