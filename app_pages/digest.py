"""What changed: a call against the previous one of its ticker — tone by section and speaker group with its
interval, topics that rose and fell, new and vanished phrases, new questions and quiet themes, likely non-answers and
guidance changes — each line with the sentence behind it, and the whole as Markdown to paste into a note."""
import pandas as pd
import streamlit as st

from core.model import Period
from ui import filters, navigation, resources, widgets
from ui.text import escape_markdown

TITLES = {"tone": "Tone", "topic": "Topics", "phrase": "Phrases", "question": "Questions",
          "non_answer": "Likely non-answers", "guidance": "Guidance changes"}

st.title("What changed")
scope = filters.scope()
tickers = widgets.stored_tickers(scope)

left, right = st.columns(2)
ticker = left.selectbox("Ticker", tickers, key="digest-ticker", bind="query-params")
calls = resources.query("digest_calls", ticker)
if calls.empty:
    widgets.empty_state(f"No analysed calls of {ticker} yet.", analysed=True)
    st.stop()
periods = calls["period"].tolist()[::-1]
period = right.selectbox("Call", periods, key="digest-period", bind="query-params")
found = resources.query("digest", ticker, Period.parse(period))
if found.previous_period is None:
    st.info(f"{ticker} {period} is the first analysed call of {ticker}: a digest compares a call with the one "
            "before it. Analyse an earlier call (Data → Stored calls) to see what changed.", icon=":material/info:")
    st.stop()

st.caption(f"{ticker} {period} against {found.previous_period}. Tone intervals are 95% bootstrap intervals over "
           "sentences; a change is significant when its interval excludes zero.")
for kind, title in TITLES.items():
    lines = [line for line in found.lines if line.kind == kind]
    if not lines:
        continue
    st.markdown(f"#### {title}")
    for line in lines:
        with st.container(border=True):
            st.markdown(escape_markdown(line.text))
            if line.quotes:
                st.caption(escape_markdown(line.quotes[0]))
            if line.refs:
                call_id, pos = line.refs[0]
                st.page_link(navigation.page("reader"), label="Open in the reader", icon=":material/article:",
                             query_params={"call": str(call_id), "at": str(pos)})

st.download_button("Download as Markdown", found.markdown().encode("utf-8"), f"{ticker}-{period}-digest.md",
                   mime="text/markdown", icon=":material/download:")
st.markdown("#### Every line as a table")
widgets.table(pd.DataFrame([{"kind": line.kind, "change": line.text,
                             "sentence": f"{line.refs[0][0]}:{line.refs[0][1]}" if line.refs else ""}
                            for line in found.lines]), f"digest-{ticker}-{period}")
