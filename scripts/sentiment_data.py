"""Training and evaluation data of the sentiment model: Financial PhraseBank and the in-call labels (labels/), splits
and scores. Texts are read from the data directories given; nothing here holds a sentence."""
from __future__ import annotations

import csv
import hashlib
import random
from dataclasses import dataclass
from pathlib import Path

from sklearn.metrics import accuracy_score, f1_score

from core.analysis.sentiment import LABELS
from core.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]

ALL_LEVELS = "Sentences_50Agree.tsv"  # every sentence, labelled by majority (>= 50% of annotators)
AGREEMENT_FILES = (ALL_LEVELS, "Sentences_66Agree.tsv", "Sentences_75Agree.tsv", "Sentences_AllAgree.tsv")
ALL_AGREE = "Sentences_AllAgree.tsv"
LABELS_DIR = ROOT / "labels"
INCALL_FILES = ("incall-labels.tsv", "adjudicated.tsv", "sample.tsv")
# labels/README.md: more sentences of the kinds the leave-one-company-out errors concentrate on, for training only
TARGETED_FILES = ("incall-labels-targeted.tsv", "sample-targeted.tsv")
TARGETED_PREFIX = "targeted-"
LABEL_FILES = INCALL_FILES + TARGETED_FILES  # every file the in-call examples are read from
DEFAULT_PHRASEBANK = ROOT.parent / "shared" / "sentiment" / "phrasebank-train"
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "streetevents"


@dataclass(frozen=True)
class Example:
    """One labelled sentence. PhraseBank: all_agree marks its all-annotators-agree subset. In-call: the call file
    ("NVDA/2023-05-24-NVDA.txt") and the sampling stratum ("qa-executive-lmneg", or "targeted-question" for a label
    of the targeted sample, which is trained on but never scored)."""

    text: str
    label: int
    all_agree: bool = False
    call: str = ""
    stratum: str = ""

    @property
    def ticker(self) -> str:
        """The company of an in-call example ("NVDA")."""
        return self.call.split("/", 1)[0]

    @property
    def targeted(self) -> bool:
        """A label of the targeted sample (labels/sample-targeted.tsv)."""
        return self.stratum.startswith(TARGETED_PREFIX)


def sentence_key(text: str) -> str:
    """A stable reference to a sentence that does not contain it."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def read_labelled_tsv(path: Path) -> list[tuple[str, str]]:
    """(sentence, label) rows of a TSV with header `sentence<TAB>label`."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc}", where=str(path)) from exc
    if not rows or rows[0] != ["sentence", "label"]:
        raise ConfigError("expected a header 'sentence<TAB>label'", where=str(path))
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != 2 or row[1] not in LABELS:
            raise ConfigError(f"line {line}: expected a sentence and one of {LABELS}", where=str(path))
    return [(text, label) for text, label in rows[1:]]


def read_phrasebank(data_dir: Path) -> list[Example]:
    """The deduplicated sentences of the 50Agree file, flagged when they are in the AllAgree file."""
    all_agree = {text for text, _ in read_labelled_tsv(data_dir / ALL_AGREE)}
    examples: dict[str, Example] = {}
    for text, label in read_labelled_tsv(data_dir / ALL_LEVELS):
        examples.setdefault(text, Example(text, LABELS.index(label), text in all_agree))
    return list(examples.values())


