"""Overview: per ticker, the latest call against the previous one and a year before."""
import streamlit as st

from core.guidance_links import change_text
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
    columns = st.columns(5)
    figures = [("Net tone", "net_tone"), ("Prepared", "net_tone_prepared"), ("Q&A", "net_tone_qa"),
               ("Q&A − prepared", "tone_gap_qa_minus_prepared"), ("Uncertainty /1000 words",
                                                                  "uncertainty_per_1000_words")]
    base = "previous" if "previous" in rows.index else None
    for column, (label, key) in zip(columns, figures):
        delta = None
        if base is not None and rows.loc[base, key] == rows.loc[base, key] and latest[key] == latest[key]:
            delta = f"{latest[key] - rows.loc[base, key]:+.3f} QoQ"
        value = latest[key]
        column.metric(label, "–" if value != value else f"{value:+.3f}" if key != "uncertainty_per_1000_words"
                      else f"{value:.2f}", delta, delta_color="inverse" if key == "uncertainty_per_1000_words"
                      else "normal")
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
    key: st.column_config.NumberColumn(format="%+.3f") for key in
    ("net_tone", "net_tone_prepared", "net_tone_qa", "tone_gap_qa_minus_prepared")})

movers = resources.query("topic_movers", scope=scope)
st.markdown("#### Rising and falling topics (share of sentences, latest vs previous call)")
if movers.empty:
    st.caption("Topic shares need at least two analysed calls per ticker in scope.")
else:
    movers = movers.assign(topic=movers["topic"].map(resources.topic_label))
    widgets.table(movers, "topic-movers", column_config={
        key: st.column_config.NumberColumn(format="percent") for key in
        ("share_latest", "share_previous", "share_change")})
