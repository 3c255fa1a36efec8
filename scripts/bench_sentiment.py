"""Sentiment benchmark (`make bench-sentiment`): the LM lexicon, the PhraseBank-only model and the shipped model on the
PhraseBank and in-call validation splits, leave-one-company-out, and sentences/s next to the raw encode."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path

import torch

from core.analysis.lexicon import lm_counts, lm_tone
from core.analysis.sentiment import CONFIG_FILE, LABELS, MODEL_DIR, SentimentModel, load_sentiment_model_from
from core.embedding import load_encoder
from scripts.accurate_fit import confusion
from scripts.bench.report import write_section
from scripts.labelset import corpus_sentences
from scripts.sample_sentences import group_of, is_eligible, is_lm_negative
from scripts.sentiment_data import (
    DEFAULT_CORPUS,
    DEFAULT_PHRASEBANK,
    Example,
    company_fold,
    incall_scores,
    metrics,
    read_incall,
    read_phrasebank,
    scores,
    sentence_key,
    split_by_call,
    stratified_split,
    trained_on,
)
from scripts.train_sentiment import (
    INCALL_VALIDATION,
    PHRASEBANK_VALIDATION,
    TrainConfig,
    fit,
    predict_states,
    tapped_states,
)

ROOT = Path(__file__).resolve().parents[1]

PHRASEBANK_MODEL_DIR = ROOT / "models" / "sentiment-phrasebank"
LEXICON = "Loughran–McDonald lexicon (pos − neg)"


def artefact(model_dir: Path) -> dict:
    """An artefact's config.json."""
    return json.loads((model_dir / CONFIG_FILE).read_text(encoding="utf-8"))


def phrasebank_validation(data_dir: Path, model_dirs: list[Path]) -> list[Example]:
    """The PhraseBank sentences every model was validated on (the same keys in each config), read from the files."""
    keys = set(artefact(model_dirs[0])["validation"]["keys"])
    for model_dir in model_dirs[1:]:
        if set(artefact(model_dir)["validation"]["keys"]) != keys:
            raise SystemExit(f"{model_dir} was validated on other PhraseBank sentences than {model_dirs[0]}")
    examples = [e for e in read_phrasebank(data_dir) if sentence_key(e.text) in keys]
    if len(examples) != len(keys):
        raise SystemExit(f"{data_dir}: {len(keys) - len(examples)} validation sentences are missing")
    return examples


def stratum_weights(examples: list[Example], corpus_dir: Path) -> list[float]:
    """Per example: eligible sentences of its stratum in the evaluated calls ÷ labelled examples of that stratum
    (labels/README.md: the sample oversamples lexicon-negative sentences and analyst questions)."""
    population: Counter[str] = Counter()
    for call in sorted({e.call for e in examples}):
        for sentence in corpus_sentences(corpus_dir, call):
            if is_eligible(sentence):
                population[f"{group_of(sentence)}-{'lmneg' if is_lm_negative(sentence.text) else 'rest'}"] += 1
    labelled = Counter(e.stratum for e in examples)
    return [population[e.stratum] / labelled[e.stratum] for e in examples]


def lexicon_labels(texts: list[str]) -> list[str]:
    return [lm_tone(lm_counts(t)).label for t in texts]


def leave_one_company_out(phrasebank: list[Example], incall: list[Example], *, config: TrainConfig,
                          corpus_dir: Path, baseline: SentimentModel) -> dict[str, dict]:
    """Per ticker: a model trained on PhraseBank (train part) + the other tickers' labels, its epoch selected on a
    by-call split of those, scored on every label of the ticker; next to the PhraseBank-only model and the lexicon."""
    encoder = load_encoder()
    train, _ = stratified_split(phrasebank, fraction=PHRASEBANK_VALIDATION, seed=config.seed)
    everything = train + incall
    cached = dict(zip((e.text for e in everything),
                      tapped_states(encoder, [e.text for e in everything], tap=encoder.num_layers - 1)))
    states = lambda examples: [cached[e.text] for e in examples]  # noqa: E731
    result = {}
    for ticker in sorted({e.ticker for e in incall}):
        others, test, targeted = company_fold(incall, ticker)
        fold_train, select = split_by_call(trained_on(others, targeted=config.targeted),
                                           fraction=INCALL_VALIDATION, seed=config.seed)
        branch, selected = fit(encoder, train + fold_train, config=config, select=select, states=states)
        weights = stratum_weights(test, corpus_dir)
        texts = [e.text for e in test]
        predicted = predict_states(branch, states(test))
        result[ticker] = {
            "new": {**incall_scores(predicted, test, weights), "epoch": selected["epoch"],
                    "confusion": confusion(predicted, test)},
            "phrasebank": incall_scores([r.label for r in baseline.predict(texts)], test, weights),
            "lexicon": incall_scores(lexicon_labels(texts), test, weights),
            "targeted": scores(predict_states(branch, states(targeted)), targeted) if targeted else None,
        }
        print(ticker, json.dumps(result[ticker]), file=sys.stderr)
    return result