def read_incall(corpus_dir: Path, *, labels_dir: Path = LABELS_DIR, calls: set[str] | None = None,
                targeted: bool = True) -> list[Example]:
    """The sample's labels with the adjudicated ones applied, then (unless targeted=False) the targeted sample's — of
    the given call files (default all), texts rebuilt from the corpus (LabelSetError on drift)."""
    # here, not at the top: the splits and scores above run where the parsers' libraries are not installed (the GPU
    # kit of scripts/train_accurate.py)
    from scripts.labelset import load_adjudicated, load_labels, load_sample, rebuild_texts, with_adjudicated

    labels = with_adjudicated(load_labels(labels_dir / INCALL_FILES[0]), load_adjudicated(labels_dir / INCALL_FILES[1]))
    samples = load_sample(labels_dir / INCALL_FILES[2])
    if targeted:
        labels += load_labels(labels_dir / TARGETED_FILES[0])
        samples += load_sample(labels_dir / TARGETED_FILES[1])
    labels = [r for r in labels if calls is None or r.ref_file in calls]
    strata = {(r.ref_file, r.turn_idx, r.sent_idx): r.stratum for r in samples}
    texts = rebuild_texts(labels, corpus_dir)
    return [Example(text, LABELS.index(r.label), call=r.ref_file, stratum=strata[(r.ref_file, r.turn_idx, r.sent_idx)])
            for text, r in zip(texts, labels)]


def stratified_split(examples: list[Example], *, fraction: float, seed: int) -> tuple[list[Example], list[Example]]:
    """(train, validation): per label, a seeded shuffle by sentence key, the first `fraction` held out."""
    rng = random.Random(seed)
    train, validation = [], []
    for label in range(len(LABELS)):
        group = sorted((e for e in examples if e.label == label), key=lambda e: sentence_key(e.text))
        rng.shuffle(group)
        cut = round(len(group) * fraction)
        validation += group[:cut]
        train += group[cut:]
    return train, validation


def split_by_call(examples: list[Example], *, fraction: float, seed: int) -> tuple[list[Example], list[Example]]:
    """(train, validation) of in-call examples: per ticker, a seeded `fraction` of its calls held out whole; the
    targeted labels of held-out calls are in neither part (they are never scored)."""
    rng = random.Random(seed)
    held: set[str] = set()
    for ticker in sorted({e.ticker for e in examples}):
        calls = sorted({e.call for e in examples if e.ticker == ticker and not e.targeted})  # as the sample's
        rng.shuffle(calls)
        held |= set(calls[: round(len(calls) * fraction)])
    return [e for e in examples if e.call not in held], [e for e in examples if e.call in held and not e.targeted]


def trained_on(examples: list[Example], *, targeted: bool) -> list[Example]:
    """The examples a recipe trains on: all, or all but the targeted labels."""
    return [e for e in examples if targeted or not e.targeted]


def company_fold(incall: list[Example], ticker: str) -> tuple[list[Example], list[Example], list[Example]]:
    """Leave one company out: (the other tickers' examples, the ticker's sample labels to score, the ticker's
    targeted labels — a second, separately reported check)."""
    mine = [e for e in incall if e.ticker == ticker]
    return ([e for e in incall if e.ticker != ticker], [e for e in mine if not e.targeted],
            [e for e in mine if e.targeted])


def files_hash(paths: list[Path]) -> str:
    """sha256 over the names and bytes of the training files."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def scores(predicted: list[str], examples: list[Example], *, weights: list[float] | None = None) -> dict:
    """n, accuracy and macro-F1 (weighted by per-example weights when given)."""
    truth = [LABELS[e.label] for e in examples]
    return {
        "n": len(examples),
        "accuracy": round(accuracy_score(truth, predicted, sample_weight=weights), 4),
        "macro_f1": round(f1_score(truth, predicted, average="macro", labels=list(LABELS),
                                  sample_weight=weights, zero_division=0), 4),
    }


def incall_scores(predicted: list[str], examples: list[Example], weights: list[float]) -> dict:
    """Plain and stratum-weighted accuracy / macro-F1."""
    weighted = scores(predicted, examples, weights=weights)
    return {**scores(predicted, examples), "weighted_accuracy": weighted["accuracy"],
            "weighted_macro_f1": weighted["macro_f1"]}


def metrics(predicted: list[str], examples: list[Example]) -> dict:
    """PhraseBank scores on all examples and on the all-agree subset."""
    agree = [i for i, e in enumerate(examples) if e.all_agree]
    return {"all_levels": scores(predicted, examples),
            "all_agree": scores([predicted[i] for i in agree], [examples[i] for i in agree])}
