"""The sidebar's global filters (one form, one rerun per change), bound to the URL's query parameters."""
from __future__ import annotations

import streamlit as st

from core.model import SECTION_LABELS, Period
from core.queries.views import Scope

from . import resources

SPEAKER_GROUPS = {"ceo": "CEO", "cfo": "CFO", "executive": "Other executives", "analyst": "Analysts",
                  "operator": "Operator", "other": "Other"}
_SCOPE = "_scope"


def render() -> Scope:
    """Draw the filter form in the sidebar and return (and remember) the scope it describes."""
    tickers = resources.query("tickers")
    periods = resources.query("periods")
    labels = {p.label: p for p in periods}
    with st.sidebar.form("filters", border=False):
        st.markdown("**Filters**")
        chosen = st.multiselect("Tickers", tickers, key="ticker", bind="query-params",
                                placeholder="All tickers", help="Empty means every stored ticker.")
        span = (None, None)
        if len(labels) >= 2:
            ends = (next(iter(labels)), next(reversed(labels)))
            span = st.select_slider("Fiscal quarters", list(labels), value=ends, key="quarters", bind="query-params")
        elif labels:
            st.caption(f"Fiscal quarter: {next(iter(labels))}")
        sections = st.pills("Section", list(SECTION_LABELS), format_func=SECTION_LABELS.get, selection_mode="multi",
                            key="section", bind="query-params", help="None selected means both.")
        groups = st.pills("Speaker", list(SPEAKER_GROUPS), format_func=SPEAKER_GROUPS.get, selection_mode="multi",
                          key="speaker", bind="query-params", help="None selected means everyone.")
        st.form_submit_button("Apply filters", type="primary", width="stretch")
    whole = span == (next(iter(labels), None), next(reversed(labels), None))  # the full range means "all"
    scope = Scope(
        tickers=tuple(chosen or ()),
        period_from=None if whole else labels.get(span[0]),
        period_to=None if whole else labels.get(span[1]),
        sections=tuple(sections or ()),
        speaker_groups=tuple(groups or ()),
    )
    st.session_state[_SCOPE] = scope
    return scope


def scope() -> Scope:
    """The scope the sidebar set on this run (everything when the sidebar has not run)."""
    return st.session_state.get(_SCOPE, Scope())


def describe(scope: Scope) -> str:
    """A one-line human description of a scope, for captions."""
    parts = [", ".join(scope.tickers) or "all tickers"]
    if scope.period_from or scope.period_to:
        parts.append(f"{_label(scope.period_from)} – {_label(scope.period_to)}")
    if scope.sections:
        parts.append(" + ".join(SECTION_LABELS[s] for s in scope.sections))
    if scope.speaker_groups:
        parts.append(" + ".join(SPEAKER_GROUPS[g] for g in scope.speaker_groups))
    return " · ".join(parts)


def _label(period: Period | None) -> str:
    return period.label if period else "…"
