"""The dashboard: page config, the global filters in the sidebar, and the router."""
import streamlit as st

from ui import filters, navigation
from ui import jobs as ui_jobs

st.set_page_config(page_title="Earnings calls", page_icon=":material/record_voice_over:", layout="wide")

page = st.navigation(navigation.pages())
ui_jobs.keep_worker()
filters.render()
with st.sidebar:
    ui_jobs.indicator()
page.run()
