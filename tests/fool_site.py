"""A fool.com-like site on a real local HTTP server, for fetch tests: no internet, faults on demand.

Serves, at the real site's paths:
- the real saved transcript pages from ../shared/fixtures, read in place (never copied);
- a quote page and listing pages reconstructed from the documented link format (PAGE_STRUCTURE_NOTES.md):
  links as <a href="/earnings/call-transcripts/…"> and, on the quote page, inside a Next.js
  `self.__next_f.push([1,"…"])` payload with escaped quotes, the way the real current pages carry them;
- extra quarters as generated transcript pages in the current layout (our own words, made up here) so that
  one ticker has several quarters;
- robots.txt (allow-all unless a test sets rules), and scripted faults per path.
Every request is recorded with its arrival time, so tests count requests and measure spacing at the server.
"""
from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
FOOL = SHARED / "fixtures" / "foolcom"
NVDA_PAGE = FOOL / "current-2025" / "nvidia-nvda-q3-2026-earnings-call-transcript__2025-11-19.html"
CCL_PAGE = FOOL / "legacy-2020" / "2020-07-10-carnival-corp-plc-ccl-q2-2020-earnings-call-transc.html"

NVDA_Q3_2026 = "/earnings/call-transcripts/2025/11/19/nvidia-nvda-q3-2026-earnings-call-transcript/"
NVDA_Q2_2026 = "/earnings/call-transcripts/2025/08/27/nvidia-nvda-q2-2026-earnings-call-transcript/"
NVDA_Q1_2026 = "/earnings/call-transcripts/2025/05/28/nvidia-nvda-q1-2026-earnings-call-transcript/"
NVDA_Q4_2025 = "/earnings/call-transcripts/2025/02/26/nvidia-nvda-q4-2025-earnings-call-transcript/"
CCL_Q2_2020 = "/earnings/call-transcripts/2020/07/10/carnival-corp-plc-ccl-q2-2020-earnings-call-transc.aspx"
NVDA_QUOTE = "/quote/nasdaq/nvda/"

_QUOTE_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"/>
<title>{company} ({ticker}) Stock Price, News &amp; Analysis | The Motley Fool</title>
<link rel="canonical" href="https://www.fool.com{path}"/></head>
<body><main><h1>{company}</h1><section id="earnings-call-transcripts"><h2>Earnings Call Transcripts</h2>
<ul>{items}</ul><button type="button">View More</button></section></main>
<script>self.__next_f.push([1,"{payload}"])</script></body></html>"""
_QUOTE_ITEM = '<li><a class="font-bold text-cyan-800" target="_self" href="{href}">{title}</a></li>'
_PAYLOAD_ITEM = '["$","$L14",null,{{"href":"{href}","className":"font-bold","children":"{title}"}}]'
_LISTING_PAGE = """<!DOCTYPE html><html lang="en"><head><title>Earnings Call Transcripts | The Motley Fool</title>
</head><body><main><h1>Earnings Call Transcripts</h1>{items}</main></body></html>"""
_LISTING_ITEM = '<a class="flex-shrink-0 w-1/3 mr-16px sm:w-auto" href="{href}"><h4>{title}</h4></a>'

# Generated transcript pages (current layout): the structure of the real page, text invented for tests.
_TRANSCRIPT_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"/>
<title>{company} ({ticker}) Q{q} {y} Earnings Call Transcript | The Motley Fool</title>
<link rel="canonical" href="https://www.fool.com{path}"/></head><body><main>
<h1>{company} ({ticker}) Q{q} {y} Earnings Call Transcript</h1>
<div id="article-body-transcript" class="article-body transcript-content">
<h2 id="date">Date</h2><p>{date}</p>
<h2 id="call-participants">Call participants</h2><ul><li>Chief Executive Officer — Pat Example</li>
<li>Chief Financial Officer — Robin Sample</li></ul>
<h2 id="full-conference-call-transcript">Full Conference Call Transcript</h2>{turns}
</div><aside>Related articles</aside></main></body></html>"""
_SENTENCES = [
    "Revenue for the quarter grew {n} percent from a year ago, ahead of the outlook we gave last time.",
    "Gross margin was {n} point five percent, reflecting a richer mix and steady component costs.",
    "We continued to invest in engineering and expect operating expenses to rise about {n} percent.",
    "Demand from our largest customers stayed strong across every region we serve this quarter.",
    "Inventory ended the period at a level we are comfortable with given the shipments ahead.",
    "We returned {n} hundred million dollars to shareholders through buybacks and dividends.",
]


