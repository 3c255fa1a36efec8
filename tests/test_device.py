"""Device choice and the encoder's batching: `auto` resolves to the CPU here, tokens made ahead and the CUDA path's
batching (token-sorted, staged by a background thread) give the CPU path's results in the input order; on a
machine with CUDA, half precision keeps the labels and the vectors of a real check set."""
from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from core.analysis.sentiment import load_sentiment_model
from core.batching import Tokens, padded, prefetched, sorted_batches, tokenize
from core.device import resolve_device
from core.embedding import MAX_TOKENS, gather, load_encoder
from core.errors import ConfigError
from core.settings import Settings

TEXTS = ["Revenue rose 40% to a record.", "", "Gross margin was 74.6%, down 150 basis points sequentially.",
         "Thanks.", "We expect data center revenue to keep growing as hyperscalers expand their capacity.",
         "Operating loss widened.", "Okay."] * 3


def test_auto_is_the_cpu_without_cuda_and_cuda_with_it():
    assert resolve_device("auto", cuda_available=lambda: False) == "cpu"
    assert resolve_device("auto", cuda_available=lambda: True) == "cuda"
    assert resolve_device(" CPU ", cuda_available=lambda: True) == "cpu"
    assert resolve_device(None, cuda_available=lambda: False) == "cpu"
    assert resolve_device("cuda", cuda_available=lambda: True) == "cuda"


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_auto_resolves_to_the_cpu_on_this_machine(monkeypatch):
    monkeypatch.delenv("EARNINGS_DEVICE", raising=False)
    assert Settings().device == "auto" and resolve_device(Settings().device) == "cpu"
    with pytest.raises(ConfigError, match="device cuda was asked for, but torch sees no CUDA GPU"):
        resolve_device("cuda")


def test_unknown_device_and_the_environment(monkeypatch):
    with pytest.raises(ConfigError, match="unknown device 'tpu'; expected one of auto, cpu, cuda"):
        resolve_device("tpu")
    monkeypatch.setenv("EARNINGS_DEVICE", "cpu")
    assert Settings().device == "cpu"


def test_sorted_batches_cover_every_text_once_longest_first():
    batches = sorted_batches([3, 5, 1, 5, 2], batch_size=2)
    assert [b.tolist() for b in batches] == [[1, 3], [0, 4], [2]]
    assert sorted_batches([], batch_size=4) == []
    with pytest.raises(ValueError, match="batch_size must be positive, got 0"):
        sorted_batches([1], batch_size=0)


def test_padding_equals_the_tokenizers_own():
    tokenizer = load_encoder().tokenizer
    tokens = tokenize(tokenizer, TEXTS, max_tokens=MAX_TOKENS)
    index = np.array([4, 0, 1, 2])
    ids, mask = padded(tokens, index)
    own = tokenizer([TEXTS[i] for i in index], padding=True, truncation=True, max_length=MAX_TOKENS,
                    return_tensors="np")
    assert np.array_equal(ids, own["input_ids"]) and np.array_equal(mask, own["attention_mask"])
    assert Tokens.concat([tokens, tokens]).lengths.tolist() == tokens.lengths.tolist() * 2


def test_prefetched_keeps_order_and_hands_errors_on():
    assert list(prefetched(iter(range(50)), depth=2)) == list(range(50))

    def failing():
        yield 1
        raise RuntimeError("boom")

    items = prefetched(failing())
    assert next(items) == 1
    with pytest.raises(RuntimeError, match="boom"):
        next(items)


def test_gather_puts_rows_back_in_input_order():
    parts = [(np.array([2, 0]), torch.tensor([[2.0], [0.0]])), (np.array([1]), torch.tensor([[1.0]]))]
    assert gather(parts, 3, 1).ravel().tolist() == [0.0, 1.0, 2.0]


def test_tokens_made_ahead_give_the_same_results():
    model = load_sentiment_model()
    embeddings, results = model.embed_and_score(TEXTS, batch_size=4)
    ahead = model.embed_and_score(TEXTS, batch_size=4, tokens=model.encoder.tokenize(TEXTS))
    assert np.array_equal(ahead[0], embeddings) and ahead[1] == results


