"""Topics: topic × quarter heatmaps of share and tone, discovered topics, and any phrase's trend."""
import streamlit as st

from ui import charts, filters, resources, widgets

st.title("Topics")
scope = filters.scope()
st.caption(filters.describe(scope))
shares = resources.query("topic_shares", scope=scope)
if shares.empty:
    widgets.empty_state("No analysed sentence with a topic in this scope.",
                        analysed=not resources.query("calls", scope=scope).empty)
    st.stop()

tickers = sorted(shares["ticker"].unique())
ticker = st.segmented_control("Ticker", tickers, default=tickers[0], required=True, key="topics-ticker")
data = shares[shares["ticker"] == ticker]
data = data.assign(topic_label=data["topic"].map(resources.topic_label))
share_tab, tone_tab = st.tabs(["Share of sentences", "Tone"])
share_tab.plotly_chart(charts.heatmap(data, value="share", title=f"{ticker}: share of sentences per topic",
                                      diverging=False, label="Share"), key="share-heatmap")
tone_tab.plotly_chart(charts.heatmap(data, value="net_tone", title=f"{ticker}: net tone per topic",
                                     diverging=True, label="Net tone"), key="tone-heatmap")
widgets.table(data, f"topic-shares-{ticker}", column_config={
    "share": st.column_config.NumberColumn(format="percent"),
    "net_tone": st.column_config.NumberColumn(format="%+.3f")})
