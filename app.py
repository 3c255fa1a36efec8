"""The dashboard: page config, the global filters in the sidebar, and the router."""
import streamlit as st

from ui import filters
from ui import jobs as ui_jobs

st.set_page_config(page_title="Earnings calls", page_icon=":material/record_voice_over:", layout="wide")

PAGES = [
    st.Page("app_pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("app_pages/trends.py", title="Trends", icon=":material/show_chart:", url_path="trends"),
    st.Page("app_pages/topics.py", title="Topics", icon=":material/topic:", url_path="topics"),
    st.Page("app_pages/search.py", title="Search", icon=":material/search:", url_path="search"),
    st.Page("app_pages/reader.py", title="Reader", icon=":material/article:", url_path="reader"),
    st.Page("app_pages/compare.py", title="Compare", icon=":material/compare_arrows:", url_path="compare"),
    st.Page("app_pages/data.py", title="Data", icon=":material/database:", url_path="data"),
]

page = st.navigation(PAGES)
ui_jobs.keep_worker()
filters.render()
with st.sidebar:
    ui_jobs.indicator()
page.run()
