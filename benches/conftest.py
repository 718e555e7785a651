"""pytest configuration for the benchmarks: the `heavy` marker and a ratio table at the end.

The table prints, per benchmark group, each peer's median time and its ratio to instantjson's
(`x 12.3` = 12.3 times slower than instantjson; `x 0.20` = five times faster). It needs no
script: it is printed by `pytest_terminal_summary` after pytest-benchmark's own tables.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # `import _data` whatever the import mode


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "heavy: an O(n^2) peer on a large input (minutes); skip with -m 'not heavy'")


def _peer(bench: Any) -> str:
    return str(bench.extra_info.get("peer") or bench.name)


def _fmt(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:8.2f} {unit}"
    return f"{seconds / 1e-9:8.1f} ns"


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    session = getattr(config, "_benchmarksession", None)
    benches = [b for b in getattr(session, "benchmarks", []) or [] if b]
    if not benches:
        return
    groups: dict[str, list[Any]] = {}
    for b in benches:
        groups.setdefault(b.group or "(no group)", []).append(b)
    tr = terminalreporter
    tr.write_sep("=", "instantjson vs peers: median time, and ratio to the instantjson entry of each group")
    for group in sorted(groups):
        rows = groups[group]
        base = next((b for b in rows if _peer(b).startswith("instantjson")), None)
        info = rows[0].extra_info
        tr.write_line(
            f"{group}  ({info.get('bytes', '?')} bytes, {info.get('chunks', '?')} chunks for streaming peers)"
        )
        for b in sorted(rows, key=lambda b: b.stats.median):
            mean = b.stats.median  # the median: robust to the other load of a shared machine
            ratio = f"x {mean / base.stats.median:8.2f}" if base is not None and base.stats.median else ""
            mbps = ""
            nbytes = b.extra_info.get("bytes")
            if isinstance(nbytes, int) and mean:
                mbps = f"{nbytes / mean / 1e6:9.1f} MB/s"
            tr.write_line(f"    {_peer(b):28} {_fmt(mean)}  {ratio:11} {mbps}")
