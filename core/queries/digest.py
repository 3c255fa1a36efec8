"""What changed this quarter: a call against the previous stored call of its ticker, extractive and explainable.

Each line of a digest states one change with its numbers and the sentences behind it (call id, position):
- tone: net tone (positive − negative sentences, over all) of the whole call, each section and each speaker group,
  with a 95% bootstrap interval of the change (sentences resampled within each call, BOOTSTRAP draws, a fixed
  seed); a change is *significant* when its interval excludes zero;
- topics: the taxonomy topics whose share of sentences rose or fell by at least TOPIC_POINTS points;
- phrases: 2–3 word phrases new in the call or vanished from it (core.queries.compare), without boilerplate (phrases
said
  in at least half of the ticker's other calls), each marked when no earlier call of the ticker said it;
- questions: the analyst questions no earlier question of the ticker comes close to (core.queries.question_themes);
- non-answers: the call's Q&A exchanges judged likely non-answers (core.analysis.cues);
- guidance: the call's guidance that revises earlier guidance (core.queries.guidance_links)."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import CountVectorizer

from ..analysis.measures import PERIOD_LABEL_SQL, PERIOD_ORDINAL_SQL, SPEAKER_SERIES
from ..model import Period
from ..storage.store import Store
from .compare import phrase_changes, topic_deltas
from .reader import call_sentences

BOOTSTRAP = 2000
TOPIC_POINTS = 2.0
TOP = 5
_TONE = {"positive": 1.0, "negative": -1.0}
_TITLES = {"tone": "Tone", "topic": "Topics", "phrase": "Phrases", "question": "Questions",
           "non_answer": "Likely non-answers", "guidance": "Guidance changes"}


@dataclass(frozen=True)
class Line:
    """One change, in words, with its numbers and the sentences behind it."""

    kind: str                 # tone / topic / phrase / question / non_answer / guidance
    text: str
    refs: tuple[tuple[int, int], ...] = ()  # (call_id, pos)
    numbers: dict = field(default_factory=dict)
    quotes: tuple[str, ...] = ()  # the sentences of refs, as said


@dataclass(frozen=True)
class Digest:
    ticker: str
    period: str
    call_id: int
    previous_period: str | None
    previous_call_id: int | None
    lines: tuple[Line, ...]

    def to_dict(self) -> dict:
        return asdict(self)

    def markdown(self) -> str:
        """The digest as Markdown to paste into a note: a heading, then one list per kind of change, each line
        with the sentence behind it quoted."""
        if self.previous_period is None:
            return f"# {self.ticker} {self.period}\n\nThe first analysed call of {self.ticker}: nothing to compare.\n"
        out = [f"# {self.ticker} {self.period} against {self.previous_period}", ""]
        for kind, title in _TITLES.items():
            lines = [line for line in self.lines if line.kind == kind]
            if not lines:
                continue
            out += [f"## {title}", ""]
            for line in lines:
                out.append(f"- {_md(line.text)}" + (f" (sentence {line.refs[0][0]}:{line.refs[0][1]})"
                                                    if line.refs else ""))
                out += [f"  > {_md(quote)}" for quote in line.quotes[:1]]
            out.append("")
        return "\n".join(out)


def calls_of(store: Store, ticker: str) -> pd.DataFrame:
    """The ticker's analysed calls, oldest first: call_id, period label, ordinal."""
    with store.cursor() as cur:
        return cur.execute(f"""
            SELECT c.call_id, {PERIOD_LABEL_SQL} AS period, {PERIOD_ORDINAL_SQL} AS ordinal
            FROM calls c WHERE c.ticker = ? AND c.call_id IN (SELECT call_id FROM analysis_runs)
            ORDER BY ordinal
        """, [ticker.upper()]).df()


def digest(store: Store, ticker: str, period: Period | None = None) -> Digest:
    """The digest of the ticker's call of `period` (default: the latest analysed call) against the previous analysed
    call. A ValueError names a ticker or period with no analysed call."""
    calls = calls_of(store, ticker)
    if calls.empty:
        raise ValueError(f"no analysed calls of {ticker.upper()}")
    at = calls.index[-1] if period is None else calls.index[calls["ordinal"] == period.ordinal]
    if period is not None and len(at) == 0:
        raise ValueError(f"no analysed call of {ticker.upper()} for {period.label}; analysed: "
                         + ", ".join(calls["period"]))
    at = at if np.isscalar(at) else at[0]
    call_id, label = int(calls.loc[at, "call_id"]), calls.loc[at, "period"]
    if at == calls.index[0]:
        return Digest(ticker.upper(), label, call_id, None, None, ())
    previous = calls.loc[calls.index[calls.index.get_loc(at) - 1]]
    a, b = int(previous["call_id"]), call_id
    older = [int(c) for c in calls["call_id"] if c not in (a, b)]
    earlier = [int(c) for c, o in zip(calls["call_id"], calls["ordinal"]) if o < calls.loc[at, "ordinal"]]
    sentences = {a: call_sentences(store, a), b: call_sentences(store, b)}
    lines = [*tone_lines(sentences[a], sentences[b], b), *topic_lines(store, a, b, sentences[b]),
             *phrase_lines(store, a, b, sentences[b], older, earlier),
             *question_lines(store, ticker, b, Period.from_ordinal(int(calls.loc[at, "ordinal"]))),
             *non_answer_lines(store, b, sentences[b]), *guidance_lines(store, ticker, b)]
    text = {(call, int(p)): t for call in (a, b) for p, t in zip(sentences[call]["pos"], sentences[call]["text"])}
    lines = [replace(line, quotes=tuple(_clip(text[r]) for r in line.refs if r in text)) for line in lines]
    return Digest(ticker.upper(), label, b, previous["period"], a, tuple(lines))


