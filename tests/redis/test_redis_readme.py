"""The README part's example (docs/readme-parts/redis.md) runs as written, against the test
suite's redis-server, and prints what it promises."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tests.redis._common import spawn_env

if TYPE_CHECKING:
    from tests.redis._server import RedisServer

PART = Path(__file__).resolve().parents[2] / "docs" / "readme-parts" / "redis.md"


def test_readme_example_runs(redis_server: RedisServer, tmp_path: Path) -> None:
    code = re.findall(r"```python\n(.*?)```", PART.read_text(encoding="utf-8"), re.S)[0]
    assert "redis://127.0.0.1:6379/0" in code
    script = tmp_path / "example.py"
    script.write_text(code.replace("redis://127.0.0.1:6379/0", redis_server.url), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)], env=spawn_env(), capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "done title Growth plan" in lines
    assert "done steps[1] referrals" in lines
    assert lines[-1] == "{'title': 'Growth plan', 'steps': ['ads', 'referrals']}"
