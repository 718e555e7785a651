"""OpenAI Responses API as the mock serves it: `POST /v1/responses`.

Stream (as api.openai.com sends it, `event:` and `data:` on every event, a growing
`sequence_number`, no `[DONE]`): `response.created`, `response.in_progress`; a `reasoning`
item with one summary part when the script has reasoning; a `message` item with the answer's
`response.output_text.delta` pieces and their `*.done` events; one `function_call` item per
tool call (`call_id` = the scripted id, arguments in pieces); `response.completed` with the
whole `output` and `usage`. The in-band error is an `error` event then `response.failed`.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, ClassVar

from . import Script, WireFormat, prompt_tokens, typed_event
from .openai_chat import OpenAIChatWire

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["OpenAIResponsesWire"]


class OpenAIResponsesWire(WireFormat):
    name: ClassVar[str] = "openai-responses"

    def matches(self, method: str, path: str) -> bool:
        return method == "POST" and path.rstrip("/") in ("/v1/responses", "/responses")

    def _response(
        self, script: Script, body: Mapping[str, Any], status: str, output: list[Any], usage: Any
    ) -> dict[str, Any]:
        return {
            "id": "resp_mock",
            "object": "response",
            "created_at": int(time.time()),
            "status": status,
            "error": None,
            "incomplete_details": None,
            "model": str(body.get("model") or "mock-model"),
            "output": output,
            "usage": usage,
        }

    def _usage(self, script: Script, body: Mapping[str, Any]) -> dict[str, Any]:
        prompt = prompt_tokens(body)
        output = script.output_tokens
        return {
            "input_tokens": prompt,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": output,
            "output_tokens_details": {"reasoning_tokens": len(script.reasoning_pieces)},
            "total_tokens": prompt + output,
        }

    def _items(self, script: Script) -> list[dict[str, Any]]:
        """The final output items (as `response.completed.output` lists them)."""
        items: list[dict[str, Any]] = []
        if script.reasoning:
            items.append(
                {
                    "id": "rs_mock",
                    "type": "reasoning",
                    "encrypted_content": "gAAAA-mock-encrypted-reasoning",
                    "summary": [{"type": "summary_text", "text": script.reasoning}],
                }
            )
        if script.answer or not script.tool_calls:
            items.append(
                {
                    "id": "msg_mock",
                    "type": "message",
                    "status": "completed",
                    "role": "assistant",
                    "content": [{"type": "output_text", "annotations": [], "logprobs": [], "text": script.answer}],
                }
            )
        for n, call in enumerate(script.tool_calls):
            items.append(
                {
                    "id": f"fc_mock{n:04d}",
                    "type": "function_call",
                    "status": "completed",
                    "arguments": call.arguments,
                    "call_id": call.id,
                    "name": call.name,
                }
            )
        return items

    def stream_frames(self, script: Script, body: Mapping[str, Any], path: str = "") -> list[bytes]:
        seq = iter(range(1_000_000))
        frames: list[bytes] = []

        def emit(kind: str, **fields: Any) -> None:
            frames.append(typed_event({"type": kind, "sequence_number": next(seq), **fields}))

        started = self._response(script, body, "in_progress", [], None)
        emit("response.created", response=started)
        emit("response.in_progress", response=started)
        final = self._items(script)
        pieces = iter(script.argument_pieces)
        for index, item in enumerate(final):
            kind = item["type"]
            if kind == "reasoning":
                emit("response.output_item.added", output_index=index, item={**item, "summary": []})
                part = {"type": "summary_text", "text": ""}
                emit(
                    "response.reasoning_summary_part.added",
                    item_id=item["id"],
                    output_index=index,
                    summary_index=0,
                    part=part,
                )
                for piece in script.reasoning_pieces:
                    emit(
                        "response.reasoning_summary_text.delta",
                        item_id=item["id"],
                        output_index=index,
                        summary_index=0,
                        delta=piece,
                    )
                text = script.reasoning or ""
                ids = {"item_id": item["id"], "output_index": index, "summary_index": 0}
                emit("response.reasoning_summary_text.done", **ids, text=text)
                emit("response.reasoning_summary_part.done", **ids, part={"type": "summary_text", "text": text})
            elif kind == "message":
                emit(
                    "response.output_item.added",
                    output_index=index,
                    item={**item, "status": "in_progress", "content": []},
                )
                ids = {"item_id": item["id"], "output_index": index, "content_index": 0}
                emit("response.content_part.added", **ids, part={"type": "output_text", "annotations": [], "text": ""})
                for piece in script.answer_pieces:
                    emit("response.output_text.delta", **ids, delta=piece, logprobs=[])
                emit("response.output_text.done", **ids, text=script.answer, logprobs=[])
                emit("response.content_part.done", **ids, part=item["content"][0])
            else:
                emit(
                    "response.output_item.added",
                    output_index=index,
                    item={**item, "status": "in_progress", "arguments": ""},
                )
                for piece in next(pieces, ()):
                    emit("response.function_call_arguments.delta", item_id=item["id"], output_index=index, delta=piece)
                emit(
                    "response.function_call_arguments.done",
                    item_id=item["id"],
                    output_index=index,
                    arguments=item["arguments"],
                )
            emit("response.output_item.done", output_index=index, item=item)
        emit("response.completed", response=self._response(script, body, "completed", final, self._usage(script, body)))
        return frames

    def complete_body(self, script: Script, body: Mapping[str, Any], path: str = "") -> dict[str, Any]:
        return self._response(script, body, "completed", self._items(script), self._usage(script, body))

    def error_body(self, status: int, message: str) -> dict[str, Any]:
        return OpenAIChatWire().error_body(status, message)

    def inband_error_frame(self, message: str) -> bytes:
        error = {"type": "error", "sequence_number": 9999, "code": "server_error", "message": message, "param": None}
        failed: dict[str, Any] = {
            "type": "response.failed",
            "sequence_number": 10000,
            "response": {
                "id": "resp_mock",
                "object": "response",
                "status": "failed",
                "error": {"code": "server_error", "message": message},
                "output": [],
                "usage": None,
            },
        }
        return typed_event(error) + typed_event(failed)

    def malformed_frame(self) -> bytes:
        return b'event: response.output_text.delta\ndata: {"type": "response.output_text.delta", "delta": "oops"\n\n'
