"""Gemini as the mock serves it: `POST /v1beta/models/{model}:streamGenerateContent?alt=sse`.

Stream (`data:` only, events separated by CRLF as the native endpoint may do, no terminator:
the body just ends): thought-summary pieces as `{"text", "thought": true}` parts, answer
pieces as text parts (the first one carries a `thoughtSignature` after thinking), each tool
call whole as a `functionCall` part with `args` as an object (no id; the first call carries a
`thoughtSignature`), then a last chunk with an empty text part and `finishReason: "STOP"`.
Every chunk has a running `usageMetadata`. Without `alt=sse` the endpoint answers one JSON
array of the same chunks; `:generateContent` answers one response. The in-band error is a
`data: {"error": {"code", "message", "status"}}` segment.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar

from . import Script, WireFormat, arguments_value, dumps, prompt_tokens

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["MOCK_THOUGHT_SIGNATURE", "GeminiWire"]

MOCK_THOUGHT_SIGNATURE = "CiMBmockThoughtSignatureForTests=="
_PATH = re.compile(r"^/(?:v1|v1beta|v1alpha)/models/([^/:]+):(streamGenerateContent|generateContent)$")
_STATUS: dict[int, str] = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


class GeminiWire(WireFormat):
    name: ClassVar[str] = "gemini"

    def matches(self, method: str, path: str) -> bool:
        return method == "POST" and _PATH.match(path.rstrip("/")) is not None

    def is_streaming(self, path: str, body: Mapping[str, Any]) -> bool:
        route, _, query = path.partition("?")
        return route.endswith(":streamGenerateContent") and "alt=sse" in query.split("&")

    def _model(self, path: str) -> str:
        match = _PATH.match(path.split("?")[0].rstrip("/"))
        return match.group(1) if match else "mock-model"

    def _chunks(self, script: Script, body: Mapping[str, Any], path: str) -> list[dict[str, Any]]:
        prompt = prompt_tokens(body)
        model = self._model(path)
        counts = {"candidates": 0, "thoughts": 0}

        def chunk(parts: list[dict[str, Any]], finish: str | None = None) -> dict[str, Any]:
            candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"}, "index": 0}
            if finish:
                candidate["finishReason"] = finish
            usage: dict[str, Any] = {
                "promptTokenCount": prompt,
                "candidatesTokenCount": counts["candidates"],
                "totalTokenCount": prompt + counts["candidates"] + counts["thoughts"],
            }
            if counts["thoughts"]:
                usage["thoughtsTokenCount"] = counts["thoughts"]
            return {
                "candidates": [candidate],
                "usageMetadata": usage,
                "modelVersion": model,
                "responseId": "mock-response-id",
            }

        out: list[dict[str, Any]] = []
        for piece in script.reasoning_pieces:
            counts["thoughts"] += 1
            out.append(chunk([{"text": piece, "thought": True}]))
        signature = bool(script.reasoning)
        for piece in script.answer_pieces:
            counts["candidates"] += 1
            part: dict[str, Any] = {"text": piece}
            if signature:
                part["thoughtSignature"] = MOCK_THOUGHT_SIGNATURE
                signature = False
            out.append(chunk([part]))
        for call, pieces in zip(script.tool_calls, script.argument_pieces, strict=False):
            counts["candidates"] += len(pieces)
            part = {"functionCall": {"name": call.name, "args": arguments_value(call)}}
            if signature or (call is script.tool_calls[0] and not script.answer):
                part["thoughtSignature"] = MOCK_THOUGHT_SIGNATURE
                signature = False
            out.append(chunk([part]))
        out.append(chunk([{"text": ""}], "STOP"))
        return out

    def stream_frames(self, script: Script, body: Mapping[str, Any], path: str = "") -> list[bytes]:
        return [("data: " + dumps(c) + "\r\n\r\n").encode() for c in self._chunks(script, body, path)]

    def complete_body(self, script: Script, body: Mapping[str, Any], path: str = "") -> Any:
        chunks = self._chunks(script, body, path)
        if path.split("?")[0].endswith(":streamGenerateContent"):
            return chunks  # the JSON-array stream of the endpoint without alt=sse
        parts: list[dict[str, Any]] = []
        if script.reasoning:
            parts.append({"text": script.reasoning, "thought": True})
        if script.answer:
            parts.append({"text": script.answer})
        parts.extend({"functionCall": {"name": c.name, "args": arguments_value(c)}} for c in script.tool_calls)
        last = chunks[-1]
        last["candidates"][0]["content"]["parts"] = parts
        return last

    def error_body(self, status: int, message: str) -> dict[str, Any]:
        return {"error": {"code": status, "message": message, "status": _STATUS.get(status, "UNKNOWN")}}

    def inband_error_frame(self, message: str) -> bytes:
        return ("data: " + dumps(self.error_body(503, message)) + "\r\n\r\n").encode()

    def malformed_frame(self) -> bytes:
        return b'data: {"candidates": [{"content": {"parts": [{"text": "oops"}\r\n\r\n'
