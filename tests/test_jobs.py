"""Jobs across processes: progress and logs, no duplicate queueing, cancel at a step, a SIGKILLed worker's job is
interrupted and resumes without duplicates, racing writers lose and duplicate nothing, the schedule fetches new
calls from a local site, the watchlist survives a restart, and the command line is fast to start."""
from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from conftest import SHARED, needs_shared
from jobwait import wait_for_job

ROOT = Path(__file__).resolve().parents[1]
NVDA_FILES = sorted((SHARED / "corpus" / "streetevents" / "NVDA").glob("*.txt"))

pytestmark = needs_shared(SHARED / "corpus" / "streetevents" / "NVDA")


def _store(tmp_path):
    from core.storage.store import Store

    return Store(tmp_path / "calls.duckdb")


def _counts(db: Path) -> dict[str, int]:
    """Rows per table, read straight from the file (no product code)."""
    with duckdb.connect(str(db), read_only=True) as con:
        return {table: con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
                for table in ("documents", "calls", "turns", "sentences", "analysis_runs")}


def _worker(db: Path, log: Path, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "core", "worker", "--db", str(db)], cwd=ROOT,
                            env={**os.environ, **(env or {})}, stdout=log.open("ab"), stderr=subprocess.STDOUT)


def _wait(condition, what: str, *, within_s: float = 300) -> None:
    deadline = time.monotonic() + within_s
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {within_s} s"
        time.sleep(0.05)


def test_a_job_records_progress_log_lines_and_its_result(tmp_path):
    from core.work import jobs, running

    store = _store(tmp_path)
    job = jobs.submit(store, "import", {"paths": [str(p) for p in NVDA_FILES[:3]]}, origin="cli")
    assert (job.state, job.origin, job.done, job.total) == ("queued", "cli", 0, None)
    done = running.run_job(store, jobs.claim(store, jobs.Runner(store)))
    assert (done.state, done.done, done.total, done.attempts) == ("succeeded", 3, 3, 1)
    assert done.result["counts"] == {"inserted": 3} and done.started_at <= done.finished_at
    lines = [line for _, _, line in jobs.log_lines(store, job.job_id)]
    assert lines[0].startswith(f"started import #{job.job_id}")
    assert [line.split()[0] for line in lines[1:]] == ["inserted"] * 3
    assert _counts(tmp_path / "calls.duckdb")["calls"] == 3


def test_the_same_work_is_queued_once_until_it_has_run(tmp_path):
    from core.work import jobs

    store = _store(tmp_path)
    first = jobs.submit(store, "analyze", {"ticker": "NVDA", "rescore": False}, origin="app")
    assert jobs.submit(store, "analyze", {"rescore": False, "ticker": "NVDA"}, origin="cli").job_id == first.job_id
    other = jobs.submit(store, "analyze", {"ticker": "AMD", "rescore": False}, origin="app")
    assert other.job_id != first.job_id
    assert jobs.cancel(store, first.job_id).state == "cancelled"  # a queued job is cancelled at once
    assert jobs.submit(store, "analyze", {"ticker": "NVDA", "rescore": False}, origin="app").job_id > other.job_id


def test_unknown_kinds_and_resuming_a_live_job_are_clear_errors(tmp_path):
    from core.errors import ConfigError
    from core.work import jobs

    store = _store(tmp_path)
    with pytest.raises(ConfigError, match="unknown job kind 'format_disk'"):
        jobs.submit(store, "format_disk", {}, origin="app")
    job = jobs.submit(store, "reparse", {}, origin="app")
    with pytest.raises(ConfigError, match=f"job #{job.job_id} is queued; only an interrupted"):
        jobs.resume(store, job.job_id)


def test_cancel_stops_at_the_next_step_and_keeps_the_finished_steps_whole(tmp_path):
    from core.work import jobs, running

    store = _store(tmp_path)
    job = jobs.submit(store, "import", {"paths": [str(p) for p in NVDA_FILES[:5]]}, origin="app")
    claimed = jobs.claim(store, jobs.Runner(store))
    jobs.cancel(store, job.job_id)  # asked while it runs: it stops at the first step boundary
    ended = running.run_job(store, claimed)
    assert (ended.state, ended.done, ended.total) == ("cancelled", 1, 5)
    assert "cancelled on request" in ended.error
    counts = _counts(tmp_path / "calls.duckdb")
    assert (counts["calls"], counts["documents"]) == (1, 1)
    from core.ingest.files import parse_bytes

    whole = parse_bytes(NVDA_FILES[0].read_bytes(), source=str(NVDA_FILES[0]))
    assert counts["turns"] == len(whole.turns)  # the one call that went in is complete
    resumed = jobs.resume(store, job.job_id)
    assert resumed.state == "queued" and not resumed.cancel_requested
    again = running.run_job(store, jobs.claim(store, jobs.Runner(store)))
    assert again.state == "succeeded" and again.result["counts"] == {"unchanged": 1, "inserted": 4}
    assert _counts(tmp_path / "calls.duckdb")["calls"] == 5