def _scores(frame: pd.DataFrame) -> np.ndarray:
    return frame["tone_label"].map(_TONE).fillna(0.0).to_numpy()


def tone_change(before: np.ndarray, after: np.ndarray, *, draws: int = BOOTSTRAP, seed: int = 0
                ) -> tuple[float, float, float]:
    """(change of mean, low, high of its 95% bootstrap interval) for per-sentence tone values of two calls."""
    rng = np.random.default_rng(seed)
    change = float(after.mean() - before.mean())
    resampled = (after[rng.integers(0, len(after), (draws, len(after)))].mean(axis=1)
                 - before[rng.integers(0, len(before), (draws, len(before)))].mean(axis=1))
    low, high = np.percentile(resampled, [2.5, 97.5])
    return change, float(low), float(high)


def tone_lines(before: pd.DataFrame, after: pd.DataFrame, call_id: int) -> list[Line]:
    """Net tone change of the whole call, each section and each speaker group, significant ones first."""
    groups = [("whole call", None, None)] + [(f"section: {s}", "section", s) for s in ("prepared", "qa")] + [
        (f"speakers: {g}", "speaker_group", g) for g in SPEAKER_SERIES]
    lines = []
    for name, column, value in groups:
        old = before if column is None else before[before[column] == value]
        new = after if column is None else after[after[column] == value]
        if len(old) < 5 or len(new) < 5:
            continue
        change, low, high = tone_change(_scores(old), _scores(new))
        significant = low > 0 or high < 0
        refs = [int(p) for p in new.sort_values("tone_score", ascending=change < 0)["pos"].head(2)]
        lines.append(Line("tone", f"Net tone, {name}: {_scores(old).mean():+.3f} → {_scores(new).mean():+.3f} "
                                  f"({change:+.3f}, 95% interval {low:+.3f} to {high:+.3f}"
                                  + (", significant)" if significant else ", not significant)"),
                          tuple((call_id, p) for p in refs),
                          {"group": name, "before": float(_scores(old).mean()), "after": float(_scores(new).mean()),
                           "change": change, "low": low, "high": high, "significant": significant,
                           "sentences_before": len(old), "sentences_after": len(new)}))
    return sorted(lines, key=lambda line: (not line.numbers["significant"], -abs(line.numbers["change"])))


def topic_lines(store: Store, a: int, b: int, after: pd.DataFrame) -> list[Line]:
    """Topics whose share of sentences rose or fell by at least TOPIC_POINTS points, biggest first."""
    deltas = topic_deltas(store, a=a, b=b)
    moved = deltas[(deltas["share_change"] * 100).abs() >= TOPIC_POINTS].head(2 * TOP)
    lines = []
    for row in moved.itertuples(index=False):
        refs = [int(p) for p in after[after["topic"] == row.topic]["pos"].head(2)]
        word = "rose" if row.share_change > 0 else "fell"
        lines.append(Line("topic", f"Topic {row.topic} {word}: {row.share_a:.1%} → {row.share_b:.1%} of sentences "
                                   f"({100 * row.share_change:+.1f} points)", tuple((b, p) for p in refs),
                          {"topic": row.topic, "share_before": float(row.share_a), "share_after": float(row.share_b),
                           "change_points": float(100 * row.share_change)}))
    return lines


