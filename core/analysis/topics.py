"""The guided topic taxonomy (core/taxonomy.toml or the user's copy) and topic assignment per sentence."""
from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from ..errors import ConfigError
from ..user_files import read_toml, user_or_packaged

PACKAGED_TAXONOMY = Path(__file__).with_name("taxonomy.toml")
GROUPS = ("general", "sector")
_KEY = re.compile(r"[a-z][a-z0-9_]{0,40}")


class TextEncoder(Protocol):
    def encode(self, texts: list[str], *, batch_size: int = 64) -> np.ndarray: ...


@dataclass(frozen=True)
class Topic:
    """One taxonomy entry."""

    key: str
    label: str
    group: str
    description: str
    seeds: tuple[str, ...]
    keywords: tuple[str, ...]

    @property
    def phrases(self) -> tuple[str, ...]:
        """What the sentence embeddings are compared with: the description and the seeds."""
        return (self.description, *self.seeds)


@dataclass(frozen=True)
class Taxonomy:
    """The topics with the assignment threshold; `version` changes whenever the file's content does."""

    topics: tuple[Topic, ...]
    threshold: float
    keyword_bonus: float
    version: str
    source: str

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(t.key for t in self.topics)

    def label(self, key: str) -> str:
        """The display label of a topic key."""
        for topic in self.topics:
            if topic.key == key:
                return topic.label
        raise ConfigError(f"no topic {key!r} in the taxonomy", where=self.source)


def taxonomy_path(data_dir: Path | None) -> Path:
    """The user's taxonomy (data_dir/taxonomy.toml) when it exists, else the packaged one."""
    return user_or_packaged(data_dir, PACKAGED_TAXONOMY)


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """Read and validate a taxonomy file (the packaged one by default)."""
    path = path or PACKAGED_TAXONOMY
    where = str(path)
    raw, data = read_toml(path, what="taxonomy")
    assignment = data.get("assignment", {})
    threshold = assignment.get("threshold")
    bonus = assignment.get("keyword_bonus", 0.0)
    if not isinstance(threshold, (int, float)) or not 0 < threshold < 1:
        raise ConfigError("[assignment] threshold must be a number between 0 and 1", where=where)
    if not isinstance(bonus, (int, float)) or not 0 <= bonus < 1:
        raise ConfigError("[assignment] keyword_bonus must be a number in [0, 1)", where=where)
    entries = data.get("topics")
    if not isinstance(entries, dict) or not entries:
        raise ConfigError("the taxonomy has no [topics.<key>] tables", where=where)
    topics = tuple(_topic(key, entry, where=where) for key, entry in entries.items())
    return Taxonomy(topics, float(threshold), float(bonus), hashlib.sha256(raw).hexdigest()[:16], where)


def _topic(key: str, entry: object, *, where: str) -> Topic:
    """One validated [topics.<key>] table."""
    if not _KEY.fullmatch(key):
        raise ConfigError(f"topic key {key!r} must be lower case letters, digits and '_'", where=where)
    if not isinstance(entry, dict):
        raise ConfigError(f"[topics.{key}] must be a table", where=where)
    label, group, description = entry.get("label"), entry.get("group"), entry.get("description")
    seeds, keywords = entry.get("seeds", []), entry.get("keywords", [])
    for name, value in (("label", label), ("description", description)):
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"[topics.{key}] needs a non-empty {name}", where=where)
    if group not in GROUPS:
        raise ConfigError(f"[topics.{key}] group must be one of {GROUPS}, got {group!r}", where=where)
    for name, value in (("seeds", seeds), ("keywords", keywords)):
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise ConfigError(f"[topics.{key}] {name} must be a list of non-empty strings", where=where)
    return Topic(key, label.strip(), group, description.strip(), tuple(seeds), tuple(keywords))


def keyword_pattern(keywords: Sequence[str]) -> re.Pattern[str] | None:
    """One regex for a topic's keywords: whole words, optional plural 's'; lower-case keywords match any case."""
    if not keywords:
        return None
    parts = [
        (re.escape(k) if any(c.isupper() for c in k) else f"(?i:{re.escape(k)})") + "s?"
        for k in sorted(keywords, key=len, reverse=True)
    ]
    return re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w-])")


class TopicScorer:
    """Scores sentences against every topic: best cosine similarity to its phrases, plus a keyword bonus."""

    def __init__(self, taxonomy: Taxonomy, encoder: TextEncoder) -> None:
        self.taxonomy = taxonomy
        phrases = [p for t in taxonomy.topics for p in t.phrases]
        self._owner = np.repeat(np.arange(len(taxonomy.topics)), [len(t.phrases) for t in taxonomy.topics])
        self._phrase_vectors = np.asarray(encoder.encode(phrases), dtype=np.float32)
        self._patterns = [keyword_pattern(t.keywords) for t in taxonomy.topics]

    def scores(self, texts: Sequence[str], embeddings: np.ndarray) -> np.ndarray:
        """(n, topics) scores for sentences with their (n, 384) normalised embeddings."""
        if len(texts) != len(embeddings):
            raise ValueError(f"{len(texts)} texts but {len(embeddings)} embeddings")
        sims = np.asarray(embeddings, dtype=np.float32) @ self._phrase_vectors.T
        best = np.full((len(texts), len(self.taxonomy.topics)), -1.0, dtype=np.float32)
        for j in range(len(self.taxonomy.topics)):
            best[:, j] = sims[:, self._owner == j].max(axis=1) if len(texts) else best[:, j]
        for j, pattern in enumerate(self._patterns):
            if pattern is not None:
                hits = np.fromiter((bool(pattern.search(t)) for t in texts), dtype=bool, count=len(texts))
                best[hits, j] += self.taxonomy.keyword_bonus
        return best

    def assign(self, texts: Sequence[str], embeddings: np.ndarray) -> list[list[tuple[str, float]]]:
        """Per sentence, every (topic key, score) at or above the threshold, best first."""
        scores = self.scores(texts, embeddings)
        keys = self.taxonomy.keys
        out = []
        for row in scores:
            chosen = np.flatnonzero(row >= self.taxonomy.threshold)
            out.append([(keys[j], round(float(row[j]), 4)) for j in chosen[np.argsort(-row[chosen], kind="stable")]])
        return out
