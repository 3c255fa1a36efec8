"""Dashboard benchmark: time to a fully rendered page in Debian's Chromium (Playwright) over `streamlit run`, on
the real corpus and on 60 quarters × 3 tickers, first load and after; the app process's memory while serving."""
from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, replace
from pathlib import Path

from ..app_server import serve
from .report import machine_facts, mib, table
from .scales import Scale
from .synthetic_calls import generate

CHROMIUM = "/usr/bin/chromium"
CHART = '[data-testid="stPlotlyChart"] .main-svg'
HEADING = '[data-testid="stMainBlockContainer"] h1'
# what shows that a page has drawn its content (then the script must have finished)
CONTENT = {"overview": '[data-testid="stMetric"]', "trends": CHART, "topics": CHART, "compare": CHART,
           "search": "text=/best first|No analysed sentence matches/"}
QUERY = {"search": "?q=demand+growth+in+data+center"}
GOAL_S = 2.0


@dataclass(frozen=True)
class PageTiming:
    page: str
    first_s: float
    again_s: float
    hwm_kib: int  # the server's peak RSS after this page
    navigate_s: float = float("nan")  # in-app navigation to the page, in a tab that has shown every page once


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, in KiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0])
    return fields


def load_page(context, url: str, name: str) -> float:
    """Seconds from navigation to the page drawn and its script finished, in a new tab (a new session)."""
    page = context.new_page()
    try:
        started = time.perf_counter()
        page.goto(f"{url}/{_path(name)}{QUERY.get(name, '')}")
        page.get_by_role("button", name="Apply filters").wait_for(timeout=120_000)
        _wait_drawn(page, name)
        elapsed = time.perf_counter() - started
        _check(page, name)
        return elapsed
    finally:
        page.close()


def navigate(context, url: str, pages: tuple[str, ...], laps: int = 2) -> dict[str, float]:
    """Seconds from a click on a page's link in the sidebar to that page drawn, in one tab (one session); `laps`
    rounds through the pages, the last one timed (every page has been shown in this tab before)."""
    page = context.new_page()
    try:
        page.goto(url)
        _wait_drawn(page, "overview")
        times = {}
        for _ in range(laps):
            for name in (*pages[1:], pages[0]):
                started = time.perf_counter()
                page.locator(f'[data-testid="stSidebarNav"] a[href$="/{_path(name)}"]').click()
                page.wait_for_function("title => document.querySelector('[data-testid=\"stMainBlockContainer\"] h1')"
                                       "?.innerText.trim() === title", arg=name.capitalize(), timeout=120_000)
                _wait_drawn(page, name, CONTENT.get(name, HEADING) if name not in QUERY else HEADING)
                times[name] = time.perf_counter() - started
                _check(page, name)
        return times
    finally:
        page.close()


def _path(name: str) -> str:
    return "" if name == "overview" else name  # the default page is served at the root


def _wait_drawn(page, name: str, content: str | None = None) -> None:
    """Until the page's content is drawn and the script has finished (no status widget)."""
    page.wait_for_selector(content or CONTENT.get(name, HEADING), timeout=120_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]') && "
                           "!document.querySelector('[data-stale=\"true\"]')", timeout=120_000)


def _check(page, name: str) -> None:
    text = page.inner_text("body")
    if page.locator('[data-testid="stException"]').count() or "Page not found" in text:
        raise SystemExit(f"{name}: the page shows an error: {text[:1000]}")


