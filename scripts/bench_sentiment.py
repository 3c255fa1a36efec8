"""Sentiment benchmark (`make bench-sentiment`): validation accuracy / macro-F1, sentences/s next to raw encode."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.embedding import load_encoder  # noqa: E402
from core.lexicon import lm_counts, lm_tone  # noqa: E402
from core.sentiment import CONFIG_FILE, MODEL_DIR, SentimentModel, load_sentiment_model_from  # noqa: E402
from bench.report import write_section  # noqa: E402
from train_sentiment import Example, metrics, read_phrasebank, sentence_key  # noqa: E402


def validation_examples(data_dir: Path, model_dir: Path) -> list[Example]:
    """The sentences the model was not trained on (keys stored in its config), read from the PhraseBank files."""
    keys = set(json.loads((model_dir / CONFIG_FILE).read_text(encoding="utf-8"))["validation"]["keys"])
    examples = [e for e in read_phrasebank(data_dir) if sentence_key(e.text) in keys]
    if len(examples) != len(keys):
        raise SystemExit(f"{data_dir}: {len(keys) - len(examples)} validation sentences of {model_dir} are missing")
    return examples


def best_rate(run, texts: list[str], *, repeats: int) -> float:
    """Sentences per second of the fastest of `repeats` runs."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run(texts)
        times.append(time.perf_counter() - started)
    return len(texts) / min(times)


def speeds(models: dict[str, SentimentModel], texts: list[str], *, repeats: int) -> dict[str, tuple[float, float]]:
    """(best sentences/s, median of the per-round ratios to raw encode) for raw encode and each embed_and_score.

    Rounds interleave the runs so that a change in machine load hits all of them alike."""
    encoder = load_encoder()
    encoder.encode(texts[:64])  # warm-up
    rates: dict[str, list[float]] = {"encode": [], **{name: [] for name in models}}
    for _ in range(repeats):
        rates["encode"].append(best_rate(encoder.encode, texts, repeats=1))
        for name, model in models.items():
            rates[name].append(best_rate(model.embed_and_score, texts, repeats=1))
    return {
        name: (max(values), statistics.median(v / e for v, e in zip(values, rates["encode"])))
        for name, values in rates.items()
    }


def section(
    rows: list[tuple[str, dict, tuple[float, float] | None]], *, encode_rate: float, n_texts: int, load: str
) -> str:
    """The markdown of the sentiment section (scripts/bench/report.py puts it between its markers)."""
    lines = [
        "## Sentence sentiment (`make bench-sentiment`)",
        "",
        f"Run {dt.datetime.now().isoformat(timespec='minutes')}, {os.cpu_count()} CPUs, torch threads "
        f"{torch.get_num_threads()}, load average {load}. Validation split: the stratified 20% of the distinct "
        "Financial PhraseBank (train part) sentences held out by `scripts/train_sentiment.py`; all levels = 50Agree "
        "labels, all-agree = its AllAgree subset. Speed on the "
        f"{n_texts} validation sentences (batch 64): best of the interleaved rounds; ÷ raw encode = median over "
        "rounds of the ratio to the raw encode (frozen MiniLM embeddings only) of the same round.",
        "",
        "| classifier | acc. all levels | macro-F1 all levels | acc. all-agree | macro-F1 all-agree | sentences/s "
        "(with embeddings) | ÷ raw encode |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, scores, rate in rows:
        a, b = scores["all_levels"], scores["all_agree"]
        speed = f"{rate[0]:.0f} | {rate[1]:.2f}" if rate else "– | –"
        lines.append(f"| {name} | {a['accuracy']:.3f} | {a['macro_f1']:.3f} | {b['accuracy']:.3f} | "
                     f"{b['macro_f1']:.3f} | {speed} |")
    lines += [
        f"| raw encode (no sentiment) | | | | | {encode_rate:.0f} | 1.00 |",
        "",
        "Published bar (FinBERT, Araci 2019, its own test split): 0.86 accuracy on all agreement levels, 0.97 on "
        "all-agree; frozen MiniLM + logistic regression reaches about 0.78 (STACK.md).",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Evaluate the shipped model (and any other artefact directories given), time them, write BENCHMARKS.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data_dir", type=Path, help="directory with the PhraseBank Sentences_*Agree.tsv files")
    parser.add_argument("--models", type=Path, nargs="+", default=[MODEL_DIR], help="artefact directories")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    validation = validation_examples(args.data_dir, args.models[0])
    texts = [e.text for e in validation]
    models = {}
    for model_dir in args.models:
        if {e.text for e in validation_examples(args.data_dir, model_dir)} != set(texts):
            raise SystemExit(f"{model_dir} was validated on other sentences than {args.models[0]}")
        model = load_sentiment_model_from(model_dir)
        k = json.loads((model_dir / CONFIG_FILE).read_text(encoding="utf-8"))["k"]
        models[f"MiniLM, top {k} layer{'s' * (k > 1)} tuned ({model.version})"] = model
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    rates = speeds(models, texts, repeats=args.repeats)
    rows = [(name, metrics([r.label for r in m.predict(texts)], validation), rates[name]) for name, m in models.items()]
    rows.append(("Loughran–McDonald lexicon (pos − neg)", metrics([lm_tone(lm_counts(t)).label for t in texts],
                                                                  validation), None))
    text = section(rows, encode_rate=rates["encode"][0], n_texts=len(texts), load=load)
    print(write_section(args.output, "sentiment", text))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