def phrase_lines(store: Store, a: int, b: int, after: pd.DataFrame, others: list[int],
                 earlier: list[int]) -> list[Line]:
    """New and vanished phrases without boilerplate, each marked when no earlier call said it."""
    changes = phrase_changes(store, a=a, b=b, top=4 * TOP)
    if changes.empty:
        return []
    analyzer = CountVectorizer(ngram_range=(2, 3), stop_words="english", token_pattern=r"(?u)\b[A-Za-z][A-Za-z'-]+\b",
                               lowercase=True, vocabulary=sorted(set(changes["phrase"])))
    said_in = {}
    for call_id in others:
        texts = call_sentences(store, call_id)["text"].tolist()
        if texts:
            said_in[call_id] = set(np.flatnonzero(analyzer.transform(texts).sum(axis=0).A1))
    names = analyzer.get_feature_names_out()
    index = {name: i for i, name in enumerate(names)}
    in_after = analyzer.transform(after["text"].tolist()) if len(after) else None
    lines = []
    for change in ("new", "vanished"):
        for row in changes[changes["change"] == change].itertuples(index=False):
            i = index[row.phrase]
            spread = sum(i in said for said in said_in.values())
            if said_in and spread >= len(said_in) / 2:
                continue  # boilerplate: most of the ticker's calls say it
            first = not any(i in said_in.get(c, ()) for c in earlier)
            refs = () if change == "vanished" or in_after is None else tuple(
                (b, int(after["pos"].iloc[r])) for r in in_after[:, i].nonzero()[0][:3])
            count = row.count_b if change == "new" else row.count_a
            lines.append(Line("phrase", f"{'New' if change == 'new' else 'Vanished'} phrase “{row.phrase}” "
                                        f"({count}×)" + (", never said on an earlier call" if first and change == "new"
                                                         else ""), refs,
                              {"change": change, "phrase": row.phrase, "count_before": int(row.count_a),
                               "count_after": int(row.count_b), "calls_saying_it": spread, "first_time": first}))
            if sum(line.numbers["change"] == change for line in lines) >= TOP:
                break
    return lines


def question_lines(store: Store, ticker: str, call_id: int, period: Period) -> list[Line]:
    """The call's analyst questions that no earlier question of the ticker comes close to, and the recurring
    question themes that went quiet on it (core.queries.question_themes, as of the call)."""
    from .question_themes import question_themes

    themes = question_themes(store, ticker, up_to=period)
    if themes.latest_call_id != call_id:
        return []
    lines = [Line("question", f"New question from {row.speaker}: “{_clip(row.question)}”",
                  ((call_id, int(row.pos)),),
                  {"speaker": row.speaker, "nearest_earlier_similarity": float(row.nearest_earlier)})
             for row in themes.new.head(TOP).itertuples(index=False) if row.pos == row.pos]
    lines += [Line("question", f"Quiet theme: “{_clip(row.label, 20)}” (asked on {row.calls} calls, last "
                               f"{row.last_period}; not on this one)", ((int(row.label_call_id), int(row.label_pos)),),
                   {"theme": int(row.theme), "calls": int(row.calls), "last_period": row.last_period})
              for row in themes.quiet.head(TOP).itertuples(index=False)]
    return lines


def non_answer_lines(store: Store, call_id: int, after: pd.DataFrame) -> list[Line]:
    """The call's Q&A exchanges judged likely non-answers."""
    with store.cursor() as cur:
        frame = cur.execute("""
            SELECT q.question_turn, q.answer_turns[1] AS answer_turn, q.non_answer_phrase, q.similarity, t.speaker
            FROM qa_exchanges q JOIN turns t ON t.call_id = q.call_id AND t.idx = q.question_turn
            WHERE q.call_id = ? AND q.non_answer ORDER BY q.question_turn
        """, [call_id]).df()
    first_pos = after.groupby("turn_idx")["pos"].min()
    lines = []
    for row in frame.itertuples(index=False):
        refs = tuple((call_id, int(first_pos[t])) for t in (row.question_turn, row.answer_turn) if t in first_pos)
        why = f"refusal “{row.non_answer_phrase}”" if row.non_answer_phrase else "answer far from the question"
        lines.append(Line("non_answer", f"Likely non-answer to {row.speaker} ({why}; similarity {row.similarity:.2f})",
                          refs, {"speaker": row.speaker, "phrase": row.non_answer_phrase,
                                 "similarity": float(row.similarity)}))
    return lines


def guidance_lines(store: Store, ticker: str, call_id: int) -> list[Line]:
    """The call's guidance that revises earlier guidance: raised, lowered, narrowed or kept."""
    from ..analysis.guidance_runs import vocabulary_for
    from .guidance_links import change_text, items

    frame = items(store, ticker, kind="guidance")
    frame = frame[(frame["call_id"] == call_id) & (frame["direction"] != "new")]
    data_dir = None if store.path == ":memory:" else Path(store.path).parent
    labels = {m.key: m.label for m in vocabulary_for(data_dir).metrics}
    return [Line("guidance", change_text(row, labels.get(row["metric"], row["metric"])),
                 ((call_id, int(row["sentence_pos"])),),
                 {"metric": row["metric"], "direction": row["direction"], "change_pct": row.get("change_pct")})
            for row in frame.to_dict("records")]


def _clip(text: str, words: int = 30) -> str:
    parts = str(text).split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def _md(text: str) -> str:
    """Text safe inside a Markdown list item: its markup characters escaped."""
    return re.sub(r"([\\`*_\[\]<>|~#])", r"\\\1", " ".join(str(text).split()))
