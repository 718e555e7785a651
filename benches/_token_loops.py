"""The token loops of the parser benchmarks: instantjson's `feed()` and ijson's C backend in push
mode, each consuming a whole chunked stream. Shared by `test_bench_parser.py` and
`token_passes.py` (instruction counts), so both measure the same code."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ijson

from instantjson import InstantParser

if TYPE_CHECKING:
    from collections.abc import Sequence

YAJL2_C = ijson.get_backend("yajl2_c")
assert YAJL2_C.backend_name == "yajl2_c", "ijson's C backend is required for a fair comparison"


def run_instantjson(chunks: Sequence[Any], **kw: Any) -> int:
    """`InstantParser(**kw).feed(chunk)` for every chunk, then `finish()`; the events each call
    returns are built and dropped at the next chunk. The number of events."""
    p = InstantParser(**kw)
    n = 0
    for c in chunks:
        events = p.feed(c)
        n += len(events)
    n += len(p.finish())
    return n


def run_ijson(chunks: Sequence[bytes]) -> int:
    """ijson's `parse_coro` with a sendable list, the chunks as bytes; its events are dropped
    after each chunk. The number of events."""
    events = ijson.sendable_list()
    coro = YAJL2_C.parse_coro(events)
    n = 0
    for c in chunks:
        coro.send(c)
        n += len(events)
        del events[:]
    coro.close()
    return n + len(events)
