"""Lenient repair while streaming: instantjson against json_repair, on the same chunks, in one run.

The workload is the answer of `_data.py` (1 KB to 1 MB) as a model writes it when asked for JSON
by a prompt: prose and a ```` ```json ```` fence around it, a missing comma between the steps,
unquoted `owner` values (`"owner": José Álvarez,`), single-quoted keys and unescaped quotes inside
strings. Both parsers repair it to the same value (checked below), cut into the same 1-8
character token chunks.

- `instantjson`: `InstantParser(lenient=True).feed(chunk)` per chunk, then `finish()` (one pass).
- `json_repair_per_chunk`: `json_repair.loads(buffer)` after every chunk, what streaming users of
  json_repair (and BAML) do to see the value grow: O(n^2), so 1 KB and 10 KB only.
- `json_repair_whole`: one `json_repair.loads` of the complete text (no streaming).

`extra_info["ns_per_chunk"]` is the mean time divided by the chunks: instantjson's stays flat from
1 KB to 1 MB. Run: `pytest benches/test_bench_repair.py` (add `-m 'not heavy'` to skip the
10 KB re-parse).
"""

from __future__ import annotations

import functools
import json
import re
from typing import TYPE_CHECKING, Any

import json_repair
import pytest
from _data import SIZES, answer_text, cut_tokens

from instantjson import InstantParser

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence


@functools.cache
def malformed(size: str) -> tuple[Any, str]:
    """(the intended value, the text a model wrote for it) at a size of `_data.SIZES`."""
    text = answer_text(size)
    doc = json.loads(text)
    text = re.sub(r'"owner": "([^"]*)"', r'"owner": \1', text)  # unquoted values
    text = text.replace("},\n  {", "}\n  {")  # a missing comma between the steps
    text = re.sub(r'"eta_days": (\d+)', r"'eta_days': \1", text)  # single-quoted keys
    text = text.replace('\\"quoted\\"', '"quoted"')  # unescaped quotes inside strings
    return doc, "Sure! Here is the plan:\n```json\n" + text + "\n```\nLet me know if you need more."


@functools.cache
def token_chunks(size: str) -> tuple[str, ...]:
    _, text = malformed(size)
    return cut_tokens(text, f"repair-chunks-{size}")


def run_instantjson(chunks: Sequence[str]) -> Any:
    p = InstantParser(lenient=True)
    for c in chunks:
        p.feed(c)
    p.finish()
    return p.value


def run_json_repair_per_chunk(chunks: Sequence[str]) -> Any:
    buf = ""
    v = None
    for c in chunks:
        buf += c
        v = json_repair.loads(buf)
    return v


def run_json_repair_whole(text: str) -> Any:
    return json_repair.loads(text)


# (peer, sizes, rounds: None = let pytest-benchmark calibrate, heavy)
PLAN: list[tuple[str, list[str], int | None, bool]] = [
    ("instantjson", ["1KB", "10KB", "100KB"], None, False),
    ("instantjson", ["1MB"], 5, False),
    ("json_repair_per_chunk", ["1KB"], None, False),
    ("json_repair_per_chunk", ["10KB"], 1, True),
    ("json_repair_whole", ["1KB", "10KB", "100KB"], None, False),
    ("json_repair_whole", ["1MB"], 3, False),
]


def _params() -> list[Any]:
    return [
        pytest.param(size, peer, rounds, id=f"repair-{size}-{peer}", marks=[pytest.mark.heavy] if heavy else [])
        for peer, sizes, rounds, heavy in PLAN
        for size in sizes
    ]


def _runner(peer: str, size: str) -> tuple[Callable[..., Any], tuple[Any, ...]]:
    if peer == "instantjson":
        return run_instantjson, (token_chunks(size),)
    if peer == "json_repair_per_chunk":
        return run_json_repair_per_chunk, (token_chunks(size),)
    if peer == "json_repair_whole":
        return run_json_repair_whole, (malformed(size)[1],)
    raise AssertionError(peer)


def test_the_peers_agree() -> None:
    """The workload is one both repair to the intended value (else the timings compare nothing)."""
    for size in SIZES:
        doc, text = malformed(size)
        assert run_instantjson(token_chunks(size)) == doc
        assert json_repair.loads(text) == doc


@pytest.mark.timeout(900)
@pytest.mark.parametrize(("size", "peer", "rounds"), _params())
def test_repair_stream(benchmark: Any, size: str, peer: str, rounds: int | None) -> None:
    fn, args = _runner(peer, size)
    doc, text = malformed(size)
    chunks = 1 if peer == "json_repair_whole" else len(token_chunks(size))
    benchmark.group = f"repair-{size}"
    benchmark.extra_info.update(peer=peer, bytes=len(text.encode("utf-8")), chunks=chunks)
    if rounds is None:
        result = benchmark(fn, *args)
    else:
        result = benchmark.pedantic(fn, args=args, rounds=rounds, iterations=1, warmup_rounds=0)
    assert result == doc
    if benchmark.stats is not None:
        benchmark.extra_info["ns_per_chunk"] = round(benchmark.stats.stats.mean / len(token_chunks(size)) * 1e9, 1)
