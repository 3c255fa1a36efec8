"""Compare: two calls (same ticker QoQ or YoY, or any two) — tone and topic deltas, new and vanished phrases."""
import streamlit as st

from core.model import Period
from core.queries.views import Scope
from ui import charts, filters, resources, widgets

st.title("Compare")
calls = resources.query("calls", scope=Scope(tickers=filters.scope().tickers))
if calls.empty:
    widgets.empty_state("Comparing needs stored, analysed calls.")
    st.stop()

labels = dict(zip(calls["call_id"], calls["ticker"] + " · " + calls["fiscal_period"]))
ordinals = {(ticker, Period(year, quarter).ordinal): call_id for ticker, year, quarter, call_id in
            zip(calls["ticker"], calls["fiscal_year"], calls["fiscal_quarter"], calls["call_id"])}
left, right = st.columns(2)
b = left.selectbox("Call", list(labels), format_func=labels.get, help="The later call, compared with call A")
mode = right.segmented_control("Against", ["previous quarter", "a year before", "another call"],
                               default="previous quarter", required=True)
row = calls.set_index("call_id").loc[b]
ordinal = Period(int(row["fiscal_year"]), int(row["fiscal_quarter"])).ordinal
if mode == "another call":
    a = st.selectbox("Call A", [c for c in labels if c != b], format_func=labels.get)
else:
    a = ordinals.get((row["ticker"], ordinal - (1 if mode == "previous quarter" else 4)))
if a is None:
    st.info(f"{labels[b]} has no stored call {mode} to compare with. Fetch it on the Data page, or pick "
            "another call.", icon=":material/info:")
    st.page_link("app_pages/data.py", label="Go to Data", icon=":material/database:")
    st.stop()

st.subheader(f"A: {labels[a]}  →  B: {labels[b]}", anchor=False)
tone = resources.query("compare_tone", a=a, b=b)
if tone.empty:
    widgets.empty_state("Neither call is analysed yet.", analysed=True)
    st.stop()

st.markdown("#### Net tone by group")
both = tone.melt(id_vars="group", value_vars=["net_tone_a", "net_tone_b"], var_name="call", value_name="net tone")
st.plotly_chart(charts.bars(both.replace({"net_tone_a": labels[a], "net_tone_b": labels[b]}),
                            x="net tone", y="group", color="call", title="Net tone, A and B", x_title="Net tone"),
                key="tone-bars")
widgets.table(tone, "compare-tone", column_config={
    k: st.column_config.NumberColumn(format="%+.3f") for k in ("net_tone_a", "net_tone_b", "net_tone_change")})

st.markdown("#### Topics: share of sentences")
topics = resources.query("compare_topics", a=a, b=b)
topics = topics.assign(topic=topics["topic"].map(resources.topic_label))
widgets.table(topics, "compare-topics", column_config={
    **{k: st.column_config.NumberColumn(format="percent") for k in ("share_a", "share_b", "share_change")},
    **{k: st.column_config.NumberColumn(format="%+.3f") for k in ("net_tone_a", "net_tone_b")}})

st.markdown("#### New and vanished phrases")
st.caption("2–3 word phrases said at least twice in one call and never in the other.")
phrases = resources.query("compare_phrases", a=a, b=b)
new, gone = st.columns(2)
new.markdown(f"**New in B** ({labels[b]})")
widgets.table(phrases[phrases["change"] == "new"][["phrase", "count_b"]], "phrases-new", where=new)
gone.markdown(f"**Vanished from A** ({labels[a]})")
widgets.table(phrases[phrases["change"] == "vanished"][["phrase", "count_a"]], "phrases-vanished", where=gone)
