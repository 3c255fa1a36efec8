"""Recurring and new questions: a ticker's analyst questions clustered by meaning into question themes.

A question is one analyst question turn of the Q&A that asks something (as on the Analysts page,
core.queries.analysts: a
question mark or more than COURTESY_WORDS words). Its courtesy sentences (a word of thanks, congratulation, greeting
or assent, no question mark, at most COURTESY_WORDS words: "Thanks for taking my question.", "Yeah.") are left
out, and a turn of nothing else is no question. Its vector is the mean of its other sentences' stored
embeddings (all-MiniLM-L6-v2), normalised; its gist is its sentence closest to that vector.

- Themes: average-linkage agglomerative clustering on cosine distance, merging while two groups' mean distance
  is below THEME_DISTANCE (mean cosine similarity above 0.6), so no number of themes is preset; a question alone is
  no theme. A theme recurs when its questions come from at least `min_calls` distinct calls.
- Label: of the theme's medoid (its question closest to the mean of its vectors), the sentence closest to that
  mean, cut to LABEL_CHARS (a first sentence is often "I have two."). Key terms: core.queries.question_terms, a
  class-based
  TF-IDF of the theme's questions against the ticker's other questions.
- New: a question whose cosine similarity to every question of the ticker's earlier calls is below NEW_SIMILARITY
  (1 − THEME_DISTANCE: no earlier question is close enough to share a theme with it). A first call has nothing to be
  new against.
- Quiet: a recurring theme asked in at least QUIET_MIN_CALLS of the QUIET_WINDOW calls before the latest, and not
  in the latest.
- Answer tone: the mean sentiment score of the sentences of the answer turns of the Q&A exchange (core.analysis.cues)
that
  holds the question, per question and per theme and call.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..analysis.measures import CURRENT_RUNS_SQL, PERIOD_LABEL_SQL, PERIOD_ORDINAL_SQL
from ..model import Period
from ..storage.store import Store
from .analysts import COURTESY_WORDS
from .question_terms import TOKEN, key_terms

THEME_DISTANCE = 0.4
NEW_SIMILARITY = 1 - THEME_DISTANCE
MIN_CALLS = 2
QUIET_WINDOW = 4
QUIET_MIN_CALLS = 2
LABEL_CHARS = 100
QUESTION_CHARS = 200

_COURTESY = re.compile(r"\b(?:thanks?|thank you|congrat\w*|appreciate\w*|good (?:morning|afternoon|evening|day)|"
                       r"hi|hello|hey|great|perfect|helpful|got it|okay|ok|yes|yeah|sure|absolutely|understood|"
                       r"all right)\b", re.I)

QUESTION_COLUMNS = ["call_id", "fiscal_year", "fiscal_quarter", "fiscal_period", "call_date", "turn_idx", "pos",
                    "speaker", "question", "theme", "nearest_earlier", "new", "answer_tone"]
THEME_COLUMNS = ["theme", "label", "terms", "questions", "calls", "first_period", "last_period", "analysts",
                 "recurring", "answer_tone_first", "answer_tone_last", "label_call_id", "label_pos"]
TIMELINE_COLUMNS = ["theme", "call_id", "fiscal_year", "fiscal_quarter", "fiscal_period", "call_date", "questions",
                    "answer_tone"]

_SENTENCES_SQL = f"""
    SELECT c.call_id, c.fiscal_year, c.fiscal_quarter, {PERIOD_LABEL_SQL} AS fiscal_period, c.call_date,
           t.idx AS turn_idx, t.speaker, s.pos, s.text, v.embedding
    FROM turns t JOIN calls c ON c.call_id = t.call_id JOIN {CURRENT_RUNS_SQL} r ON r.call_id = c.call_id
    JOIN sentences s ON s.call_id = t.call_id AND s.turn_idx = t.idx
    JOIN sentence_vectors v ON v.call_id = s.call_id AND v.pos = s.pos
    WHERE c.ticker = ? AND t.kind = 'analyst' AND t.section = 'qa' AND t.type = 'question'
      AND (?::INTEGER IS NULL OR {PERIOD_ORDINAL_SQL} <= ?)
    ORDER BY c.fiscal_year, c.fiscal_quarter, s.pos
