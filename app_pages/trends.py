"""Trends: tone across quarters by section and speaker, quarter-on-quarter change, and the uncertainty index."""
import streamlit as st

from core.model import Period
from core.views import Scope
from ui import charts, filters, resources, widgets

SERIES = {"call": "Whole call", "prepared": "Prepared remarks", "qa": "Q&A", "ceo": "CEO", "cfo": "CFO",
          "analyst": "Analysts", "executive": "Other executives"}

st.title("Trends")
scope = filters.scope()
st.caption(filters.describe(scope))
series = resources.query("tone_series", scope=scope)
if series.empty:
    widgets.empty_state("No analysed call in this scope.", analysed=not resources.query("calls", scope=scope).empty)
    st.stop()

shown = st.pills("Series", list(SERIES), format_func=SERIES.get, selection_mode="multi",
                 default=["prepared", "qa", "ceo", "cfo", "analyst"], key="series")
data = series[series["series"].isin(shown or list(SERIES))].assign(series=lambda f: f["series"].map(SERIES))
dash = "ticker" if data["ticker"].nunique() > 1 else None
tone_tab, change_tab, uncertainty_tab = st.tabs(["Net tone", "Quarter-on-quarter change", "Uncertainty index"],
                                               key="view", bind="query-params", on_change="rerun")
if tone_tab.open:
    with tone_tab:
        figure = charts.lines(data, y="net_tone", color="series", line_dash=dash,
                              title="Net tone ((positive − negative) / sentences)", y_title="Net tone")
        event = st.plotly_chart(figure, on_select="rerun", selection_mode="points", key="tone-chart")
        st.caption("Click a point to list the sentences behind it.")
        points = event.selection.points if event else []
        if points:
            ticker, year, quarter, label = points[0]["customdata"][:4]
            key = {v: k for k, v in SERIES.items()}[label]
            narrowed = Scope(scope.tickers, scope.period_from, scope.period_to,
                             (key,) if key in ("prepared", "qa") else scope.sections,
                             (key,) if key not in ("call", "prepared", "qa") else scope.speaker_groups)
            behind = resources.query("sentences_behind", scope=narrowed, ticker=ticker, period=Period(year, quarter))
            st.markdown(f"#### {ticker} FY{year} Q{quarter} · {label}: the sentences behind the point "
                        f"(strongest tone first)")
            widgets.table(behind, f"sentences-{ticker}-{year}Q{quarter}-{key}")
        widgets.table(data.drop(columns="qoq_change"), "tone-series",
                      column_config={"net_tone": st.column_config.NumberColumn(format="%+.3f")})

if change_tab.open:
    with change_tab:
        changes = data.dropna(subset=["qoq_change"])
        st.plotly_chart(charts.lines(changes, y="qoq_change", color="series", line_dash=dash,
                                     title="Quarter-on-quarter change in net tone", y_title="Change in net tone"),
                        key="qoq-chart")
        widgets.table(changes, "tone-change", column_config={
            k: st.column_config.NumberColumn(format="%+.3f") for k in ("net_tone", "qoq_change")})

if uncertainty_tab.open:
    with uncertainty_tab:
        measures = resources.query("measures", scope=scope)
        st.plotly_chart(charts.lines(measures, y="uncertainty_per_1000_words", color="ticker",
                                     title="Uncertainty index (Loughran–McDonald uncertainty words per 1,000 words)",
                                     y_title="Uncertainty words / 1,000 words"), key="uncertainty-chart")
        widgets.table(measures, "call-measures")
