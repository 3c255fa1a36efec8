"""Analysts: the sell-side analysts of the Q&A (one row per person, spellings merged, firms over time), one
analyst's quarters and questions, and who asked about a topic or a phrase; every question opens in the Reader."""
import streamlit as st

from ui import filters, resources, widgets
from ui.text import escape_markdown

st.title("Analysts")
scope = filters.scope()
tickers = widgets.stored_tickers(scope)

ALL = "(every company)"
choice = st.selectbox("Company", [ALL, *tickers], key="analysts-ticker", bind="query-params")
ticker = None if choice == ALL else choice
people = resources.query("analyst_directory", ticker)
if people.empty:
    widgets.empty_state("No analyst questions were found in these calls: a call's Q&A names each analyst and "
                        "firm (StreetEvents, fool.com); prepared remarks alone name none.")
    st.stop()


def reader_links(frame):
    """A link column to the Reader at each question's first sentence (the call's start when not analysed)."""
    return [f"reader?call={c}" + (f"&at={p}" if p == p and p is not None else "")
            for c, p in zip(frame["call_id"], frame["pos"])]


LINK = st.column_config.LinkColumn("Question", display_text="Open in the reader")
TONE = {name: st.column_config.NumberColumn(label, format="%+.2f", help=help_text) for name, label, help_text in [
    ("question_tone", "Question tone", "mean sentiment of the analyst's question sentences (-1 to 1)"),
    ("answer_tone", "Answer tone", "mean sentiment of management's answers to them (-1 to 1)"),
]}

st.caption(f"{len(people)} analysts. A person printed in several spellings (initials, middle names, slips) is one "
           "row; firms over time show moves. Tone needs analysed calls.")
widgets.table(people, f"analysts-{choice}", column_config={
    **TONE, "non_answer_share": st.column_config.ProgressColumn("Non-answers", min_value=0.0, max_value=1.0,
                                                                format="percent"),
})

left, right = st.columns(2)
with left:
    st.markdown("#### One analyst")
    name = st.selectbox("Analyst", people["name"].tolist(), key="analyst", bind="query-params")
    row = people[people["name"] == name].iloc[0]
    st.markdown(f"**{escape_markdown(name)}** · {escape_markdown(row['firms'] or 'firm not printed')}")
    quarters = resources.query("analyst_history", name, ticker)
    st.bar_chart(quarters, x="period", y="questions", height=220)
    widgets.table(quarters, f"analyst-history-{name}", column_config=TONE)
with right:
    st.markdown("#### Who asked about…")
    labels = resources.topic_labels()
    topic = st.selectbox("Topic", ["", *labels], format_func=lambda key: labels.get(key, "(any topic)"),
                         key="asked-topic")
    phrase = st.text_input("Phrase in the question", key="asked-phrase", max_chars=200)
    if topic or phrase.strip():
        asked = resources.query("asked_about", ticker, topic=topic or None, phrase=phrase.strip() or None)
        if asked.empty:
            st.info("No question matches.", icon=":material/info:")
        else:
            counts = asked.groupby("name").size().sort_values(ascending=False)
            st.caption(escape_markdown(" · ".join(f"{n} ({k})" for n, k in counts.items())))
            widgets.table(asked.assign(question=reader_links(asked)), f"asked-{choice}",
                          column_config={"question": LINK})
    else:
        st.caption("Pick a topic or type a phrase to see who asked about it, and when.")

st.markdown(f"#### {escape_markdown(name)}'s questions")
own = resources.query("analyst_questions", name, ticker)
widgets.table(own.assign(question=reader_links(own)), f"analyst-questions-{name}", column_config={"question": LINK})
