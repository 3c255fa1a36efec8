"""Key terms of question themes (core.queries.question_themes): words and word pairs held by at least two of a theme's
questions, ranked by the share of its questions holding them times log((1 + the other questions) / (1 + those of
them holding it)) — a class-based TF-IDF of the theme against the rest of the ticker's questions.

Words are lower-case tokens of a letter then letters or digits ("h100", "mi300"); English stop words, the call
boilerplate of STOP_WORDS and the caller's extra words (speaker and company names) are dropped, and a pair is two
words left adjacent in one sentence. Among the ranked terms a word is left out beside a pair that holds it in at
least half as many questions ("gross" beside "gross margin"), and a plural beside its singular ranked higher.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from itertools import chain

import numpy as np
import pandas as pd

TOP_TERMS = 5
TOKEN = re.compile(r"\b[a-z][a-z0-9]+\b")
STOP_WORDS = frozenset("""
    thanks thank congrats congratulations congratulation appreciate hi hello hey good morning afternoon evening great
    question questions quarter quarters year years ask asked asking wanted want wondering wonder curious guess just
    like think thinking maybe little bit follow followup clarification clarify clarity talk talked talking kind sort
    know really lot obviously sure help helpful color sense say said mentioned comment comments thing things way
    look looking looks terms quick quickly actually right mean point yes yeah okay ok got expect expecting expected
    going getting does did doing sounds ve ll don given coming speak hopefully start understand early thoughts
    forward long past seeing make provide update trying able potentially relative versus related regard regarding
    respect specifically elaborate explain walk overall perhaps bigger picture particular currently today earlier
    later ago recent recently number numbers hand puts takes billion million dollars dollar percent interesting hear
    love finally exciting guys couple pretty fact changed better gave big usually typical essentially comes similar
    saw new nice
""".split())


def key_terms(sentences: Sequence[str], question_of: Sequence[int], themes: np.ndarray, *,
              stop_words: Iterable[str] = (), top: int = TOP_TERMS) -> dict[int, list[str]]:
    """The key terms of each theme (question_of: each sentence's question row; themes: each question's theme, -1
    for none)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    themes = np.asarray(themes)
    found = [TOKEN.findall(text.lower()) for text in sentences]
    tokens = pd.Series(list(chain.from_iterable(found)), dtype=object)
    sentence = np.repeat(np.arange(len(found)), [len(words) for words in found])
    codes, words = pd.factorize(tokens)
    stops = ENGLISH_STOP_WORDS | STOP_WORDS | set(stop_words)
    kept = ~np.isin(codes, np.flatnonzero([word in stops for word in words]))
    codes, sentence = codes[kept], sentence[kept]
    size = len(words)
    adjacent = np.flatnonzero((sentence[1:] == sentence[:-1]) & (codes[1:] != codes[:-1]))  # no "billion billion"
    terms = np.concatenate([codes, size + codes[adjacent] * size + codes[adjacent + 1]])
    question = np.asarray(question_of)[np.concatenate([sentence, sentence[adjacent]])]
    held = np.unique(question.astype(np.int64) * (size + size * size) + terms)  # (question, term) once each
    held_question, held_term = np.divmod(held, size + size * size)
    term_ids, held_all = np.unique(held_term, return_counts=True)
    theme_of = themes[held_question]
    in_theme = theme_of >= 0
    pairs, count = np.unique(theme_of[in_theme] * (size + size * size) + held_term[in_theme], return_counts=True)
    theme_ids, pair_terms = np.divmod(pairs, size + size * size)
    members = np.bincount(themes[themes >= 0], minlength=themes.max(initial=-1) + 1)
    others = len(themes) - members[theme_ids]
    outside = held_all[np.searchsorted(term_ids, pair_terms)] - count
    score = count / members[theme_ids] * np.log((1 + others) / (1 + outside))
    out = {int(theme): [] for theme in np.unique(themes[themes >= 0])}
    shared = count >= 2
    for theme, term, n, value in zip(theme_ids[shared], pair_terms[shared], count[shared], score[shared]):
        text = words[term] if term < size else f"{words[(term - size) // size]} {words[(term - size) % size]}"
        out[int(theme)].append((text, int(n), float(value)))
    return {theme: _best(ranked, top) for theme, ranked in out.items()}


def _best(terms: list[tuple[str, int, float]], top: int) -> list[str]:
    """The top terms by score (ties by text), without words inside a pair that holds them and repeated plurals."""
    pairs = [(text.split(), n) for text, n, _ in terms if " " in text]
    chosen, seen = [], set()
    for text, n, _ in sorted(terms, key=lambda t: (-t[2], t[0])):
        if " " not in text and any(text in words and 2 * held >= n for words, held in pairs):
            continue
        singular = " ".join(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
                            for w in text.split())
        if singular not in seen:
            chosen.append(text)
            seen.add(singular)
    return chosen[:top]
