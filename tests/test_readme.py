"""README.md carries every section of docs/readme-parts/ verbatim: the parts are what the feature
tests run and check (their examples, counts and tables), so the README says what the tests show."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PARTS = sorted((ROOT / "docs" / "readme-parts").glob("*.md"))


def sections(text: str) -> list[str]:
    """The `## ` sections of a part, each up to the next `## ` heading."""
    return [s.strip() for s in re.split(r"(?m)^(?=## )", text) if s.strip()]


def test_there_are_parts() -> None:
    assert len(PARTS) >= 8


@pytest.mark.parametrize("part", PARTS, ids=lambda p: p.stem)
def test_readme_carries_the_part(part: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for text in sections(part.read_text(encoding="utf-8")):
        assert text in readme, f"{part.name}: section {text.splitlines()[0]!r} is not in README.md as tested"


def test_quick_start_commands() -> None:
    """The two Quick start commands: the demo, and the tests (the one .ci/run runs verbatim)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme[readme.index("## Quick start") :]
    assert "pip install . && python -m instantjson demo" in quick
    test_command = 'python3 -m pip install ".[test]" && python3 -m pytest'
    assert test_command in quick
    assert test_command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
