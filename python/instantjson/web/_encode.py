"""The wire encodings of `stream_response()`: sans-IO, one encoder object per HTTP stream.

`InstantJSONEncoder` (protocol `"instantjson"`): one SSE event per normalized event,

```
event: delta
id: 17
data: "Gro"

event: instant
id: 18
data: {"path":"title","keys":["title"],"delta":"Gro"}

event: instant
id: 42
data: {"path":"steps[0]","keys":["steps",0],"value":{"step":"...","owner":"..."},"complete":true}
```

`data:` is one line of JSON: a string for `delta`, `reasoning_delta`, `done`, `reasoning_done`;
the fragment for `tool_calls`; the dict for `meta` and `extra`; for `instant`, the path, its keys
and either the new text (`delta`, so the wire stays linear in the answer) or the completed
value (`value`, `complete: true`); for `typed`, the path, the raw JSON value, `valid` and
`error`; for `error`, `{"type", "message"}` (plus `status_code`, `code`, `provider` for a
provider's error), never a traceback. The raw provider payloads (`original_delta`,
`original_done`) are not sent unless asked for: they are large, provider-specific, and the
browser has the normalized events. After the last event comes `event: end` (no id, `data: {}`):
the stream is complete, do not reconnect.

`VercelUIEncoder` (protocol `"vercel-ui"`): the Vercel AI SDK UI Message Stream v1 (`ai` >= 5.0.92,
whose `finish` part carries `finishReason`), as `packages/ai/src/ui-message-stream/` of vercel/ai
defines it: `start`, `start-step`, then `reasoning-*` / `text-*` parts as the text streams,
`tool-input-start` / `tool-input-delta` as tool calls stream and `tool-input-available` (or
`tool-input-error` when the arguments are not JSON) when the answer is done, completed
structured values as `data-instant` parts keyed by path, `error` with `errorText`,
`finish-step`, `finish` (with `finishReason` in the SDK's spelling and the meta as
`messageMetadata`), then `data: [DONE]`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

import httpx

from .._exceptions import InstantJSONError, ProviderError, ProviderStatusError, ProviderStreamError

__all__ = [
    "DEFAULT_EVENTS",
    "FINISH_REASONS",
    "InstantJSONEncoder",
    "TextEncoder",
    "VercelUIEncoder",
    "dumps",
    "error_info",
]

DEFAULT_EVENTS: Final[frozenset[str]] = frozenset(
    {
        "reasoning_delta",
        "delta",
        "tool_calls",
        "extra",
        "done",
        "reasoning_done",
        "meta",
        "error",
        "instant",
        "typed",
    }
)
"""The events protocol `"instantjson"` sends by default: all but the raw provider payloads."""

FINISH_REASONS: Final[dict[str, str]] = {
    "stop": "stop",
    "length": "length",
    "tool_calls": "tool-calls",
    "content_filter": "content-filter",
    "error": "error",
}
"""instantjson's normalized finish reasons -> the Vercel AI SDK's (anything else: `"other"`)."""

_PING: Final = b": ping\n\n"
_END: Final = b"event: end\ndata: {}\n\n"
_DONE: Final = b"data: [DONE]\n\n"
_GENERIC: Final = "the server failed while streaming this response (see the server's log)"


def _default(obj: Any) -> Any:
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)  # pyright: ignore[reportUnknownArgumentType]
    return str(obj)


def dumps(value: Any) -> str:
    """One line of compact JSON (non-ASCII text kept; unknown objects as their `str()`)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_default)


def error_info(exc: BaseException) -> dict[str, Any]:
    """What a client may see of an exception: its type and message, plus a provider error's
    `status_code`, `code` and `provider`. The library's own errors and httpx's transport errors
    carry messages written for users (API keys never appear in them); any other exception may
    hold anything, so only its type is sent, with a generic message."""
    info: dict[str, Any] = {"type": type(exc).__name__}
    if isinstance(exc, (InstantJSONError, httpx.HTTPError, TimeoutError)):
        info["message"] = str(exc) or type(exc).__name__
    else:
        info["message"] = _GENERIC
    if isinstance(exc, ProviderError):
        info["provider"] = exc.provider
    if isinstance(exc, ProviderStatusError):
        info["status_code"] = exc.status_code
    if isinstance(exc, ProviderStreamError):
        info["code"] = exc.code
    return info


