"""Wire formats of the mock server: one module per provider API, one small interface.

A wire format renders a `Script` (the scripted answer, cut into token-sized pieces) as the
frames its API streams, plus its error bodies and a non-streaming reply. The server owns HTTP,
timing and faults; it asks the format for bytes. Serving another API (`/v1/responses`,
`/v1/messages`, `/api/chat`, `/v1beta/models/{model}:streamGenerateContent`) is one module
with a `WireFormat` subclass, added to `WIRE_FORMATS`:

| module             | path                                                  | framing             |
|--------------------|-------------------------------------------------------|---------------------|
| `openai_chat`      | `/v1/chat/completions`                                | SSE `data:`, [DONE] |
| `openai_responses` | `/v1/responses`                                       | SSE `event:`+`data:`|
| `anthropic`        | `/v1/messages`                                        | SSE `event:`+`data:`|
| `ollama`           | `/api/chat`                                           | NDJSON              |
| `gemini`           | `/v1beta/models/{model}:streamGenerateContent?alt=sse` | SSE `data:`, CRLF   |

(Gemini also answers `:generateContent`, and `:streamGenerateContent` without `alt=sse` with
one JSON array, as the real endpoint does.)
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = [
    "WIRE_FORMATS",
    "Script",
    "ToolCallScript",
    "WireFormat",
    "arguments_value",
    "dumps",
    "find_wire_format",
    "prompt_tokens",
    "split_tokens",
    "typed_event",
]


def split_tokens(text: str, sizes: tuple[int, int], rng: random.Random) -> list[str]:
    """Cut `text` into pieces of `sizes[0]..sizes[1]` characters (never empty pieces)."""
    low, high = max(1, sizes[0]), max(1, sizes[0], sizes[1])
    pieces: list[str] = []
    i = 0
    while i < len(text):
        n = rng.randint(low, high)
        pieces.append(text[i : i + n])
        i += n
    return pieces


@dataclass(frozen=True)
class ToolCallScript:
    """One scripted tool call; `arguments` is the exact JSON text streamed."""

    name: str
    arguments: str
    id: str


@dataclass(frozen=True)
class Script:
    """What the mock model answers, already cut into pieces (deterministic for a seed)."""

    answer: str
    reasoning: str | None
    tool_calls: tuple[ToolCallScript, ...]
    answer_pieces: tuple[str, ...]
    reasoning_pieces: tuple[str, ...]
    argument_pieces: tuple[tuple[str, ...], ...]
    extra: Mapping[str, Any] = field(default_factory=dict[str, Any])

    @classmethod
    def build(
        cls,
        answer: str,
        reasoning: str | None,
        tool_calls: Sequence[Mapping[str, Any]] | None,
        sizes: tuple[int, int],
        seed: int,
    ) -> Script:
        rng = random.Random(seed)
        calls: list[ToolCallScript] = []
        for n, call in enumerate(tool_calls or ()):
            args: Any = call.get("arguments", "{}")
            text = args if isinstance(args, str) else json.dumps(args, ensure_ascii=False)  # as a model writes it
            calls.append(ToolCallScript(str(call["name"]), text, str(call.get("id") or f"call_mock{n:04d}")))
        return cls(
            answer=answer,
            reasoning=reasoning,
            tool_calls=tuple(calls),
            answer_pieces=tuple(split_tokens(answer, sizes, rng)),
            reasoning_pieces=tuple(split_tokens(reasoning or "", sizes, rng)),
            argument_pieces=tuple(tuple(split_tokens(c.arguments, sizes, rng)) for c in calls),
        )

    @property
    def output_tokens(self) -> int:
        return len(self.answer_pieces) + len(self.reasoning_pieces) + sum(len(p) for p in self.argument_pieces)


class WireFormat:
    """The interface of one provider API as the mock serves it."""

    name: ClassVar[str] = ""
    content_type: ClassVar[str] = "text/event-stream"

    def matches(self, method: str, path: str) -> bool:
        raise NotImplementedError

    def is_streaming(self, path: str, body: Mapping[str, Any]) -> bool:
        """Whether the request (`path` with its query) asks for a stream."""
        return bool(body.get("stream"))

    def stream_frames(self, script: Script, body: Mapping[str, Any], path: str = "") -> list[bytes]:
        """Every frame of a successful stream, terminal marker included; faults count these."""
        raise NotImplementedError

    def complete_body(self, script: Script, body: Mapping[str, Any], path: str = "") -> Any:
        """The non-streaming reply (a JSON value)."""
        raise NotImplementedError

    def error_body(self, status: int, message: str) -> dict[str, Any]:
        """The JSON body of an HTTP error."""
        raise NotImplementedError

    def inband_error_frame(self, message: str) -> bytes:
        """An error inside a 200 stream."""
        raise NotImplementedError

    def malformed_frame(self) -> bytes:
        """A frame whose payload is not valid JSON."""
        return b'data: {"choices": [{"delta": {"content": "oops"\n\n'


def dumps(value: Any) -> str:
    """Compact JSON, as the providers send it (no spaces, non-ASCII text kept)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def typed_event(payload: Mapping[str, Any]) -> bytes:
    """An SSE event named by its payload's `type` (Anthropic Messages, OpenAI Responses)."""
    return f"event: {payload['type']}\ndata: {dumps(payload)}\n\n".encode()


def prompt_tokens(body: Mapping[str, Any]) -> int:
    """A made-up but stable prompt token count: a quarter of the request body's JSON length."""
    return max(1, len(json.dumps(body, separators=(",", ":"))) // 4)


def arguments_value(call: ToolCallScript) -> Any:
    """A scripted call's arguments as a JSON value (for the APIs that send an object)."""
    from ..._core import loads

    try:
        return loads(call.arguments) if call.arguments.strip() else {}
    except ValueError:
        return {}


def _registry() -> list[WireFormat]:
    from .anthropic import AnthropicWire
    from .gemini import GeminiWire
    from .ollama import OllamaWire
    from .openai_chat import OpenAIChatWire
    from .openai_responses import OpenAIResponsesWire

    return [OpenAIChatWire(), OpenAIResponsesWire(), AnthropicWire(), OllamaWire(), GeminiWire()]


WIRE_FORMATS: list[WireFormat] = _registry()


def find_wire_format(method: str, path: str) -> WireFormat | None:
    """The wire format serving `path`, or None (the server answers 404)."""
    for wire in WIRE_FORMATS:
        if wire.matches(method, path):
            return wire
    return None
