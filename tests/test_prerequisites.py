"""The suite's rule for missing prerequisites (tests/conftest.py): a skip for absent real data, browser, models,
mount rights or network address stays a skip on a developer's machine and fails the run under CI=1."""
from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import conftest
import pytest

SUITE_CONFTEST = Path(conftest.__file__).resolve()

# A suite run with tests/conftest.py, its ../shared pointed at a folder that does not exist.
INNER_CONFTEST = f"""
from pathlib import Path

exec(compile(Path({str(SUITE_CONFTEST)!r}).read_text(encoding="utf-8"), {str(SUITE_CONFTEST)!r}, "exec"))
SHARED = Path(__file__).parent / "no-such-shared"
"""
INNER_MODULE_MARK = """
from conftest import needs_shared

pytestmark = needs_shared("corpus/streetevents")


def test_under_a_module_mark():
    pass
"""
INNER_TESTS = """
import pytest

from conftest import missing_prerequisite, require_shared


def test_shared_dir_fixture(shared_dir):
    pass


def test_require_shared():
    require_shared("fixtures")


def test_missing_model():
    missing_prerequisite("the analysis cannot run: no model")


def test_chromium_skip_raised_by_a_helper():
    pytest.skip("/usr/bin/chromium is absent (apt-get install chromium)")  # as tests/apprunner.py does


@pytest.mark.skipif(True, reason="../shared/fixtures is not beside the repo")
def test_plain_skipif_on_shared():
    pass


def test_unrelated_skip():
    pytest.skip("only meaningful on Windows")


def test_passes():
    pass
"""
PREREQUISITES = ["test_under_a_module_mark", "test_shared_dir_fixture", "test_require_shared", "test_missing_model",
                 "test_chromium_skip_raised_by_a_helper", "test_plain_skipif_on_shared"]


def outcomes(tmp_path: Path, *, ci: bool) -> dict[str, str]:
    """Run the inner suite in a fresh pytest; test name -> passed / skipped / failed (a setup error counts)."""
    suite = tmp_path / "suite"
    suite.mkdir(exist_ok=True)
    (suite / "conftest.py").write_text(INNER_CONFTEST, encoding="utf-8")
    (suite / "test_module_mark.py").write_text(INNER_MODULE_MARK, encoding="utf-8")
    (suite / "test_cases.py").write_text(INNER_TESTS, encoding="utf-8")
    report = tmp_path / f"report-{ci}.xml"
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS")} | ({"CI": "1"} if ci else {})
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}",
                           "--rootdir", str(suite), str(suite)], cwd=suite, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == (1 if ci else 0), done.stdout + done.stderr
    found = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        kinds = {child.tag for child in case} & {"failure", "error", "skipped"}
        found[case.get("name")] = "failed" if kinds & {"failure", "error"} else "skipped" if kinds else "passed"
    return found


def test_missing_prerequisites_skip_locally_and_fail_under_ci(tmp_path):
    """Catches: a run that stays green under CI=1 although ../shared, chromium or the models are missing (skips
    from a module mark, a fixture, a helper, a plain skipif, or a helper the suite does not own), and a CI=1 run
    that also fails unrelated skips."""
    assert outcomes(tmp_path, ci=False) == {**dict.fromkeys(PREREQUISITES, "skipped"),
                                            "test_unrelated_skip": "skipped", "test_passes": "passed"}
    assert outcomes(tmp_path, ci=True) == {**dict.fromkeys(PREREQUISITES, "failed"),
                                           "test_unrelated_skip": "skipped", "test_passes": "passed"}


def test_require_shared_names_the_missing_path(tmp_path, monkeypatch):
    """Catches: a failure message that does not say what is missing, or a helper that skips under CI=1."""
    monkeypatch.setattr(conftest, "SHARED", tmp_path / "shared")
    monkeypatch.setenv("CI", "1")
    with pytest.raises(pytest.fail.Exception, match=r"^\.\./shared/corpus \(real test data\) is not beside the repo "
                                                    r"\(CI=1: a missing prerequisite fails the run\)$"):
        conftest.require_shared("corpus")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match=r"^\.\./shared/corpus \(real test data\)"):
        conftest.require_shared("corpus")
    (tmp_path / "shared" / "corpus").mkdir(parents=True)
    assert conftest.require_shared("corpus") == tmp_path / "shared" / "corpus"
