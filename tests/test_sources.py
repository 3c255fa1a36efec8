"""The source registry: what it checks, and a source added in this file alone (a class and `register`) that the
command line, make_source, the HTTP client's pacing and redaction, parsing, re-fetch and the Data page all take up."""
from __future__ import annotations

import logging

import pytest
from apprunner import open_page
from fool_site import running_site

from core.cli import build_parser, main
from core.errors import ConfigError, ParseError
from core.http import HttpClient
from core.ingest import sources
from core.ingest.parsers import FORMATS
from core.ingest.sources import Refetch, make_client, make_source, parse_raw, plan_refetch, register, source_of
from core.ingest.sources.base import Located, SourceConfig, Target
from core.model import Period
from core.queries.views import stored_calls
from core.settings import Settings
from core.storage.store import RawDocument, Store

TOKEN = "tok-3f9a1c77"
Q1, Q2 = Period(2025, 1), Period(2025, 2)
SPEECH = "Orders grew in every region and we expect the margin to hold as new plants open next year. " * 5


class LocalSource:
    """'Name: text' transcripts at /<token>/calls/<TICKER>/<YYYYQn>.txt on a local server."""

    name = "local"
    title = "Local test server"
    base_url_setting = "LOCAL_BASE_URL"
    default_base_url = "http://127.0.0.1:9"
    secrets = {"LOCAL_TOKEN": "access token"}
    host_intervals = {"127.0.0.1": 0.05}
    formats = ("plain",)

    def __init__(self, client: HttpClient, config: SourceConfig) -> None:
        self.client, self.base_url, self._token = client, config.base_url, config.secrets["LOCAL_TOKEN"]

    def locate(self, ticker, periods):
        return Located({p: Target(f"{self.base_url}/calls/{ticker}/{p}.txt", p) for p in periods})

    def target_for_url(self, url):
        raise ConfigError("the local source takes quarters, not URLs", where=url)

    def download(self, ticker, target):
        response = self.client.get(target.url.replace("/calls/", f"/{self._token}/calls/"))
        return RawDocument(response.content, self.name, target.url, response.status, response.fetched_at)


def call_text(quarter: int) -> bytes:
    return (f"Operator: Welcome to the Acme quarter {quarter} call.\n"
            f"Dana Reyes (Chief Executive Officer): {SPEECH}\n"
            f"Lee Okafor (Chief Financial Officer): {SPEECH}\n"
            "Operator: Our first question comes from Sam Patel with Northbank.\n"
            "Sam Patel: How should we think about pricing?\n"
            f"Lee Okafor: {SPEECH}\n").encode()


@pytest.fixture
def local_source():
    register(LocalSource)
    yield LocalSource
    del sources.SOURCES[LocalSource.name]


@pytest.fixture
def site():
    with running_site() as s:
        for quarter in (1, 2):
            s.page(f"/{TOKEN}/calls/ACME/2025Q{quarter}.txt", call_text(quarter), content_type="text/plain")
        yield s


@pytest.fixture
def env(local_source, site, tmp_path, monkeypatch):
    monkeypatch.setenv("EARNINGS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LOCAL_BASE_URL", site.base_url)
    monkeypatch.setenv("LOCAL_TOKEN", TOKEN)
    return tmp_path


def source_choices(command: str) -> list[str]:
    subparsers = next(a for a in build_parser()._actions if a.dest == "command")
    return next(a for a in subparsers.choices[command]._actions if a.dest == "source").choices


# -- the registry ---------------------------------------------------------------------------------
def test_every_registered_source_declares_parser_formats_that_exist():
    assert list(sources.SOURCES) == ["fool", "alphavantage"] and sources.DEFAULT_SOURCE == "fool"
    assert {name: s.formats for name, s in sources.SOURCES.items()} == {
        "fool": ("fool_current", "fool_legacy"), "alphavantage": ("alphavantage",)}
    assert all(set(s.formats) <= FORMATS.keys() for s in sources.SOURCES.values())


def test_register_refuses_an_incomplete_class_and_a_taken_name():
    class Bare:
        name = "bare"

    with pytest.raises(TypeError, match="source Bare does not declare title, base_url_setting, default_base_url, "
                                        "secrets, host_intervals, formats"):
        register(Bare)
    for taken in ("fool", "file"):
        with pytest.raises(ValueError, match=f"the source name '{taken}' is taken"):
            register(type("Taken", (LocalSource,), {"name": taken}))
    assert list(sources.SOURCES) == ["fool", "alphavantage"]


def test_unknown_names_and_missing_secrets_are_clear_config_errors():
    settings = Settings(overrides={"ALPHAVANTAGE_API_KEY": ""})
    with pytest.raises(ConfigError, match=r"^unknown source 'yahoo' \(choose from fool, alphavantage\)$"):
        make_source("yahoo", client=None, settings=settings)
    with pytest.raises(ConfigError, match="^no Alpha Vantage API key: set ALPHAVANTAGE_API_KEY or add it to "
                                          r"\.streamlit/secrets\.toml$"):
        make_source("alphavantage", client=None, settings=settings)