def generated_transcript(*, company: str, ticker: str, quarter: int, year: int, path: str,
                         call_date: dt.date) -> bytes:
    """A current-layout transcript page with invented dialogue for one quarter."""
    def talk(seed: int, count: int) -> str:
        return " ".join(_SENTENCES[(seed + i) % len(_SENTENCES)].format(n=quarter + seed + i) for i in range(count))

    turns = [
        ("Operator", "Good afternoon and welcome to the conference call. All lines are in listen-only mode."),
        ("Pat Example", talk(0, 6)),
        ("Robin Sample", talk(2, 6)),
        ("Operator", "We will now begin the question-and-answer session. Your first question comes from "
                     "Casey Analyst with Example Securities."),
        ("Casey Analyst", "Thanks for taking my question. How should we think about margins next quarter?"),
        ("Robin Sample", talk(1, 4)),
        ("Operator", "Your next question comes from Jordan Research with Sample Capital."),
        ("Jordan Research", "Could you talk about how supply is shaping up for the rest of the year?"),
        ("Pat Example", talk(3, 4)),
        ("Operator", "This concludes today's conference call. You may now disconnect."),
    ]
    body = "".join(f"<p><strong>{html.escape(name)}:</strong> {html.escape(text)}</p>" for name, text in turns)
    when = f"{call_date:%A, %B} {call_date.day}, {call_date.year} at 5 p.m. ET"
    return _TRANSCRIPT_PAGE.format(company=company, ticker=ticker, q=quarter, y=year, path=path, date=when,
                                   turns=body).encode()


def _title(path: str) -> str:
    slug = path.rstrip("/").rsplit("/", 1)[-1].removesuffix(".aspx")
    return slug.replace("-", " ").title()


def quote_page(*, company: str, ticker: str, path: str, html_links: list[str], payload_links: list[str]) -> bytes:
    """A quote page listing transcripts: some as HTML anchors, some only in the Next.js payload."""
    items = "".join(_QUOTE_ITEM.format(href=h, title=_title(h)) for h in html_links)
    payload = "[" + ",".join(_PAYLOAD_ITEM.format(href=h, title=_title(h)) for h in payload_links) + "]"
    escaped = json.dumps(payload)[1:-1]  # the payload is a JS string: quotes escaped as \"
    return _QUOTE_PAGE.format(company=company, ticker=ticker, path=path, items=items, payload=escaped).encode()


def listing_page(links: list[str]) -> bytes:
    """One page of the all-companies transcript listing."""
    return _LISTING_PAGE.format(items="".join(_LISTING_ITEM.format(href=h, title=_title(h)) for h in links)).encode()


@dataclass
class Route:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    faults: deque = field(default_factory=deque)  # consumed one per request; then the normal answer


