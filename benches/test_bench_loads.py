"""One-shot parsing: `instantjson.loads` against orjson, msgspec, jiter and json on the classic
documents (serde-rs/json-benchmark's twitter.json, citm_catalog.json and canada.json, in
`../shared/benchdata/`), as `bytes` and as `str`, in one run.

Group `loads-<document>-<bytes|str>`; each peer parses the whole document into Python objects:
- `instantjson`: `instantjson.loads(data)`
- `orjson`: `orjson.loads(data)`
- `msgspec`: `msgspec.json.Decoder().decode(data)` (a `str` is accepted as is)
- `jiter`: `jiter.from_json(data)` (bytes only: a `str` is encoded first, inside the timing)
- `json`: `json.loads(data)`
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import jiter
import msgspec
import orjson
import pytest

import instantjson

DATA = Path(__file__).resolve().parents[2] / "shared" / "benchdata"
DATA = Path(os.environ.get("INSTANTJSON_BENCHDATA", DATA))
DOCS = ["twitter.json", "citm_catalog.json", "canada.json"]
DECODER = msgspec.json.Decoder()


def _jiter_str(text: str) -> Any:
    return jiter.from_json(text.encode())


PEERS: dict[str, tuple[Any, Any]] = {
    # peer: (bytes function, str function)
    "instantjson": (instantjson.loads, instantjson.loads),
    "orjson": (orjson.loads, orjson.loads),
    "msgspec": (DECODER.decode, DECODER.decode),
    "jiter": (jiter.from_json, _jiter_str),
    "json": (json.loads, json.loads),
}


def _params() -> list[Any]:
    return [
        pytest.param(doc, kind, peer, id=f"{doc.removesuffix('.json')}-{kind}-{peer}")
        for doc in DOCS
        for kind in ("bytes", "str")
        for peer in PEERS
    ]


@pytest.mark.parametrize(("doc", "kind", "peer"), _params())
def test_loads(benchmark: Any, doc: str, kind: str, peer: str) -> None:
    path = DATA / doc
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"benchmark document missing: {path}")
        pytest.skip(f"benchmark document missing: {path}")
    raw = path.read_bytes()
    data: bytes | str = raw if kind == "bytes" else raw.decode("utf-8")
    fn = PEERS[peer][0 if kind == "bytes" else 1]
    benchmark.group = f"loads-{doc.removesuffix('.json')}-{kind}"
    benchmark.extra_info.update(peer=peer, bytes=len(raw), chunks=1)
    result = benchmark(fn, data)
    assert result == json.loads(raw)
