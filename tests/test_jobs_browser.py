"""Jobs with the real app in a real browser: an analysis survives navigation, a reload and a closed tab, the
sidebar shows it on every page, an open page shows the new data when it ends, and the command line writes and
reads while the app serves."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from apprunner import ROOT, assert_clean, chromium, page_url, running_app, settle, warm_up
from conftest import SHARED, needs_shared
from jobwait import wait_for_job

pytestmark = [pytest.mark.e2e, pytest.mark.slow, needs_shared("corpus/streetevents/NVDA")]

FILES = sorted((SHARED / "corpus" / "streetevents" / "NVDA").glob("*.txt"))[-4:]
CHART = '[data-testid="stPlotlyChart"] .main-svg'


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    """Four real NVDA calls, stored and not analysed."""
    from core.storage.store import Store
    from core.work import jobs, running

    data = tmp_path_factory.mktemp("jobs-e2e") / "data"
    store = Store(data / "calls.duckdb")
    job = jobs.submit(store, "import", {"paths": [str(p) for p in FILES]}, origin="cli")
    assert running.run_job(store, jobs.claim(store, jobs.Runner(store))).state == "succeeded", job
    return data


def _cli(data: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "core", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "EARNINGS_DATA_DIR": str(data)}, timeout=600)


def test_an_analysis_survives_navigation_a_reload_and_a_closed_tab_and_open_pages_refresh(data_dir, tmp_path):
    """The test holds the database's analysis lock while it moves around, so the job is provably still running
    when the tab that started it is closed; released, the job finishes and a Trends tab opened before shows the
    new chart by itself."""
    from core.storage.locks import FileLock
    from core.storage.store import Store
    from core.work import jobs

    db = data_dir / "calls.duckdb"
    store = Store(db)
    hold = FileLock(Path(str(db) + ".analysis"))
    assert hold.acquire()
    with running_app(data_dir, log=tmp_path / "app.log") as url, chromium(tmp_path / "profile") as browser:
        warm_up(browser, url)
        page = browser.new_page()
        page.goto(page_url(url, "data"))
        settle(page)
        page.get_by_text("4 stored calls are not analysed yet").wait_for()
        page.get_by_role("button", name="Analyse now").click()
        page.get_by_text("Analysis: job #2 queued").or_(page.get_by_text("Analysis: job #2 is running")).wait_for()
        page.locator('[data-testid="stSidebar"]').get_by_text("analyze #2").wait_for(timeout=60_000)

        page.get_by_role("link", name="Trends").click()  # navigate in the app
        settle(page)
        page.locator('[data-testid="stSidebar"]').get_by_text("analyze #2").wait_for(timeout=60_000)
        page.get_by_text("No analysed call in this scope").wait_for()
        page.reload()
        settle(page)
        page.close()  # the tab that started the job is gone, and its session with it

        job = jobs.get(store, 2)
        assert (job.kind, job.origin, job.state) == ("analyze", "app", "running")
        assert "waiting for another analysis" in " ".join(line for *_, line in jobs.log_lines(store, 2))

        watcher = browser.new_page()  # opened before the job ends: it must show the new data by itself
        watcher.goto(page_url(url, "trends"))
        settle(watcher)
        watcher.get_by_text("No analysed call in this scope").wait_for()
        hold.release()
        done = wait_for_job(db, 2)
        assert done.state == "succeeded" and done.result["analysed"] == len(FILES)
        watcher.locator(CHART).first.wait_for(timeout=60_000)
        assert_clean(watcher)
        watcher.close()

        # the command line with the app open: writes are handed to the app's worker, reads answer at once
        imported = _cli(data_dir, "import", str(sorted(FILES[0].parent.glob("*.txt"))[-5]))
        assert imported.returncode == 0, imported.stderr
        assert "runs in the worker (PID" in imported.stderr and "1 inserted" in imported.stdout
        listed = _cli(data_dir, "calls", "--json")
        assert listed.returncode == 0 and len(json.loads(listed.stdout)) == len(FILES) + 1
        analysed = _cli(data_dir, "analyze")
        assert analysed.returncode == 0, analysed.stderr
        assert "1 calls analysed" in analysed.stdout
        found = _cli(data_dir, "search", "data center demand", "--ticker", "NVDA", "--json")
        assert found.returncode == 0 and len(json.loads(found.stdout)) == 10
        trends = _cli(data_dir, "trends", "NVDA", "--csv")
        assert trends.returncode == 0 and len(trends.stdout.strip().splitlines()) == len(FILES) + 2
    log = (tmp_path / "app.log").read_text(errors="replace")
    assert "Traceback" not in log and "in use" not in log
