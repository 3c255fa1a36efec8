"""Search: semantic, keyword or hybrid search over every analysed sentence, under the sidebar's filters."""
import streamlit as st

from core.model import SECTION_LABELS
from core.queries.views import Scope
from core.storage.search import MODES
from ui import filters, navigation, resources, widgets
from ui.text import escape_markdown, format_date, highlight, query_terms

MODE_LABELS = {"hybrid": "Hybrid", "vector": "Semantic", "fts": "Keyword"}

st.title("Search")
scope = filters.scope()
st.caption(filters.describe(scope))
if resources.query("calls", scope=Scope()).empty:
    widgets.empty_state("There is nothing to search yet.")
    st.stop()

with st.form("search"):
    text = st.text_input("Search the calls", key="q", bind="query-params", max_chars=500,
                         placeholder="e.g. supply constraints in data center, or an exact quote")
    left, middle, right = st.columns([2, 1, 2])
    mode = left.segmented_control("Mode", list(MODES), format_func=MODE_LABELS.get, default="hybrid",
                                  key="mode", bind="query-params", required=True)
    k = middle.number_input("Results", min_value=5, max_value=200, value=25, step=5)
    topics = right.multiselect("Topics", list(resources.topic_labels()), format_func=resources.topic_label,
                               placeholder="Any topic")
    st.form_submit_button("Search", type="primary", icon=":material/search:")

if not text.strip():
    st.caption("Semantic search finds paraphrases (vectors), keyword search finds the words (full text), hybrid "
               "fuses both rankings. The sidebar's tickers, quarters, section and speaker filters apply.")
    st.stop()

results = resources.search(text.strip(), mode=mode, k=int(k), scope=scope, topics=tuple(topics))
if results.empty:
    st.info("No analysed sentence matches under these filters. Widen the filters in the sidebar, or analyse "
            "more calls on the Data page.", icon=":material/search_off:")
    st.stop()

st.caption(f"{len(results)} sentences, best first")
terms = query_terms(text)
for row in results.to_dict("records"):
    score = row["tone_score"]
    tone = (row["tone_label"] or "–") + (f" {score:+.2f}" if score == score else "")  # NaN: not scored
    role = f" ({escape_markdown(row['role'])})" if row["role"] else ""
    section = SECTION_LABELS.get(row["section"], row["section"])
    header = (f"**{escape_markdown(row['ticker'])} · {row['fiscal_period']}** · {format_date(row['call_date'])} · "
              f"{escape_markdown(row['speaker'])}{role} · {section} · tone {tone}")
    with st.container(border=True):  # one text and one link per hit: a page of hits stays cheap to send and draw
        st.markdown(f"{header}\n\n{highlight(row['sentence'], terms)}")
        st.page_link(navigation.page("reader"), label="Open in the reader", icon=":material/article:",
                     query_params={"call": str(row["call_id"]), "at": str(row["pos"])})

st.markdown("#### Results as a table")
widgets.table(results, "search-results")
