"""Issue 14: the public API types what it promises. tests/typing/user_program.py (a user's program)
must pass basedpyright strict and mypy --strict, and a typo in it must fail both (so the check
can fail). Locally the checks skip when the `lint` extra is not installed; under CI they fail."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests._shared import SHARED_REQUIRED

TYPING = Path(__file__).resolve().parent / "typing"
PROGRAM = TYPING / "user_program.py"
PYTHON_SOURCE = Path(__file__).resolve().parents[1] / "python"


def _tool(name: str) -> None:
    found = shutil.which(name) if name == "basedpyright" else importlib.util.find_spec(name)
    if not found:
        if SHARED_REQUIRED:
            pytest.fail(f"{name} is not installed; CI installs the lint extra", pytrace=False)
        pytest.skip(f"{name} not installed (pip install '.[lint]')")


def _pyright(folder: Path) -> subprocess.CompletedProcess[str]:
    _tool("basedpyright")
    return subprocess.run(
        ["basedpyright", "-p", str(folder / "pyrightconfig.json")], capture_output=True, text=True, timeout=600
    )


def _mypy(program: Path) -> subprocess.CompletedProcess[str]:
    _tool("mypy")
    env = {**os.environ, "MYPYPATH": str(PYTHON_SOURCE)}
    args = ["--strict", "--warn-unused-ignores", "--follow-imports", "silent", "--python-version", "3.10"]
    return subprocess.run(
        [sys.executable, "-m", "mypy", *args, "--no-incremental", str(program)],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )


def _with_typo(tmp_path: Path) -> Path:
    folder = tmp_path / "typing"
    folder.mkdir()
    config = (TYPING / "pyrightconfig.json").read_text().replace("../../python", str(PYTHON_SOURCE))
    (folder / "pyrightconfig.json").write_text(config)
    program = PROGRAM.read_text() + "\n\ndef typo(p: InstantParser) -> bool:\n    return p.feed('x')[0].is_compelte\n"
    (folder / "user_program.py").write_text(program)
    return folder


def test_user_program_passes_pyright_strict() -> None:
    result = _pyright(TYPING)
    assert result.returncode == 0, result.stdout + result.stderr


def test_user_program_passes_mypy_strict() -> None:
    result = _mypy(PROGRAM)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_typo_fails_both_checkers(tmp_path: Path) -> None:
    folder = _with_typo(tmp_path)
    pyright = _pyright(folder)
    assert pyright.returncode != 0 and "is_compelte" in pyright.stdout, pyright.stdout
    mypy = _mypy(folder / "user_program.py")
    assert mypy.returncode != 0 and "is_compelte" in mypy.stdout, mypy.stdout