"""
# the answer sentences of the exchange that holds each question turn (an exchange's question may span turns)
_ANSWERS_SQL = """
    SELECT q.call_id, q.idx AS turn_idx, avg(s.sentiment_score) AS answer_tone, count(*) AS answer_sentences
    FROM turns q JOIN calls c ON c.call_id = q.call_id
    JOIN qa_exchanges x ON x.call_id = q.call_id AND x.question_turn <= q.idx AND q.idx < list_min(x.answer_turns)
    JOIN sentences s ON s.call_id = x.call_id AND list_contains(x.answer_turns, s.turn_idx)
    WHERE c.ticker = ? AND q.kind = 'analyst' AND q.section = 'qa' AND q.type = 'question'
    GROUP BY q.call_id, q.idx
"""
_NAMES_SQL = """
    SELECT DISTINCT t.speaker FROM turns t JOIN calls c ON c.call_id = t.call_id WHERE c.ticker = ?
    UNION SELECT DISTINCT coalesce(company, '') FROM calls WHERE ticker = ?
"""


@dataclass(frozen=True)
class QuestionThemes:
    """A ticker's questions, themes and their calls, with the latest call's new questions and quiet themes."""

    ticker: str
    latest_call_id: int | None
    latest_period: str | None
    questions: pd.DataFrame  # QUESTION_COLUMNS, in call order
    themes: pd.DataFrame  # THEME_COLUMNS, most calls first
    timeline: pd.DataFrame  # TIMELINE_COLUMNS: each theme's questions and answer tone per call
    new: pd.DataFrame  # the latest call's new questions (QUESTION_COLUMNS)
    quiet: pd.DataFrame  # recurring themes quiet in the latest call (THEME_COLUMNS)

    def over_time(self, theme: int) -> pd.DataFrame:
        """One theme per call with questions, oldest first: its questions there (0 when none) and answer tone."""
        calls = self.questions.drop_duplicates("call_id")[TIMELINE_COLUMNS[1:6]]
        asked = self.timeline[self.timeline["theme"] == theme][["call_id", "questions", "answer_tone"]]
        out = calls.merge(asked, on="call_id", how="left").assign(theme=theme)
        return out.assign(questions=out["questions"].fillna(0).astype(int))[TIMELINE_COLUMNS]


def is_courtesy(sentence: str) -> bool:
    """True for a sentence of thanks, congratulations, greeting or assent (see the module docstring)."""
    return bool(_courtesy(pd.Series([sentence], dtype=object), _words([sentence]))[0])


def _courtesy(sentences: pd.Series, words: np.ndarray) -> np.ndarray:
    """is_courtesy of each sentence, given its number of words."""
    return (~sentences.str.contains("?", regex=False).to_numpy(dtype=bool) & (words <= COURTESY_WORDS)
            & sentences.str.contains(_COURTESY).to_numpy(dtype=bool))


def _words(texts: Sequence[str]) -> np.ndarray:
    """The number of words (whitespace-separated) of each text."""
    return np.fromiter((len(text.split()) for text in texts), dtype=np.int64, count=len(texts))


def cluster(vectors: np.ndarray, *, distance: float = THEME_DISTANCE) -> np.ndarray:
    """Theme per row: 0, 1, … in the order of each theme's first row; -1 for a row in no theme."""
    return _grouped(_similarities(vectors), distance)


def nearest_earlier(vectors: np.ndarray, call_rank: Sequence[int]) -> np.ndarray:
    """Per row, the highest cosine similarity to a row of an earlier call (NaN when there is no earlier call)."""
    return _nearest(_similarities(vectors), np.asarray(call_rank))


