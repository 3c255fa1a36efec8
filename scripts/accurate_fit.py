"""The training loop of the accurate sentiment model (scripts/train_accurate.py): adapters and head trained with
AdamW, linear warm-up and decay (the schedule of scripts/train_sentiment.py), on texts tokenized once; the epoch
chosen on a selection set as scripts/sentiment_ceiling.py chooses it."""
from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
import sys
import time
from dataclasses import dataclass

import numpy as np
import torch
from sklearn.metrics import confusion_matrix

from core.analysis.sentiment import LABELS
from core.analysis.sentiment_accurate import AdaptedClassifier
from core.batching import Tokens, padded, sorted_batches, tokenize
from core.embedding import MAX_TOKENS
from scripts.accurate_kit import SEED
from scripts.sentiment_data import Example, scores
from scripts.train_sentiment import length_bucketed_batches, warmup_then_decay


@dataclass(frozen=True)
class RunConfig:
    """One configuration of the adapters and their training."""

    rank: int = 16
    lr: float = 5e-4
    epochs: int = 5
    alpha: float = 32.0
    batch: int = 32
    dropout: float = 0.1  # before the head
    adapter_dropout: float = 0.1  # on each adapter's input
    weight_decay: float = 0.01

    @property
    def name(self) -> str:
        return f"{f'r{self.rank}' if self.rank else 'full'}-lr{self.lr:g}-e{self.epochs}"


def say(line: str) -> None:
    print(f"{dt.datetime.now():%H:%M:%S} {line}", file=sys.stderr, flush=True)


class Batches:
    """Every text tokenized once; padded batches on the training device."""

    def __init__(self, tokenizer, texts: list[str], *, device: str) -> None:
        unique = sorted(set(texts))
        self.ids = dict(zip(unique, tokenize(tokenizer, unique, max_tokens=MAX_TOKENS).ids))
        self.device = device

    def tokens(self, examples: list[Example]) -> Tokens:
        return Tokens(tuple(self.ids[e.text] for e in examples))

    def tensors(self, tokens: Tokens, index) -> tuple[torch.Tensor, torch.Tensor]:
        ids, mask = padded(tokens, np.asarray(index))
        return (torch.from_numpy(ids).to(self.device, non_blocking=True),
                torch.from_numpy(mask).to(self.device, non_blocking=True))


def predict(model: AdaptedClassifier, batches: Batches, tokens: Tokens) -> list[str]:
    """Labels of tokenized texts, in their order."""
    model.eval()
    best = np.zeros(len(tokens), dtype=np.int64)
    with torch.no_grad():
        for index in sorted_batches(tokens.lengths, batch_size=256):
            best[index] = model(*batches.tensors(tokens, index)).argmax(dim=1).cpu().numpy()
    return [LABELS[i] for i in best]


def confusion(predicted: list[str], examples: list[Example], weights: list[float] | None = None) -> list[list[float]]:
    """Rows = true label, columns = predicted label, in LABELS order (weighted: sums of the weights)."""
    matrix = confusion_matrix([LABELS[e.label] for e in examples], predicted, labels=list(LABELS),
                              sample_weight=weights)
    return [[round(float(x), 3) for x in row] for row in matrix]


def fit(base: torch.nn.Module, batches: Batches, train: list[Example], select: list[Example], *,
        config: RunConfig, evaluate) -> tuple[AdaptedClassifier, dict]:
    """Train adapters and head on `train` (AdamW, warm-up then linear decay); after each epoch score `select` and,
    when it is no worse than before, evaluate(model) (ties: the later epoch, as the ceiling does). Without `select`
    the last epoch is evaluated. Returns the model of the last epoch and the selected epoch's results."""
    torch.manual_seed(SEED)
    rng = random.Random(SEED)
    model = AdaptedClassifier(base, rank=config.rank, alpha=config.alpha, dropout=config.dropout,
                              adapter_dropout=config.adapter_dropout).to(batches.device)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=config.lr, weight_decay=config.weight_decay)
    schedule = warmup_then_decay(optimizer, steps=config.epochs * math.ceil(len(train) / config.batch))
    tokens, chosen = batches.tokens(train), batches.tokens(select)
    target = torch.tensor([e.label for e in train], device=batches.device)
    best: dict = {"select_accuracy": -1.0}
    history = []
    for epoch in range(1, config.epochs + 1):
        model.train()
        started, total = time.time(), 0.0
        for index in length_bucketed_batches(tokens.ids, batch_size=config.batch, rng=rng):
            loss = torch.nn.functional.cross_entropy(model(*batches.tensors(tokens, index)), target[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(index)
        row = {"epoch": epoch, "loss": round(total / len(train), 4), "seconds": round(time.time() - started, 1)}
        if select:
            row["select_accuracy"] = scores(predict(model, batches, chosen), select)["accuracy"]
        history.append(row)
        say(f"{config.name} epoch {epoch}: " + ", ".join(f"{k} {v}" for k, v in row.items() if k != "epoch"))
        if select and row["select_accuracy"] >= best["select_accuracy"]:
            best = {"epoch": epoch, "select_accuracy": row["select_accuracy"], **evaluate(model)}
    if not select:
        best = {"epoch": config.epochs, **evaluate(model)}
    return model, {**best, "history": history, "trainable_parameters": sum(p.numel() for p in trainable)}


def examples_hash(examples: list[Example]) -> str:
    """sha256 over the sorted (label, text) lines of a training set."""
    lines = sorted(f"{LABELS[e.label]}\t{e.text}" for e in examples)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
