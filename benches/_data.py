"""Benchmark workloads, built deterministically (seeded random) in memory.

A realistic model answer:
`{"title", "summary", "steps": [{"step", "owner", "eta_days", "notes"}...], "risks": [...],
"confidence": 0.82, "sources": [...]}` with accents, CJK, emoji and escapes (`\\n`, `\\"`, `\\u00e9`),
grown to about 1 KB, 10 KB, 100 KB and 1 MB of UTF-8, and cut like a token stream into chunks
of 1 to 8 characters (mean about 4). The 1 MB answer is also cut into 64-byte and 64 KB chunks
of its UTF-8 bytes (which may split a character).
"""

from __future__ import annotations

import functools
import itertools
import json
import random
from dataclasses import dataclass

SIZES = {"1KB": 1_000, "10KB": 10_000, "100KB": 100_000, "1MB": 1_000_000}

_WORDS = (
    "plan rollout measure latency cost budget team review ship iterate metrics baseline "
    "café naïve façade résumé über Zoë 東京 北京 数据 模型 🚀 📈 ✅ 😀 "
    "the of and to in for with on by from"
).split()
_OWNERS = ["Zoë Martín", "José Álvarez", "李雷", "Ana María", "Björn Øster", "O'Brien", "Ngozi Okafor", "田中 太郎"]
_WEIGHTS_1_TO_8 = [1, 2, 3, 3, 3, 2, 1, 1]  # token lengths 1..8 characters, mean 4.25


def _sentence(rng: random.Random, lo: int, hi: int) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(lo, hi))]
    s = " ".join(words)
    r = rng.random()
    if r < 0.15:
        s += '\n- "quoted" item'
    elif r < 0.25:
        s += " \\ path C:\\tmp"
    return s.capitalize() + "."


def _step(rng: random.Random, i: int) -> dict[str, object]:
    return {
        "step": f"{i + 1}. " + _sentence(rng, 6, 20),
        "owner": rng.choice(_OWNERS),
        "eta_days": rng.randint(1, 120),
        "notes": _sentence(rng, 0, 12),
    }


@functools.cache
def answer_text(size: str) -> str:
    """The answer JSON text for a size name, about SIZES[size] bytes of UTF-8 (within a step)."""
    target = SIZES[size]
    rng = random.Random(f"instantjson-bench-{size}")
    doc: dict[str, object] = {
        "title": "Growth plan for Q3 — café expansion 🚀",
        "summary": " ".join(_sentence(rng, 8, 20) for _ in range(3)),
        "steps": [],
        "risks": [_sentence(rng, 3, 8) for _ in range(3)],
        "confidence": 0.82,
        "sources": [{"url": "https://example.com/a?x=1&y=é", "score": 0.5}],
    }
    steps = doc["steps"]
    assert isinstance(steps, list)

    def render() -> str:
        # ensure_ascii=False keeps raw UTF-8 text; a few explicit \u escapes as models also write
        return json.dumps(doc, ensure_ascii=False, indent=1).replace("é", "\\u00e9", 3)

    # grow quickly, then by single steps
    while len(render().encode()) < target:
        n = max(1, (target - len(render().encode())) // 400)
        steps.extend(_step(rng, len(steps) + k) for k in range(n))
    while len(steps) > 1 and len(render().encode()) > target * 1.05:
        steps.pop()
    text = render()
    json.loads(text)
    return text


def cut_tokens(text: str, seed: str) -> tuple[str, ...]:
    """`text` cut into 1-8 character str chunks (mean about 4), like a model's token stream; the
    same cut for the same `seed`."""
    rng = random.Random(seed)
    # Every length is drawn first (`choices` with weights takes one draw per pick, so these are
    # the lengths one call per chunk would give), then the chunks are sliced one after another:
    # they lie in memory in order, as the bytes peers' chunks (encoded in one pass) do. Drawing
    # between two slices leaves the draw's objects between them, and a peer that reads
    # scattered chunks pays cache misses that its rival, reading packed ones, does not.
    lengths = rng.choices(range(1, 9), _WEIGHTS_1_TO_8, k=len(text))
    starts = [0, *itertools.takewhile(lambda i: i < len(text), itertools.accumulate(lengths))]
    return tuple(text[i : i + n] for i, n in zip(starts, lengths, strict=False))


@functools.cache
def token_chunks(size: str) -> tuple[str, ...]:
    """The answer cut into token-sized str chunks (`cut_tokens`)."""
    return cut_tokens(answer_text(size), f"chunks-{size}")


@functools.cache
def byte_chunks(size: str, chunk: int) -> tuple[bytes, ...]:
    data = answer_text(size).encode("utf-8")
    return tuple(data[i : i + chunk] for i in range(0, len(data), chunk))


@functools.cache
def long_string_chunks(n_chars: int = 1_000_000, chunk: int = 4) -> tuple[str, ...]:
    """`{"text": "<one 1 MB string>"}` in `chunk`-character pieces."""
    rng = random.Random("long-string")
    parts = []
    total = 0
    while total < n_chars:
        w = rng.choice(_WORDS) + " "
        parts.append(w)
        total += len(w)
    body = json.dumps("".join(parts)[:n_chars], ensure_ascii=False)
    text = '{"text": ' + body + "}"
    return tuple(text[i : i + chunk] for i in range(0, len(text), chunk))


@dataclass(frozen=True)
class Workload:
    name: str  # the benchmark group
    text: str
    chunks: tuple[str, ...] | tuple[bytes, ...]

    @property
    def nbytes(self) -> int:
        return len(self.text.encode("utf-8"))

    @property
    def byte_chunks(self) -> tuple[bytes, ...]:
        """The same chunks as bytes (for peers that take bytes)."""
        return tuple(c if isinstance(c, bytes) else c.encode("utf-8") for c in self.chunks)


def workloads() -> list[Workload]:
    out = [Workload(f"tokens-{s}", answer_text(s), token_chunks(s)) for s in SIZES]
    out.append(Workload("bytes64-1MB", answer_text("1MB"), byte_chunks("1MB", 64)))
    out.append(Workload("bytes64K-1MB", answer_text("1MB"), byte_chunks("1MB", 65536)))
    return out


if __name__ == "__main__":  # pragma: no cover - a quick look at the data
    for w in workloads():
        lens = [len(c) for c in w.chunks]
        print(f"{w.name:14} {w.nbytes:>9} bytes {len(w.chunks):>7} chunks, mean {sum(lens) / len(lens):.2f}")  # noqa: T201