def confusion_line(loco: dict[str, dict]) -> str:
    """The new model's per-class confusion, the held-out folds summed, with per-class recall and precision."""
    matrix = [[sum(row["new"]["confusion"][t][p] for row in loco.values()) for p in range(3)] for t in range(3)]
    recall = [matrix[t][t] / max(1, sum(matrix[t])) for t in range(3)]
    precision = [matrix[p][p] / max(1, sum(matrix[t][p] for t in range(3))) for p in range(3)]
    cells = "; ".join(f"{LABELS[t]} → " + " / ".join(str(round(x)) for x in matrix[t]) for t in range(3))
    return (f"Per-class confusion of the new model, the three folds summed (true → predicted {' / '.join(LABELS)}): "
            f"{cells}. Recall {' / '.join(_f(x) for x in recall)}; precision {' / '.join(_f(x) for x in precision)}.")


def best_rate(run, texts: list[str]) -> float:
    """Sentences per second of one run."""
    started = time.perf_counter()
    run(texts)
    return len(texts) / (time.perf_counter() - started)


def speeds(models: dict[str, SentimentModel], texts: list[str], *, repeats: int) -> dict[str, tuple[float, float]]:
    """(best sentences/s, median of the per-round ratios to raw encode) for raw encode and each embed_and_score.

    Rounds interleave the runs so that a change in machine load hits all of them alike."""
    encoder = load_encoder()
    encoder.encode(texts[:64])  # warm-up
    rates: dict[str, list[float]] = {"encode": [], **{name: [] for name in models}}
    for _ in range(repeats):
        rates["encode"].append(best_rate(encoder.encode, texts))
        for name, model in models.items():
            rates[name].append(best_rate(model.embed_and_score, texts))
    return {
        name: (max(values), statistics.median(v / e for v, e in zip(values, rates["encode"])))
        for name, values in rates.items()
    }


def _f(value: float) -> str:
    return f"{value:.3f}"


