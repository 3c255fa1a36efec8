"""Financial sentiment per sentence: a fine-tuned readout of the top layer of the frozen search encoder."""
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

from ..batching import Tokens
from ..device import half_precision
from ..embedding import EMBEDDING_DIM, Encoder, ModelUnavailableError, gather, load_encoder, mean_pool

LABELS = ("negative", "neutral", "positive")
MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "sentiment"
WEIGHTS_FILE = "branch.safetensors"
CONFIG_FILE = "config.json"
QUERIES = {"cls": "the [CLS] state", "mean": "the masked mean of the token states"}  # the readout's query vectors


@dataclass(frozen=True)
class SentimentResult:
    """A sentence's label and its signed score p(positive) - p(negative) in [-1, 1]."""

    label: str
    score: float


class SentimentBranch(torch.nn.Module):
    """A readout of the encoder's top layer: one query per sentence attends over the frozen keys and values of all
    tokens; tuned copies of the layer's query projection, output projection, feed-forward and LayerNorms, then a
    linear head. The frozen key/value weights are the encoder's, never part of the state dict."""

    def __init__(self, layer: torch.nn.Module, *, query: str, dropout: float = 0.1) -> None:
        super().__init__()
        if query not in QUERIES:
            raise ValueError(f"query must be one of {list(QUERIES)}, got {query!r}")
        self.query = query
        attention = layer.attention.self
        self.heads = attention.num_attention_heads
        self.attention_dropout = attention.dropout.p
        frozen = (attention.key, attention.value)
        self.register_buffer("kv_weight", torch.cat([m.weight for m in frozen]).detach(), persistent=False)
        self.register_buffer("kv_bias", torch.cat([m.bias for m in frozen]).detach(), persistent=False)
        self.query_projection = copy.deepcopy(attention.query)
        self.attention_output = copy.deepcopy(layer.attention.output)  # O, dropout, LayerNorm(O(ctx) + query)
        self.intermediate = copy.deepcopy(layer.intermediate)  # FFN in + GELU
        self.output = copy.deepcopy(layer.output)  # FFN out, dropout, LayerNorm(FFN(a) + a)
        self.dropout = torch.nn.Dropout(dropout)
        self.head = torch.nn.Linear(EMBEDDING_DIM, len(LABELS))

    def readout(self, hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """(b, 384) sentence vectors from the (b, t, 384) hidden states entering the top layer."""
        batch, tokens, width = hidden.shape
        query = hidden[:, 0] if self.query == "cls" else mean_pool(hidden, attention_mask)
        keys, values = (torch.nn.functional.linear(hidden, self.kv_weight, self.kv_bias)
                        .view(batch, tokens, 2, self.heads, -1).permute(2, 0, 3, 1, 4))
        context = torch.nn.functional.scaled_dot_product_attention(
            self.query_projection(query).view(batch, self.heads, 1, -1), keys, values,
            attn_mask=attention_mask.bool()[:, None, None, :],
            dropout_p=self.attention_dropout if self.training else 0.0,
        )
        attended = self.attention_output(context.reshape(batch, width), query)
        return self.output(self.intermediate(attended), attended)

    def forward(self, hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Logits (b, 3) from the hidden states entering the top layer."""
        return self.head(self.dropout(self.readout(hidden, attention_mask)))


def build_branch(encoder: Encoder, *, query: str) -> SentimentBranch:
    """A branch initialised from the encoder's top layer (the starting point of training)."""
    return SentimentBranch(encoder.model.encoder.layer[encoder.num_layers - 1], query=query)


def results_from_logits(logits: torch.Tensor) -> list[SentimentResult]:
    """Argmax labels and p_pos - p_neg scores."""
    probs = torch.softmax(logits.float(), dim=-1).cpu().numpy()
    scores = np.clip(probs[:, LABELS.index("positive")] - probs[:, LABELS.index("negative")], -1.0, 1.0)
    return [SentimentResult(LABELS[int(i)], float(s)) for i, s in zip(probs.argmax(axis=1), scores)]


class ScoresSentences:
    """What every sentiment model offers the analysis (the fast one here, the accurate one in
    core/analysis/sentiment_accurate.py): the frozen search encoder, a version stored with each score, and labels and
    scores of a head module run on each batch of the encoder's pass (`logits_of`)."""

    tap: int | None = None  # the encoder layer whose states a batch must carry for the head (None: none)

    def __init__(self, encoder: Encoder, head: torch.nn.Module, *, version: str) -> None:
        self.encoder = encoder
        self.head = head.eval()
        self.version = version

    def logits_of(self, batch) -> torch.Tensor:
        """The head's (b, 3) logits of one batch of the encoder's pass (core.embedding.Encoder.passes)."""
        raise NotImplementedError

    def on(self, device: str) -> "ScoresSentences":
        """This model on a device (float16 on CUDA); itself when it is there already."""
        if device == self.encoder.device:
            return self
        head = copy.deepcopy(self.head).to(device)
        return type(self)(self.encoder.on(device), head.half() if half_precision(device) else head.float(),
                          version=self.version)

    def embed_and_logits(self, texts: list[str], *, batch_size: int = 64,
                         tokens: Tokens | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(n, 384) search embeddings and (n, 3) float32 sentiment logits, in input order (both stay on the device
        until the last batch: one copy, no wait per batch)."""
        embedded, scored = [], []
        for batch in self.encoder.passes(texts, batch_size=batch_size, tap=self.tap, tokens=tokens):
            with torch.no_grad():
                scored.append((batch.index, self.logits_of(batch)))
            embedded.append((batch.index, batch.embeddings))
        return gather(embedded, len(texts), EMBEDDING_DIM), gather(scored, len(texts), len(LABELS))

    def embed_and_score(
        self, texts: list[str], *, batch_size: int = 64, tokens: Tokens | None = None
    ) -> tuple[np.ndarray, list[SentimentResult]]:
        """Search embeddings and sentiment from one shared encoder pass, in input order."""
        embeddings, logits = self.embed_and_logits(texts, batch_size=batch_size, tokens=tokens)
        return embeddings, results_from_logits(torch.from_numpy(logits))

    def predict(self, texts: list[str], *, batch_size: int = 64) -> list[SentimentResult]:
        """Label and score for each text, in input order."""
        return self.embed_and_score(texts, batch_size=batch_size)[1]


class SentimentModel(ScoresSentences):
    """The shipped (fast) sentiment classifier: shares every layer below the top one, and its keys and values, with
    the search encoder."""

    @property
    def branch(self) -> SentimentBranch:
        return self.head

    @property
    def tap(self) -> int:
        """Index of the encoder layer the branch reads out (the top one)."""
        return self.encoder.num_layers - 1

    def logits_of(self, batch) -> torch.Tensor:
        return self.branch(batch.tapped, batch.attention_mask)


def read_artefact_config(model_dir: Path) -> dict:
    """The artefact's JSON (labels, query, training data hash, metrics)."""
    path = model_dir / CONFIG_FILE
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelUnavailableError(f"cannot read the sentiment model config: {exc}", where=str(path)) from exc
    if tuple(config.get("labels", ())) != LABELS or config.get("query") not in QUERIES:
        found = f"{config.get('labels')}, query={config.get('query')!r}"
        raise ModelUnavailableError(f"expected labels {list(LABELS)} and a query in {list(QUERIES)}, found {found}",
                                    where=str(path))
    return config


def load_sentiment_model_from(model_dir: Path, *, encoder: Encoder | None = None) -> SentimentModel:
    """Load an artefact directory (config.json + branch.safetensors) over the packaged encoder (or the one given)."""
    config = read_artefact_config(model_dir)
    path = model_dir / WEIGHTS_FILE
    try:
        data = path.read_bytes()
        state = load_file(str(path))
    except OSError as exc:
        raise ModelUnavailableError(f"cannot read the sentiment weights: {exc}", where=str(path)) from exc
    encoder = encoder or load_encoder()
    branch = build_branch(encoder, query=config["query"])
    try:
        branch.load_state_dict({name: tensor.float() for name, tensor in state.items()})
    except RuntimeError as exc:
        raise ModelUnavailableError(f"weights do not fit the branch: {exc}", where=str(path)) from exc
    version = f"minilm-{config.get('training', {}).get('name', 'sentiment')}-{hashlib.sha256(data).hexdigest()[:8]}"
    return SentimentModel(encoder, branch, version=version)


def load_sentiment_model(device: str = "cpu") -> SentimentModel:
    """The committed model from models/sentiment/ on a device, loaded once per process."""
    return _load_sentiment_model(device)


@functools.cache
def _load_sentiment_model(device: str) -> SentimentModel:
    return load_sentiment_model_from(MODEL_DIR) if device == "cpu" else _load_sentiment_model("cpu").on(device)