class FoolSite:
    """The routes, the request log and the fault scripts of one local site."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.base_url = server.url_for("").rstrip("/")
        self.routes: dict[str, Route] = {}
        self.hits: list[tuple[float, str]] = []
        self._lock = threading.Lock()
        self.robots("User-agent: *\nDisallow: /premium/\n")
        server.expect_request(re.compile(".*")).respond_with_handler(self._handle)

    # -- content --------------------------------------------------------------------------------
    def page(self, path: str, body: bytes | Path, **kwargs) -> None:
        self.routes[path] = Route(body.read_bytes() if isinstance(body, Path) else body, **kwargs)

    def robots(self, text: str) -> None:
        self.page("/robots.txt", text.encode(), content_type="text/plain")

    def redirect(self, path: str, location: str) -> None:
        self.page(path, b"", status=301, headers={"Location": location})

    def fault(self, path: str, *actions: object) -> None:
        """Script the next answers of path: 'reset', 'truncate', ('status', code, headers), ('sleep', s)."""
        self.routes[path].faults.extend(actions)

    # -- the log --------------------------------------------------------------------------------
    def requests_to(self, path: str) -> list[float]:
        with self._lock:
            return [t for t, p in self.hits if p == path]

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.hits)

    # -- serving --------------------------------------------------------------------------------
    def _handle(self, request: Request) -> Response:
        target = request.full_path.rstrip("?")
        with self._lock:
            self.hits.append((time.monotonic(), target))
        route = self.routes.get(target)
        if route is None:
            return Response("not here", status=404)
        action = route.faults.popleft() if route.faults else None
        if action == "reset":
            _reset(request)
        elif action == "truncate":
            _truncate(request, route.body)
        elif isinstance(action, tuple) and action[0] == "status":
            return Response("try later", status=action[1], headers=action[2] if len(action) > 2 else {})
        elif isinstance(action, tuple) and action[0] == "sleep":
            time.sleep(action[1])
        return Response(route.body, status=route.status, content_type=route.content_type, headers=route.headers)


def _reset(request: Request) -> None:
    """Abort the connection with a TCP reset (SO_LINGER 0, then close the socket's last descriptor)."""
    sock = request.environ["werkzeug.socket"]
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    spare = socket.socket()
    os.dup2(spare.fileno(), sock.fileno())  # the fd now points at an unconnected socket: the server's writes fail
    spare.close()


def _truncate(request: Request, body: bytes) -> None:
    """Send the headers promising the whole body, a third of it, then close."""
    sock = request.environ["werkzeug.socket"]
    head = f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {len(body)}\r\n\r\n".encode()
    sock.sendall(head + body[: len(body) // 3])
    sock.shutdown(socket.SHUT_RDWR)


@contextmanager
def running_site() -> Iterator[FoolSite]:
    """A started threaded local server with an empty site."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    try:
        yield FoolSite(server)
    finally:
        server.clear()
        server.stop()


def nvidia_site(site: FoolSite) -> FoolSite:
    """NVDA with four quarters (the real Q3 FY2026 page, three generated), its quote page, and CCL in the listing."""
    generated = [(2, 2026, NVDA_Q2_2026, dt.date(2025, 8, 27)), (1, 2026, NVDA_Q1_2026, dt.date(2025, 5, 28)),
                 (4, 2025, NVDA_Q4_2025, dt.date(2025, 2, 26))]
    site.page(NVDA_Q3_2026, NVDA_PAGE)
    for q, y, path, day in generated:
        site.page(path, generated_transcript(company="Nvidia", ticker="NVDA", quarter=q, year=y, path=path,
                                             call_date=day))
    site.page(CCL_Q2_2020, CCL_PAGE)
    site.redirect("/quote/nvda", NVDA_QUOTE)  # the short quote address redirects to the canonical one
    site.page(NVDA_QUOTE, quote_page(
        company="Nvidia", ticker="NVDA", path=NVDA_QUOTE,
        html_links=[NVDA_Q3_2026, "https://www.fool.com" + NVDA_Q1_2026],
        payload_links=["/4056" + NVDA_Q2_2026, NVDA_Q4_2025.rstrip("/")],
    ))
    site.page("/earnings-call-transcripts/", listing_page([NVDA_Q3_2026, NVDA_Q2_2026]))
    site.page("/earnings-call-transcripts/?page=2", listing_page([CCL_Q2_2020]))
    return site
