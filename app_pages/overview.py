"""Overview: per ticker, the latest call against the previous one and a year before."""
import streamlit as st

from core.analysis.measures import SUMMARY
from core.queries.guidance_links import change_text
from ui import filters, navigation, resources, widgets
from ui.text import escape_markdown, format_date

st.title("Overview")
scope = filters.scope()
st.caption(filters.describe(scope))

summary = resources.query("overview", scope=scope)
if summary.empty:
    calls = resources.query("calls", scope=scope)
    widgets.empty_state("Nothing analysed in this scope yet.", analysed=not calls.empty)
    st.stop()

WHICH = {"latest": "Latest", "previous": "Previous call", "year_ago": "A year before"}
for ticker, rows in summary.groupby("ticker", sort=True):
    rows = rows.set_index("which")
    latest = rows.loc["latest"]
    st.subheader(f"{ticker} · {latest['fiscal_period']}")
    st.caption(f"Call of {format_date(latest['call_date'])} · {int(latest['sentences'])} sentences analysed · "
               f"{int(latest['calls_in_scope'])} calls in scope")
    base = "previous" if "previous" in rows.index else None
    for column, measure in zip(st.columns(len(SUMMARY)), SUMMARY):
        value, delta = latest[measure.name], None
        if base is not None and rows.loc[base, measure.name] == rows.loc[base, measure.name] and value == value:
            delta = f"{measure.change_text(value - rows.loc[base, measure.name])} QoQ"
        column.metric(measure.label, measure.text(value), delta, help=measure.help,
                      delta_color="inverse" if measure.inverse else "normal")
    if base is not None:
        st.page_link(navigation.page("digest"), label=f"What changed on {ticker}'s {latest['fiscal_period']} call",
                     icon=":material/difference:", query_params={"digest-ticker": ticker,
                                                                "digest-period": latest["fiscal_period"]})
    changes = resources.query("guidance_changes", ticker)
    if not changes.empty:
        st.markdown("Guidance changes on this call: " + "; ".join(
            escape_markdown(change_text(row, resources.metric_label(row["metric"])))
            for row in changes.to_dict("records")))

table = summary.assign(which=summary["which"].map(WHICH))
st.markdown("#### Latest vs previous vs a year before")
widgets.table(table, "overview", column_config={
    m.name: st.column_config.NumberColumn(m.label, format=m.printf, help=m.help) for m in SUMMARY})

movers = resources.query("topic_movers", scope=scope)
st.markdown("#### Rising and falling topics (share of sentences, latest vs previous call)")
if movers.empty:
    st.caption("Topic shares need at least two analysed calls per ticker in scope.")
else:
    movers = movers.assign(topic=movers["topic"].map(resources.topic_label))
    widgets.table(movers, "topic-movers", column_config={
        key: st.column_config.NumberColumn(format="percent") for key in
        ("share_latest", "share_previous", "share_change")})
