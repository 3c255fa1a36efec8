"""`python -m core fetch` and `reparse`: table, exit codes, cache, and re-parsing without the network."""
from __future__ import annotations

import pytest
from conftest import needs_shared
from fool_site import NVDA_PAGE, NVDA_Q1_2026, NVDA_Q3_2026, nvidia_site, running_site

import core.ingest.fetch
from core.cli import main
from core.settings import Settings
from core.storage.store import Store

pytestmark = needs_shared(NVDA_PAGE)


@pytest.fixture
def site():
    with running_site() as s:
        yield nvidia_site(s)


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("EARNINGS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("FOOL_BASE_URL", raising=False)
    return tmp_path


def lines(text: str) -> list[list[str]]:
    return [line.split() for line in text.strip().splitlines()]


def test_fetch_prints_a_table_and_a_second_run_is_all_cached(site, capsys):
    assert main(["fetch", "nvda", "--from", "2026Q2", "--to", "2026Q3", "--base-url", site.base_url]) == 0
    out = lines(capsys.readouterr().out)
    assert out[0] == ["quarter", "outcome", "detail"]
    assert out[2][:2] == ["2026Q2", "fetched"] and out[3][:2] == ["2026Q3", "fetched"]
    assert out[3][2] == site.base_url + NVDA_Q3_2026
    assert out[-1] == ["NVDA:", "2", "of", "2", "quarters", "stored"]
    before = site.count
    assert main(["fetch", "NVDA", "--from", "2026Q2", "--to", "2026Q3", "--base-url", site.base_url]) == 0
    assert [row[:2] for row in lines(capsys.readouterr().out)[2:4]] == [["2026Q2", "cached"], ["2026Q3", "cached"]]
    assert site.count == before


def test_a_failed_quarter_makes_the_exit_code_non_zero_and_the_rest_stays_stored(site, capsys):
    del site.routes[NVDA_Q1_2026]
    assert main(["fetch", "NVDA", "--from", "2026Q1", "--to", "2026Q2", "--base-url", site.base_url]) == 1
    out = capsys.readouterr().out
    assert "2026Q1   failed   HTTP 404: not found" in out
    assert out.strip().endswith("NVDA: 1 of 2 quarters stored, 1 failed")
    with Store(Settings().db_path) as store:
        assert [(c["ticker"], c["fiscal_quarter"]) for c in store.calls()] == [("NVDA", 2)]


def test_url_option_fetches_that_page(site, capsys):
    assert main(["fetch", "NVDA", "--url", NVDA_Q3_2026, "--base-url", site.base_url]) == 0
    assert lines(capsys.readouterr().out)[2][:2] == ["2026Q3", "fetched"]
    assert not [p for _, p in site.hits if "quote" in p]


@pytest.mark.parametrize(("args", "message"), [
    (["--from", "2026Q1", "--last", "2"], "use --from with --to, or --last alone"),
    (["--last", "0"], "--last must be at least 1"),
    (["--from", "2026Q3", "--to", "2026Q1"], "--from 2026Q3 is after --to 2026Q1"),
])
def test_bad_ranges_are_one_line_errors(args, message, capsys):
    assert main(["fetch", "NVDA", *args]) == 1
    assert capsys.readouterr().err.strip() == f"error: {message}"


def test_to_and_last_together_are_refused_by_the_parser(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["fetch", "NVDA", "--to", "2026Q1", "--last", "2"])
    assert exc.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_reparse_works_from_stored_pages_without_the_network(capsys, monkeypatch):
    with running_site() as s:
        nvidia_site(s)
        assert main(["fetch", "NVDA", "--from", "2026Q2", "--to", "2026Q3", "--base-url", s.base_url]) == 0
    capsys.readouterr()  # the server is gone now: reparse must not need it
    assert main(["reparse"]) == 0
    assert lines(capsys.readouterr().out)[-1] == ["2", "unchanged"]
    monkeypatch.setattr(core.ingest.fetch, "PARSER_VERSION", core.ingest.fetch.PARSER_VERSION + 1)
    assert main(["reparse"]) == 0
    assert lines(capsys.readouterr().out)[-1] == ["2", "replaced"]
    with Store(Settings().db_path) as store:
        assert {c["parser_version"] for c in store.calls()} == {core.ingest.fetch.PARSER_VERSION}
        assert len(store.calls()) == 2
