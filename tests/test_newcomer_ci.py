"""Issue 14: under CI=true, shared test data that is missing makes the tests that need it FAIL
(before: half the suite skipped silently in a clone without ../shared); locally they skip.

A throwaway repo with this tests/conftest.py and tests/_shared.py and no shared/ beside it runs
three tests that need shared data, the three ways the suite asks for it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent

NEEDS_SHARED = """
import pytest
from tests._shared import load_cases, missing_shared, param_or_skip, shared_path, skip_if_missing, suite_files


@pytest.mark.parametrize("path", param_or_skip(suite_files("y_"), "JSONTestSuite y_"))
def test_param(path):
    assert path.exists()


def test_path():
    skip_if_missing(shared_path("lenient", "json_repair.json"), "json_repair")


def test_direct():
    if not load_cases("partial", "jsonriver.json"):
        missing_shared("partial/jsonriver.json")
"""


def _run(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess[str]:
    repo = tmp_path / "repo"
    (repo / "tests").mkdir(parents=True)
    for name in ("conftest.py", "_shared.py"):
        shutil.copy(TESTS / name, repo / "tests" / name)
    (repo / "tests" / "test_needs_shared.py").write_text(NEEDS_SHARED)
    (repo / "pytest.ini").write_text("[pytest]\n")
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rsfE", "-p", "no:cacheprovider", "tests"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_missing_shared_data_fails_under_ci(tmp_path: Path) -> None:
    assert not (tmp_path / "shared").exists()
    result = _run(tmp_path, "true")
    assert result.returncode == 1, result.stdout
    # the placeholder parameter fails in setup (an error), the other two in the test
    assert result.stdout.splitlines()[-1].startswith("2 failed, 1 error"), result.stdout
    assert result.stdout.count("CI=true requires it") >= 3, result.stdout


@pytest.mark.parametrize("ci", [None, "false"])
def test_missing_shared_data_skips_locally(tmp_path: Path, ci: str | None) -> None:
    result = _run(tmp_path, ci)
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[-1].startswith("3 skipped"), result.stdout
    assert "shared test data missing" in result.stdout