def section(*, phrasebank_rows: list, incall_rows: list, loco: dict, encode_rate: float, facts: dict) -> str:
    """The markdown of the sentiment section (scripts/bench/report.py puts it between its markers)."""
    lines = [
        "## Sentence sentiment (`make bench-sentiment`)", "",
        f"Run {dt.datetime.now().isoformat(timespec='minutes')}, {os.cpu_count()} CPUs, torch threads "
        f"{torch.get_num_threads()}, load average {facts['load']}; training threads 1. Models: "
        f"**{facts['new']}** (shipped, models/sentiment: PhraseBank train part + the in-call labels of the training "
        f"calls) and {facts['old']} (models/sentiment-phrasebank: PhraseBank only).", "",
        f"**In-call validation** ({facts['n_calls']} calls held out whole, 20% of each ticker's, "
        f"{incall_rows[0][1]['n']} labelled sentences; no sentence of these calls was "
        "trained on). Weighted = each sentence weighted by its stratum's share of the eligible sentences of those "
        "calls ÷ its share of the labels (labels/README.md: lexicon-negative sentences and analyst questions are "
        "oversampled), i.e. an estimate for all sentences of a call.", "",
        "| classifier | accuracy | macro-F1 | weighted accuracy | weighted macro-F1 |", "|---|---|---|---|---|",
    ]
    lines += [f"| {name} | {_f(s['accuracy'])} | {_f(s['macro_f1'])} | {_f(s['weighted_accuracy'])} | "
              f"{_f(s['weighted_macro_f1'])} |" for name, s in incall_rows]
    lines += [
        "", "**Leave one company out** — the honest number for unseen companies: per ticker, a model trained with "
        "the shipped recipe on PhraseBank (train part) + the other two tickers' labels (epoch selected on a by-call "
        "split of those), scored on every label of the held-out ticker.", "",
        "| held-out ticker | n | new: accuracy | new: weighted acc. | new: macro-F1 | PhraseBank-only: accuracy | "
        "PhraseBank-only: weighted acc. | PhraseBank-only: macro-F1 | lexicon: accuracy |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    keys = ("accuracy", "weighted_accuracy", "macro_f1")
    for ticker, row in loco.items():
        lines.append(f"| {ticker} | {row['new']['n']} | " + " | ".join(_f(row['new'][k]) for k in keys) + " | "
                     + " | ".join(_f(row['phrasebank'][k]) for k in keys) + f" | {_f(row['lexicon']['accuracy'])} |")
    mean = {m: {k: statistics.mean(row[m][k] for row in loco.values()) for k in keys} for m in ("new", "phrasebank",
                                                                                                  "lexicon")}
    lines.append("| **mean** | | " + " | ".join(f"**{_f(mean['new'][k])}**" for k in keys) + " | "
                 + " | ".join(_f(mean['phrasebank'][k]) for k in keys) + f" | {_f(mean['lexicon']['accuracy'])} |")
    lines += ["", confusion_line(loco)]
    targeted = {ticker: row["targeted"] for ticker, row in loco.items() if row["targeted"]}
    if targeted:
        trained = "the other companies' are trained on" if facts["targeted"] else "the recipe trains on none of them"
        lines += ["", "The same folds on the held-out ticker's **targeted labels** (analyst questions, guidance, "
                  f"hedged statements; labels/README.md — {trained}): "
                  + "; ".join(f"{t} {s['n']}: accuracy {_f(s['accuracy'])}, macro-F1 {_f(s['macro_f1'])}"
                              for t, s in targeted.items()) + "."]
    lines += [
        "", f"**PhraseBank validation** (the stratified 20% of the distinct Financial PhraseBank train-part sentences "
        "that neither model trained on; all levels = 50Agree labels, all-agree = its AllAgree subset). Speed on "
        f"those {facts['n_phrasebank']} sentences (batch 64): best of {facts['repeats']} interleaved rounds; "
        "÷ raw encode = median over rounds of the ratio to the raw encode (frozen MiniLM embeddings only).", "",
        "| classifier | acc. all levels | macro-F1 all levels | acc. all-agree | macro-F1 all-agree | sentences/s "
        "(with embeddings) | ÷ raw encode |", "|---|---|---|---|---|---|---|",
    ]
    for name, s, rate in phrasebank_rows:
        a, b = s["all_levels"], s["all_agree"]
        speed = f"{rate[0]:.0f} | {rate[1]:.2f}" if rate else "– | –"
        lines.append(f"| {name} | {_f(a['accuracy'])} | {_f(a['macro_f1'])} | {_f(b['accuracy'])} | "
                     f"{_f(b['macro_f1'])} | {speed} |")
    lines += [
        f"| raw encode (no sentiment) | | | | | {encode_rate:.0f} | 1.00 |", "",
        "Published bar (FinBERT, Araci 2019, its own test split): 0.86 accuracy on all agreement levels, 0.97 on "
        "all-agree; frozen MiniLM + logistic regression reaches about 0.78 (STACK.md).",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Evaluate the lexicon and both artefacts, train the leave-one-company-out models, write BENCHMARKS.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data_dir", type=Path, nargs="?", default=DEFAULT_PHRASEBANK, help="PhraseBank directory")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="StreetEvents corpus of the labels")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2, help="torch threads of the speed runs (training uses 1)")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    phrasebank, incall = read_phrasebank(args.data_dir), read_incall(args.corpus)
    torch.set_num_threads(1)
    config = TrainConfig()  # the recipe of `make train-sentiment`; checked against the shipped model's below
    dirs = [MODEL_DIR, PHRASEBANK_MODEL_DIR]
    old = load_sentiment_model_from(PHRASEBANK_MODEL_DIR)
    loco = leave_one_company_out(phrasebank, incall, config=config, corpus_dir=args.corpus, baseline=old)
    shipped = artefact(MODEL_DIR)["training"]
    if {k: shipped.get(k) for k in asdict(config)} != asdict(config):
        raise SystemExit(f"{MODEL_DIR} was not trained with the current recipe {config}: run make train-sentiment")
    new = load_sentiment_model_from(MODEL_DIR)
    names = {new.version: f"MiniLM, top-layer readout tuned, PhraseBank + in-call ({new.version})",
             old.version: f"MiniLM, top-layer readout tuned, PhraseBank only ({old.version})"}
    validation = phrasebank_validation(args.data_dir, dirs)
    held_calls = set(artefact(MODEL_DIR)["incall_validation"]["calls"])
    incall_validation = [e for e in incall if e.call in held_calls and not e.targeted]
    weights = stratum_weights(incall_validation, args.corpus)
    texts = [e.text for e in incall_validation]
    incall_rows = [(names[m.version], incall_scores([r.label for r in m.predict(texts)], incall_validation, weights))
                   for m in (new, old)]
    incall_rows.append((LEXICON, incall_scores(lexicon_labels(texts), incall_validation, weights)))
    torch.set_num_threads(args.threads)
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    pb_texts = [e.text for e in validation]
    rates = speeds({names[m.version]: m for m in (new, old)}, pb_texts, repeats=args.repeats)
    phrasebank_rows = [(names[m.version], metrics([r.label for r in m.predict(pb_texts)], validation),
                        rates[names[m.version]]) for m in (new, old)]
    phrasebank_rows.append((LEXICON, metrics(lexicon_labels(pb_texts), validation), None))
    facts = {"load": load, "new": new.version, "old": old.version, "n_calls": len(held_calls),
             "n_phrasebank": len(validation), "repeats": args.repeats, "targeted": config.targeted}
    text = section(phrasebank_rows=phrasebank_rows, incall_rows=incall_rows, loco=loco,
                   encode_rate=rates["encode"][0], facts=facts)
    print(write_section(args.output, "sentiment", text))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
