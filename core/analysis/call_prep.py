"""The text work of one call before any model: sentences, Loughran–McDonald counts, the measure registry's facts
(core.analysis.measures.FACTS: forward-looking cues, …) and, when asked, token ids. A local analysis does it in line;
on Ray
it runs in the CPU stage ahead of the models."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..batching import Tokens
from ..model import Transcript
from .lexicon import LexiconCounts, lm_counts
from .measures import FACTS
from .sentences import Sentence, sentences_of


@dataclass(frozen=True)
class PreparedCall:
    """A call's sentences and text-only measures, ready for the encoder."""

    call_id: int
    meta: dict  # the call's row of Store.calls()
    sentences: list[Sentence]
    counts: list[LexiconCounts]
    facts: dict[str, list]  # column -> a value per sentence (core.analysis.measures.FACTS)
    tokens: Tokens | None = None  # token ids of the sentences, when made ahead

    @property
    def texts(self) -> list[str]:
        return [s.text for s in self.sentences]


def prepare_call(call_id: int, meta: dict, transcript: Transcript, *,
                 tokenize: Callable[[Sequence[str]], Tokens] | None = None) -> PreparedCall:
    """Split a stored call into sentences and measure their text; `tokenize` adds their token ids."""
    sentences = sentences_of(transcript)
    texts = [s.text for s in sentences]
    return PreparedCall(call_id, meta, sentences, [lm_counts(t) for t in texts],
                        {f.column: [f.compute(t) for t in texts] for f in FACTS}, tokenize(texts) if tokenize else None)


def joined_tokens(calls: Sequence[PreparedCall]) -> Tokens | None:
    """The token ids of several calls' sentences in order, or None unless every call has them."""
    if not calls or any(c.tokens is None for c in calls):
        return None
    return Tokens.concat([c.tokens for c in calls])  # type: ignore[misc]