def time_pages(data_dir: Path, pages: tuple[str, ...], profile_dir: Path) -> tuple[list[PageTiming], dict]:
    """Load each page twice (first: the server's caches cold; again: a new session after it) in one app."""
    from playwright.sync_api import sync_playwright

    timings = []
    with serve(data_dir) as (url, pid), sync_playwright() as playwright:
        idle = memory_kib(pid)
        shutil.rmtree(profile_dir, ignore_errors=True)
        context = playwright.chromium.launch_persistent_context(
            str(profile_dir), executable_path=CHROMIUM, headless=True, viewport={"width": 1400, "height": 1000},
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        try:
            for name in pages:
                first = load_page(context, url, name)
                again = load_page(context, url, name)
                timings.append(PageTiming(name, first, again, memory_kib(pid)["VmHWM"]))
            moves = navigate(context, url, pages)
            timings = [replace(t, navigate_s=moves[t.page]) for t in timings]
        finally:
            context.close()
        final = memory_kib(pid)
    shutil.rmtree(profile_dir, ignore_errors=True)
    return timings, {"idle_rss": idle["VmRSS"], "rss": final["VmRSS"], "hwm": final["VmHWM"]}


def grid_dir(workdir: Path, scale: Scale) -> Path:
    """A data dir of synthetic analysed calls: `tickers` tickers × `quarters` quarters."""
    from core.storage.store import Store

    tickers, quarters = scale.grid
    path = workdir / "grid"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    with Store(path / "calls.duckdb") as store:
        generate(store, calls=tickers * quarters, sentences_per_call=scale.sentences_per_call, quarters=quarters)
    return path


def _marked(seconds: float) -> str:
    return f"**{seconds:.2f}**" if not seconds < GOAL_S else f"{seconds:.2f}"


def _verdict(slow: list[str], pages: int) -> str:
    if not slow:
        return f"every page under {GOAL_S:.0f} s"
    return f"{len(slow)} of {pages} pages take longer ({', '.join(slow)})"


def section(scale: Scale, workdir: Path, data_dir: Path) -> tuple[str, dict]:
    """Run the dashboard benchmark; returns its markdown and the app's memory facts (for the memory section)."""
    machine = machine_facts(browser=True)
    tickers, quarters = scale.grid
    runs = {"real corpus (the ingest benchmark's calls)": data_dir,
            f"{quarters} quarters × {tickers} tickers (synthetic, ~{scale.sentences_per_call} sentences per call)":
                grid_dir(workdir, scale)}
    rows, memory, grid = [], {}, []
    for label, path in runs.items():
        timings, mem = time_pages(path, scale.pages, workdir / "chromium-profile")
        memory[label] = (mem, timings)
        for t in timings:
            rows.append([label, t.page, f"{t.first_s:.2f}", _marked(t.again_s), _marked(t.navigate_s),
                         mib(t.hwm_kib)])
        if label.startswith(f"{quarters} quarters"):
            grid = timings
    shutil.rmtree(workdir / "grid", ignore_errors=True)
    slow_tab = [t.page for t in grid if t.again_s >= GOAL_S]
    slow_nav = [t.page for t in grid if not t.navigate_s < GOAL_S]
    text = "\n".join([
        "## Dashboard: time to a fully rendered page in the browser",
        "",
        machine,
        "",
        "`streamlit run app.py` (headless, 127.0.0.1, file watcher off) driven by Playwright with /usr/bin/chromium. "
        "A page counts as rendered when the sidebar's Apply button and the page's content are drawn (a metric on "
        "Overview, a plotly SVG on Trends/Topics/Compare, the results or the no-match note on Search, the heading "
        "elsewhere), the script has finished (no status widget) and no element of an earlier run is left (no "
        "`data-stale`). **New tab, first**: the first visit of the page after the app started, in a new tab (a new "
        "Streamlit session; query caches cold; Search opens with a query in the URL and loads the sentence encoder). "
        "**New tab, again**: a second new tab right after (cached queries; the browser starts the page from scratch, "
        "as on a reload or a shared link). **In the app**: a click on the page's link in the sidebar of a tab that "
        "has shown every page once (the analyst who keeps the app open; timed on the second round through the "
        "pages). The peak RSS column is the server process's VmHWM after that page.",
        "",
        table(["data", "page", "new tab, first s", "new tab, again s", "in the app s", "server peak RSS MiB"], rows),
        "",
        f"Result ({quarters} quarters × {tickers} tickers, goal: under {GOAL_S:.0f} s after the first load): in the "
        f"app, {_verdict(slow_nav, len(grid))}; in a new tab, {_verdict(slow_tab, len(grid))}. A new tab pays "
        "plotly.js's start-up (~0.8 s on this machine before the first chart of a tab is drawn) on top of the page.",
    ])
    return text, memory
