"""Plotly figures in the dashboard's style: fiscal-period axes in quarter order, call dates on hover.

Building a figure with plotly express costs ~0.1 s per chart, so figures are cached by their data and options, as
shared objects (`st.cache_resource`): `st.plotly_chart` only reads a figure, and a copy per page run (what
`st.cache_data` returns) rebuilt and re-validated the whole figure, two thirds of a Trends run's time."""
from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from core.model import period_label

TONE_SCALE = [[0.0, "#b2182b"], [0.5, "#f7f7f7"], [1.0, "#2166ac"]]  # negative red, neutral white, positive blue
_LAYOUT = dict(margin=dict(l=10, r=10, t=50, b=10), hovermode="closest", legend=dict(title_text=""))


def period_order(frame: pd.DataFrame) -> list[str]:
    """The frame's fiscal_period labels sorted by fiscal year and quarter."""
    ordered = frame.sort_values(["fiscal_year", "fiscal_quarter"])["fiscal_period"]
    return list(dict.fromkeys(ordered))


@st.cache_resource(show_spinner=False, max_entries=256)
def lines(frame: pd.DataFrame, *, y: str, color: str, title: str, y_title: str,
          line_dash: str | None = None) -> go.Figure:
    """A line per `color` value over fiscal periods; hover shows the call date and the sentences behind a point."""
    frame = frame.sort_values(["fiscal_year", "fiscal_quarter"])
    hover = {column: True for column in ("call_date", "sentences", "matches") if column in frame}
    figure = px.line(frame, x="fiscal_period", y=y, color=color, line_dash=line_dash, markers=True, title=title,
                     category_orders={"fiscal_period": period_order(frame)}, hover_data=hover,
                     custom_data=list(dict.fromkeys(["ticker", "fiscal_year", "fiscal_quarter", color])))
    figure.update_layout(xaxis_title="Fiscal period", yaxis_title=y_title, **_LAYOUT)
    figure.update_xaxes(type="category", tickangle=-60, automargin=True)
    return figure


@st.cache_resource(show_spinner=False, max_entries=256)
def heatmap(frame: pd.DataFrame, *, value: str, title: str, diverging: bool, label: str) -> go.Figure:
    """Topic × fiscal period heatmap of one value (share, or net tone on a red-white-blue scale)."""
    order = period_order(frame)
    pivot = frame.pivot_table(index="topic_label", columns="fiscal_period", values=value).reindex(columns=order)
    figure = px.imshow(pivot, aspect="auto", title=title, labels=dict(x="Fiscal period", y="Topic", color=label),
                       color_continuous_scale=TONE_SCALE if diverging else "Blues",
                       zmin=-1 if diverging else None, zmax=1 if diverging else None)
    figure.update_layout(**_LAYOUT)
    figure.update_xaxes(type="category")
    return figure


@st.cache_resource(show_spinner=False, max_entries=256)
def bars(frame: pd.DataFrame, *, x: str, y: str, color: str, title: str, x_title: str) -> go.Figure:
    """Horizontal grouped bars (e.g. a topic's share in two calls)."""
    figure = px.bar(frame, x=x, y=y, color=color, barmode="group", orientation="h", title=title)
    figure.update_layout(xaxis_title=x_title, yaxis_title="", **_LAYOUT)
    return figure


BASIS_LABELS = {"gaap": "GAAP", "non_gaap": "non-GAAP", "none": "basis not stated"}


@st.cache_resource(show_spinner=False, max_entries=64)
def guided_vs_reported(frame: pd.DataFrame, *, title: str, y_title: str) -> go.Figure:
    """Per basis, the guided range of each quarter as a band and the reported value as points, in quarter order."""
    figure = go.Figure()
    quarters = frame.dropna(subset=["target_fiscal_quarter"]).sort_values(["target_fiscal_year",
                                                                          "target_fiscal_quarter"])
    quarters = quarters.assign(period=[period_label(y, int(q)) for y, q in zip(quarters["target_fiscal_year"],
                                                                               quarters["target_fiscal_quarter"])])
    order = list(dict.fromkeys(quarters["period"]))
    for basis, rows in quarters.groupby("basis", sort=True):
        label = BASIS_LABELS.get(basis, basis)
        guided = rows[rows["kind"] == "guidance"].drop_duplicates("period", keep="last")
        reported = rows[rows["kind"] == "actual"].drop_duplicates("period", keep="first")
        figure.add_scatter(x=guided["period"], y=guided["low"], mode="lines", line=dict(width=0), showlegend=False,
                           hoverinfo="skip", legendgroup=label)
        figure.add_scatter(x=guided["period"], y=guided["high"], mode="lines", fill="tonexty", line=dict(width=0),
                           name=f"Guided range ({label})", legendgroup=label,
                           customdata=guided[["low", "high", "call_date"]].astype(str),
                           hovertemplate="%{x}: guided %{customdata[0]} – %{customdata[1]}<br>on the call of "
                                         "%{customdata[2]}<extra></extra>")
        figure.add_scatter(x=reported["period"], y=reported["low"], mode="markers", name=f"Reported ({label})",
                           legendgroup=label, marker=dict(size=9, symbol="diamond"),
                           hovertemplate="%{x}: reported %{y}<extra></extra>")
    figure.update_layout(title=title, xaxis_title="Fiscal period", yaxis_title=y_title, **_LAYOUT)
    figure.update_xaxes(type="category", categoryorder="array", categoryarray=order, tickangle=-60)
    return figure


@st.cache_resource(show_spinner=False, max_entries=64)
def revisions(frame: pd.DataFrame, *, title: str, y_title: str) -> go.Figure:
    """Each fiscal year's guidance (midpoint) as a step line over the calls that set or revised it."""
    figure = go.Figure()
    years = frame[(frame["kind"] == "guidance") & frame["target_fiscal_quarter"].isna()]
    for (year, basis), rows in years.groupby(["target_fiscal_year", "basis"], sort=True):
        rows = rows.sort_values("call_date")
        figure.add_scatter(x=rows["call_date"], y=(rows["low"] + rows["high"]) / 2, mode="lines+markers",
                           line_shape="hv", name=f"FY{year} ({BASIS_LABELS.get(basis, basis)})",
                           customdata=rows[["low", "high", "direction"]].astype(str),
                           hovertemplate="%{x|%Y-%m-%d}: %{customdata[0]} – %{customdata[1]} "
                                         "(%{customdata[2]})<extra></extra>")
    figure.update_layout(title=title, xaxis_title="Call date", yaxis_title=y_title, **_LAYOUT)
    return figure


@st.cache_resource(show_spinner=False, max_entries=64)
def theme_questions(frame: pd.DataFrame, *, title: str) -> go.Figure:
    """A question theme's questions per call over fiscal periods, each bar coloured by the tone of the answers."""
    figure = px.bar(frame, x="fiscal_period", y="questions", color="answer_tone", title=title,
                    color_continuous_scale=TONE_SCALE, range_color=(-1, 1), hover_data={"call_date": True},
                    category_orders={"fiscal_period": period_order(frame)},
                    labels={"answer_tone": "Answer tone", "questions": "Questions"})
    figure.update_layout(xaxis_title="Fiscal period", yaxis_title="Questions", **_LAYOUT)
    figure.update_xaxes(type="category", tickangle=-60, automargin=True)
    figure.update_yaxes(dtick=1)
    return figure
