"""Two calls side by side: tone by section and speaker group, topic shares, and new / vanished phrases.

A phrase is a 2–3 word n-gram within one sentence (English stop words removed, numbers dropped). A phrase is
*new* when call B says it at least `min_count` times and call A never does; *vanished* is the reverse.
"""
from __future__ import annotations

import pandas as pd
from sklearn.feature_extraction.text import CountVectorizer

from ..analysis.measures import NET_TONE_SQL
from ..storage.store import Store
from .reader import call_sentences
from .views import SENTENCES_SQL, Scope, topic_shares

_TOKEN = r"(?u)\b[A-Za-z][A-Za-z'-]+\b"  # words of 2+ letters; numbers and amounts are not phrases


def tone_by_group(store: Store, *, a: int, b: int) -> pd.DataFrame:
    """Net tone and sentence counts of both calls per group (whole call, each section, each speaker group)."""
    with store.cursor() as cur:
        frame = cur.execute(f"""
            SELECT s.call_id,
                   CASE WHEN GROUPING(s.section) = 0 THEN 'section: ' || s.section
                        WHEN GROUPING(s.speaker_group) = 0 THEN 'speaker: ' || s.speaker_group
                        ELSE 'whole call' END AS grp,
                   count(*) AS sentences, {NET_TONE_SQL} AS net_tone
            FROM ({SENTENCES_SQL}) s
            WHERE s.call_id IN (?, ?) AND s.sentiment_label IS NOT NULL
            GROUP BY GROUPING SETS ((s.call_id), (s.call_id, s.section), (s.call_id, s.speaker_group))
        """, [a, b]).df()
    return _side_by_side(frame, a=a, b=b, index="grp", values=["sentences", "net_tone"]).rename(
        columns={"grp": "group"})


def topic_deltas(store: Store, *, a: int, b: int) -> pd.DataFrame:
    """Each topic's share of sentences and net tone in both calls, biggest share change first."""
    shares = topic_shares(store, scope=Scope(call_ids=(a, b)))
    out = _side_by_side(shares, a=a, b=b, index="topic", values=["share", "net_tone"])
    out[["share_a", "share_b"]] = out[["share_a", "share_b"]].fillna(0.0)
    out["share_change"] = out["share_b"] - out["share_a"]
    return out.sort_values("share_change", key=abs, ascending=False, kind="stable").reset_index(drop=True)


def phrase_changes(store: Store, *, a: int, b: int, min_count: int = 2, top: int = 25) -> pd.DataFrame:
    """Phrases new in call B (absent from A) and vanished from A (absent from B), most frequent first."""
    per_call = [call_sentences(store, call_id)["text"].tolist() for call_id in (a, b)]
    if not all(per_call):
        return pd.DataFrame(columns=["change", "phrase", "count_a", "count_b"])
    vectorizer = CountVectorizer(ngram_range=(2, 3), stop_words="english", token_pattern=_TOKEN, lowercase=True)
    matrix = vectorizer.fit_transform(per_call[0] + per_call[1])  # a phrase never spans two sentences
    split = len(per_call[0])
    counts = [matrix[:split].sum(axis=0).A1, matrix[split:].sum(axis=0).A1]
    frame = pd.DataFrame({"phrase": vectorizer.get_feature_names_out(), "count_a": counts[0], "count_b": counts[1]})
    new = frame[(frame["count_a"] == 0) & (frame["count_b"] >= min_count)].assign(change="new")
    gone = frame[(frame["count_b"] == 0) & (frame["count_a"] >= min_count)].assign(change="vanished")
    new = new.sort_values(["count_b", "phrase"], ascending=[False, True]).head(top)
    gone = gone.sort_values(["count_a", "phrase"], ascending=[False, True]).head(top)
    return pd.concat([new, gone])[["change", "phrase", "count_a", "count_b"]].reset_index(drop=True)


def _side_by_side(frame: pd.DataFrame, *, a: int, b: int, index: str, values: list[str]) -> pd.DataFrame:
    """Rows of call a and call b joined on `index`, columns suffixed _a / _b, plus <first value>_change."""
    left = frame[frame["call_id"] == a].set_index(index)[values].add_suffix("_a")
    right = frame[frame["call_id"] == b].set_index(index)[values].add_suffix("_b")
    out = left.join(right, how="outer").reset_index()
    out[f"{values[-1]}_change"] = out[f"{values[-1]}_b"] - out[f"{values[-1]}_a"]
    return out
