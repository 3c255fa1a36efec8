"""Questions: what analysts keep asking a company (question themes across its calls), a theme's questions over time
with the tone of the answers, the latest call's new questions, and the recurring themes that went quiet."""
import streamlit as st

from core.queries.question_themes import NEW_SIMILARITY, QUIET_MIN_CALLS, QUIET_WINDOW, THEME_DISTANCE
from ui import charts, filters, resources, widgets

THEME_TABLE = ["label", "terms", "questions", "calls", "first_period", "last_period", "analysts", "answer_tone_first",
               "answer_tone_last", "sentence"]
QUESTION_TABLE = ["fiscal_period", "call_date", "speaker", "question", "answer_tone", "new", "sentence"]
LINK = st.column_config.LinkColumn("Open", display_text="Open in the reader")
TONE = {name: st.column_config.NumberColumn(title, format="%+.2f") for name, title in (
    ("answer_tone", "Answer tone"), ("answer_tone_first", "Answer tone (first call)"),
    ("answer_tone_last", "Answer tone (last call)"))}


def linked(frame, call: str = "call_id", pos: str = "pos"):
    """The frame with a `sentence` column that opens each row's sentence in the Reader."""
    return frame.assign(sentence=["reader?call={}&at={}".format(c, p) for c, p in zip(frame[call], frame[pos])])


st.title("Questions")
scope = filters.scope()
st.caption(filters.describe(scope))
tickers = widgets.stored_tickers(scope)

ticker = st.selectbox("Ticker", tickers, key="questions-ticker", bind="query-params")
found = resources.query("question_themes", ticker, up_to=scope.period_to)
if found.questions.empty:
    widgets.empty_state(f"No analysed analyst questions of {ticker} yet: analyse calls first.", analysed=True)
    st.stop()
recurring = found.themes[found.themes["recurring"]].reset_index(drop=True)

st.markdown(f"#### Recurring question themes · {ticker} · {len(found.questions)} questions up to "
            f"{found.latest_period}")
st.caption(f"Analyst questions grouped by meaning (mean cosine similarity within a theme above "
           f"{1 - THEME_DISTANCE:.2f}); a theme recurs when it was asked in at least two calls. The label is the "
           "theme's most central question's most central sentence; key terms are the words its questions share "
           "and the ticker's other questions seldom use. Answer tone: management's answers, −1 to +1.")
if recurring.empty:
    st.info(f"No question of {ticker} recurs across calls yet.", icon=":material/info:")
else:
    widgets.table(linked(recurring, "label_call_id", "label_pos")[THEME_TABLE], f"question-themes-{ticker}",
                  column_config={"sentence": LINK, **TONE})
    theme = st.selectbox("Theme", recurring["theme"].tolist(), key="questions-theme",
                         format_func=dict(zip(recurring["theme"], recurring["label"])).get)
    st.plotly_chart(charts.theme_questions(found.over_time(theme), title=f"{ticker}: the theme's questions per call, "
                                           "coloured by the tone of the answers"), key="theme-chart")
    asked = found.questions[found.questions["theme"] == theme]
    widgets.table(linked(asked)[QUESTION_TABLE], f"theme-questions-{ticker}-{theme}",
                  column_config={"sentence": LINK, **TONE})

left, right = st.columns(2)
with left:
    st.markdown(f"#### New in {found.latest_period} · {len(found.new)}")
    st.caption(f"Questions of the latest call whose similarity to every earlier question of {ticker} is below "
               f"{NEW_SIMILARITY:.2f}.")
    if found.new.empty:
        st.info("Every question of the latest call is close to one asked before.", icon=":material/info:")
    else:
        widgets.table(linked(found.new)[["speaker", "question", "nearest_earlier", "sentence"]],
                      f"new-questions-{ticker}", where=left, column_config={
                          "sentence": LINK,
                          "nearest_earlier": st.column_config.NumberColumn("Closest earlier", format="%.2f")})
with right:
    st.markdown(f"#### Quiet in {found.latest_period} · {len(found.quiet)}")
    st.caption(f"Recurring themes asked in at least {QUIET_MIN_CALLS} of the {QUIET_WINDOW} calls before the "
               "latest, and not in it.")
    if found.quiet.empty:
        st.info("No recurring theme went quiet.", icon=":material/info:")
    else:
        widgets.table(linked(found.quiet, "label_call_id", "label_pos")[["label", "calls", "last_period",
                                                                         "sentence"]],
                      f"quiet-themes-{ticker}", where=right, column_config={"sentence": LINK})
