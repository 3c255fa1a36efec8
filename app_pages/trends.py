"""Trends: tone across quarters by section and speaker, its quarter-on-quarter change, and every other headline
measure of the registry (core/analysis/measures.py) by the same series."""
import streamlit as st

from core.analysis.measures import HEADLINE, NET_TONE
from core.model import SECTION_LABELS, Period
from core.queries.views import Scope
from ui import charts, filters, resources, widgets

SERIES = {"call": "Whole call", **SECTION_LABELS, "ceo": "CEO", "cfo": "CFO",
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
OTHERS = [m for m in HEADLINE if m is not NET_TONE]
KEYS = [c for c in data.columns if c not in {m.name for m in HEADLINE} | {"qoq_change"}]
tone_tab, change_tab, *measure_tabs = st.tabs(["Net tone", "Quarter-on-quarter change", *(m.label for m in OTHERS)],
                                              key="view", bind="query-params", on_change="rerun")
if tone_tab.open:
    with tone_tab:
        figure = charts.lines(data, y="net_tone", color="series", line_dash=dash, title=NET_TONE.label,
                              y_title=NET_TONE.label)
        event = st.plotly_chart(figure, on_select="rerun", selection_mode="points", key="tone-chart")
        st.caption(f"{NET_TONE.help} Click a point to list the sentences behind it.")
        points = event.selection.points if event else []
        if points:
            ticker, year, quarter, label = points[0]["customdata"][:4]
            key = {v: k for k, v in SERIES.items()}[label]
            narrowed = Scope(scope.tickers, scope.period_from, scope.period_to,
                             (key,) if key in ("prepared", "qa") else scope.sections,
                             (key,) if key not in ("call", "prepared", "qa") else scope.speaker_groups)
            period = Period(year, quarter)
            behind = resources.query("sentences_behind", scope=narrowed, ticker=ticker, period=period)
            st.markdown(f"#### {ticker} {period.label} · {label}: the sentences behind the point "
                        f"(strongest tone first)")
            widgets.table(behind, f"sentences-{ticker}-{year}Q{quarter}-{key}")
        widgets.table(data[[*KEYS, "net_tone"]], "tone-series",
                      column_config={"net_tone": st.column_config.NumberColumn(format=NET_TONE.printf)})

if change_tab.open:
    with change_tab:
        changes = data.dropna(subset=["qoq_change"])
        st.plotly_chart(charts.lines(changes, y="qoq_change", color="series", line_dash=dash,
                                     title="Quarter-on-quarter change in net tone", y_title="Change in net tone"),
                        key="qoq-chart")
        widgets.table(changes[[*KEYS, "net_tone", "qoq_change"]], "tone-change", column_config={
            k: st.column_config.NumberColumn(format=NET_TONE.printf) for k in ("net_tone", "qoq_change")})

for tab, measure in zip(measure_tabs, OTHERS):
    if tab.open:
        with tab:
            st.plotly_chart(charts.lines(data, y=measure.name, color="series", line_dash=dash, title=measure.label,
                                         y_title=measure.label), key=f"{measure.name}-chart")
            st.caption(measure.help)
            widgets.table(data[[*KEYS, measure.name]], f"{measure.name}-series", column_config={
                measure.name: st.column_config.NumberColumn(format=measure.printf)})
