"""The sell-side analysts of the Q&A, per ticker or across tickers: a directory with one row per person (spellings
merged by core.queries.analyst_identity), a person's quarters and firms over time, and who asked about a topic or a
phrase.

A question is an analyst's turn in the Q&A that asks something; a courtesy turn ("Thank you.": at most
COURTESY_WORDS words and no question mark) is not one. A follow-up is an analyst's second or later question in one
call. Tone is the mean sentence sentiment score (-1..1) of analysed calls: of the analyst's questions, and of
management's answers to them (the answer turns of the Q&A exchange the question opens); the non-answer share is
the share of those exchanges judged likely non-answers (core.analysis.cues)."""
from __future__ import annotations

import pandas as pd

from ..analysis.measures import CURRENT_RUNS_SQL, PERIOD_LABEL_SQL, PERIOD_ORDINAL_SQL
from ..storage.store import Store
from .analyst_identity import identities, same_firm

COURTESY_WORDS = 12
TOP_TOPICS = 3

_TURNS_SQL = f"""
    SELECT c.call_id, c.ticker, c.fiscal_year, c.fiscal_quarter, {PERIOD_ORDINAL_SQL} AS ordinal,
           {PERIOD_LABEL_SQL} AS period, c.call_date, t.idx AS turn_idx, t.speaker, t.firm, t.text
    FROM turns t JOIN calls c ON c.call_id = t.call_id
    WHERE t.kind = 'analyst' AND t.section = 'qa' AND t.type = 'question' AND (? IS NULL OR c.ticker = ?)
    ORDER BY c.fiscal_year, c.fiscal_quarter, c.ticker, t.idx
"""
_SENTENCES_SQL = f"""
    SELECT s.call_id, s.turn_idx, s.pos, s.text, s.sentiment_score, s.topic
    FROM sentences s JOIN calls c ON c.call_id = s.call_id JOIN {CURRENT_RUNS_SQL} r ON r.call_id = s.call_id
    WHERE (? IS NULL OR c.ticker = ?)
"""
_EXCHANGES_SQL = """
    SELECT q.call_id, q.question_turn AS turn_idx, q.non_answer, unnest(q.answer_turns) AS answer_turn
    FROM qa_exchanges q JOIN calls c ON c.call_id = q.call_id WHERE (? IS NULL OR c.ticker = ?)
"""


def questions(store: Store, ticker: str | None = None) -> pd.DataFrame:
    """Every analyst question (one row per question turn), oldest first, with the person it is credited to, the
    firm as printed, whether it is a follow-up, its first sentence's position (for the Reader; NA when the call is
    not analysed), its topics, its tone, the tone of the answer and the non-answer verdict."""
    with store.cursor() as cur:
        turns = cur.execute(_TURNS_SQL, [ticker, ticker]).df()
        sentences = cur.execute(_SENTENCES_SQL, [ticker, ticker]).df()
        exchanges = cur.execute(_EXCHANGES_SQL, [ticker, ticker]).df()
    if turns.empty:
        return turns.assign(name=[], follow_up=[], pos=[], topics=[], question_tone=[], answer_tone=[],
                            non_answer=[])
    turns = turns[[_asks(text) for text in turns["text"]]].reset_index(drop=True)
    shown = identities(zip(turns["speaker"], turns["firm"]))
    turns["name"] = [shown.get(" ".join(str(s).split()), s) for s in turns["speaker"]]
    turns["follow_up"] = turns.groupby(["call_id", "name"]).cumcount() > 0
    by_turn = sentences.groupby(["call_id", "turn_idx"])
    asked = by_turn.agg(pos=("pos", "min"), question_tone=("sentiment_score", "mean"),
                        topics=("topic", lambda t: tuple(dict.fromkeys(t.dropna())))).reset_index()
    answers = exchanges.merge(sentences.rename(columns={"turn_idx": "answer_turn"}), on=["call_id", "answer_turn"])
    answered = answers.groupby(["call_id", "turn_idx"]).agg(answer_tone=("sentiment_score", "mean")).reset_index()
    verdicts = exchanges.groupby(["call_id", "turn_idx"]).agg(non_answer=("non_answer", "max")).reset_index()
    out = turns.merge(asked, on=["call_id", "turn_idx"], how="left").merge(
        answered, on=["call_id", "turn_idx"], how="left").merge(verdicts, on=["call_id", "turn_idx"], how="left")
    out["pos"] = out["pos"].astype("Int64")
    out["topics"] = [t if isinstance(t, tuple) else () for t in out["topics"]]
    return out


def _asks(text: str) -> bool:
    return "?" in text or len(text.split()) > COURTESY_WORDS