def test_the_cuda_batching_gives_the_cpu_results_in_input_order():
    """Token-length order and batches staged by a background thread, run on the CPU: the same labels, and vectors
    equal up to float rounding (other batches, other padding), each at its text's position."""
    model = load_sentiment_model()
    staged = copy.copy(model.encoder)
    staged.staged = True
    other = type(model)(staged, model.branch, version=model.version)
    reference = model.embed_and_score(TEXTS, batch_size=3)
    embeddings, results = other.embed_and_score(TEXTS, batch_size=3)
    assert [r.label for r in results] == [r.label for r in reference[1]]
    np.testing.assert_allclose([r.score for r in results], [r.score for r in reference[1]], atol=1e-5)
    np.testing.assert_allclose(embeddings, reference[0], atol=1e-5)
    assert np.array_equal(embeddings[0], embeddings[7])  # the same text gives the same vector wherever it is


def check_sentences(count: int = 512) -> list[str]:
    """Real call sentences: the first `count` of the latest NVDA StreetEvents call (skip where ../shared lacks)."""
    from conftest import require_shared

    from core.analysis.sentences import sentences_of
    from core.ingest.parsers import parse_document

    path = sorted(require_shared("corpus", "streetevents", "NVDA").glob("*.txt"))[-1]
    return [s.text for s in sentences_of(parse_document(path.read_text(encoding="utf-8"), source=str(path)))][:count]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (the one skip of a CPU-only machine)")
def test_cuda_half_precision_keeps_labels_and_vectors():
    from scripts.gpu_check import compare

    report = compare(check_sentences(), batch_size=256)
    assert report.dtype == "torch.float16" and report.device == "cuda"
    assert report.min_cosine >= 0.999, report
    assert report.flips_with_margin == 0, report  # labels equal wherever the CPU's label is not a near-tie
    assert report.label_agreement >= 0.995, report


def test_the_cuda_way_of_a_local_analysis_gives_the_cpu_result(tmp_path):
    """The local engine as it runs on CUDA — the next batch read, split and tokenized by a thread, batches of 1024
    sorted by tokens and staged ahead — here on the CPU (no pinned copies): the same labels, topics and cues."""
    import dataclasses

    from conftest import require_shared

    from core.analysis.analyze import Analyzer, LocalEngine
    from core.ingest.parsers import PARSER_VERSION, parse_document
    from core.storage.store import RawDocument, Store

    store = Store(tmp_path / "calls.duckdb")
    for name in ("INTC/2012-07-17-INTC.txt", "AMD/2016-10-20-AMD.txt", "NVDA/2011-11-10-NVDA.txt"):
        content = require_shared("corpus", "streetevents", name).read_bytes()
        call = parse_document(content.decode("utf-8"), source=name)
        call = dataclasses.replace(call, turns=call.turns[:14])  # the start of each call: ~100 sentences
        store.save_transcript(call, RawDocument(content, "file", name), parser_version=PARSER_VERSION)
    ids = [c["call_id"] for c in store.calls()]
    model = load_sentiment_model()
    staged = copy.copy(model.encoder)
    staged.device, staged.staged, staged._tensor = "cuda", True, torch.from_numpy  # "CUDA" that stays on the CPU
    results = []
    for analyzer in (Analyzer(model=model), Analyzer(model=type(model)(staged, model.branch, version=model.version))):
        batches = list(LocalEngine().batches(analyzer, store, None, ids, batch_calls=1))
        assert [[a.call_id for a in batch] for batch in batches] == [[i] for i in ids]
        results.append([a.rows.select(["call_id", "pos", "text", "sentiment_label", "topic", "forward_looking",
                                       "lm_negative"]).to_pylist() for batch in batches for a in batch])
    assert results[0] == results[1] and len(results[0]) == 3 and min(map(len, results[0])) > 50
