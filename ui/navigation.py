"""The app's pages, defined once. Streamlit's Page objects carry the state of one script run, so every run builds
its own; in-app links take this run's Page object (a link to a Page object costs no path resolution, which matters
on a page that draws a link per search hit)."""
import streamlit as st

_PAGES = "_pages"


def pages() -> list:
    """This run's pages for st.navigation, remembered for `page()`."""
    built = {
        "overview": st.Page("app_pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
        "trends": st.Page("app_pages/trends.py", title="Trends", icon=":material/show_chart:", url_path="trends"),
        "topics": st.Page("app_pages/topics.py", title="Topics", icon=":material/topic:", url_path="topics"),
        "guidance": st.Page("app_pages/guidance.py", title="Guidance", icon=":material/flag:", url_path="guidance"),
        "digest": st.Page("app_pages/digest.py", title="What changed", icon=":material/difference:",
                          url_path="digest"),
        "questions": st.Page("app_pages/questions.py", title="Questions", icon=":material/forum:",
                             url_path="questions"),
        "analysts": st.Page("app_pages/analysts.py", title="Analysts", icon=":material/groups:",
                            url_path="analysts"),
        "search": st.Page("app_pages/search.py", title="Search", icon=":material/search:", url_path="search"),
        "reader": st.Page("app_pages/reader.py", title="Reader", icon=":material/article:", url_path="reader"),
        "compare": st.Page("app_pages/compare.py", title="Compare", icon=":material/compare_arrows:",
                           url_path="compare"),
        "data": st.Page("app_pages/data.py", title="Data", icon=":material/database:", url_path="data"),
    }
    st.session_state[_PAGES] = built
    return list(built.values())


def page(name: str):
    """This run's Page object of one page ('reader', 'data', ...)."""
    return st.session_state[_PAGES][name]
