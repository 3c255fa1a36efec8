"""Topics: topic × quarter heatmaps of share and tone, discovered topics, and any phrase's trend."""
from dataclasses import replace

import pandas as pd
import streamlit as st

from core.errors import ConfigError
from core.model import period_label
from ui import charts, filters, resources, widgets
from ui.text import escape_markdown

st.title("Topics")
scope = filters.scope()
st.caption(filters.describe(scope))
tickers = sorted(widgets.stored_tickers(scope))
ticker = st.segmented_control("Ticker", tickers, default=tickers[0], required=True, key="topics-ticker")
shares = resources.query("topic_shares", scope=replace(scope, tickers=(ticker,)))  # one ticker's calls, not all
if shares.empty:
    widgets.empty_state(f"No analysed sentence of {ticker} with a topic in this scope.",
                        analysed=not resources.query("calls", scope=replace(scope, tickers=(ticker,))).empty)
    st.stop()
data = shares.assign(topic_label=shares["topic"].map(resources.topic_label))
share_tab, tone_tab = st.tabs(["Share of sentences", "Tone"], key="heatmap", bind="query-params", on_change="rerun")
if share_tab.open:
    share_tab.plotly_chart(charts.heatmap(data, value="share", title=f"{ticker}: share of sentences per topic",
                                          diverging=False, label="Share"), key="share-heatmap")
if tone_tab.open:
    tone_tab.plotly_chart(charts.heatmap(data, value="net_tone", title=f"{ticker}: net tone per topic",
                                         diverging=True, label="Net tone"), key="tone-heatmap")
widgets.table(data, f"topic-shares-{ticker}", column_config={
    "share": st.column_config.NumberColumn(format="percent"),
    "net_tone": st.column_config.NumberColumn(format="%+.3f")})

st.markdown("#### Discovered topics")
st.caption("Topics found in the words themselves rather than the taxonomy: NMF over TF-IDF of every analysed "
           "sentence of the ticker, each labelled by its top terms; a sentence counts for its strongest topic.")
if st.toggle("Discover the topics of this ticker's calls", key="discover"):
    try:
        discovery = resources.query("discovered_topics", ticker=ticker)
    except ConfigError as exc:  # too few sentences to fit
        st.info(escape_markdown(str(exc)), icon=":material/info:")
    else:
        trend = discovery.shares.assign(
            ticker=ticker, series=discovery.shares["label"],
            fiscal_period=list(map(period_label, discovery.shares["fiscal_year"], discovery.shares["fiscal_quarter"])))
        st.plotly_chart(charts.lines(trend, y="share", color="series", title=f"{ticker}: discovered topics' share "
                                     "of sentences", y_title="Share of sentences"), key="discovered-share")
        widgets.table(pd.DataFrame([{"topic": t.index, "label": t.label, "terms": ", ".join(t.terms)}
                                    for t in discovery.topics]), f"discovered-topics-{ticker}")

st.markdown("#### Phrase trend")
st.caption("Any phrase becomes a topic: per quarter, the share of sentences whose meaning is close to it "
           "(cosine similarity of sentence vectors ≥ the threshold) and the net tone of those sentences.")
with st.form("phrase"):
    left, right = st.columns([3, 1])
    phrase = left.text_input("Phrase", key="phrase", bind="query-params", max_chars=200,
                             placeholder="e.g. supply constraints, sovereign AI, inventory digestion")
    threshold = right.slider("Similarity threshold", 0.3, 0.9, 0.5, 0.05)
    st.form_submit_button("Show trend", icon=":material/trending_up:")
if phrase.strip():
    trend, examples = resources.phrase_trend(ticker, phrase.strip(), threshold=threshold)
    if trend.empty or not trend["matches"].any():
        st.info(f"No sentence of {ticker} is that close to “{escape_markdown(phrase)}”. Lower the threshold or try "
                "other words.", icon=":material/search_off:")
    else:
        periods = list(map(period_label, trend["fiscal_year"], trend["fiscal_quarter"]))
        trend = trend.assign(ticker=ticker, fiscal_period=periods, series="share of sentences")
        st.plotly_chart(charts.lines(trend, y="share", color="series", title=f"{ticker}: share of sentences close "
                                     "to the phrase", y_title="Share of sentences"), key="phrase-share")
        widgets.table(trend, f"phrase-trend-{ticker}", column_config={
            "share": st.column_config.NumberColumn(format="percent"),
            "net_tone": st.column_config.NumberColumn(format="%+.3f")})
        st.markdown("**Example sentences per quarter** (closest first)")
        widgets.table(examples, f"phrase-examples-{ticker}")