def question_themes(store: Store, ticker: str, *, up_to: Period | None = None,
                    min_calls: int = MIN_CALLS) -> QuestionThemes:
    """The question themes of a ticker's analysed calls (up to a fiscal period, when given)."""
    ticker = ticker.upper()
    ordinal = up_to.ordinal if up_to else None
    with store.cursor() as cur:
        rows = cur.execute(_SENTENCES_SQL, [ticker, ordinal, ordinal]).fetchnumpy()
        answers = cur.execute(_ANSWERS_SQL, [ticker]).df()
        names = [name for (name,) in cur.execute(_NAMES_SQL, [ticker, ticker]).fetchall()]
    sentences = pd.DataFrame({k: v for k, v in rows.items() if k != "embedding"})
    embeddings = np.stack(rows["embedding"]).astype(np.float32) if len(sentences) else np.zeros((0, 1), np.float32)
    questions, vectors, content = _questions(sentences, embeddings)
    questions = questions.merge(answers, on=["call_id", "turn_idx"], how="left")
    similar = _similarities(vectors)
    themes = _grouped(similar, THEME_DISTANCE)
    questions["theme"] = themes
    questions["nearest_earlier"] = _nearest(similar, questions["call_rank"].to_numpy())
    questions["new"] = questions["nearest_earlier"] < NEW_SIMILARITY
    terms = key_terms(content["text"].tolist(), content["question"], themes,
                      stop_words=TOKEN.findall(" ".join(names).lower()))
    table, timeline = _themes(questions, vectors, content, embeddings, terms, min_calls=min_calls)
    latest = questions.iloc[-1] if len(questions) else None
    in_latest = questions[questions["call_id"] == latest["call_id"]] if latest is not None else questions
    return QuestionThemes(
        ticker, None if latest is None else int(latest["call_id"]),
        None if latest is None else latest["fiscal_period"],
        questions.reindex(columns=QUESTION_COLUMNS), table, timeline,
        in_latest[in_latest["new"]].reindex(columns=QUESTION_COLUMNS).reset_index(drop=True),
        _quiet(table, timeline, questions))


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


def _similarities(vectors: np.ndarray) -> np.ndarray:
    """The cosine similarity of every pair of rows."""
    unit = _unit(vectors)
    return unit @ unit.T


def _grouped(similarities: np.ndarray, distance: float) -> np.ndarray:
    """cluster, from the rows' similarities."""
    out = np.full(len(similarities), -1)
    if len(similarities) < 2:
        return out
    from sklearn.cluster import AgglomerativeClustering

    distances = 1.0 - similarities
    np.maximum(distances, 0.0, out=distances)
    np.fill_diagonal(distances, 0.0)
    raw = AgglomerativeClustering(n_clusters=None, distance_threshold=distance, metric="precomputed",
                                  linkage="average").fit_predict(distances)
    sizes, numbers = np.bincount(raw), {}
    for row, group in enumerate(raw):
        if sizes[group] >= 2:
            out[row] = numbers.setdefault(group, len(numbers))
    return out


