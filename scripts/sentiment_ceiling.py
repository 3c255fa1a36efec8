"""How far this base model can go on unseen companies (`make bench-sentiment-ceiling`, ~25 min on one thread).

Leave one company out as `make bench-sentiment` does it, but with ALL of all-MiniLM-L6-v2 fine-tuned (mean pooling
and a linear head; no artefact-size or ingest-speed limit): per ticker, train on the PhraseBank train part plus the
other two tickers' in-call labels, select the epoch on a by-call split of those labels, score every label of the
held-out ticker. The shipped model is a small readout over the frozen encoder; this is the ceiling it is judged
against. Writes the `sentiment-ceiling` section of BENCHMARKS.md.
"""
from __future__ import annotations

import argparse
import copy
import datetime as dt
import math
import random
import sys
import time
from pathlib import Path

import torch

from core.analysis.sentiment import LABELS
from core.embedding import Encoder, load_encoder, mean_pool
from scripts.bench.report import table, write_section
from scripts.bench_sentiment import incall_scores, stratum_weights
from scripts.sentiment_data import (
    DEFAULT_CORPUS,
    DEFAULT_PHRASEBANK,
    Example,
    company_fold,
    metrics,
    read_incall,
    read_phrasebank,
    scores,
    split_by_call,
    stratified_split,
)
from scripts.train_sentiment import (
    INCALL_VALIDATION,
    PHRASEBANK_VALIDATION,
    TrainConfig,
    length_bucketed_batches,
    warmup_then_decay,
)

ROOT = Path(__file__).resolve().parents[1]

MAX_TOKENS, BATCH, SEED = 128, 32, 13


class FineTuned(torch.nn.Module):
    """A trainable copy of the whole encoder, mean pooling, dropout and a linear head."""

    def __init__(self, encoder: Encoder) -> None:
        super().__init__()
        self.encoder = copy.deepcopy(encoder.model)
        self.dropout = torch.nn.Dropout(0.1)
        self.head = torch.nn.Linear(self.encoder.config.hidden_size, len(LABELS))

    def forward(self, tokens: dict) -> torch.Tensor:
        hidden = self.encoder(**tokens).last_hidden_state
        return self.head(self.dropout(mean_pool(hidden, tokens["attention_mask"])))


def _tokens(encoder: Encoder, texts: list[str]) -> dict:
    return encoder.tokenizer(texts, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt")


def predict(model: FineTuned, encoder: Encoder, texts: list[str]) -> list[str]:
    model.eval()
    labels: list[str] = [""] * len(texts)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    with torch.no_grad():
        for start in range(0, len(order), 64):
            index = order[start : start + 64]
            for i, best in zip(index, model(_tokens(encoder, [texts[i] for i in index])).argmax(dim=1).tolist()):
                labels[i] = LABELS[best]
    return labels


def fold(encoder: Encoder, train: list[Example], select: list[Example], *, epochs: int, lr: float,
         evaluate) -> dict:
    """Fine-tune on train; after each epoch, score select and evaluate(model); keep the best epoch on select."""
    torch.manual_seed(SEED)
    rng = random.Random(SEED)
    model = FineTuned(encoder)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    schedule = warmup_then_decay(optimizer, steps=epochs * math.ceil(len(train) / BATCH))
    target = torch.tensor([e.label for e in train])
    best: dict = {"select": -1.0}
    for epoch in range(1, epochs + 1):
        model.train()
        for index in length_bucketed_batches([e.text for e in train], batch_size=BATCH, rng=rng):
            loss = torch.nn.functional.cross_entropy(model(_tokens(encoder, [train[i].text for i in index])),
                                                     target[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
        selected = scores(predict(model, encoder, [e.text for e in select]), select)["accuracy"]
        print(f"epoch {epoch}: selection accuracy {selected:.4f}", file=sys.stderr, flush=True)
        if selected >= best["select"]:
            best = {"select": selected, "epoch": epoch, **evaluate(model)}
    return best


def section(rows: list[list], *, epochs: int, lr: float, started: str, minutes: float) -> str:
    return "\n".join([
        "## Sentiment ceiling: the whole base model fine-tuned (`make bench-sentiment-ceiling`)",
        "",
        f"Run {started}, 1 torch thread, {minutes:.0f} min. Leave one company out with every weight of "
        f"all-MiniLM-L6-v2 trained (mean pooling + linear head; {epochs} epochs, lr {lr:g}, batch {BATCH}, at most "
        f"{MAX_TOKENS} tokens, seed {SEED}): no 5 MB limit and no shared encoder pass, so not shippable — it shows "
        "how far this base model goes with these labels. Same folds, selection and weighting as the "
        "leave-one-company-out table of `make bench-sentiment`.",
        "",
        table(["held-out ticker", "n", "epoch", "accuracy", "weighted acc.", "macro-F1",
               "PhraseBank val all levels", "PhraseBank val all-agree"], rows),
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data_dir", type=Path, nargs="?", default=DEFAULT_PHRASEBANK, help="PhraseBank directory")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="StreetEvents corpus of the labels")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    started, clock = dt.datetime.now().isoformat(timespec="minutes"), time.time()
    train, validation = stratified_split(read_phrasebank(args.data_dir), fraction=PHRASEBANK_VALIDATION, seed=SEED)
    incall, encoder = read_incall(args.corpus, targeted=False), load_encoder()  # as its BENCHMARKS row
    rows, means = [], []
    for ticker in sorted({e.ticker for e in incall}):
        others, test, _ = company_fold(incall, ticker)
        fold_train, select = split_by_call(others, fraction=INCALL_VALIDATION, seed=SEED)
        weights = stratum_weights(test, args.corpus)

        def evaluate(model: FineTuned, test: list = test, weights: list = weights) -> dict:
            phrasebank = metrics(predict(model, encoder, [e.text for e in validation]), validation)
            return {"test": incall_scores(predict(model, encoder, [e.text for e in test]), test, weights),
                    "pb_all": phrasebank["all_levels"]["accuracy"], "pb_agree": phrasebank["all_agree"]["accuracy"]}

        repeats = TrainConfig().incall_repeats  # as the shipped recipe weighs the in-call labels
        best = fold(encoder, train + fold_train * repeats, select, epochs=args.epochs, lr=args.lr, evaluate=evaluate)
        got = best["test"]
        means.append((got["accuracy"], got["weighted_accuracy"], got["macro_f1"]))
        rows.append([ticker, len(test), best["epoch"], f"{got['accuracy']:.3f}", f"{got['weighted_accuracy']:.3f}",
                     f"{got['macro_f1']:.3f}", f"{best['pb_all']:.3f}", f"{best['pb_agree']:.3f}"])
        print(ticker, rows[-1], file=sys.stderr, flush=True)
    rows.append(["**mean**", "", ""] + [f"**{sum(m[i] for m in means) / len(means):.3f}**" for i in range(3)]
                + ["", ""])
    text = section(rows, epochs=args.epochs, lr=args.lr, started=started, minutes=(time.time() - clock) / 60)
    print(write_section(args.output, "sentiment-ceiling", text))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
