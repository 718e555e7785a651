"""OpenAI Chat Completions as the mock serves it: `POST /v1/chat/completions`.

Stream (as api.openai.com sends it): a role chunk, reasoning pieces in
`delta.reasoning_content` (the DeepSeek/xAI spelling, when the script has reasoning), content
pieces, tool-call fragments (id, type and name on the first fragment of each index, then
argument pieces), a finish chunk with an empty delta, a `choices: []` usage chunk when
`stream_options.include_usage` is set, and `data: [DONE]`.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, ClassVar

from . import Script, WireFormat, dumps

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["OpenAIChatWire"]

_ERRORS: dict[int, tuple[str, str | None]] = {
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("invalid_request_error", "unsupported_country_region_territory"),
    404: ("invalid_request_error", "model_not_found"),
    429: ("requests", "rate_limit_exceeded"),
    500: ("server_error", None),
    503: ("server_error", "overloaded"),
}


class OpenAIChatWire(WireFormat):
    name: ClassVar[str] = "openai-chat"

    def matches(self, method: str, path: str) -> bool:
        return method == "POST" and path.rstrip("/") in ("/v1/chat/completions", "/chat/completions")

    def stream_frames(self, script: Script, body: Mapping[str, Any], path: str = "") -> list[bytes]:
        model = str(body.get("model") or "mock-model")
        head = dumps(
            {"id": "chatcmpl-mock", "object": "chat.completion.chunk", "created": int(time.time()), "model": model}
        )[:-1]
        # Each content frame is head + choices; the token text is the only part encoded per piece.
        pre = ("data: " + head + ',"choices":[{"index":0,"delta":{"content":').encode()
        pre_reasoning = ("data: " + head + ',"choices":[{"index":0,"delta":{"reasoning_content":').encode()
        post = b'},"logprobs":null,"finish_reason":null}]}\n\n'
        frames: list[bytes] = []

        def chunk(delta: Mapping[str, Any], finish: str | None = None, **extra: Any) -> bytes:
            choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
            return ("data: " + head + "," + dumps({"choices": [choice], **extra})[1:] + "\n\n").encode()

        frames.append(chunk({"role": "assistant", "content": ""}))
        frames.extend(pre_reasoning + dumps(piece).encode() + post for piece in script.reasoning_pieces)
        frames.extend(pre + dumps(piece).encode() + post for piece in script.answer_pieces)
        for index, (call, pieces) in enumerate(zip(script.tool_calls, script.argument_pieces, strict=False)):
            first = {
                "index": index,
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": ""},
            }
            frames.append(chunk({"tool_calls": [first]}))
            frames.extend(
                chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]}) for piece in pieces
            )
        frames.append(chunk({}, "tool_calls" if script.tool_calls else "stop"))
        options: Any = body.get("stream_options")
        if isinstance(options, dict) and options.get("include_usage"):  # pyright: ignore[reportUnknownMemberType]
            frames.append(
                ("data: " + head + ',"choices":[],"usage":' + dumps(self._usage(script, body)) + "}\n\n").encode()
            )
        frames.append(b"data: [DONE]\n\n")
        return frames

    def _usage(self, script: Script, body: Mapping[str, Any]) -> dict[str, Any]:
        prompt = max(1, len(dumps(body.get("messages", []))) // 4)
        completion = script.output_tokens
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "completion_tokens_details": {"reasoning_tokens": len(script.reasoning_pieces)},
        }

    def complete_body(self, script: Script, body: Mapping[str, Any], path: str = "") -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": script.answer}
        if script.reasoning:
            message["reasoning_content"] = script.reasoning
        if script.tool_calls:
            message["tool_calls"] = [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                for c in script.tool_calls
            ]
        return {
            "id": "chatcmpl-mock",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": str(body.get("model") or "mock-model"),
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "logprobs": None,
                    "finish_reason": "tool_calls" if script.tool_calls else "stop",
                }
            ],
            "usage": self._usage(script, body),
        }

    def error_body(self, status: int, message: str) -> dict[str, Any]:
        kind, code = _ERRORS.get(status, ("server_error", None))
        return {"error": {"message": message, "type": kind, "param": None, "code": code}}

    def inband_error_frame(self, message: str) -> bytes:
        error = {"error": {"message": message, "type": "server_error", "param": None, "code": "overloaded"}}
        return ("data: " + dumps(error) + "\n\n").encode()
