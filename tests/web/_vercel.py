"""The Vercel AI SDK's UI Message Stream v1, transcribed for tests from its own definition in
vercel/ai, `packages/ai/src/ui-message-stream/`:

* `ui-message-chunks.ts`: `uiMessageChunkSchema`, a union of zod objects, one per part `type`. Until
  `ai@5.0.216` they were `z.strictObject`s (an unknown field fails the whole stream), so the
  table below is strict: the fields common to `ai@5.0.92` (the first release whose `finish` part
  has `finishReason`) and the 6.x / 7.x releases, and the finish reasons they all accept (7.x
  dropped `unknown`).
* `ui-message-stream-headers.ts`: `UI_MESSAGE_STREAM_HEADERS`.
* `json-to-sse-transform-stream.ts`: each part is `data: ${JSON.stringify(part)}\\n\\n`, and the
  stream ends with `data: [DONE]\\n\\n`.
* `packages/ai/src/ui/process-ui-message-stream.ts`: how `useChat` folds the parts into a UI
  message; `fold_ui_message()` follows it for the parts this library sends, and raises where
  the SDK would fail (a delta for a part that is not open).
"""

from __future__ import annotations

import json
from typing import Any, Final

__all__ = ["HEADERS", "check_order", "fold_ui_message", "read_ui_stream", "validate_chunk"]

HEADERS: Final[dict[str, str]] = {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    "connection": "keep-alive",
    "x-vercel-ai-ui-message-stream": "v1",
    "x-accel-buffering": "no",
}

FINISH_REASONS: Final = frozenset({"stop", "length", "content-filter", "tool-calls", "error", "other"})

_STR, _BOOL, _ANY, _META, _REASON = "string", "boolean", "unknown", "providerMetadata", "finishReason"
# type -> (required fields, optional fields), each field -> its kind
SCHEMA: Final[dict[str, tuple[dict[str, str], dict[str, str]]]] = {
    "text-start": ({"id": _STR}, {"providerMetadata": _META}),
    "text-delta": ({"id": _STR, "delta": _STR}, {"providerMetadata": _META}),
    "text-end": ({"id": _STR}, {"providerMetadata": _META}),
    "error": ({"errorText": _STR}, {}),
    "tool-input-start": ({"toolCallId": _STR, "toolName": _STR}, {"providerExecuted": _BOOL, "dynamic": _BOOL}),
    "tool-input-delta": ({"toolCallId": _STR, "inputTextDelta": _STR}, {}),
    "tool-input-available": (
        {"toolCallId": _STR, "toolName": _STR, "input": _ANY},
        {"providerExecuted": _BOOL, "providerMetadata": _META, "dynamic": _BOOL},
    ),
    "tool-input-error": (
        {"toolCallId": _STR, "toolName": _STR, "input": _ANY, "errorText": _STR},
        {"providerExecuted": _BOOL, "providerMetadata": _META, "dynamic": _BOOL},
    ),
    "tool-output-available": (
        {"toolCallId": _STR, "output": _ANY},
        {"providerExecuted": _BOOL, "dynamic": _BOOL, "preliminary": _BOOL},
    ),
    "tool-output-error": ({"toolCallId": _STR, "errorText": _STR}, {"providerExecuted": _BOOL, "dynamic": _BOOL}),
    "reasoning-start": ({"id": _STR}, {"providerMetadata": _META}),
    "reasoning-delta": ({"id": _STR, "delta": _STR}, {"providerMetadata": _META}),
    "reasoning-end": ({"id": _STR}, {"providerMetadata": _META}),
    "source-url": ({"sourceId": _STR, "url": _STR}, {"title": _STR, "providerMetadata": _META}),
    "source-document": (
        {"sourceId": _STR, "mediaType": _STR, "title": _STR},
        {"filename": _STR, "providerMetadata": _META},
    ),
    "file": ({"url": _STR, "mediaType": _STR}, {"providerMetadata": _META}),
    "data-*": ({"data": _ANY}, {"id": _STR, "transient": _BOOL}),
    "start-step": ({}, {}),
    "finish-step": ({}, {}),
    "start": ({}, {"messageId": _STR, "messageMetadata": _ANY}),
    "finish": ({}, {"finishReason": _REASON, "messageMetadata": _ANY}),
    "abort": ({}, {}),
    "message-metadata": ({"messageMetadata": _ANY}, {}),
}


