"""Guidance: what management guided and reported per ticker and metric, the guided range against the result,
full-year guidance as it was revised, and every item with the sentence it was read from."""
import streamlit as st

from ui import charts, filters, resources, widgets

UNIT_TITLES = {"USD": "US dollars", "%": "Percent", "USD/share": "US dollars per share", "count": "Count"}
MEASURES = {"level": "Level", "growth": "Growth (year over year)", "sequential_growth": "Sequential growth"}

st.title("Guidance")
scope = filters.scope()
st.caption(filters.describe(scope))
tickers = widgets.stored_tickers(scope)

left, middle, right = st.columns([1, 1, 1])
ticker = left.selectbox("Ticker", tickers, key="guidance-ticker", bind="query-params")
items = resources.query("guidance_items", ticker)
if items.empty:
    st.info(f"No guidance or reported figures were read from {ticker}'s calls yet. Analysing a call reads them: "
            "open **Data** and press **Analyse now**, or run `python -m core analyze`.", icon=":material/info:")
    st.stop()

metrics = list(dict.fromkeys(items["metric"]))
metric = middle.selectbox("Metric", metrics, format_func=resources.metric_label, key="metric",
                          bind="query-params", index=metrics.index("revenue") if "revenue" in metrics else 0)
chosen = items[items["metric"] == metric]
measures = [m for m in MEASURES if m in set(chosen["measure"])]
measure = right.segmented_control("Measure", measures, format_func=MEASURES.get, default=measures[0],
                                  required=True, key="measure")
segments = sorted(chosen["segment"].dropna().unique())
segment = st.segmented_control("Segment", ["(company)", *segments], default="(company)", required=True,
                               key="segment") if segments else "(company)"
shown = chosen[(chosen["measure"] == measure) & (chosen["segment"].isna() if segment == "(company)"
                                                 else chosen["segment"] == segment)]
label = resources.metric_label(metric)
unit = shown["unit"].iloc[0] if not shown.empty else "%"
y_title = "Percent" if measure != "level" else UNIT_TITLES.get(unit, unit)

st.plotly_chart(charts.guided_vs_reported(shown, title=f"{ticker}: {label} guided (band) and reported (points)",
                                          y_title=y_title), key="guided-chart")
if shown["target_fiscal_quarter"].isna().any():
    st.plotly_chart(charts.revisions(shown, title=f"{ticker}: full-year {label.lower()} guidance as revised",
                                     y_title=y_title), key="revisions-chart")

st.markdown("#### Every item, with the sentence it was read from")
st.caption("Revision compares a guidance with the latest earlier guidance for the same period, metric and basis; "
           "delivery compares it with the result reported for that period. Open a row's sentence in the Reader.")
table = shown.assign(sentence=["reader?call={}&at={}".format(c, p)
                               for c, p in zip(shown["call_id"], shown["sentence_pos"])])
widgets.table(table, f"guidance-{ticker}-{metric}", column_config={
    "sentence": st.column_config.LinkColumn("Sentence", display_text="Open in the reader"),
    "change_pct": st.column_config.NumberColumn("Change (%)", format="%+.2f"),
    "surprise_pct": st.column_config.NumberColumn("Surprise (%)", format="%+.2f"),
    "confidence": st.column_config.ProgressColumn("Confidence", min_value=0.0, max_value=1.0, format="%.2f"),
})
