"""The README's `loads` and token tables, from one pytest-benchmark run saved as JSON:

    python -m pytest benches/test_bench_loads.py benches/test_bench_parser.py --benchmark-enable \\
        --benchmark-timer=time.process_time -p no:randomly --benchmark-json=run.json
    python benches/readme_tables.py run.json

Prints Markdown: the `loads` tables (fastest round, then medians) and the token table (medians),
each time followed by the peer's time over instantjson's in brackets (above 1: the peer is
slower). A cell is `–` where the run has no such benchmark.
"""

from __future__ import annotations

import json
import sys
from typing import Any

DOCS = {
    "twitter": "twitter.json (632 KB, strings, CJK)",
    "citm_catalog": "citm_catalog.json (1.7 MB, objects, ints)",
    "canada": "canada.json (2.3 MB, floats)",
}
LOADS_PEERS = ["instantjson", "orjson", "msgspec", "jiter", "json"]
TOKEN_PEERS = ["instantjson", "ijson_yajl2_c", "jiter", "partial_json_parser", "orjson_whole"]
TOKEN_ROWS = [
    ("tokens-1KB", None),
    ("tokens-10KB", None),
    ("tokens-100KB", None),
    ("tokens-1MB", None),
    ("tokens-100KB-paired", "100 KB, paired with ijson round by round"),
    ("tokens-1MB-paired", "1 MB, paired with ijson round by round"),
    ("bytes64-1MB", "1 MB in 64-byte chunks"),
    ("bytes64K-1MB", "1 MB in 64 KB chunks"),
    ("bytes64K-1MB-dones-only", "1 MB in 64 KB chunks, `deltas=False`"),
]


def three_digits(x: float) -> str:
    """`x` (at least 1) to three significant digits, trailing zeros kept: 1.30, 97.1, 971."""
    places = 2 if x < 10 else 1 if x < 100 else 0
    return f"{x:,.{places}f}"


def fmt_time(seconds: float) -> str:
    """Three significant digits in the unit that keeps the number between 1 and 1000."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{three_digits(seconds / scale)} {unit}"
    return f"{three_digits(seconds / 1e-9)} ns"


def fmt_ratio(ratio: float) -> str:
    return f"×{three_digits(ratio)}" if ratio >= 1 else f"×{ratio:.2f}"


def cell(stats: dict[str, float] | None, ours: float, key: str) -> str:
    if stats is None:
        return "–"
    return f"{fmt_time(stats[key])} ({fmt_ratio(stats[key] / ours)})"


def by_group(run: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """group -> peer -> the benchmark's record."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for b in run["benchmarks"]:
        peer = b["extra_info"].get("peer", b["name"])
        out.setdefault(b["group"], {})[peer] = b
    return out


def loads_table(groups: dict[str, dict[str, dict[str, Any]]], key: str) -> list[str]:
    lines = [
        "| document | input | " + " | ".join(LOADS_PEERS) + " |",
        "|---|---|" + "---|" * len(LOADS_PEERS),
    ]
    for doc, title in DOCS.items():
        for i, kind in enumerate(("bytes", "str")):
            peers = groups.get(f"loads-{doc}-{kind}", {})
            if "instantjson" not in peers:
                continue
            ours = peers["instantjson"]["stats"][key]
            cells = [fmt_time(ours)] + [cell(peers.get(p, {}).get("stats"), ours, key) for p in LOADS_PEERS[1:]]
            name = (title if key == "min" else title.split(" ")[0]) if i == 0 else ""
            lines.append(f"| {name} | {kind} | " + " | ".join(cells) + " |")
    return lines


def token_label(group: str, peers: dict[str, dict[str, Any]]) -> str:
    size = group.split("-")[1]
    pretty = size.replace("KB", " KB").replace("MB", " MB")
    chunks = next(iter(peers.values()))["extra_info"].get("chunks", 0)
    return f"{pretty}, {chunks:,} chunks"


def token_table(groups: dict[str, dict[str, dict[str, Any]]]) -> list[str]:
    header = [
        "instantjson",
        "ijson yajl2_c push (bytes, no partial values)",
        "jiter re-parse per chunk (the OpenAI SDK)",
        "partial-json-parser",
        "orjson.loads, whole text once (floor)",
    ]
    lines = ["| answer | " + " | ".join(header) + " |", "|---|" + "---|" * len(header)]
    for group, label in TOKEN_ROWS:
        peers = groups.get(group)
        if not peers:
            continue
        if group.endswith("-paired"):
            (record,) = peers.values()
            ratio = record["extra_info"]["ijson_over_instantjson_paired"]
            cells = [fmt_time(record["stats"]["median"]), f"({fmt_ratio(ratio)})", "–", "–", "–"]
        else:
            ours_record = peers.get("instantjson") or peers.get("instantjson_dones_only")
            if ours_record is None:
                continue
            ours = ours_record["stats"]["median"]
            cells = [fmt_time(ours)] + [cell(peers.get(p, {}).get("stats"), ours, "median") for p in TOKEN_PEERS[1:]]
        lines.append(f"| {label or token_label(group, peers)} | " + " | ".join(cells) + " |")
    return lines


def main(path: str) -> None:
    with open(path, encoding="utf-8") as f:
        run = json.load(f)
    groups = by_group(run)
    out = [f"Run of {run['datetime']} ({run['machine_info'].get('cpu', {}).get('brand_raw', '?')})", ""]
    out += ["Fastest round (min):", "", *loads_table(groups, "min"), ""]
    out += ["Medians:", "", *loads_table(groups, "median"), ""]
    out += ["Token streams (medians):", "", *token_table(groups)]
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