def _check_kind(kind: str, value: Any, where: str) -> None:
    if kind == _STR:
        assert isinstance(value, str), f"{where}: not a string: {value!r}"
    elif kind == _BOOL:
        assert isinstance(value, bool), f"{where}: not a boolean: {value!r}"
    elif kind == _META:
        assert isinstance(value, dict) and all(isinstance(v, dict) for v in value.values()), where
    elif kind == _REASON:
        assert value in FINISH_REASONS, f"{where}: not a finish reason of the SDK: {value!r}"


def validate_chunk(chunk: Any) -> None:
    """Assert that one decoded part matches `uiMessageChunkSchema` (strictly)."""
    assert isinstance(chunk, dict), f"a part is a JSON object: {chunk!r}"
    kind = chunk.get("type")
    assert isinstance(kind, str), f"a part has a string type: {chunk!r}"
    key = "data-*" if kind.startswith("data-") else kind
    assert key in SCHEMA, f"unknown part type {kind!r}"
    required, optional = SCHEMA[key]
    for name, field_kind in required.items():
        assert name in chunk, f"{kind}: missing {name!r}: {chunk!r}"
        _check_kind(field_kind, chunk[name], f"{kind}.{name}")
    for name, value in chunk.items():
        if name == "type" or name in required:
            continue
        assert name in optional, f"{kind}: unknown field {name!r} (the SDK's strict schema rejects it)"
        _check_kind(optional[name], value, f"{kind}.{name}")


def read_ui_stream(body: str) -> list[dict[str, Any]]:
    """The parts of a UI message stream body, checked for the SSE framing of
    `JsonToSseTransformStream` (comment lines such as pings allowed, as eventsource-parser skips
    them) and `[DONE]` last; every part validated."""
    assert body.endswith("data: [DONE]\n\n"), f"the stream ends with [DONE]: {body[-60:]!r}"
    blocks = body.split("\n\n")
    assert blocks[-1] == ""
    chunks: list[dict[str, Any]] = []
    for n, block in enumerate(blocks[:-1]):
        lines = [line for line in block.split("\n") if not line.startswith(":")]
        if not lines:
            continue
        assert len(lines) == 1 and lines[0].startswith("data: "), f"one data line per part: {block!r}"
        data = lines[0][len("data: ") :]
        if data == "[DONE]":
            assert n == len(blocks) - 2, "[DONE] is the last message"
            continue
        chunk = json.loads(data)
        validate_chunk(chunk)
        chunks.append(chunk)
    return chunks


def check_order(chunks: list[dict[str, Any]]) -> None:
    """The order rules the SDK relies on: `start` first, `start-step` before any content, a
    text or reasoning delta only between its start and end (ids never reused), every part ended
    before `finish-step`, tool input deltas between the call's start and its available/error
    part (once per call), exactly one `finish`, last."""
    types = [c["type"] for c in chunks]
    assert types[0] == "start", types[:3]
    assert types.count("finish") == 1 and types[-1] == "finish", types[-3:]
    assert types[-2] == "finish-step"
    open_parts: dict[str, str] = {}
    used: set[str] = set()
    calls: dict[str, str] = {}
    in_step = False
    for chunk in chunks[1:-1]:
        kind = chunk["type"]
        if kind == "start-step":
            assert not in_step, "steps do not nest"
            in_step = True
            continue
        if kind == "finish-step":
            assert in_step and not open_parts, f"parts still open at finish-step: {open_parts}"
            in_step = False
            continue
        assert in_step or kind == "error", f"{kind} outside a step"
        for family in ("text", "reasoning"):
            if kind == f"{family}-start":
                assert chunk["id"] not in used, f"{family} id reused: {chunk['id']}"
                used.add(chunk["id"])
                open_parts[chunk["id"]] = family
            elif kind in (f"{family}-delta", f"{family}-end"):
                assert open_parts.get(chunk["id"]) == family, f"{kind} for a {family} part that is not open"
                if kind.endswith("-end"):
                    del open_parts[chunk["id"]]
        if kind == "tool-input-start":
            assert chunk["toolCallId"] not in calls, "one tool-input-start per call"
            calls[chunk["toolCallId"]] = "streaming"
        elif kind == "tool-input-delta":
            assert calls.get(chunk["toolCallId"]) == "streaming", "tool-input-delta after start, before available"
        elif kind in ("tool-input-available", "tool-input-error"):
            assert calls.get(chunk["toolCallId"]) == "streaming", f"{kind} once, after its start"
            calls[chunk["toolCallId"]] = "available"
    assert not in_step


