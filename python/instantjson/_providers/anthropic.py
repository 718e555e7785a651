"""Anthropic Messages (`POST {base_url}/v1/messages`, `"stream": true`).

`Anthropic` sends `x-api-key` (default `$ANTHROPIC_API_KEY`) and `anthropic-version`, the
system prompt in the top-level `system` field, and `max_tokens` (required by the API; 4096
unless `options` sets it). The Messages API has no JSON-Schema output field in its stable
version, so an output spec goes into the system prompt only.

`AnthropicAdapter` maps the SSE events (`data.type` is used, so payloads from the official SDK
work too; the SDK's helper events `text`, `thinking`, `input_json`, ... are ignored, their raw
twins carry the same data):

* `content_block_delta`: `text_delta` -> `delta`; `thinking_delta` -> `reasoning_delta`
  (empty ones dropped); `signature_delta` -> `extra {"signature", "index"}`;
  `input_json_delta` -> `tool_calls` fragments of the block's call (merge key: the block
  `index`); `citations_delta` -> `extra {"citation"}`. `redacted_thinking` blocks ->
  `extra {"redacted_thinking": data}`.
* `tool_use` input: `content_block_start.input` is `{}` when the input streams as
  `input_json_delta`; a call made from code execution (programmatic tool calling) arrives with
  it filled and a `caller`: the input is then the call's arguments (compact JSON) and the
  `caller` stays on the call in `original_done["tool_calls"]`.
* Server tools (`server_tool_use`, `mcp_tool_use`) stream their input the same way; they are not
  the client's calls: at their `content_block_stop` they go to `extra {"server_tool_use": block}`.
  Result blocks (`*_tool_result`, ...), `compaction` blocks (their `compaction_delta` content
  and `encrypted_content` assembled) and `fallback` blocks (a model fallback happened) go whole
  to `extra {"content_block": block}` when they close, and stay in `content_blocks`.
* Thinking signatures and redacted thinking are kept in `original_done["content_blocks"]`, the
  assembled native content blocks, ready to be sent back on the next turn.
* Usage: `message_start.message.usage`, then each `message_delta.usage` overwrites the keys it
  carries (the counts are cumulative: never added). Normalized: `input_tokens = input_tokens +
  cache_creation_input_tokens + cache_read_input_tokens` (Anthropic's `input_tokens` excludes
  the cache), `cached_input_tokens = cache_read_input_tokens`, `reasoning_tokens =
  output_tokens_details.thinking_tokens` when present.
* `stop_reason`: end_turn / stop_sequence / pause_turn -> stop, max_tokens /
  model_context_window_exceeded -> length, tool_use -> tool_calls, refusal -> content_filter.
  The other fields of `message_delta.delta` (`stop_details` of a refusal, the matched
  `stop_sequence`, the code-execution `container` to reuse) go to `extra {name: value}`.
* A `tool_use` block still open at the end (`max_tokens` cut it mid-JSON) is marked
  `incomplete` in `original_done` (and listed in `extra {"incomplete_tool_calls"}`); its
  arguments are what arrived, never repaired.
* `message_start`: a message that arrives whole in it (content filled, stop_reason set, then
  `message_stop`) is replayed as its blocks. The same id again (a proxy repeating it) only
  refreshes the usage; a *different* id while a message is open is an error
  (`ProviderStreamError`, code `spliced_message`): two answers spliced into one stream cannot
  be told apart, and what was streamed of the first (text, half a tool call) cannot be taken
  back, so starting over silently would be wrong.
* `event: error` ends the stream with `ProviderStreamError` (code: the error type, e.g.
  `overloaded_error`); a body that ends without `message_stop` ends it with
  `StreamIncompleteError`. `ping` is ignored; an unknown event, block type or delta type
  becomes `extra {"unknown"}` with one `UnknownPayloadWarning` per response.
* A non-streaming reply (a `message` object) is read as a whole stream.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, ClassVar, Final, Literal

from .._exceptions import ProviderStreamError
from .._request import RequestSpec
from ._base import (
    Prompt,
    ProviderAdapter,
    ProviderModel,
    ToolCall,
    compact_json,
    normalize_usage_counts,
    system_text,
)
from ._payload import Obj, as_int, as_list, as_obj, as_str, objs, text_of

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from .._parts import Item

__all__ = ["Anthropic", "AnthropicAdapter", "normalize_anthropic_usage"]

ANTHROPIC_VERSION: Final = "2023-06-01"
DEFAULT_MAX_TOKENS: Final = 4096

_FINISH: Final[dict[str, str]] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}


def normalize_anthropic_usage(usage: Mapping[str, Any]) -> dict[str, int | None]:
    """Normalize a (merged) Anthropic usage object (see the module docstring)."""
    base = as_int(usage.get("input_tokens"))
    created = as_int(usage.get("cache_creation_input_tokens"))
    read = as_int(usage.get("cache_read_input_tokens"))
    counts = [n for n in (base, created, read) if n is not None]
    input_tokens = sum(counts) if counts else None
    output = as_int(usage.get("output_tokens"))
    details = as_obj(usage.get("output_tokens_details")) or {}
    reasoning = as_int(details.get("thinking_tokens"))
    return normalize_usage_counts(input_tokens, output, None, reasoning, read)


_SDK_HELPER_EVENTS: Final = ("text", "thinking", "input_json", "citation", "signature", "compaction")
"""Events the official SDK adds beside the raw ones (their raw twins carry the same data)."""
_SERVER_BLOCKS: Final = ("server_tool_use", "mcp_tool_use")
"""Tool calls the server runs itself: their input streams like a tool's, but they are not the
client's tool calls; they go to `extra {"server_tool_use": block}` when they close."""
_KNOWN_EXTRA_BLOCKS: Final = ("_tool_result", "container_upload", "compaction", "fallback")
"""Block type endings kept whole as `extra {"content_block": block}` (server tool results, ...)."""


