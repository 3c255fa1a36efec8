"""Reader: one call, turn by turn, each sentence coloured by its tone, with the call's clock where the document
gives one."""
import streamlit as st

from ui import filters, resources, widgets
from ui.text import escape_markdown, format_clock, format_date

TONE_MARK = {"positive": "blue-background", "negative": "red-background"}
HEADINGS = {"prepared": "Prepared remarks", "qa": "Questions and answers"}


def clock(seconds: object) -> str:
    """The call's clock as grey markdown ('' without one)."""
    shown = format_clock(seconds)
    return f":gray[{escape_markdown(shown)}]" if shown else ""


def sentence_markdown(row) -> str:
    """One sentence, coloured by tone, after its clock when a time mark of the document starts it (not repeated
    at the turn's start, where the heading shows it)."""
    text = escape_markdown(row.text)
    if row.tone_label in TONE_MARK:
        text = f":{TONE_MARK[row.tone_label]}[{text}]"
    if row.sent_idx == 0 and format_clock(row.offset_s) == format_clock(row.turn_offset_s):
        return text
    return f"{clock(row.offset_s)} {text}" if format_clock(row.offset_s) else text


st.title("Reader")
calls = resources.query("calls", scope=filters.scope())
if calls.empty:
    widgets.empty_state("No stored call in this scope to read.")
    st.stop()

params = st.query_params
wanted = int(params["call"]) if params.get("call", "").isdigit() else None
ids = calls["call_id"].tolist()
labels = dict(zip(ids, calls["ticker"] + " · " + calls["fiscal_period"] + " · " + calls["call_date"].map(format_date)))
call_id = st.selectbox("Call", ids, index=ids.index(wanted) if wanted in ids else 0, format_func=labels.get)
if call_id != wanted:
    st.query_params["call"] = str(call_id)
    st.query_params.pop("at", None)
target = int(params["at"]) if params.get("at", "").isdigit() and call_id == wanted else None

header = resources.query("call_header", call_id)
st.subheader(header["title"] or labels[call_id], anchor=False)
source = header["source"]
st.caption(f"{header['company'] or header['ticker']} · {header['fiscal_period']} · "
           f"call of {format_date(header['call_date'])} · source: {header['format']} · "
           f"fetched/imported {header['fetched_at']:%Y-%m-%d %H:%M} UTC")
if source.startswith(("https://", "http://")):
    st.link_button("Open the source page", source, icon=":material/open_in_new:")
else:
    st.text(f"Source file: {source}")

sentences = resources.query("call_sentences", call_id)
if sentences.empty:
    st.warning("This call is not analysed yet: its turns are shown without tone. Analyse it on the Data page.")
    turns = resources.store().transcript(call_id).turns
    for turn in turns:
        parts = (f"**{escape_markdown(turn.speaker)}**", escape_markdown(turn.role or turn.kind), clock(turn.offset_s))
        st.markdown(" · ".join(part for part in parts if part))
        st.text(turn.text)
    st.stop()

st.markdown("[Jump to the Q&A](#questions-and-answers) · tone: :blue-background[positive] · neutral · "
            ":red-background[negative]")
exchanges = resources.query("call_exchanges", call_id)
flagged = exchanges[exchanges["non_answer"]]
flags = {int(turn): row for row in flagged.itertuples() for turn in row.answer_turns}
if len(exchanges):
    st.caption(f"{len(flagged)} of {len(exchanges)} Q&A exchanges flagged as likely non-answers (low question–answer "
               "similarity, or a refusal phrase such as “we don't guide”); the flag is shown above the answer.")
target_turn = None
if target is not None and target in set(sentences["pos"]):
    target_turn = int(sentences.loc[sentences["pos"] == target, "turn_idx"].iloc[0])
    with st.container(border=True):
        hit = sentences.loc[sentences["pos"] == target].iloc[0]
        st.markdown(f"**Opened at** {escape_markdown(hit['speaker'])}: {escape_markdown(hit['text'])}")
        st.markdown(f"[Go to this turn](#turn-{target_turn})")

section = None
for turn_idx, turn in sentences.groupby("turn_idx", sort=True):
    first = turn.iloc[0]
    if first["section"] != section:
        section = first["section"]
        st.header(HEADINGS.get(section, section), anchor="questions-and-answers" if section == "qa" else "prepared")
    who = escape_markdown(first["speaker"]) + (f" · {escape_markdown(first['role'])}" if first["role"] else "")
    when = clock(first["turn_offset_s"])
    body = " ".join(sentence_markdown(row) for row in turn.itertuples())
    with st.container(border=turn_idx == target_turn):
        if turn_idx == target_turn:
            st.subheader(f"{who} · {when}" if when else who, anchor=f"turn-{turn_idx}")
        else:
            st.markdown(f"**{who}**" + (f" · {when}" if when else ""))
        if turn_idx in flags:
            flag = flags[turn_idx]
            phrase = f"; refusal phrase “{flag.non_answer_phrase}”" if flag.non_answer_phrase else ""
            st.warning(f"Likely non-answer to {escape_markdown(flag.asked_by)}'s question (question–answer "
                       f"similarity {flag.similarity:.2f}{escape_markdown(phrase)})", icon=":material/flag:")
        st.markdown(body)

widgets.download(sentences, f"call-{call_id}-sentences", label="Download this call's sentences (CSV)")
