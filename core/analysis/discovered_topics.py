"""Topics discovered in one company's sentences: NMF over TF-IDF, each topic labelled by its top terms."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from ..errors import ConfigError
from ..storage.store import Store

# Words of every call that would otherwise label topics: greetings, fillers, call mechanics.
CALL_STOP_WORDS = frozenset({
    "thank", "thanks", "question", "questions", "operator", "yes", "okay", "ok", "just", "think", "really", "know",
    "going", "like", "lot", "say", "said", "got", "right", "sure", "great", "good", "little", "bit", "kind", "want",
    "look", "looking", "maybe", "actually", "mean", "guess", "things", "thing", "way", "able", "terms", "make",
    "ve", "ll", "don", "let", "hi", "hey", "afternoon", "morning", "everybody", "everyone", "welcome", "time",
})
MIN_SENTENCES = 50


@dataclass(frozen=True)
class DiscoveredTopic:
    """One NMF component: its label (top terms joined) and the terms with their weights."""

    index: int
    label: str
    terms: tuple[str, ...]
    weights: tuple[float, ...]


@dataclass(frozen=True)
class Discovery:
    """The topics of a ticker and, per call, each topic's share of sentences (a sentence goes to its top topic)."""

    topics: tuple[DiscoveredTopic, ...]
    shares: pd.DataFrame  # call_id, fiscal_year, fiscal_quarter, topic (index), label, sentences, share


def fit_topics(texts: Sequence[str], *, n_topics: int = 10, top_terms: int = 5,
               seed: int = 0) -> tuple[tuple[DiscoveredTopic, ...], np.ndarray]:
    """NMF topics of texts and each text's topic (-1 when it has no weight on any topic)."""
    if len(texts) < max(MIN_SENTENCES, n_topics):
        raise ConfigError(f"topic discovery needs at least {max(MIN_SENTENCES, n_topics)} sentences, got {len(texts)}")
    vectorizer = TfidfVectorizer(stop_words=sorted(ENGLISH_STOP_WORDS | CALL_STOP_WORDS), min_df=3, max_df=0.5,
                                 ngram_range=(1, 2), token_pattern=r"(?u)\b[A-Za-z][A-Za-z0-9-]+\b",
                                 sublinear_tf=True)
    matrix = vectorizer.fit_transform(texts)
    model = NMF(n_components=n_topics, init="nndsvd", random_state=seed, max_iter=400)
    weights = model.fit_transform(matrix)
    vocabulary = vectorizer.get_feature_names_out()
    topics = []
    for k, component in enumerate(model.components_):
        top = np.argsort(-component)[:top_terms]
        terms = tuple(str(vocabulary[i]) for i in top)
        topics.append(DiscoveredTopic(k, " / ".join(terms), terms, tuple(round(float(component[i]), 4) for i in top)))
    assigned = np.where(weights.max(axis=1) > 0, weights.argmax(axis=1), -1)
    return tuple(topics), assigned


def discover_topics(store: Store, *, ticker: str, n_topics: int = 10, top_terms: int = 5,
                    seed: int = 0) -> Discovery:
    """Discovered topics over every analysed sentence of a ticker, with their share per call."""
    with store.cursor() as cur:
        rows = cur.execute(
            "SELECT s.call_id, c.fiscal_year, c.fiscal_quarter, s.text FROM sentences s "
            "JOIN calls c USING (call_id) JOIN analysis_runs r USING (call_id) "
            "WHERE c.ticker = ? ORDER BY c.fiscal_year, c.fiscal_quarter, s.pos", [ticker.upper()],
        ).fetchall()
    topics, assigned = fit_topics([r[3] for r in rows], n_topics=n_topics, top_terms=top_terms, seed=seed)
    frame = pd.DataFrame(rows, columns=["call_id", "fiscal_year", "fiscal_quarter", "text"]).drop(columns="text")
    frame["topic"] = assigned
    totals = frame.groupby("call_id").size().rename("call_sentences")
    shares = (frame[frame.topic >= 0].groupby(["call_id", "fiscal_year", "fiscal_quarter", "topic"]).size()
              .rename("sentences").reset_index().join(totals, on="call_id"))
    shares["share"] = shares["sentences"] / shares.pop("call_sentences")
    shares.insert(4, "label", [topics[k].label for k in shares["topic"]])
    return Discovery(topics, shares)
