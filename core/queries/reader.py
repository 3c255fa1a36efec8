"""Read-only queries about one call and single sentences: the reader's sentences, header and Q&A exchanges, the
details of search hits, and the example sentences behind a phrase trend."""
from __future__ import annotations

import pandas as pd

from ..analysis.measures import PERIOD_LABEL_SQL
from ..embedding import EMBEDDING_DIM
from ..storage.search import SearchHit
from ..storage.store import Store
from .views import SENTENCES_SQL, frame_of


def call_sentences(store: Store, call_id: int) -> pd.DataFrame:
    """Every sentence of one call in order, with its turn, speaker, section, tone, main topic and the call's clock
    (seconds into the call) at the turn and at the sentence, where the document gives it."""
    return frame_of(store, f"""
        SELECT s.pos, s.turn_idx, s.sent_idx, s.speaker, s.role, s.speaker_group, s.section, s.turn_type,
               s.text, s.sentiment_label AS tone_label, s.sentiment_score AS tone_score, s.topic,
               s.turn_offset_s, s.offset_s
        FROM ({SENTENCES_SQL}) s WHERE s.call_id = ? ORDER BY s.pos
    """, [call_id])


def call_header(store: Store, call_id: int) -> dict:
    """One call's identity and provenance: ticker, period, date, title, source URL or path, fetch time."""
    frame = frame_of(store, f"""
        SELECT c.call_id, c.ticker, {PERIOD_LABEL_SQL} AS fiscal_period, c.call_date, c.call_time, c.title,
               c.company, c.format, c.source, d.fetched_at, d.http_status, c.stored_at
        FROM calls c JOIN documents d USING (doc_id) WHERE c.call_id = ?
    """, [call_id])
    return frame.iloc[0].to_dict() if len(frame) else {}


def sentence_details(store: Store, *, keys: list[tuple[int, int]]) -> pd.DataFrame:
    """Speaker, role, section, tone, period and date of the given (call_id, pos) sentences, in the given order."""
    return frame_of(store, f"""
        SELECT k.rank, c.call_id, s.pos, s.turn_idx, c.ticker, {PERIOD_LABEL_SQL} AS fiscal_period, c.call_date,
               s.section, s.speaker, s.role, s.speaker_group, s.text AS sentence, s.sentiment_label AS tone_label,
               s.sentiment_score AS tone_score, s.topic
        FROM (SELECT unnest(?) AS call_id, unnest(?) AS pos, unnest(range(len(?))) AS rank) k
             JOIN ({SENTENCES_SQL}) s ON s.call_id = k.call_id AND s.pos = k.pos
             JOIN calls c ON c.call_id = k.call_id
        ORDER BY k.rank
    """, [[c for c, _ in keys], [p for _, p in keys], [c for c, _ in keys]])


def search_table(store: Store, hits: list[SearchHit]) -> pd.DataFrame:
    """Search hits with their speaker, role, tone, period and date, best first (score as the search gave it)."""
    details = sentence_details(store, keys=[(hit.call_id, hit.pos) for hit in hits])
    scores = pd.DataFrame({"rank": range(len(hits)), "score": [hit.score for hit in hits]})
    return details.merge(scores, on="rank").drop(columns="rank")


def call_exchanges(store: Store, call_id: int) -> pd.DataFrame:
    """The Q&A exchanges of one call with their question–answer similarity and non-answer verdict."""
    return frame_of(store, """
        SELECT q.question_turn, q.answer_turns, q.similarity, q.non_answer_phrase, q.non_answer,
               t.speaker AS asked_by
        FROM qa_exchanges q JOIN turns t ON t.call_id = q.call_id AND t.idx = q.question_turn
        WHERE q.call_id = ? ORDER BY q.question_turn
    """, [call_id])


def phrase_examples(store: Store, *, ticker: str, vector: list[float], threshold: float = 0.5,
                    per_call: int = 3) -> pd.DataFrame:
    """The sentences of a ticker's analysed calls most similar to a phrase vector (at least `threshold` cosine),
    `per_call` per call — the examples behind core.queries.rollups.phrase_trend."""
    return frame_of(store, f"""
        SELECT fiscal_period, call_date, speaker, section, sentence, tone_label, similarity FROM (
            SELECT c.fiscal_year, c.fiscal_quarter, {PERIOD_LABEL_SQL} AS fiscal_period, c.call_date, s.speaker,
                   s.section, s.text AS sentence, s.sentiment_label AS tone_label,
                   array_cosine_similarity(v.embedding, ?::FLOAT[{EMBEDDING_DIM}]) AS similarity,
                   row_number() OVER (PARTITION BY c.call_id ORDER BY similarity DESC) AS rank
            FROM ({SENTENCES_SQL}) s JOIN calls c USING (call_id)
                 JOIN sentence_vectors v ON v.call_id = s.call_id AND v.pos = s.pos
            WHERE c.ticker = ?)
        WHERE similarity >= ? AND rank <= ?
        ORDER BY fiscal_year, fiscal_quarter, similarity DESC
    """, [vector, ticker.upper(), threshold, per_call])
