"""Financial sentiment per sentence: a fine-tuned branch over the top layers of the frozen search encoder."""
from __future__ import annotations

import copy
import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file
from transformers.masking_utils import create_bidirectional_mask

from .embedding import EMBEDDING_DIM, Encoder, ModelUnavailableError, load_encoder, mean_pool

LABELS = ("negative", "neutral", "positive")
MODEL_DIR = Path(__file__).resolve().parents[1] / "models" / "sentiment"
WEIGHTS_FILE = "branch.safetensors"
CONFIG_FILE = "config.json"


@dataclass(frozen=True)
class SentimentResult:
    """A sentence's label and its signed score p(positive) - p(negative) in [-1, 1]."""

    label: str
    score: float


class SentimentBranch(torch.nn.Module):
    """Copies of the encoder's top k layers (fine-tuned) plus a linear head over their mean-pooled output."""

    def __init__(self, layers: torch.nn.ModuleList, *, config, dropout: float = 0.1) -> None:
        super().__init__()
        self.layers = layers
        self.config = config
        self.dropout = torch.nn.Dropout(dropout)
        self.head = torch.nn.Linear(EMBEDDING_DIM, len(LABELS))

    @property
    def k(self) -> int:
        """Number of tuned transformer layers."""
        return len(self.layers)

    def forward(self, hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Logits (b, 3) from the hidden states entering the top k layers."""
        mask = create_bidirectional_mask(config=self.config, inputs_embeds=hidden, attention_mask=attention_mask)
        for layer in self.layers:
            hidden = layer(hidden, mask)
        return self.head(self.dropout(mean_pool(hidden, attention_mask)))


def build_branch(encoder: Encoder, *, k: int) -> SentimentBranch:
    """A branch initialised from copies of the encoder's top k layers (the starting point of training)."""
    if not 1 <= k <= encoder.num_layers:
        raise ValueError(f"k must be in 1..{encoder.num_layers}, got {k}")
    layers = copy.deepcopy(encoder.model.encoder.layer[encoder.num_layers - k :])
    return SentimentBranch(layers, config=encoder.model.config)


def results_from_logits(logits: torch.Tensor) -> list[SentimentResult]:
    """Argmax labels and p_pos - p_neg scores."""
    probs = torch.softmax(logits.float(), dim=-1).numpy()
    scores = np.clip(probs[:, LABELS.index("positive")] - probs[:, LABELS.index("negative")], -1.0, 1.0)
    return [SentimentResult(LABELS[int(i)], float(s)) for i, s in zip(probs.argmax(axis=1), scores)]


class SentimentModel:
    """The shipped sentiment classifier: shares every layer but the top k with the search encoder."""

    def __init__(self, encoder: Encoder, branch: SentimentBranch, *, version: str) -> None:
        self.encoder = encoder
        self.branch = branch.eval()
        self.version = version

    @property
    def tap(self) -> int:
        """Index of the first encoder layer replaced by the branch."""
        return self.encoder.num_layers - self.branch.k

    def embed_and_score(
        self, texts: list[str], *, batch_size: int = 64
    ) -> tuple[np.ndarray, list[SentimentResult]]:
        """Search embeddings and sentiment from one shared encoder pass, in input order."""
        embeddings = np.zeros((len(texts), EMBEDDING_DIM), dtype=np.float32)
        results: list[SentimentResult | None] = [None] * len(texts)
        for batch in self.encoder.passes(texts, batch_size=batch_size, tap=self.tap):
            embeddings[batch.index] = batch.embeddings.numpy()
            with torch.no_grad():
                logits = self.branch(batch.tapped, batch.attention_mask)
            for i, result in zip(batch.index, results_from_logits(logits)):
                results[i] = result
        return embeddings, results  # type: ignore[return-value]

    def predict(self, texts: list[str], *, batch_size: int = 64) -> list[SentimentResult]:
        """Label and score for each text, in input order."""
        return self.embed_and_score(texts, batch_size=batch_size)[1]


def read_artefact_config(model_dir: Path) -> dict:
    """The artefact's JSON (labels, k, training data hash, metrics)."""
    path = model_dir / CONFIG_FILE
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelUnavailableError(f"cannot read the sentiment model config: {exc}", where=str(path)) from exc
    if tuple(config.get("labels", ())) != LABELS or not isinstance(config.get("k"), int):
        found = f"{config.get('labels')}, k={config.get('k')}"
        raise ModelUnavailableError(f"expected labels {list(LABELS)} and an integer k, found {found}", where=str(path))
    return config


def load_sentiment_model_from(model_dir: Path) -> SentimentModel:
    """Load an artefact directory (config.json + branch.safetensors) over the packaged encoder."""
    config = read_artefact_config(model_dir)
    path = model_dir / WEIGHTS_FILE
    try:
        data = path.read_bytes()
        state = load_file(str(path))
    except OSError as exc:
        raise ModelUnavailableError(f"cannot read the sentiment weights: {exc}", where=str(path)) from exc
    encoder = load_encoder()
    branch = build_branch(encoder, k=config["k"])
    try:
        branch.load_state_dict({name: tensor.float() for name, tensor in state.items()})
    except RuntimeError as exc:
        raise ModelUnavailableError(f"weights do not fit the branch: {exc}", where=str(path)) from exc
    version = f"minilm-{config.get('training', {}).get('name', 'sentiment')}-{hashlib.sha256(data).hexdigest()[:8]}"
    return SentimentModel(encoder, branch, version=version)


@functools.cache
def load_sentiment_model() -> SentimentModel:
    """The committed model from models/sentiment/, loaded once per process."""
    return load_sentiment_model_from(MODEL_DIR)


def embed_and_score(texts: list[str], *, batch_size: int = 64) -> tuple[np.ndarray, list[SentimentResult]]:
    """Search embeddings (frozen MiniLM) and sentiment for texts from one shared encoder pass."""
    return load_sentiment_model().embed_and_score(texts, batch_size=batch_size)