def _instant(value: Any) -> dict[str, Any]:
    if value.delta is not None:
        return {"path": value.path, "keys": list(value.keys), "delta": value.delta}
    return {"path": value.path, "keys": list(value.keys), "value": value.value, "complete": True}


def _typed(value: Any) -> dict[str, Any]:
    """A typed event (`.path`, `.raw`, `.is_valid`, `.error`), read by attribute so that this module
    works with or without the typed-output feature."""
    error = getattr(value, "error", None)
    return {
        "path": getattr(value, "path", ""),
        "keys": list(getattr(value, "keys", ()) or ()),
        "value": getattr(value, "raw", None),
        "valid": bool(getattr(value, "is_valid", error is None)),
        "error": None if error is None else str(error),
    }


def _payload(event: str, value: Any) -> Any:
    if event == "instant":
        return _instant(value)
    if event == "typed":
        return _typed(value)
    if event == "error":
        return error_info(value)
    return value


class InstantJSONEncoder:
    """Protocol `"instantjson"` (see the module docs): `encode()` per event, `end()` once."""

    ping: Final = _PING

    def __init__(self, events: frozenset[str] = DEFAULT_EVENTS, cache: list[bytes | None] | None = None) -> None:
        self.events = events
        self.cache = cache
        """Frames by event id, shared by the streams of one response (a frame depends only on the
        event and its id): a response served to a thousand clients is encoded once."""

    def encode(self, id: int, event: str, value: Any) -> bytes | None:
        cache = self.cache
        if cache is not None and id < len(cache):
            return cache[id]
        frame = None
        if event in self.events:
            frame = f"event: {event}\nid: {id}\ndata: {dumps(_payload(event, value))}\n\n".encode()
        if cache is not None and id == len(cache):
            cache.append(frame)
        return frame

    def end(self) -> bytes:
        return _END


class TextEncoder:
    """Protocol `"text"`: the answer text alone, as it streams (a failed stream just ends)."""

    ping: Final = b""

    def encode(self, id: int, event: str, value: Any) -> bytes | None:
        return value.encode() if event == "delta" else None

    def end(self) -> bytes:
        return b""


@dataclass
class _ToolCall:
    id: str
    name: str
    arguments: str = ""