@pytest.mark.slow
def test_a_sigkilled_worker_leaves_its_job_interrupted_and_the_resumed_job_duplicates_nothing(tmp_path):
    """The kill lands while the job is mid-way: the test holds the database's write lock, so the worker is
    blocked before its next write, and the job is read as running with steps left before the SIGKILL."""
    from core.storage.locks import DatabaseLock
    from core.work import jobs

    db = tmp_path / "calls.duckdb"
    files = NVDA_FILES[:24]
    store = _store(tmp_path)
    job = jobs.submit(store, "import", {"paths": [str(p) for p in files]}, origin="app")
    worker = _worker(db, tmp_path / "worker.log")
    try:
        _wait(lambda: jobs.get(store, job.job_id).done >= 2, "two files imported")
        with DatabaseLock(db).exclusive():
            with duckdb.connect(str(db), read_only=True) as con:
                state, done, total = con.execute("SELECT state, done, total FROM jobs WHERE job_id = ?",
                                                 [job.job_id]).fetchall()[0]
            assert state == "running" and 2 <= done < total == len(files)
            worker.send_signal(signal.SIGKILL)
            assert worker.wait(timeout=30) == -signal.SIGKILL
    finally:
        worker.kill()
    assert jobs.reap(store) == [job.job_id]
    interrupted = jobs.get(store, job.job_id)
    assert interrupted.state == "interrupted" and interrupted.error == "the process running it stopped"
    stored = _counts(db)["calls"]
    assert done <= stored < len(files)
    jobs.resume(store, job.job_id)
    again = _worker(db, tmp_path / "worker.log")
    try:
        finished = wait_for_job(db, job.job_id)
    finally:
        again.terminate()
        again.wait(timeout=30)
    assert (finished.state, finished.attempts) == ("succeeded", 2)
    assert finished.result["counts"] == {"unchanged": stored, "inserted": len(files) - stored}
    counts = _counts(db)
    assert counts["calls"] == counts["documents"] == len(files)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM (SELECT call_id, idx FROM turns GROUP BY ALL HAVING count(*) > 1)"
                           ).fetchall()[0][0] == 0


