"""Run a token loop of `test_bench_parser.py` several times over one answer, for instruction counts:

    PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        python benches/token_passes.py instantjson 100KB 4

The same with 1 pass, subtracted and divided by 3, is one pass: the interpreter's start and the
answer's generation cancel out. The peer is `instantjson` (str chunks) or `ijson` (the same
chunks as bytes, encoded before the passes)."""

from __future__ import annotations

import sys

from _data import token_chunks
from _token_loops import run_ijson, run_instantjson


def main(peer: str, size: str, passes: int) -> None:
    chunks = token_chunks(size)
    if peer == "ijson":
        data = tuple(c.encode("utf-8") for c in chunks)
        for _ in range(passes):
            run_ijson(data)
    elif peer == "instantjson":
        for _ in range(passes):
            run_instantjson(chunks)
    else:
        raise SystemExit(f"unknown peer {peer!r}: instantjson or ijson")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
