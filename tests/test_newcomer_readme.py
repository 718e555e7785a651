"""Issue 14: the examples of docs/readme-parts/newcomer.md run as written and print what they
say (a README claim is a promise): the MockLLMServer recipe, and the sync call inside a running
loop that works but blocks it."""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import instantjson

PART = Path(__file__).resolve().parents[1] / "docs" / "readme-parts" / "newcomer.md"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", PART.read_text(encoding="utf-8"), re.S)


def _run(code: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(Path(instantjson.__file__).resolve().parents[1])}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_try_it_without_a_model() -> None:
    block = next(b for b in _blocks() if "MockLLMServer(answer=answer" in b)
    lines = _run(block).splitlines()
    assert lines[-3:] == ["Growth", "stop", "/v1/chat/completions"]
    assert "steps[0].owner => Growth" in lines and "title => Growth plan" in lines


def test_sync_call_inside_a_running_loop_works_and_blocks_it() -> None:
    block = next(b for b in _blocks() if "heartbeat" in b)
    assert _run(block).splitlines() == ["ticks during the sync call: 0", "ticks during the async call: True"]


def test_the_signature_line_matches_the_code() -> None:
    # the README's own line said max_string_length=None, max_input_size=None: not the code's
    text = PART.read_text(encoding="utf-8").replace("\n", " ")
    line = re.search(r"`InstantParser\((.*?)\)`", text)
    assert line is not None
    documented = dict(p.split("=") for p in line.group(1).replace(" ", "").split(",") if "=" in p)
    params = inspect.signature(instantjson.InstantParser).parameters
    assert set(documented) == {n for n in params if n != "self"}
    for name, value in documented.items():
        assert eval(value) == params[name].default, (name, value, params[name].default)
