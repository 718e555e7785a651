"""The recorded-stream corpus: every stream in ../shared/recorded-streams that a provider of ours
reads, as the bytes of one HTTP response.

Sources (licenses and where each source's own expectations live: recorded-streams/LICENSES.md):
* `openai-python/*.sse`, `anthropic-sdk-python/*.sse`: raw SSE bodies, used as they are.
* `vercel-ai/<package>/*.chunks.txt`: one JSON payload per line. vercel/ai's tests frame each line
  as `data: <line>\\n\\n`; here each line gets its provider's documented framing (`event: <type>`
  for Anthropic and the Responses API, `data: [DONE]` after a Chat Completions stream). Files that
  hold several HTTP responses in a row (multi-step tests: a payload after a terminal
  `message_stop`, `response.completed`, ...) are cut into one stream per response (`#1`, `#2`).

The provider is read from the payloads (a `chat.completion.chunk`, an Anthropic `message_start`,
a Gemini `candidates`/`usageMetadata` chunk, a `response.*` event). Under `CI=true` a missing
corpus fails the tests instead of skipping them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("INSTANTJSON_SHARED") or REPO.parent / "shared")
"""The shared data: beside the repo (as CI clones it), or where `$INSTANTJSON_SHARED` says."""
CORPUS = SHARED / "recorded-streams"

_RESPONSES_END = ("response.completed", "response.incomplete", "response.failed")


@dataclass(frozen=True)
class Stream:
    """One HTTP response of the corpus."""

    id: str
    provider: str
    body: bytes


def require_corpus() -> Path:
    """The corpus folder; skipped when absent, a failure under CI=true."""
    if not (CORPUS / "LICENSES.md").is_file():
        message = f"shared recorded streams missing: expected beside the repo at {CORPUS}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return CORPUS


def _provider_of(payload: dict[str, Any]) -> str | None:
    kind = payload.get("type")
    if payload.get("object") == "chat.completion.chunk" or "choices" in payload:
        return "openai"
    if isinstance(kind, str) and (kind.startswith("response.") or kind == "error" and "sequence_number" in payload):
        return "openai-responses"
    if kind in ("message_start", "content_block_start", "ping", "message_delta", "message_stop"):
        return "anthropic"
    if "candidates" in payload or "usageMetadata" in payload or "promptFeedback" in payload:
        return "gemini"
    return None


def _frame(provider: str, payload_line: str, payload: dict[str, Any]) -> bytes:
    if provider in ("anthropic", "openai-responses"):
        return f"event: {payload.get('type')}\ndata: {payload_line}\n\n".encode()
    return f"data: {payload_line}\n\n".encode()


def _ends_response(provider: str, payload: dict[str, Any]) -> bool:
    kind = payload.get("type")
    return (provider == "anthropic" and kind == "message_stop") or (
        provider == "openai-responses" and kind in _RESPONSES_END
    )


def _chunk_file_streams(path: Path, ident: str) -> list[Stream]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    payloads = [(line, json.loads(line)) for line in lines]
    provider = next((p for p in (_provider_of(d) for _, d in payloads) if p is not None), None)
    if provider is None:
        return []
    responses: list[list[bytes]] = [[]]
    for line, payload in payloads:
        if not responses[-1] and provider == "anthropic" and payload.get("type") == "ping":
            continue  # a keep-alive between two responses belongs to neither
        responses[-1].append(_frame(provider, line, payload))
        if _ends_response(provider, payload):
            responses.append([])
    if not responses[-1]:
        responses.pop()
    if provider == "openai":
        responses[-1].append(b"data: [DONE]\n\n")
    if len(responses) == 1:
        return [Stream(ident, provider, b"".join(responses[0]))]
    return [Stream(f"{ident}#{n + 1}", provider, b"".join(body)) for n, body in enumerate(responses)]


def corpus_streams() -> list[Stream]:
    """Every stream of the corpus that a provider of ours reads (empty when the corpus is absent)."""
    if not CORPUS.is_dir():
        return []
    streams = [
        Stream(f"{folder}/{path.stem}", provider, path.read_bytes())
        for folder, provider in (("openai-python", "openai"), ("anthropic-sdk-python", "anthropic"))
        for path in sorted((CORPUS / folder).glob("*.sse"))
    ]
    for path in sorted((CORPUS / "vercel-ai").glob("*/*.chunks.txt")):
        ident = f"vercel-ai/{path.parent.name}/{path.name.removesuffix('.chunks.txt')}"
        streams.extend(_chunk_file_streams(path, ident))
    return streams