def directory(store: Store, ticker: str | None = None) -> pd.DataFrame:
    """One row per analyst: name, latest firm, firms over time, tickers, calls, questions, follow-ups, first and last
    period, top topics, the tone of their questions and of the answers, and the non-answer share; most questions
    first."""
    asked = questions(store, ticker)
    columns = ["name", "firm", "firms", "tickers", "calls", "questions", "follow_ups", "first_period", "last_period",
               "topics", "question_tone", "answer_tone", "non_answer_share", "spellings"]
    if asked.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    for name, own in asked.groupby("name", sort=False):
        history = firm_history(own)
        topics = pd.Series([t for ts in own["topics"] for t in ts], dtype=object).value_counts()
        rows.append({
            "name": name, "firm": history[-1]["firm"] if history else None,
            "firms": " → ".join(f"{h['firm']} ({h['first_period']}–{h['last_period']})" for h in history),
            "tickers": ", ".join(sorted(own["ticker"].unique())), "calls": own["call_id"].nunique(),
            "questions": len(own), "follow_ups": int(own["follow_up"].sum()),
            "first_period": own["period"].iloc[0], "last_period": own["period"].iloc[-1],
            "topics": ", ".join(topics.index[:TOP_TOPICS]), "question_tone": own["question_tone"].mean(),
            "answer_tone": own["answer_tone"].mean(),
            "non_answer_share": own["non_answer"].dropna().astype(float).mean(),
            "spellings": ", ".join(sorted(set(own["speaker"]) - {name})),
        })
    return pd.DataFrame(rows, columns=columns).sort_values(["questions", "name"], ascending=[False, True],
                                                           ignore_index=True)


def firm_history(own: pd.DataFrame) -> list[dict]:
    """A person's firms in time order (one entry per stretch at one firm, its printings merged): firm as most often
    printed in the stretch, first and last period."""
    stretches: list[dict] = []
    for row in own.sort_values(["ordinal", "turn_idx"]).itertuples(index=False):
        if not row.firm:
            continue
        if stretches and same_firm(stretches[-1]["printed"][-1], row.firm):
            stretches[-1]["printed"].append(row.firm)
            stretches[-1]["last_period"] = row.period
        else:
            stretches.append({"printed": [row.firm], "first_period": row.period, "last_period": row.period})
    return [{"firm": _shown_firm(s["printed"]), "first_period": s["first_period"], "last_period": s["last_period"]}
            for s in stretches]


def _shown_firm(printed: list[str]) -> str:
    counts = pd.Series([p.removesuffix(", Research Division") for p in printed]).value_counts()
    return str(counts.index[0])


def history(store: Store, name: str, ticker: str | None = None) -> pd.DataFrame:
    """A person's quarters: ticker, period, firm as printed, questions, follow-ups, question and answer tone,
    non-answers."""
    asked = questions(store, ticker)
    own = asked[asked["name"] == name]
    if own.empty:
        return pd.DataFrame(columns=["ticker", "period", "call_id", "firm", "questions", "follow_ups",
                                     "question_tone", "answer_tone", "non_answers"])
    return own.groupby(["ordinal", "ticker", "period", "call_id"], sort=True).agg(
        firm=("firm", "first"), questions=("turn_idx", "size"), follow_ups=("follow_up", "sum"),
        question_tone=("question_tone", "mean"), answer_tone=("answer_tone", "mean"),
        non_answers=("non_answer", lambda v: int(v.fillna(False).astype(bool).sum())),
    ).reset_index().drop(columns="ordinal")


def asked_about(store: Store, ticker: str | None = None, *, topic: str | None = None,
                phrase: str | None = None) -> pd.DataFrame:
    """The questions on a taxonomy topic or containing a phrase (case-insensitive), newest first: who asked, their
    firm, the period, and the question's text."""
    asked = questions(store, ticker)
    if asked.empty:
        return asked
    keep = pd.Series(True, index=asked.index)
    if topic:
        keep &= asked["topics"].map(lambda topics: topic in topics).astype(bool)
    if phrase:
        keep &= asked["text"].str.contains(phrase, case=False, regex=False)
    found = asked[keep]
    return found.sort_values(["ordinal", "turn_idx"], ascending=[False, True])[
        ["name", "firm", "ticker", "period", "call_id", "pos", "turn_idx", "follow_up", "non_answer", "text"]
    ].reset_index(drop=True)


def questions_of(store: Store, name: str, ticker: str | None = None) -> pd.DataFrame:
    """One person's questions, newest first: ticker, period, firm as printed, follow-up, topics, non-answer, the
    text, and where the Reader opens it."""
    asked = questions(store, ticker)
    own = asked[asked["name"] == name].sort_values(["ordinal", "turn_idx"], ascending=[False, True])
    return own.assign(topics=[", ".join(t) for t in own["topics"]])[
        ["ticker", "period", "firm", "follow_up", "topics", "question_tone", "answer_tone", "non_answer", "text",
         "call_id", "pos"]].reset_index(drop=True)