class VercelUIEncoder:
    """Protocol `"vercel-ui"` (see the module docs). `chunks()` gives the parts as dicts (for tests
    and for other transports); `encode()` / `end()` give the SSE bytes."""

    ping: Final = _PING

    def __init__(self) -> None:
        self._started = False
        self._text: str | None = None
        self._reasoning: str | None = None
        self._parts = 0
        self._calls: dict[int, _ToolCall] = {}
        self._calls_done = False
        self._finish: str | None = None
        self._metadata: dict[str, Any] | None = None
        self._failed = False

    # -------------------------------------------------------------- parts
    def _new_id(self, kind: str) -> str:
        self._parts += 1
        return f"{kind}-{self._parts}"

    def _close_text(self, out: list[dict[str, Any]]) -> None:
        if self._text is not None:
            out.append({"type": "text-end", "id": self._text})
            self._text = None

    def _close_reasoning(self, out: list[dict[str, Any]]) -> None:
        if self._reasoning is not None:
            out.append({"type": "reasoning-end", "id": self._reasoning})
            self._reasoning = None

    def _start(self, out: list[dict[str, Any]]) -> None:
        if not self._started:
            self._started = True
            out.append({"type": "start"})
            out.append({"type": "start-step"})

    def _finish_calls(self, out: list[dict[str, Any]]) -> None:
        if self._calls_done:
            return
        self._calls_done = True
        for call in self._calls.values():
            text = call.arguments.strip() or "{}"
            try:
                arguments = json.loads(text)
            except ValueError as exc:
                out.append(
                    {
                        "type": "tool-input-error",
                        "toolCallId": call.id,
                        "toolName": call.name,
                        "input": call.arguments,
                        "errorText": f"the tool call's arguments are not JSON: {exc}",
                    }
                )
                continue
            available = {"type": "tool-input-available", "toolCallId": call.id, "toolName": call.name}
            out.append({**available, "input": arguments})

    def chunks(self, event: str, value: Any) -> list[dict[str, Any]]:
        """The UI message chunks one normalized event becomes (often none)."""
        out: list[dict[str, Any]] = []
        self._start(out)
        if event == "delta":
            self._close_reasoning(out)
            if self._text is None:
                self._text = self._new_id("text")
                out.append({"type": "text-start", "id": self._text})
            out.append({"type": "text-delta", "id": self._text, "delta": value})
        elif event == "reasoning_delta":
            self._close_text(out)
            if self._reasoning is None:
                self._reasoning = self._new_id("reasoning")
                out.append({"type": "reasoning-start", "id": self._reasoning})
            out.append({"type": "reasoning-delta", "id": self._reasoning, "delta": value})
        elif event == "tool_calls":
            index = int(value.get("index") or 0)
            call = self._calls.get(index)
            if call is None:
                call = _ToolCall(str(value.get("id") or f"call-{index}"), str(value.get("name") or "unknown"))
                self._calls[index] = call
                out.append({"type": "tool-input-start", "toolCallId": call.id, "toolName": call.name})
            piece = value.get("arguments_delta") or ""
            if piece:
                call.arguments += piece
                out.append({"type": "tool-input-delta", "toolCallId": call.id, "inputTextDelta": piece})
        elif event == "instant":
            if value.delta is None and not value.path.startswith("$"):
                out.append(
                    {"type": "data-instant", "id": value.path, "data": {"path": value.path, "value": value.value}}
                )
        elif event == "typed":
            path = getattr(value, "path", "")
            data = {"path": path, "value": getattr(value, "raw", None), "valid": bool(getattr(value, "is_valid", True))}
            out.append({"type": "data-typed", "id": path, "data": data})
        elif event == "done":
            self._close_reasoning(out)
            self._close_text(out)
            self._finish_calls(out)
        elif event == "meta":
            reason = value.get("finish_reason")
            self._finish = FINISH_REASONS.get(reason, "other") if reason is not None else None
            self._metadata = {k: value.get(k) for k in ("id", "model", "finish_reason", "usage")}
        elif event == "error":
            self._failed = True
            self._close_reasoning(out)
            self._close_text(out)
            info = error_info(value)
            out.append({"type": "error", "errorText": f"{info['type']}: {info['message']}"})
        return out

    def final_chunks(self) -> list[dict[str, Any]]:
        """The chunks that close the message: open parts, `finish-step`, `finish`."""
        out: list[dict[str, Any]] = []
        self._start(out)
        self._close_reasoning(out)
        self._close_text(out)
        if not self._failed:
            self._finish_calls(out)
        out.append({"type": "finish-step"})
        reason = "error" if self._failed else self._finish or "other"
        finish: dict[str, Any] = {"type": "finish", "finishReason": reason}
        if self._metadata is not None:
            finish["messageMetadata"] = self._metadata
        out.append(finish)
        return out

    def encode(self, id: int, event: str, value: Any) -> bytes | None:
        chunks = self.chunks(event, value)
        if not chunks:
            return None
        return "".join(f"data: {dumps(c)}\n\n" for c in chunks).encode()

    def end(self) -> bytes:
        return "".join(f"data: {dumps(c)}\n\n" for c in self.final_chunks()).encode() + _DONE