def test_a_stored_document_maps_back_to_its_source_explicitly():
    assert source_of("fool") is sources.SOURCES["fool"] and source_of("file") is None
    with pytest.raises(ConfigError, match="the document came from 'yahoo', which is not a registered source "
                                          r"\(fool, alphavantage\)"):
        source_of("yahoo")
    refetches, problems = plan_refetch([("NVDA", Q2, "fool"), ("AMD", Q1, "file"), ("NVDA", Q1, "fool"),
                                        ("AMD", Q2, "alphavantage"), ("AMD", Q2, "file"), ("IBM", Q1, "yahoo")])
    assert refetches == [Refetch("AMD", "alphavantage", (Q2,)), Refetch("NVDA", "fool", (Q2, Q1))]
    assert problems == [
        "AMD: calls imported from files cannot be re-fetched; import the file again.",
        "IBM 2025Q1: the document came from 'yahoo', which is not a registered source (fool, alphavantage)"]


def test_a_document_is_parsed_in_the_formats_of_its_origin():
    plain = call_text(1)
    assert parse_raw(RawDocument(plain, "file", "acme.txt"), ticker="ACME", period=Q1).format == "plain"
    with pytest.raises(ParseError, match=r"not a transcript in the formats of its source \(alphavantage\)"):
        parse_raw(RawDocument(plain, "alphavantage", "https://x.test/q"), ticker="ACME", period=Q1)


# -- a source added here alone --------------------------------------------------------------------
def test_the_command_line_offers_it_and_make_source_configures_it(local_source):
    assert source_choices("fetch") == source_choices("watch") == ["fool", "alphavantage", "local"]
    settings = Settings(overrides={"LOCAL_TOKEN": TOKEN, "LOCAL_BASE_URL": "http://mirror.test"})
    source = make_source("local", client=None, settings=settings)
    assert (source.base_url, source._token) == ("http://mirror.test", TOKEN)
    assert make_source("local", client=None, settings=settings, base_url="http://other.test").base_url == (
        "http://other.test")
    with pytest.raises(ConfigError, match="^no Local test server access token: set LOCAL_TOKEN or add it to "):
        make_source("local", client=None, settings=Settings(overrides={"LOCAL_TOKEN": ""}))
    client = make_client(settings)
    client.close()
    assert client.policy.host_intervals == {"fool.com": 2.0, "127.0.0.1": 0.05}


def test_fetch_from_the_command_line_stores_its_calls_and_never_shows_its_secret(env, site, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    assert main(["fetch", "ACME", "--from", "2025Q1", "--to", "2025Q2", "--source", "local"]) == 0
    out, err = capsys.readouterr()
    assert out.strip().endswith("ACME: 2 of 2 quarters stored")
    assert len(site.requests_to(f"/{TOKEN}/calls/ACME/2025Q1.txt")) == 1
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("werkzeug"))
    assert "/***/calls/ACME/2025Q1.txt" in logged
    with Store(env / "calls.duckdb") as store:
        with store.cursor() as cur:
            records = str(cur.execute("SELECT * FROM jobs").fetchall() + cur.execute("SELECT * FROM job_log").fetchall()
                          + cur.execute("SELECT source FROM documents").fetchall())
        calls = stored_calls(store)
    assert TOKEN not in out + err + logged + records
    assert calls[["ticker", "fiscal_year", "fiscal_quarter", "origin", "format"]].values.tolist() == [
        ["ACME", 2025, 1, "local", "plain"], ["ACME", 2025, 2, "local", "plain"]]


def test_its_stored_calls_are_re_fetched_from_it(env, site):
    assert main(["fetch", "ACME", "--from", "2025Q1", "--to", "2025Q2", "--source", "local"]) == 0
    with Store(env / "calls.duckdb") as store:
        calls = stored_calls(store)
    refetches, problems = plan_refetch((t, Period(y, q), o) for t, y, q, o in
                                       calls[["ticker", "fiscal_year", "fiscal_quarter", "origin"]].values.tolist())
    assert (refetches, problems) == ([Refetch("ACME", "local", (Q1, Q2))], [])
    assert main(["fetch", "ACME", "--from", "2025Q1", "--to", "2025Q2", "--source", "local", "--refresh"]) == 0
    assert [len(site.requests_to(f"/{TOKEN}/calls/ACME/{p}.txt")) for p in (Q1, Q2)] == [2, 2]


def test_the_data_page_lists_it(env):
    at = open_page("data")
    assert [s.options for s in at.selectbox if s.label == "Source"] == [["fool", "alphavantage", "local"]] * 2
    assert "local needs LOCAL_TOKEN in the environment or secrets.toml" in at.selectbox[0].help
