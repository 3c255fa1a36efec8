"""The accurate sentiment model: after the frozen encoder's pass (the search embeddings, unchanged), a second pass
of the same token batch through a copy of the encoder whose every linear layer carries a low-rank adapter
(core/analysis/lora.py), mean pooling and a linear head. The artefact (models/sentiment-accurate/: config.json +
adapter.safetensors, float32) holds only the adapters and the head; at load they are merged into the copy's
weights, so the second pass costs what the first does."""
from __future__ import annotations

import copy
import functools
import hashlib
import json
from pathlib import Path

import torch

from ..embedding import Encoder, ModelUnavailableError, load_encoder, mean_pool
from . import sentiment_choice
from .lora import add_adapters, load_adapters, merge_adapters, read_shape
from .sentiment import CONFIG_FILE, LABELS, ScoresSentences

ADAPTER_FILE = sentiment_choice.ADAPTER_FILE
HEAD = ("head.",)  # the tensors saved with the adapters


class AdaptedClassifier(torch.nn.Module):
    """A copy of a BERT model with adapters on every linear layer of its encoder layers, mean pooling, dropout and a
    linear head over the labels; the base model passed in is never changed. Rank 0: no adapters, every weight of the
    copy trains (the full fine-tune that training scripts compare the adapters with; not a shippable artefact)."""

    def __init__(self, base: torch.nn.Module, *, rank: int, alpha: float, dropout: float = 0.1,
                 adapter_dropout: float = 0.0) -> None:
        super().__init__()
        self.encoder = copy.deepcopy(base)
        if rank:
            add_adapters(self.encoder, rank=rank, alpha=alpha, dropout=adapter_dropout)
        else:
            self.encoder.requires_grad_(True)
        self.dropout = torch.nn.Dropout(dropout)
        self.head = torch.nn.Linear(self.encoder.config.hidden_size, len(LABELS))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Logits (b, 3) of a padded token batch."""
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return self.head(self.dropout(mean_pool(hidden, attention_mask)))


class AccurateSentimentModel(ScoresSentences):
    """The frozen search encoder and the merged adapted classifier, run on the same token batches."""

    @property
    def classifier(self) -> AdaptedClassifier:
        return self.head

    def logits_of(self, batch) -> torch.Tensor:
        return self.classifier(batch.input_ids, batch.attention_mask)


def read_accurate_config(model_dir: Path) -> dict:
    """The artefact's JSON (labels, base model, training, metrics)."""
    path = model_dir / CONFIG_FILE
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelUnavailableError(f"cannot read the accurate sentiment model's config: {exc}",
                                    where=str(path)) from exc
    if tuple(config.get("labels", ())) != LABELS:
        raise ModelUnavailableError(f"expected labels {list(LABELS)}, found {config.get('labels')}", where=str(path))
    return config


def load_accurate_model_from(model_dir: Path, *, encoder: Encoder | None = None) -> AccurateSentimentModel:
    """Load an artefact directory over an encoder on the CPU (default: the packaged one), adapters merged."""
    config = read_accurate_config(model_dir)
    path = model_dir / ADAPTER_FILE
    try:
        data = path.read_bytes()
        rank, alpha = read_shape(path)
    except (OSError, ValueError) as exc:
        raise ModelUnavailableError(f"cannot read the adapter: {exc}", where=str(path)) from exc
    encoder = encoder or load_encoder()
    classifier = AdaptedClassifier(encoder.model, rank=rank, alpha=alpha)
    try:
        load_adapters(classifier, path, also=HEAD)
    except (ValueError, RuntimeError) as exc:
        raise ModelUnavailableError(f"the adapter does not fit the encoder: {exc}", where=str(path)) from exc
    merge_adapters(classifier)
    name = config.get("training", {}).get("name", "sentiment")
    version = f"{sentiment_choice.ACCURATE_VERSION_PREFIX}{name}-{hashlib.sha256(data).hexdigest()[:8]}"
    return AccurateSentimentModel(encoder, classifier, version=version)


def load_accurate_model(device: str = "cpu") -> AccurateSentimentModel:
    """The installed model from models/sentiment-accurate/ on a device, loaded once per process."""
    return _load(sentiment_choice.ACCURATE_DIR, device)


@functools.cache
def _load(model_dir: Path, device: str) -> AccurateSentimentModel:
    return load_accurate_model_from(model_dir) if device == "cpu" else _load(model_dir, "cpu").on(device)
