"""The command line: parse, import, calls — output, exit codes and one-line errors."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import SHARED, needs_shared

ROOT = Path(__file__).resolve().parents[1]
NVDA_FILE = SHARED / "corpus" / "streetevents" / "NVDA" / "2023-05-24-NVDA.txt"

pytestmark = needs_shared(NVDA_FILE)


def cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess:
    env = {"EARNINGS_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "core", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


def test_parse_json_prints_the_transcript_model(tmp_path):
    result = cli("parse", str(NVDA_FILE), "--json", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["ticker"], data["fiscal_year"], data["fiscal_quarter"], data["call_date"]) == (
        "NVDA", 2024, 1, "2023-05-24")
    first = data["turns"][0]
    assert set(first) >= {"speaker", "role", "firm", "kind", "section", "type", "text"}
    assert {t["section"] for t in data["turns"]} == {"prepared", "qa"}


def test_parse_failure_is_one_line_and_non_zero(tmp_path):
    junk = tmp_path / "junk.txt"
    junk.write_text("just some words\n")
    result = cli("parse", str(junk), "--json", data_dir=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith(f"error: {junk}:")


def test_parse_needs_a_ticker_when_nothing_names_one(tmp_path):
    anonymous = tmp_path / "call.txt"
    anonymous.write_bytes(NVDA_FILE.read_bytes())
    result = cli("parse", str(anonymous), data_dir=tmp_path)
    assert result.returncode == 1 and "--ticker" in result.stderr
    assert cli("parse", str(anonymous), "--ticker", "NVDA", data_dir=tmp_path).returncode == 0


def test_import_then_calls(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("")
    result = cli("import", str(NVDA_FILE), str(bad), data_dir=tmp_path / "data")
    assert result.returncode == 1  # one file failed
    assert "1 failed, 1 inserted" in result.stdout
    listing = cli("calls", "--json", data_dir=tmp_path / "data")
    [call] = json.loads(listing.stdout)
    assert (call["ticker"], call["fiscal_year"], call["fiscal_quarter"]) == ("NVDA", 2024, 1)
    assert call["source"] == str(NVDA_FILE)
    table = cli("calls", data_dir=tmp_path / "data").stdout
    assert "FY2024 Q1" in table and "2023-05-24" in table


def test_bad_arguments_are_rejected_by_the_parser(tmp_path):
    result = cli("parse", str(NVDA_FILE), "--period", "2025Q7", data_dir=tmp_path)
    assert result.returncode == 2 and "not a fiscal period" in result.stderr


def test_import_reports_what_parsing_dropped(tmp_path):
    from invented_call import streetevents_text

    path = tmp_path / "ACME-20240522.txt"
    path.write_text(streetevents_text(body={0: ["<Sync id='L1'/>"]}), encoding="utf-8")
    result = cli("import", str(path), data_dir=tmp_path / "data")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1 inserted, 1 warning"
    assert f"warning   {path}  speaker turn 1 of 10 (Operator) has no text; dropped" in result.stderr
    parsed = cli("parse", str(path), data_dir=tmp_path / "data")
    assert "warning: speaker turn 1 of 10 (Operator) has no text; dropped" in parsed.stderr
