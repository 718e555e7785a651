"""Peak memory (RSS) of streaming through instantjson: a script, not a test.

    python benches/rss.py                 # every case (about 2 minutes on 2 cores)
    python benches/rss.py --quick         # 1 MB cases only
    python benches/rss.py --case parser-100MB-token   # one case, printed as JSON

Each case runs in a child process of its own, so peaks do not mix. The child generates a realistic
model answer on the fly (the `benches/_data.py` answer shape: title, summary, steps with owners,
accents, CJK, emoji and escapes), never holding the whole text: the input is produced piece by
piece, cut into 64 KiB chunks or token-sized chunks (1-8 characters, mean about 4.25), and fed to
`InstantParser(deltas=True)`; every event list is dropped as it comes, as a consumer would. At the
end the child reports:
- `base`: RSS before feeding (interpreter, module, generator state);
- `peak`: the high-water mark `VmHWM` of /proc/self/status (also `ru_maxrss`);
- `value`: the deep size of the final Python value (`sys.getsizeof` over every object once).
The table shows `peak - base` against the input size and against the value size. The parser keeps
the value it builds (`value`, `snapshot()`), so memory is expected to follow the value, not the
number or size of the chunks. `json.loads(text)` on the whole text is the reference (text + value).

SSE: the decoder alone on a 100 MB OpenAI-style body (`data: {"choices":[{"delta":{"content":...}}]}`
frames) in 64 KiB chunks, frames dropped; and the pipeline the response layer runs (frames ->
content deltas -> parser).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any

# The same words, owners and token lengths as the benchmarks' answers (`benches/_data.py`), whether
# this runs as `python benches/rss.py` or from the repository root.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _data import _OWNERS, _WEIGHTS_1_TO_8, _WORDS, _sentence

if TYPE_CHECKING:
    from collections.abc import Iterator

MB = 1_000_000
KIB64 = 64 * 1024


def answer_pieces(size: int, seed: str = "rss") -> Iterator[str]:
    """A model answer of about `size` bytes of UTF-8, as JSON text in pieces (one step each)."""
    rng = random.Random(seed)
    head = {
        "title": "Growth plan for Q3 — café expansion 🚀",
        "summary": " ".join(_sentence(rng, 8, 20) for _ in range(3)),
    }
    text = json.dumps(head, ensure_ascii=False)[:-1] + ', "steps": [\n'
    yield text
    n = len(text.encode())
    tail = ']\n, "risks": ["Scope creep \\u00e9.", "Hiring."], "confidence": 0.82}'
    i = 0
    while n < size - len(tail):
        step = {
            "step": f"{i + 1}. " + _sentence(rng, 6, 20),
            "owner": rng.choice(_OWNERS),
            "eta_days": rng.randint(1, 120),
            "notes": _sentence(rng, 0, 40),
            "tags": [rng.choice(_WORDS) for _ in range(rng.randint(0, 4))],
            "done": rng.random() < 0.3,
        }
        piece = ("" if i == 0 else ",\n ") + json.dumps(step, ensure_ascii=False)
        n += len(piece.encode())
        i += 1
        yield piece
    yield tail


def byte_chunks(pieces: Iterator[str], size: int) -> Iterator[bytes]:
    """UTF-8 bytes in chunks of exactly `size` (a chunk may split a character)."""
    buf = bytearray()
    for p in pieces:
        buf += p.encode()
        while len(buf) >= size:
            yield bytes(buf[:size])
            del buf[:size]
    if buf:
        yield bytes(buf)


def token_chunks(pieces: Iterator[str]) -> Iterator[str]:
    """str chunks of 1-8 characters (weights 1,2,3,3,3,2,1,1: mean about 4.25), like model tokens."""
    rng = random.Random("tokens")
    lengths = rng.choices(range(1, 9), _WEIGHTS_1_TO_8, k=4096)
    k = 0
    for p in pieces:
        i = 0
        while i < len(p):
            n = lengths[k & 4095]
            k += 1
            yield p[i : i + n]
            i += n


def sse_body(size: int) -> Iterator[bytes]:
    """An OpenAI Chat Completions stream of about `size` bytes whose content is the answer JSON,
    one frame per token (the envelope is about 37 times the content, as in real streams)."""
    head = b'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1767225600,'
    head += b'"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"content":'
    tail = b'},"finish_reason":null}]}\n\n'
    yield head + b'""' + tail
    for tok in token_chunks(answer_pieces(size // 38)):
        yield head + json.dumps(tok, ensure_ascii=False).encode() + tail
    yield b"data: [DONE]\n\n"


def rechunk(parts: Iterator[bytes], size: int) -> Iterator[bytes]:
    buf = bytearray()
    for p in parts:
        buf += p
        if len(buf) >= size:
            yield bytes(buf)
            buf.clear()
    if buf:
        yield bytes(buf)


# --------------------------------------------------------------------------------------------
# measuring


def _status(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def deep_size(root: Any) -> int:
    """Bytes of every object reachable from `root` through lists and dicts, each counted once."""
    seen: set[int] = set()
    total = 0
    stack = [root]
    while stack:
        o = stack.pop()
        if id(o) in seen:
            continue
        seen.add(id(o))
        total += sys.getsizeof(o)
        if isinstance(o, dict):
            stack.extend(o.keys())
            stack.extend(o.values())
        elif isinstance(o, list):
            stack.extend(o)
    return total


def run_case(name: str) -> dict[str, Any]:
    """In the child: run one case, return its figures."""
    from instantjson import InstantParser, SSEDecoder

    kind, size_name, chunking = name.split("-")
    size = {"1MB": MB, "100MB": 100 * MB}[size_name]
    gc.collect()
    base = _status("VmRSS")
    start = time.perf_counter()
    nbytes = 0
    events = 0
    frames = 0
    value: Any = None
    if kind == "parser":
        p = InstantParser(deltas=True, max_input_size=None)
        chunks: Iterator[Any] = (
            byte_chunks(answer_pieces(size), KIB64) if chunking == "64KiB" else token_chunks(answer_pieces(size))
        )
        for c in chunks:
            nbytes += len(c) if isinstance(c, bytes) else len(c.encode())
            events += len(p.feed(c))
        events += len(p.finish())
        value = p.value
    elif kind == "jsonloads":
        text = "".join(answer_pieces(size))
        nbytes = len(text.encode())
        value = json.loads(text)
    elif kind == "sse":
        d = SSEDecoder()
        p = InstantParser(deltas=True, max_input_size=None) if chunking == "pipeline" else None
        for c in rechunk(sse_body(size), KIB64):
            nbytes += len(c)
            for f in d.feed(c):
                frames += 1
                if p is not None and isinstance(f.value, dict):
                    content = f.value["choices"][0]["delta"].get("content")
                    if content:
                        events += len(p.feed(content))
        frames += len(d.finish())
        if p is not None:
            events += len(p.finish())
            value = p.value
    else:
        raise SystemExit(f"unknown case {name}")
    seconds = time.perf_counter() - start
    peak = _status("VmHWM")
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {
        "case": name,
        "input": nbytes,
        "base": base,
        "peak": peak,
        "ru_maxrss": maxrss,
        "value": deep_size(value) if value is not None else 0,
        "events": events,
        "frames": frames,
        "seconds": round(seconds, 2),
    }


CASES = [
    "parser-1MB-64KiB",
    "parser-1MB-token",
    "jsonloads-1MB-whole",
    "parser-100MB-64KiB",
    "parser-100MB-token",
    "jsonloads-100MB-whole",
    "sse-100MB-64KiB",
    "sse-100MB-pipeline",
]


def _mib(n: float) -> str:
    return f"{n / 2**20:,.1f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--case", help="run one case in this process and print its figures as JSON")
    ap.add_argument("--quick", action="store_true", help="only the 1 MB cases")
    ap.add_argument("--only", default="", help="only the cases whose name holds this text")
    args = ap.parse_args()
    if args.case:
        sys.stdout.write(json.dumps(run_case(args.case)) + "\n")
        return
    cases = [c for c in CASES if c.split("-")[1] == "1MB"] if args.quick else CASES
    cases = [c for c in cases if args.only in c]
    rows = []
    for case in cases:
        out = subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--case", case], check=True, capture_output=True, text=True
        )
        rows.append(json.loads(out.stdout))
        sys.stderr.write(f"  {case}: done in {rows[-1]['seconds']} s\n")
    head = (
        "case",
        "input MiB",
        "base MiB",
        "peak MiB",
        "peak-base MiB",
        "/input",
        "value MiB",
        "/value",
        "events/frames",
        "s",
    )
    w = sys.stdout
    w.write("| " + " | ".join(head) + " |\n")
    w.write("|" + "---|" * len(head) + "\n")
    for r in rows:
        grown = r["peak"] - r["base"]
        w.write(
            "| "
            + " | ".join(
                [
                    r["case"],
                    _mib(r["input"]),
                    _mib(r["base"]),
                    _mib(r["peak"]),
                    _mib(grown),
                    f"{grown / r['input']:.2f}",
                    _mib(r["value"]) if r["value"] else "-",
                    f"{grown / r['value']:.2f}" if r["value"] else "-",
                    f"{r['events'] or r['frames']:,}",
                    str(r["seconds"]),
                ]
            )
            + " |\n"
        )


if __name__ == "__main__":
    main()
