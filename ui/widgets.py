"""Small building blocks every page uses: a table with its CSV, a chart's CSV, and the teaching empty state."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core.queries.export import to_csv


def download(frame: pd.DataFrame, name: str, *, label: str = "Download CSV", where=st, **options) -> None:
    """A download button with the frame as injection-safe CSV, written when the user clicks (not on every run)."""
    where.download_button(label, lambda: to_csv(frame), file_name=f"{name}.csv", mime="text/csv",
                          key=f"csv-{name}", icon=":material/download:", on_click="ignore", **options)


def table(frame: pd.DataFrame, name: str, *, where=st, **options) -> None:
    """A dataframe and, under it, exactly its data as CSV (in `where`: the page, a column or a container)."""
    dates = {name: st.column_config.DateColumn(format="YYYY-MM-DD") for name in ("call_date",) if name in frame}
    options["column_config"] = {**dates, **options.get("column_config", {})}
    where.dataframe(frame, hide_index=True, width="stretch", **options)
    download(frame, name, where=where)


def empty_state(message: str, *, analysed: bool = False) -> None:
    """Explain why there is nothing to show and how to get data, with a link to the Data page."""
    st.info(message, icon=":material/info:")
    if analysed:
        st.markdown("Calls are stored but not analysed yet: open **Data** and press **Analyse now**, or run "
                    "`python -m core analyze` (it works while the app runs).")
    else:
        st.markdown("No transcripts yet. Open **Data** to fetch a ticker's calls (e.g. `NVDA`, last 8 quarters) or "
                    "to import transcript files, or run `python -m core fetch NVDA --last 8` / "
                    "`python -m core import FILES…` (they work while the app runs).")
    st.page_link("app_pages/data.py", label="Go to Data", icon=":material/database:")


def stored_tickers(scope) -> list[str]:
    """The tickers of the scope that have stored calls (every stored ticker when the scope names none); when there
    is none, the empty state that teaches, and the page stops."""
    from core.queries.views import Scope
    from ui import resources

    tickers = list(scope.tickers) or resources.query("tickers")
    if not tickers or resources.query("calls", scope=Scope(tickers=tuple(tickers))).empty:
        empty_state("No stored calls in this scope.")
        st.stop()
    return tickers