def _nearest(similarities: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """nearest_earlier, from the rows' similarities: in call order, a running maximum over the earlier calls' rows."""
    order = np.argsort(rank, kind="stable")
    ordered = similarities[np.ix_(order, order)] if (order != np.arange(len(rank))).any() else similarities
    running = np.maximum.accumulate(ordered, axis=1) if len(rank) else ordered
    earlier = np.searchsorted(rank[order], rank[order], side="left")  # rows of earlier calls: [0, earlier)
    best = np.full(len(rank), np.nan)
    has = earlier > 0
    best[order[has]] = running[np.flatnonzero(has), earlier[has] - 1]
    return best


def _questions(sentences: pd.DataFrame, embeddings: np.ndarray) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """One row per question (call, speaker, the turn's first sentence, its gist: the sentence closest to its
    vector), the questions' unit vectors, and their content sentences (text, `question` row, `row` in embeddings),
    from the question turns' sentences in call order."""
    turn = sentences.groupby(["call_id", "turn_idx"], sort=False).ngroup().to_numpy()
    texts = sentences["text"]
    words = _words(texts.to_numpy())
    turn_words = np.bincount(turn, weights=words, minlength=turn.max(initial=-1) + 1)
    marks = np.bincount(turn, weights=texts.str.contains("?", regex=False), minlength=len(turn_words)) > 0
    asks = (marks | (turn_words > COURTESY_WORDS))[turn]  # as core.queries.analysts: the turn asks something
    rows = np.flatnonzero(asks & ~_courtesy(texts, words))
    question = pd.factorize(turn[rows])[0]
    content = sentences.iloc[rows][["call_id", "pos", "text"]].reset_index(drop=True).assign(question=question,
                                                                                            row=rows)
    starts = np.flatnonzero(np.r_[True, question[1:] != question[:-1]]) if len(rows) else np.zeros(0, dtype=int)
    vectors = _unit(np.add.reduceat(embeddings[rows], starts, axis=0) if len(rows) else embeddings[:0])
    closeness = np.einsum("ij,ij->i", embeddings[rows], vectors[question])
    gist = texts.to_numpy()[rows[pd.Series(closeness).groupby(question).idxmax().to_numpy()]]
    first_sentence = np.unique(turn, return_index=True)[1]  # of each turn (turns are numbered in call order)
    questions = sentences.iloc[rows[starts]].drop(columns=["text", "pos"]).reset_index(drop=True)
    return questions.assign(pos=sentences["pos"].to_numpy()[first_sentence[turn[rows[starts]]]],
                            question=[_cut(text, QUESTION_CHARS) for text in gist],
                            call_rank=pd.factorize(questions["call_id"])[0]), vectors, content


def _cut(text: str, limit: int) -> str:
    """The text, cut at a word before `limit` characters with an ellipsis when longer."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _themes(questions: pd.DataFrame, vectors: np.ndarray, content: pd.DataFrame, embeddings: np.ndarray,
            terms: dict[int, list[str]], *, min_calls: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The themes table (labelled by the medoid's sentence closest to the theme's centroid) and each theme's
    questions and answer tone per call (the mean score of the answers' sentences)."""
    members = questions[questions["theme"] >= 0]
    weight = members["answer_sentences"].fillna(0)
    members = members.assign(weight=weight, toned=members["answer_tone"].fillna(0) * weight)
    per_call = members.groupby(["theme", "call_rank"], sort=True).agg(
        **{k: (k, "first") for k in TIMELINE_COLUMNS[1:6]}, questions=("call_id", "size"), toned=("toned", "sum"),
        weight=("weight", "sum")).reset_index()
    per_call["answer_tone"] = per_call["toned"] / per_call["weight"].where(per_call["weight"] > 0)
    by_theme = per_call.groupby("theme", sort=True)
    first, last = (per_call.drop_duplicates("theme", keep=keep).set_index("theme") for keep in ("first", "last"))
    table = pd.DataFrame({"questions": by_theme["questions"].sum(), "calls": by_theme.size(),
                          "first_period": first["fiscal_period"], "last_period": last["fiscal_period"],
                          "analysts": members.groupby("theme")["speaker"].agg(lambda who: ", ".join(sorted(set(who)))),
                          "answer_tone_first": first["answer_tone"], "answer_tone_last": last["answer_tone"]})
    table["recurring"] = table["calls"] >= min_calls
    of_question = content["question"].to_numpy()
    labels = {}
    for theme, rows in members.groupby("theme", sort=True).indices.items():
        asked = members.index[rows].to_numpy()
        centroid = vectors[asked].mean(axis=0)
        medoid = asked[int(np.argmax(vectors[asked] @ centroid))]
        said = np.arange(np.searchsorted(of_question, medoid), np.searchsorted(of_question, medoid, side="right"))
        label = content.iloc[said[int(np.argmax(embeddings[content["row"].to_numpy()[said]] @ centroid))]]
        labels[theme] = (_cut(label["text"], LABEL_CHARS), ", ".join(terms.get(int(theme), [])), label["call_id"],
                         label["pos"])
    table[["label", "terms", "label_call_id", "label_pos"]] = pd.DataFrame.from_dict(
        labels, orient="index", columns=["label", "terms", "label_call_id", "label_pos"])
    table = table.rename_axis("theme").reset_index().reindex(columns=THEME_COLUMNS)
    table = table.sort_values(["calls", "questions", "theme"], ascending=[False, False, True], kind="stable")
    return table.reset_index(drop=True), per_call[TIMELINE_COLUMNS]


def _quiet(table: pd.DataFrame, timeline: pd.DataFrame, questions: pd.DataFrame) -> pd.DataFrame:
    """Recurring themes asked in QUIET_MIN_CALLS of the QUIET_WINDOW calls before the latest, not in the latest."""
    calls = list(dict.fromkeys(questions["call_id"]))
    if len(calls) < 2:
        return table.iloc[:0]
    window, latest = set(calls[-1 - QUIET_WINDOW:-1]), calls[-1]
    asked = timeline.groupby("theme")["call_id"].agg(set)
    quiet = [theme for theme, ids in asked.items() if latest not in ids and len(ids & window) >= QUIET_MIN_CALLS]
    return table[table["recurring"] & table["theme"].isin(quiet)].reset_index(drop=True)