class _Block:
    __slots__ = ("call", "closed", "data", "parts", "signature", "type")

    def __init__(self, kind: str, data: dict[str, Any]) -> None:
        self.type = kind
        self.data = data
        self.parts: list[str] = []
        self.signature: str | None = None
        self.call: ToolCall | None = None
        self.closed = False


class AnthropicAdapter(ProviderAdapter):
    """Anthropic Messages events -> normalized items (see the module docstring)."""

    provider: ClassVar[str] = "anthropic"

    def __init__(self) -> None:
        super().__init__()
        self._blocks: dict[object, _Block] = {}
        self._order: list[_Block] = []
        self._usage_raw: dict[str, Any] = {}

    def feed(self, event: str | None, payload: Mapping[str, Any]) -> list[Item]:
        if self.ended:
            return []
        items: list[Item] = [("original_delta", payload)]
        kind = payload.get("type") or event
        if kind == "content_block_delta":
            self._on_delta(payload, items)
        elif kind == "content_block_start":
            self._on_start(payload, items)
        elif kind == "content_block_stop":
            self._on_stop(payload.get("index"), items)
        elif kind == "message_delta":
            delta = as_obj(payload.get("delta")) or {}
            if delta.get("stop_reason"):
                self.meta["raw_finish_reason"] = delta["stop_reason"]
            for key, value in delta.items():  # stop_details (why a refusal), stop_sequence, container, ...
                if key != "stop_reason" and value is not None:
                    items.append(("extra", {key: value}))
            self._merge_usage(payload.get("usage"))
        elif kind == "message_start":
            message = as_obj(payload.get("message"))
            if message is not None:
                return items + self._on_message_start(message, items)
        elif kind == "message_stop":
            self.terminated = True
            return items + self.finish()
        elif kind == "error" or (kind is None and payload.get("error")):
            error = payload.get("error")
            found = as_obj(error) or ({"message": error} if isinstance(error, str) else {})
            return items + self.stream_error(found.get("message"), found.get("type"), dict(payload))
        elif kind == "message":
            self._on_whole_message(payload, items)
            return items + self.finish()
        elif kind not in ("ping", None) and not str(kind).startswith(_SDK_HELPER_EVENTS):
            self._unknown(f"event {kind}", dict(payload), items)
        return items

    def _on_message_start(self, message: Obj, items: list[Item]) -> list[Item]:
        """A message opens. The same id again (a proxy repeating it) only refreshes the usage. A
        different id while this message is open is a second message spliced into the first: an
        error, because what was streamed already (text, a half tool call) cannot be taken back
        and the two answers cannot be told apart. A message that arrives whole (content filled,
        stop_reason set) is replayed as its blocks."""
        new_id = as_str(message.get("id"))
        old_id = self.meta["id"]
        if old_id is not None and new_id is not None and new_id != old_id:
            error = ProviderStreamError(
                f"a second message ({new_id}) started while {old_id} was still open: the stream "
                "splices two answers (a proxy retried mid-stream?); what arrived before stays available",
                code="spliced_message",
                provider=self.provider,
                body={"type": "message_start", "message": dict(message)},
            )
            return self.fail(error)
        if old_id is None and new_id is not None:
            self.meta["id"] = new_id
        if self.meta["model"] is None and message.get("model"):
            self.meta["model"] = message["model"]
        self._merge_usage(message.get("usage"))
        if old_id is None and (as_list(message.get("content")) or message.get("stop_reason")):
            self._replay_blocks(message, items)
        return []

    def _merge_usage(self, usage: object) -> None:
        found = as_obj(usage)
        if found is not None:
            self._usage_raw.update({k: v for k, v in found.items() if v is not None})
            self.raw_usage = self._usage_raw

    def _on_start(self, payload: Obj, items: list[Item]) -> None:
        content = as_obj(payload.get("content_block"))
        if content is None:
            return
        data: dict[str, Any] = dict(content)
        kind = str(data.get("type"))
        block = _Block(kind, data)
        self._blocks[payload.get("index", len(self._order))] = block
        self._order.append(block)
        if kind == "text":
            self._add(block, data.get("text"), items, self._text)
        elif kind == "thinking":
            self._add(block, data.get("thinking"), items, self._reasoning)
            signature = as_str(data.get("signature"))
            if signature is not None:
                block.signature = signature
        elif kind == "redacted_thinking":
            items.append(("extra", {"redacted_thinking": data.get("data")}))
        elif kind == "tool_use":
            # `input` is `{}` when the input streams as input_json_delta; a call made from code
            # execution (programmatic tool calling, with a `caller`) arrives with it filled.
            given = as_obj(data.get("input"))
            block.call = self._open_call(data.get("id"), data.get("name"), items, compact_json(given) if given else "")
            caller = data.get("caller")
            if caller is not None:
                block.call.extra["caller"] = caller
        elif kind in _SERVER_BLOCKS:
            given = as_obj(data.get("input"))
            if given:
                block.parts.append(compact_json(given))
        elif kind.endswith(_KNOWN_EXTRA_BLOCKS):
            pass  # whole at start: sent as an extra when it closes
        else:
            self._unknown(f"content block type {kind!r}", data, items)

    def _on_stop(self, index: object, items: list[Item]) -> None:
        block = self._blocks.get(index)
        if block is None or block.closed:
            return
        block.closed = True
        if block.call is not None:
            block.call.closed = True
        elif block.type in _SERVER_BLOCKS:
            data = dict(block.data)
            data["input"] = _parsed_or_text("".join(block.parts)) if block.parts else data.get("input", {})
            items.append(("extra", {"server_tool_use": data}))
        elif block.type.endswith(_KNOWN_EXTRA_BLOCKS):
            items.append(("extra", {"content_block": block.data}))

    def _add(self, block: _Block, text: object, items: list[Item], sink: Callable[[object, list[Item]], None]) -> None:
        if isinstance(text, str) and text:
            block.parts.append(text)
            sink(text, items)

    def _on_delta(self, payload: Obj, items: list[Item]) -> None:
        block = self._blocks.get(payload.get("index"))
        delta = as_obj(payload.get("delta"))
        if block is None or delta is None:
            return
        kind = delta.get("type")
        if kind == "text_delta":
            self._add(block, delta.get("text"), items, self._text)
        elif kind == "thinking_delta":
            self._add(block, delta.get("thinking"), items, self._reasoning)
        elif kind == "signature_delta":
            signature = as_str(delta.get("signature"))
            if signature is not None:
                block.signature = (block.signature or "") + signature
                items.append(("extra", {"signature": signature, "index": payload.get("index")}))
        elif kind == "input_json_delta" and block.call is not None:
            self._call_args(block.call, delta.get("partial_json"), items)
        elif kind == "input_json_delta" and block.type in _SERVER_BLOCKS:
            block.parts.append(text_of(delta.get("partial_json")))
        elif kind == "compaction_delta" and block.type == "compaction":
            for key in ("content", "encrypted_content"):  # the summary that replaces earlier turns
                piece = delta.get(key)
                if isinstance(piece, str):
                    block.data[key] = text_of(block.data.get(key)) + piece
        elif kind == "citations_delta":
            citation = delta.get("citation")
            citations: list[Any] = block.data.setdefault("citations", [])
            citations.append(citation)
            items.append(("extra", {"citation": citation}))
        else:
            self._unknown(f"content_block_delta type {kind!r}", dict(delta), items)

    def _replay_blocks(self, message: Obj, items: list[Item]) -> None:
        """A message that arrived whole (a non-streaming reply, or a `message_start` that already
        holds its content): replay its content blocks as a stream."""
        for index, block in enumerate(objs(message.get("content"))):
            self._on_start({"index": index, "content_block": block}, items)
            self._on_stop(index, items)
        if message.get("stop_reason"):
            self.meta["raw_finish_reason"] = message["stop_reason"]

    def _on_whole_message(self, message: Obj, items: list[Item]) -> None:
        """A non-streaming reply: replay its content blocks as a stream."""
        self._on_message_start(message, items)
        self.terminated = True

    def _usage(self) -> dict[str, int | None] | None:
        return normalize_anthropic_usage(self._usage_raw)

    def _finish_reason(self) -> str | None:
        raw = self.meta["raw_finish_reason"]
        if not raw:
            return None
        return _FINISH.get(raw, "stop")

    def _incomplete_message(self) -> str:
        return "the stream ended without a stop_reason" if self.terminated else "the stream ended without message_stop"

    def _message(self) -> dict[str, Any]:
        message = super()._message()
        blocks: list[dict[str, Any]] = []
        for block in self._order:
            data = dict(block.data)
            if block.type == "text":
                data["text"] = "".join(block.parts)
            elif block.type == "thinking":
                data["thinking"] = "".join(block.parts)
                data["signature"] = block.signature or ""
            elif block.type == "tool_use" and block.call is not None:
                data["input"] = block.call.arguments or "{}"
                if not block.closed:
                    data["incomplete"] = True
            blocks.append(data)
        message["content_blocks"] = blocks
        return message