def _partial(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def fold_ui_message(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    """Fold the parts into a UI message the way `processUIMessageStream` does."""
    message: dict[str, Any] = {"id": None, "role": "assistant", "metadata": None, "parts": []}
    parts: list[dict[str, Any]] = message["parts"]
    active_text: dict[str, dict[str, Any]] = {}
    active_reasoning: dict[str, dict[str, Any]] = {}
    partial_calls: dict[str, dict[str, Any]] = {}
    result: dict[str, Any] = {"message": message, "finishReason": None, "errors": []}

    def tool_part(call_id: str) -> dict[str, Any]:
        return next(p for p in reversed(parts) if p.get("toolCallId") == call_id)

    def merge_metadata(metadata: Any) -> None:
        if metadata is not None:
            current = message["metadata"]
            message["metadata"] = {**current, **metadata} if isinstance(current, dict) else metadata

    for chunk in chunks:
        kind = chunk["type"]
        if kind in ("text-start", "reasoning-start"):
            family = kind.split("-")[0]
            part: dict[str, Any] = {"type": family, "text": "", "state": "streaming"}
            (active_text if family == "text" else active_reasoning)[chunk["id"]] = part
            parts.append(part)
        elif kind in ("text-delta", "reasoning-delta"):
            (active_text if kind == "text-delta" else active_reasoning)[chunk["id"]]["text"] += chunk["delta"]
        elif kind in ("text-end", "reasoning-end"):
            active = active_text if kind == "text-end" else active_reasoning
            active.pop(chunk["id"])["state"] = "done"
        elif kind == "tool-input-start":
            partial_calls[chunk["toolCallId"]] = {"text": "", "toolName": chunk["toolName"]}
            parts.append(
                {
                    "type": f"tool-{chunk['toolName']}",
                    "toolCallId": chunk["toolCallId"],
                    "state": "input-streaming",
                    "input": None,
                }
            )
        elif kind == "tool-input-delta":
            call = partial_calls[chunk["toolCallId"]]
            call["text"] += chunk["inputTextDelta"]
            tool_part(chunk["toolCallId"])["input"] = _partial(call["text"])
        elif kind == "tool-input-available":
            part = tool_part(chunk["toolCallId"])
            part.update(state="input-available", input=chunk["input"])
        elif kind == "tool-input-error":
            part = tool_part(chunk["toolCallId"])
            part.update(state="output-error", input=None, rawInput=chunk["input"], errorText=chunk["errorText"])
        elif kind == "start-step":
            parts.append({"type": "step-start"})
        elif kind == "finish-step":
            active_text.clear()
            active_reasoning.clear()
        elif kind == "start":
            if chunk.get("messageId") is not None:
                message["id"] = chunk["messageId"]
            merge_metadata(chunk.get("messageMetadata"))
        elif kind == "finish":
            if chunk.get("finishReason") is not None:
                result["finishReason"] = chunk["finishReason"]
            merge_metadata(chunk.get("messageMetadata"))
        elif kind == "message-metadata":
            merge_metadata(chunk["messageMetadata"])
        elif kind == "error":
            result["errors"].append(chunk["errorText"])
        elif kind.startswith("data-"):
            if chunk.get("transient"):
                continue
            existing = None
            if chunk.get("id") is not None:
                existing = next((p for p in parts if p["type"] == kind and p.get("id") == chunk["id"]), None)
            if existing is not None:
                existing["data"] = chunk["data"]
            else:
                parts.append(dict(chunk))
    return result
