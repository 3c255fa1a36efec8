"""App sessions that speak the app's own websocket protocol, as a browser tab does: each step asks for a page (with
its URL's query string) and is timed until the server is idle with the page drawn. This measures the server's side
of a page without a browser rendering it on the same cores: on this 2-core machine 20 Chromium tabs spend about ten
times the server's CPU drawing what it sends, so a Chromium crowd there measures Chromium (see `crowd.py`).

Like a browser, a session reruns the fragments the server asks to rerun on a timer (the sidebar's job indicator,
every 2 s while a job runs), but never while its own page request is in flight: a browser's fragment rerun carries
every widget's state, and one sent without them into a page's run would cut that run short, which no browser does."""
from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .crowd import QUERIES, Step

COMPILE_ERROR = 1  # ForwardMsg.ScriptFinishedStatus
STEP_TIMEOUT_S = 120.0
QA = "section=Q%26A"  # the sidebar's "Q&A" section pill, as the app writes it into the URL


@dataclass
class Run:
    """What one page run sent: the text of its markdown elements, the kinds of all its elements, its errors."""

    texts: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class ProtocolSession:
    """One app session over `/_stcore/stream`, behaving as the browser does: it sends the page's script hash once
    the server has named the pages, and reruns the fragments the server asks to rerun (the sidebar's job
    indicator) at their interval, except while its own page request is in flight (see the module's docstring)."""

    def __init__(self, url: str):
        self._url = url.replace("http://", "ws://") + "/_stcore/stream"
        self._socket = None
        self._reader: asyncio.Task | None = None
        self._timers: dict[str, tuple[float, asyncio.Task]] = {}
        self._page, self._query = "", ""
        self._hashes: dict[str, str] = {}  # page URL path -> script hash, from the server's navigation message
        self._started = False              # a full run of the asked-for page began after the request
        self._drawn: Callable[[Run], bool] = lambda run: True
        self._run: Run | None = None
        self._done: asyncio.Future | None = None
        self._seen: collections.deque[str] = collections.deque(maxlen=40)  # for the message of a step that hangs

    async def __aenter__(self) -> ProtocolSession:
        import websockets

        self._socket = await websockets.connect(self._url, subprotocols=["streamlit"], max_size=None)
        self._reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc) -> None:
        for _interval, timer in self._timers.values():
            timer.cancel()
        self._reader.cancel()
        await self._socket.close()

    async def open(self, page: str, query: str = "", *, drawn: Callable[[Run], bool] = lambda run: True
                   ) -> tuple[float, Run]:
        """Ask for a page as the browser does on navigation; (seconds until the server is idle with the page
        `drawn` by a full run of it, or with an error shown, what that run drew). Like a user, it does not take a
        moment of idleness between two runs (a rerun) for the end."""
        self._page, self._query, self._started, self._drawn = page, query, False, drawn
        self._run, self._done = Run(), asyncio.get_running_loop().create_future()
        started = time.monotonic()
        await self._send()
        try:
            await asyncio.wait_for(asyncio.shield(self._done), STEP_TIMEOUT_S)
        except TimeoutError:
            raise AssertionError(f"/{page}?{query}: no finished run within {STEP_TIMEOUT_S:.0f} s; the last "
                                 f"messages: {' '.join(self._seen)}") from None
        return time.monotonic() - started, self._run

    async def _send(self, fragment_id: str = "") -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        message = BackMsg()
        page_hash = self._hashes.get(self._page, "")
        message.rerun_script.page_script_hash = page_hash
        if not page_hash:  # as the browser does: the page's name from its URL until the server has named the pages
            message.rerun_script.page_name = self._page
        message.rerun_script.query_string = self._query
        if fragment_id:
            message.rerun_script.fragment_id = fragment_id
            message.rerun_script.is_auto_rerun = True
        self._seen.append(f"sent:{'fragment' if fragment_id else 'page'}")
        await self._socket.send(message.SerializeToString())

    async def _rerun_every(self, fragment_id: str, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            if self._done is None or self._done.done():  # not into a page's run: see the module's docstring
                await self._send(fragment_id)

    def _auto_rerun(self, fragment_id: str, interval: float) -> None:
        if fragment_id in self._timers:
            if self._timers[fragment_id][0] == interval:
                return  # the browser keeps a running timer of the same interval
            self._timers.pop(fragment_id)[1].cancel()
        self._timers[fragment_id] = (interval, asyncio.create_task(self._rerun_every(fragment_id, interval)))

    async def _read(self) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        async for data in self._socket:
            message = ForwardMsg()
            message.ParseFromString(data)
            kind = message.WhichOneof("type")
            if kind != "delta":
                self._seen.append(kind)
            pending = self._done is not None and not self._done.done()
            if kind == "auto_rerun":
                self._auto_rerun(message.auto_rerun.fragment_id, message.auto_rerun.interval)
            elif kind == "stop_auto_rerun":
                for fragment in message.stop_auto_rerun.fragment_ids:
                    if fragment in self._timers:
                        self._timers.pop(fragment)[1].cancel()
            elif kind == "navigation":  # a full run begins (fragment runs send none)
                self._hashes = {page.url_pathname: page.page_script_hash for page in message.navigation.app_pages}
                if pending and message.navigation.page_script_hash == self._hashes.get(self._page):
                    self._started, self._run = True, Run()
            elif kind == "delta" and pending and self._started:
                self._record(message.delta)
            elif kind == "script_finished" and pending and message.script_finished == COMPILE_ERROR:
                self._run.errors.append("the page did not compile")
            elif kind == "session_status_changed" and pending and self._started:
                if not message.session_status_changed.script_is_running and (self._run.errors or
                                                                              self._drawn(self._run)):
                    self._done.set_result(None)

    def _record(self, delta) -> None:
        if not delta.HasField("new_element"):
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        self._run.kinds.append(kind)
        if kind == "markdown":
            self._run.texts.append(element.markdown.body)
        elif kind == "exception":
            self._run.errors.append(f"{element.exception.type}: {element.exception.message}")
        elif kind == "alert" and element.alert.format == element.alert.ERROR:
            self._run.errors.append(element.alert.body)


def _results(run: Run) -> bool:
    return any(text.endswith("sentences, best first") for text in run.texts)


def _narrowed(run: Run) -> bool:
    return _results(run) and any(text.endswith("· Q&A") for text in run.texts)


def _chart(run: Run) -> bool:
    return "plotly_chart" in run.kinds


DRAWN = {"search": _results, "filter": _narrowed, "trends": _chart}  # what a user waits for at each step


async def user(url: str, number: int, steps: list[Step], *, rounds: int, more: Callable[[], bool]) -> None:
    """One user: search, narrow to Q&A, look at Trends; `rounds` times, then again while `more()`."""
    async with ProtocolSession(url) as session:
        round_ = 0
        while round_ < rounds or more():
            query = QUERIES[(number + round_) % len(QUERIES)].replace(" ", "+")
            for action, page, params in (("search", "search", f"q={query}"),
                                         ("filter", "search", f"q={query}&{QA}"),
                                         ("trends", "trends", QA)):
                started = time.monotonic()
                seconds, run = await session.open(page, params, drawn=DRAWN[action])
                steps.append(Step(number, action, started, seconds))
                assert not run.errors, (f"session {number} {action}", run.errors)
            round_ += 1


async def crowd(url: str, *, sessions: int, rounds: int, more: Callable[[], bool] = lambda: False) -> list[Step]:
    """Every step of `sessions` users acting at once, with no pause between steps."""
    steps: list[Step] = []
    await asyncio.gather(*(user(url, n, steps, rounds=rounds, more=more) for n in range(sessions)))
    return steps
