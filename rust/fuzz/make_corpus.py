"""Rebuild the seed corpus of rust/fuzz from ../shared (run from the repository root).

    python rust/fuzz/make_corpus.py [--shared ../shared]

Every corpus file is a fuzz input: a 3-byte header (flags, 16-bit seed for the chunk cuts; see
rust/fuzz/src/lib.rs) followed by the body. Sources and licenses are listed in rust/fuzz/README.md.
The selection is deterministic; files larger than 24 KB are left out.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAX_FILE = 24 * 1024

# JSONTestSuite files picked for their variety (the rest are close cousins of these).
Y_FILES = 40
N_FILES = 45
I_FILES = 35


def header(flags: int, rng: random.Random) -> bytes:
    return bytes([flags]) + rng.getrandbits(16).to_bytes(2, "little")


def write(target: str, name: str, data: bytes) -> None:
    (HERE / "corpus" / target / name).write_bytes(data)


def parser_corpus(shared: Path, rng: random.Random) -> int:
    n = 0
    suite = sorted((shared / "conformance/JSONTestSuite/test_parsing").iterdir())
    picks: list[Path] = []
    for prefix, count in (("y_", Y_FILES), ("n_", N_FILES), ("i_", I_FILES)):
        files = [f for f in suite if f.name.startswith(prefix) and f.stat().st_size <= MAX_FILE]
        step = max(1, len(files) // count)
        picks += files[::step][:count]
    for f in picks:
        # strict, cut into chunks of up to 1..1024 bytes, as bytes or as str
        flags = (rng.randrange(16) << 4) | rng.choice((0x00, 0x08))
        write("split_invariance", f.stem + ".json", header(flags, rng) + f.read_bytes())
        n += 1
    # What models write, for lenient mode (json_repair's cases: MIT).
    cases = json.loads((shared / "conformance/lenient/json_repair.json").read_text())
    for i, case in enumerate(cases[::5]):
        flags = (rng.randrange(16) << 4) | 0x01
        write("split_invariance", f"lenient_json_repair_{i:02}.txt", header(flags, rng) + case["input"].encode())
        n += 1
    # JSON payloads of recorded provider streams (the data lines).
    for path in sorted((shared / "provider-streams/fixtures").glob("*/*.txt"))[::2]:
        lines = [ln for ln in path.read_bytes().splitlines() if ln.startswith(b"data: {")]
        if lines:
            body = max(lines, key=len)[len(b"data: ") :]
            write("split_invariance", f"payload_{path.parent.name}_{path.stem}.json", header(0x58, rng) + body)
            n += 1
    # Hand-written edge cases.
    answer = (
        'Here is the plan:\n```json\n{"title": "Growth plan", "steps": [{"step": "Hire", "owner": "Ann", '
        '"weeks": 3}, {"step": "Ship \\u00e9\\ud83d\\ude00", "owner": null, "weeks": 1.5e1}], "ok": true,}\n```\nDone.'
    )
    extra = {
        "answer_fenced.txt": (0x31, answer.encode()),
        "answer_truncated.txt": (0x21, answer.encode()[:97]),
        "answer_strict.json": (0x40, answer.split("```json\n")[1].split(",}")[0].encode() + b"}"),
        "deep_600.json": (0xF0, b"[" * 600 + b"]" * 600),
        "deep_limit.json": (0x04, b'{"a":[[{"b":[1]}]]}'),
        "long_number.json": (0x20, b"[" + b"1" * 5000 + b"]"),
        "small_limits.json": (0x34, b'{"name": "abcdefghijkl", "n": 1234567, "x": [1,2]}'),
        "surrogates.json": (0x10, b'["\\ud83d\\ude00", "\\ud83d", "\\u00e9\\u0000"]'),
        "utf8_split.json": (0x00, '["é😀€", "\u2028"]'.encode()),
        "bom.json": (0x10, b"\xef\xbb\xbf[1]"),
        "invalid_utf8_lenient.txt": (0x11, b'{"a": "\xff\xfe\xc3"}'),
        "python_literals.txt": (0x21, b"{'a': True, 'b': None, c: NaN, d: -Infinity, /* c */ e: [1,2,],} // end"),
        "numbers.json": (0x30, b"[0, -0, 1e400, -1e-400, 123456789012345678901234567890, 0.1, 1E+2, -12.5e-3]"),
        "control_chars_lenient.txt": (0x01, b'{"a": "line\nbreak\ttab", "b": "\\q"}'),
        "trailing_text.txt": (0x11, b'{"a": 1} and that is all'),
        "empty.json": (0x00, b""),
        "whitespace.json": (0x00, b" \n\t\r "),
    }
    for name, (flags, body) in extra.items():
        write("split_invariance", name, header(flags, rng) + body)
        n += 1
    return n


def framing_corpus(shared: Path, rng: random.Random) -> int:
    n = 0
    for path in sorted((shared / "provider-streams/fixtures").glob("*/*.txt")):
        body = path.read_bytes()
        if len(body) <= MAX_FILE:
            flags = rng.randrange(16) << 4
            write("framing", f"sse_{path.parent.name}_{path.stem}.txt", header(flags, rng) + body)
            n += 1
    ollama = (
        b'{"model":"qwen3:8b","created_at":"2026-03-02T10:15:01Z","message":{"role":"assistant","content":"Hel"},'
        b'"done":false}\n'
        b'{"model":"qwen3:8b","created_at":"2026-03-02T10:15:01Z","message":{"role":"assistant","content":"lo"},'
        b'"done":false}\r\n\n   \n'
        b'{"model":"qwen3:8b","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop"}'
    )
    extra = {
        "ndjson_ollama.txt": (0x31, ollama),
        "ndjson_small_limit.txt": (0x23, ollama),
        "ndjson_bom_invalid.txt": (0x11, b'\xef\xbb\xbf{"a":1}\n\xff\xfe\n{"b":"\xc3\xa9"}'),
        "sse_fields.txt": (
            0x20,
            b': comment\r\nevent: delta\r\nid: 7\r\nretry: 1500\r\ndata: {"a":\r\ndata:  1}\r\n\r\n'
            b"data\n\nid\nevent:\ndata: [DONE]\n\n",
        ),
        "sse_cr_only.txt": (0x10, b"data: one\rdata: two\r\rretry: 99999999999999999999999\rdata: x"),
        "sse_bom_nul.txt": (0x40, b"\xef\xbb\xbfid: a\x00b\ndata: \xf0\x9f\x98\x80\n\n"),
        "sse_small_limit.txt": (0x02, b"data: 0123456789012345678901234567890123456789\n\n"),
        "sse_unterminated.txt": (0x50, b'event: end\ndata: {"done": true}'),
    }
    for name, (flags, body) in extra.items():
        write("framing", name, header(flags, rng) + body)
        n += 1
    return n


def repair_corpus(shared: Path) -> int:
    """Lenient repairs: the json_repair cases not already in the corpus and BAML's (Apache-2.0)
    schema-free cases, with their own seed so the files above stay as they were."""
    rng = random.Random("repair")
    n = 0
    cases = json.loads((shared / "conformance/lenient/json_repair.json").read_text())
    bodies = [c["input"] for i, c in enumerate(cases) if i % 5]
    bodies += [c["input"] for c in json.loads((shared / "conformance/lenient/baml.json").read_text())]
    for i, body in enumerate(bodies):
        data = body.encode()
        if len(data) > MAX_FILE:
            continue
        # lenient, string deltas on or off, chunks of any size, bytes or str
        flags = (rng.randrange(16) << 4) | rng.choice((0x01, 0x03, 0x09, 0x0B))
        write("split_invariance", f"lenient_repair_{i:03}.txt", header(flags, rng) + data)
        n += 1
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=HERE.parent.parent.parent / "shared")
    args = parser.parse_args()
    rng = random.Random(5)
    for target in ("split_invariance", "framing"):
        shutil.rmtree(HERE / "corpus" / target, ignore_errors=True)
        (HERE / "corpus" / target).mkdir(parents=True)
    n = parser_corpus(args.shared, rng)
    m = framing_corpus(args.shared, rng)
    n += repair_corpus(args.shared)
    size = sum(f.stat().st_size for f in (HERE / "corpus").rglob("*") if f.is_file())
    sys.stdout.write(f"split_invariance: {n} files, framing: {m} files, {size / 1024:.0f} KiB\n")


if __name__ == "__main__":
    main()