@pytest.mark.slow
def test_two_processes_importing_and_analysing_the_same_calls_at_once_store_each_once(tmp_path):
    """Two command-line processes race (no worker): every call once, every sentence once, stores consistent."""
    from core.analysis.repair import repair
    from core.storage.store import Store
    from core.storage.vectors import VectorIndex

    env = {**os.environ, "EARNINGS_DATA_DIR": str(tmp_path)}
    files = [str(p) for p in NVDA_FILES[-2:]]

    def both(*args: str) -> list[subprocess.CompletedProcess]:
        runs = [subprocess.Popen([sys.executable, "-m", "core", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(2)]
        return [(run.wait(timeout=600), *run.communicate()) for run in runs]

    for status, _out, err in both("import", *files):
        assert status == 0, err
    for status, _out, err in both("analyze"):
        assert status == 0, err
    counts = _counts(tmp_path / "calls.duckdb")
    assert (counts["calls"], counts["documents"], counts["analysis_runs"]) == (2, 2, 2)
    with duckdb.connect(str(tmp_path / "calls.duckdb"), read_only=True) as con:
        recorded = con.execute("SELECT sum(sentences) FROM analysis_runs").fetchall()[0][0]
        assert con.execute("SELECT count(DISTINCT (call_id, pos)) FROM sentences").fetchall()[0][0] == recorded
    assert counts["sentences"] == recorded
    with Store(tmp_path / "calls.duckdb") as store:
        assert repair(store, VectorIndex(tmp_path / "vectors.lance"), dry_run=True).consistent


def _published_site(site, quarters: int):
    """The NVDA quote page and generated transcripts of the `quarters` newest quarters that can have been
    reported by today (so that the schedule's 'newest calls' exist on the local site)."""
    from fool_site import generated_transcript, quote_page

    from core.fiscal import latest_period, period_for_call
    from core.model import Period

    newest = latest_period("NVDA")
    links = []
    for ordinal in range(newest.ordinal - quarters + 1, newest.ordinal + 1):
        period = Period.from_ordinal(ordinal)
        day = dt.date.today()
        while period_for_call("NVDA", day - dt.timedelta(days=1)) == period:
            day -= dt.timedelta(days=1)  # the first day a call can report this quarter
        day = min(day + dt.timedelta(days=20), dt.date.today())
        path = (f"/earnings/call-transcripts/{day:%Y/%m/%d}/nvidia-nvda-q{period.fiscal_quarter}-"
                f"{period.fiscal_year}-earnings-call-transcript/")
        site.page(path, generated_transcript(company="Nvidia", ticker="NVDA", quarter=period.fiscal_quarter,
                                             year=period.fiscal_year, path=path, call_date=day))
        links.append(path)
    site.page("/quote/nasdaq/nvda/", quote_page(company="Nvidia", ticker="NVDA", path="/quote/nasdaq/nvda/",
                                                html_links=links, payload_links=[]))
    site.redirect("/quote/nvda", "/quote/nasdaq/nvda/")
    return [str(Period.from_ordinal(o)) for o in range(newest.ordinal - quarters + 1, newest.ordinal + 1)]


@pytest.mark.slow
def test_the_schedule_fetches_and_analyses_new_calls_and_a_failing_ticker_is_retried_next_time(tmp_path):
    """A worker over a watchlist of NVDA (on the local site) and ZZZZ (unknown there): NVDA's newest calls are
    fetched and analysed; ZZZZ gets a clear error and a next check one interval later; both survive a restart."""
    from fool_site import running_site

    from core.work import jobs, watch

    db = tmp_path / "calls.duckdb"
    store = _store(tmp_path)
    watch.add(store, "NVDA")
    watch.add(store, "zzzz")
    watch.set_interval(store, 6)
    with running_site() as site:
        expected = _published_site(site, watch.LOOKBACK_QUARTERS)
        worker = _worker(db, tmp_path / "worker.log", {"FOOL_BASE_URL": site.base_url})
        try:
            _wait(lambda: any(j.kind == "refresh" for j in jobs.recent(store)), "the schedule queues a refresh")
            (refresh,) = [j for j in jobs.recent(store) if j.kind == "refresh"]
            ended = wait_for_job(db, refresh.job_id)
        finally:
            worker.terminate()
            worker.wait(timeout=60)
    assert refresh.origin == "schedule" and refresh.args == {"tickers": ["NVDA", "ZZZZ"]}
    assert ended.state == "failed" and ended.result["new_calls"] == len(expected)
    assert ended.result["analysis"]["analysed"] == len(expected)
    calls = [(c["ticker"], f"{c['fiscal_year']}Q{c['fiscal_quarter']}") for c in store.calls()]
    assert calls == [("NVDA", p) for p in expected]
    assert _counts(db)["analysis_runs"] == len(expected)
    from core.storage.store import Store

    after_restart = {e.ticker: e for e in watch.entries(Store(db))}  # a new process's view of the same file
    nvda, zzzz = after_restart["NVDA"], after_restart["ZZZZ"]
    assert nvda.last_ok and nvda.last_outcome.startswith(f"{len(expected)} new calls")
    assert zzzz.last_ok is False and "no fool transcript found for ZZZZ" in zzzz.last_outcome
    for entry in (nvda, zzzz):
        assert entry.next_check - entry.last_check == dt.timedelta(hours=6)
        assert not entry.due


def test_the_watchlist_validates_input_and_survives_reopening(tmp_path):
    from core.errors import ConfigError
    from core.work import watch

    store = _store(tmp_path)
    with pytest.raises(ConfigError, match="not a ticker symbol"):
        watch.add(store, "NV DA; DROP TABLE calls")
    with pytest.raises(ConfigError, match="unknown source 'yahoo'"):
        watch.add(store, "NVDA", source="yahoo")
    with pytest.raises(ConfigError, match="between 0.01 and 8784 hours"):
        watch.set_interval(store, 0)
    watch.add(store, "nvda")
    watch.add(store, "AMD", source="alphavantage")
    assert watch.remove(store, "AMD") and not watch.remove(store, "AMD")
    reopened = _store(tmp_path)
    assert [(e.ticker, e.source, e.due) for e in watch.entries(reopened)] == [("NVDA", "fool", True)]
    assert watch.interval(reopened) == dt.timedelta(hours=24)


def test_the_watch_command_lists_adds_and_removes(tmp_path):
    env = {**os.environ, "EARNINGS_DATA_DIR": str(tmp_path)}

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "core", "watch", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)

    assert cli("add", "NVDA", "INTC", "--every", "12").returncode == 0
    listed = cli("list")
    assert [line.split()[0] for line in listed.stdout.splitlines()[2:4]] == ["INTC", "NVDA"]
    assert "checked every 12 h" in listed.stdout
    missing = cli("remove", "AMD")
    assert missing.returncode == 1 and missing.stderr.strip() == "error: not watched: AMD"
