"""The CUDA check, for a machine with a GPU: half precision against the CPU on real call sentences, and speed.

    .venv/bin/python -m scripts.gpu_check [--calls 40] [--batch-size 1024] [--json]

Agreement: every label equal to the CPU run's where the CPU's top two probabilities are at least MARGIN apart
(closer than that a label is a coin toss in any precision; those are counted apart), and every vector within
cosine 0.999 of the CPU's. Speed (sentences/s): one process tokenizing (the fast tokenizer, parallel inside), the
encoder + sentiment pass on tokens made ahead, and the whole `embed_and_score` from text. Exit code 1 when the
agreement fails; tests/test_device.py runs `compare` where CUDA exists.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "streetevents"
MARGIN = 0.02  # CPU p(top) - p(second) below this: a near-tie, not held against the GPU
MIN_COSINE = 0.999


@dataclass(frozen=True)
class DeviceReport:
    """How the CUDA run compares with the CPU run on the same texts."""

    device: str
    dtype: str
    sentences: int
    min_cosine: float
    mean_cosine: float
    label_agreement: float
    flips: int
    flips_with_margin: int  # label changes where the CPU's label was no near-tie: must be 0

    @property
    def ok(self) -> bool:
        return self.min_cosine >= MIN_COSINE and self.flips_with_margin == 0


def _probabilities(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def compare(texts: list[str], *, batch_size: int = 1024) -> DeviceReport:
    """CPU float32 against CUDA float16 on these texts."""
    from core.analysis.sentiment import load_sentiment_model

    cpu, gpu = load_sentiment_model("cpu"), load_sentiment_model("cuda")
    cpu_vectors, cpu_logits = cpu.embed_and_logits(texts, batch_size=64)
    gpu_vectors, gpu_logits = gpu.embed_and_logits(texts, batch_size=batch_size)
    cosine = (cpu_vectors * gpu_vectors).sum(axis=1)
    probs = np.sort(_probabilities(cpu_logits), axis=1)
    clear = probs[:, -1] - probs[:, -2] >= MARGIN
    flipped = cpu_logits.argmax(axis=1) != gpu_logits.argmax(axis=1)
    dtype = str(next(gpu.encoder.model.parameters()).dtype)
    return DeviceReport(gpu.encoder.device, dtype, len(texts), float(cosine.min()), float(cosine.mean()),
                        float(1 - flipped.mean()), int(flipped.sum()), int((flipped & clear).sum()))


def speeds(texts: list[str], *, batch_size: int) -> dict[str, float]:
    """Sentences/s: tokenizing in one process, the model on tokens made ahead, and embed_and_score from text."""
    import torch

    from core.analysis.sentiment import load_sentiment_model

    model = load_sentiment_model("cuda")
    model.embed_and_score(texts[:batch_size], batch_size=batch_size)  # warm-up (kernels, allocator)
    started = time.perf_counter()
    tokens = model.encoder.tokenize(texts)
    tokenize_s = time.perf_counter() - started
    torch.cuda.synchronize()
    started = time.perf_counter()
    model.embed_and_logits(texts, batch_size=batch_size, tokens=tokens)
    model_s = time.perf_counter() - started
    started = time.perf_counter()
    model.embed_and_score(texts, batch_size=batch_size)
    whole_s = time.perf_counter() - started
    return {"tokenize": len(texts) / tokenize_s, "model_on_tokens": len(texts) / model_s,
            "embed_and_score": len(texts) / whole_s}


def corpus_sentences(calls: int) -> list[str]:
    """The sentences of the latest `calls` StreetEvents calls per ticker in ../shared."""
    from core.analysis.sentences import sentences_of
    from core.ingest.parsers import parse_document

    texts: list[str] = []
    for folder in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        for path in sorted(folder.glob("*.txt"))[-calls:]:
            texts += [s.text for s in sentences_of(parse_document(path.read_text(encoding="utf-8"),
                                                                  source=str(path)))]
    return texts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=40, help="latest calls per ticker (default 40: ~50k sentences)")
    parser.add_argument("--check", type=int, default=4096, help="sentences of the CPU comparison (default 4096)")
    parser.add_argument("--batch-size", type=int, default=1024)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    import torch

    if not torch.cuda.is_available():
        print("no CUDA GPU here: nothing to check", file=sys.stderr)
        return 2
    texts = corpus_sentences(args.calls)
    report = compare(texts[:args.check], batch_size=args.batch_size)
    rates = speeds(texts, batch_size=args.batch_size)
    facts = {"gpu": torch.cuda.get_device_name(), "torch": torch.__version__, "sentences": len(texts),
             "words_mean": float(np.mean([len(t.split()) for t in texts])), **asdict(report), "ok": report.ok,
             "per_second": {k: round(v) for k, v in rates.items()}}
    print(json.dumps(facts, indent=2) if args.json else "\n".join(f"{k}: {v}" for k, v in facts.items()))
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