def _parsed_or_text(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        return text


class Anthropic(ProviderModel):
    """Anthropic's Messages API (`/v1/messages`).

    ```python
    model = Anthropic(model="claude-sonnet-4-5", options={"max_tokens": 2048})
    ```
    The API key defaults to `$ANTHROPIC_API_KEY`. `base_url` is the host root
    (`https://api.anthropic.com`; the mock server: `server.url`).
    """

    provider: ClassVar[str] = "anthropic"
    aliases: ClassVar[tuple[str, ...]] = ("claude", "anthropic-messages")
    framing: ClassVar[Literal["sse", "ndjson"]] = "sse"
    adapter_class: ClassVar[type[ProviderAdapter]] = AnthropicAdapter
    default_base_url: ClassVar[str] = "https://api.anthropic.com"
    api_key_env: ClassVar[str | None] = "ANTHROPIC_API_KEY"
    endpoint_paths: ClassVar[tuple[str, ...]] = ("/v1/messages",)

    def uses_native_structured(self) -> bool:
        return False  # no stable JSON-Schema output field: the instruction goes into `system`

    def build_request(self, prompt: Prompt) -> RequestSpec:
        messages: list[Mapping[str, Any]] = list(prompt.messages)
        if prompt.input is not None:
            messages.append({"role": "user", "content": prompt.input})
        body: dict[str, Any] = {
            "model": self.model,
            "max_tokens": DEFAULT_MAX_TOKENS,
            "messages": messages,
            "stream": True,
        }
        system = system_text(prompt)
        if system:
            body["system"] = system
        body.update(self.options)
        headers = {
            "Content-Type": "application/json",
            "Accept": "text/event-stream",
            "anthropic-version": ANTHROPIC_VERSION,
            **self.headers,
        }
        key = self._api_key()
        if key:
            headers["x-api-key"] = key
        return RequestSpec("POST", f"{self.base_url}/v1/messages", headers, body, secrets=self._secrets())
