"""Ollama's native chat API as the mock serves it: `POST /api/chat` (NDJSON).

Streams unless the body says `"stream": false`. One compact JSON object per line: thinking
pieces in `message.thinking` (content `""`), answer pieces in `message.content`, each tool
call whole in its own object (`arguments` an object, `function.index` counting up, `id`
`call_...`), then the final object with `"done": true`, `done_reason` `"stop"` (also when tools
were called, as Ollama does) and the metrics (`prompt_eval_count`, `eval_count`, durations in
nanoseconds). The in-band error is an `{"error": "..."}` line, with no `done` object after it.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar

from . import Script, WireFormat, arguments_value, dumps, prompt_tokens

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["OllamaWire"]


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class OllamaWire(WireFormat):
    name: ClassVar[str] = "ollama"
    content_type: ClassVar[str] = "application/x-ndjson"

    def matches(self, method: str, path: str) -> bool:
        return method == "POST" and path.rstrip("/") == "/api/chat"

    def is_streaming(self, path: str, body: Mapping[str, Any]) -> bool:
        return body.get("stream", True) is not False

    def _calls(self, script: Script) -> list[dict[str, Any]]:
        return [
            {"id": c.id, "function": {"index": n, "name": c.name, "arguments": arguments_value(c)}}
            for n, c in enumerate(script.tool_calls)
        ]

    def _final(self, script: Script, body: Mapping[str, Any], message: dict[str, Any]) -> dict[str, Any]:
        return {
            "model": str(body.get("model") or "mock-model"),
            "created_at": _now(),
            "message": message,
            "done": True,
            "done_reason": "stop",
            "total_duration": 4883583458,
            "load_duration": 1334875,
            "prompt_eval_count": prompt_tokens(body),
            "prompt_eval_duration": 342546000,
            "eval_count": script.output_tokens,
            "eval_duration": 4535599000,
        }

    def stream_frames(self, script: Script, body: Mapping[str, Any], path: str = "") -> list[bytes]:
        model = str(body.get("model") or "mock-model")
        stamp = _now()

        def line(message: Mapping[str, Any]) -> bytes:
            obj = {"model": model, "created_at": stamp, "message": {"role": "assistant", **message}, "done": False}
            return (dumps(obj) + "\n").encode()

        frames = [line({"content": "", "thinking": piece}) for piece in script.reasoning_pieces]
        frames.extend(line({"content": piece}) for piece in script.answer_pieces)
        frames.extend(line({"content": "", "tool_calls": [call]}) for call in self._calls(script))
        final = self._final(script, body, {"role": "assistant", "content": ""})
        frames.append((dumps(final) + "\n").encode())
        return frames

    def complete_body(self, script: Script, body: Mapping[str, Any], path: str = "") -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": script.answer}
        if script.reasoning:
            message["thinking"] = script.reasoning
        if script.tool_calls:
            message["tool_calls"] = self._calls(script)
        return self._final(script, body, message)

    def error_body(self, status: int, message: str) -> dict[str, Any]:
        return {"error": message}

    def inband_error_frame(self, message: str) -> bytes:
        return (dumps({"error": message}) + "\n").encode()

    def malformed_frame(self) -> bytes:
        return b'{"model":"mock-model","message":{"role":"assistant","content":"oops"\n'
