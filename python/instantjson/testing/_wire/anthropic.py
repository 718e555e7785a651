"""Anthropic Messages as the mock serves it: `POST /v1/messages`.

Stream (as api.anthropic.com sends it, `event:` + `data:`): `message_start` (with the initial
usage), a `ping`, then one content block per part of the script: a `thinking` block (deltas,
then one `signature_delta`) when it has reasoning, a `text` block with the answer pieces, one
`tool_use` block per tool call (an empty first `input_json_delta`, then the argument pieces),
`message_delta` (stop_reason `end_turn` or `tool_use`, cumulative usage) and `message_stop`.
The in-band error is `event: error` with an `overloaded_error`, after which the server ends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from . import Script, WireFormat, arguments_value, prompt_tokens, typed_event

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["MOCK_SIGNATURE", "AnthropicWire"]

MOCK_SIGNATURE = "EqQBCkYIBxgCKkBmockSignatureForTests=="

_ERRORS: dict[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


class AnthropicWire(WireFormat):
    name: ClassVar[str] = "anthropic"

    def matches(self, method: str, path: str) -> bool:
        return method == "POST" and path.rstrip("/") in ("/v1/messages", "/messages")

    def _usage(self, script: Script, body: Mapping[str, Any], output: int) -> dict[str, Any]:
        return {
            "input_tokens": prompt_tokens(body),
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": output,
        }

    def _message(
        self, script: Script, body: Mapping[str, Any], content: list[Any], stop: str | None, output: int
    ) -> dict[str, Any]:
        return {
            "id": "msg_mock",
            "type": "message",
            "role": "assistant",
            "model": str(body.get("model") or "mock-model"),
            "content": content,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": self._usage(script, body, output),
        }

    def stream_frames(self, script: Script, body: Mapping[str, Any], path: str = "") -> list[bytes]:
        frames = [typed_event({"type": "message_start", "message": self._message(script, body, [], None, 1)})]
        frames.append(typed_event({"type": "ping"}))
        index = 0

        def block(start: Mapping[str, Any], deltas: list[dict[str, Any]]) -> None:
            nonlocal index
            frames.append(typed_event({"type": "content_block_start", "index": index, "content_block": start}))
            frames.extend(typed_event({"type": "content_block_delta", "index": index, "delta": d}) for d in deltas)
            frames.append(typed_event({"type": "content_block_stop", "index": index}))
            index += 1

        if script.reasoning:
            deltas = [{"type": "thinking_delta", "thinking": p} for p in script.reasoning_pieces]
            deltas.append({"type": "signature_delta", "signature": MOCK_SIGNATURE})
            block({"type": "thinking", "thinking": "", "signature": ""}, deltas)
        if script.answer or not script.tool_calls:
            block({"type": "text", "text": ""}, [{"type": "text_delta", "text": p} for p in script.answer_pieces])
        for call, pieces in zip(script.tool_calls, script.argument_pieces, strict=False):
            deltas = [{"type": "input_json_delta", "partial_json": p} for p in ("", *pieces)]
            block({"type": "tool_use", "id": call.id, "name": call.name, "input": {}}, deltas)
        stop = "tool_use" if script.tool_calls else "end_turn"
        frames.append(
            typed_event(
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": stop, "stop_sequence": None},
                    "usage": self._usage(script, body, script.output_tokens),
                }
            )
        )
        frames.append(typed_event({"type": "message_stop"}))
        return frames

    def complete_body(self, script: Script, body: Mapping[str, Any], path: str = "") -> dict[str, Any]:
        content: list[dict[str, Any]] = []
        if script.reasoning:
            content.append({"type": "thinking", "thinking": script.reasoning, "signature": MOCK_SIGNATURE})
        if script.answer or not script.tool_calls:
            content.append({"type": "text", "text": script.answer})
        content.extend(
            {"type": "tool_use", "id": c.id, "name": c.name, "input": arguments_value(c)} for c in script.tool_calls
        )
        stop = "tool_use" if script.tool_calls else "end_turn"
        return self._message(script, body, content, stop, script.output_tokens)

    def error_body(self, status: int, message: str) -> dict[str, Any]:
        kind = _ERRORS.get(status, "api_error")
        return {"type": "error", "error": {"type": kind, "message": message}, "request_id": "req_mock"}

    def inband_error_frame(self, message: str) -> bytes:
        payload = {
            "type": "error",
            "error": {"details": None, "type": "overloaded_error", "message": message},
            "request_id": "req_mock",
        }
        return typed_event(payload)

    def malformed_frame(self) -> bytes:
        return (
            b"event: content_block_delta\n"
            b'data: {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "oops"\n\n'
        )
