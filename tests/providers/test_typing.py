"""`python/instantjson/_providers` is clean under pyright's strict mode (basedpyright, config
`.ci/pyright/providers.json`), and every `# pyright: ignore` in it says why on the same line."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PROVIDERS = REPO / "python" / "instantjson" / "_providers"


def test_no_ignore_without_a_reason() -> None:
    bare = [
        f"{path.name}:{n}"
        for path in sorted(PROVIDERS.glob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "pyright: ignore" in line and not re.search(r"pyright: ignore\[[^\]]+\] - \S", line)
    ]
    assert bare == []


def test_strict_pyright_is_clean() -> None:
    tool = shutil.which("basedpyright")
    if tool is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("basedpyright missing (.ci/setup.d/40-providers.sh installs it)")
        pytest.skip("basedpyright not installed (pip install basedpyright)")
    run = subprocess.run(
        [tool, "-p", str(REPO / ".ci" / "pyright" / "providers.json"), "--outputjson"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = json.loads(run.stdout)
    problems = [
        f"{d['file']}:{d['range']['start']['line'] + 1}: {d['message']}"
        for d in report["generalDiagnostics"]
        if d["severity"] in ("error", "warning")
    ]
    assert problems == []
    assert report["summary"]["filesAnalyzed"] >= 9
