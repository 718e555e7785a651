"""OpenAI Responses API (`POST {base_url}/responses`, `"stream": true`).

`OpenAIResponses` sends the system prompt (and the output instruction) as `instructions`, the
input as one user message in `input`, and, with an output spec (`structured="auto"` or
`"native"`), `text.format = {"type": "json_schema", "name", "schema"}`. The key defaults to
`$OPENAI_API_KEY`.

`ResponsesAdapter` reads the event type from `data.type` (else the SSE `event:` name, for
servers that send only one of them) and maps:

* `response.output_text.delta` -> `delta`; `response.refusal.delta` -> `extra {"refusal"}`;
  `response.reasoning_summary_text.delta` and `response.reasoning_text.delta` ->
  `reasoning_delta`, separate summary parts joined with `"\\n\\n"`.
* Function calls: `response.output_item.added` (type `function_call`) opens a call whose id is
  the item's **`call_id`** (what `function_call_output` must echo, not the `fc_...` item id);
  `response.function_call_arguments.delta` adds fragments. Calls are keyed by `output_index`
  (GitHub Copilot's proxy rotates `item_id`). Other tool item types are ignored.
* The `*.done` events, `output_item.done` and `response.completed.output` are authoritative:
  text, summaries and arguments they hold beyond what the deltas brought are emitted as the
  missing deltas (never twice); a name is set once, never overwritten by an empty one.
  Reasoning items (with `encrypted_content`, needed to replay reasoning with `store=false`)
  go to `extra {"reasoning_item"}` and stay in `original_done["output"]`, the final
  `response.output`.
* Usage (terminal response only): `input_tokens`, `output_tokens`, `total_tokens`,
  `output_tokens_details.reasoning_tokens`, `input_tokens_details.cached_tokens`.
* Finish (the API has none, it is derived): `response.completed` -> stop, or tool_calls when
  a function call was emitted (raw `completed`); `response.incomplete` -> length for
  `max_output_tokens`, content_filter for `content_filter` (raw `incomplete:<reason>`).
* Errors: `response.failed` ends with `ProviderStreamError` from `response.error`
  `{code, message}` (raw finish `failed`); an `error` event (flat `{code, message}` or nested
  under `error`) is held until `response.failed` arrives, or raised at the end of the body.
  A body that ends without a terminal event is `StreamIncompleteError`.
* A non-streaming reply (a `response` object) is read like `response.completed`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Final, Literal

from .._request import RequestSpec
from ._base import Prompt, ProviderAdapter, ProviderModel, ToolCall, normalize_usage_counts, system_text
from ._payload import as_int, as_list, as_obj

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .._parts import Item

__all__ = ["OpenAIResponses", "ResponsesAdapter", "normalize_responses_usage"]

_INCOMPLETE: Final[dict[str, str]] = {"max_output_tokens": "length", "content_filter": "content_filter"}


def normalize_responses_usage(usage: Mapping[str, Any]) -> dict[str, int | None]:
    """Normalize a Responses `usage` object."""
    out_details = as_obj(usage.get("output_tokens_details")) or {}
    in_details = as_obj(usage.get("input_tokens_details")) or {}
    return normalize_usage_counts(
        as_int(usage.get("input_tokens")),
        as_int(usage.get("output_tokens")),
        as_int(usage.get("total_tokens")),
        as_int(out_details.get("reasoning_tokens")),
        as_int(in_details.get("cached_tokens")),
    )


class ResponsesAdapter(ProviderAdapter):
    """Responses API events -> normalized items (see the module docstring)."""

    provider: ClassVar[str] = "openai-responses"

    def __init__(self) -> None:
        super().__init__()
        self._texts: dict[tuple[Any, Any], str] = {}
        self._refusals: dict[tuple[Any, Any], str] = {}
        self._summaries: dict[tuple[Any, Any], str] = {}
        self._calls: dict[Any, ToolCall] = {}
        self._status: str | None = None
        self._output: Any = None
        self._pending_error: Mapping[str, Any] | None = None
        self._extras: set[object] = set()

    def feed(self, event: str | None, payload: Mapping[str, Any]) -> list[Item]:
        if self.ended:
            return []
        items: list[Item] = [("original_delta", payload)]
        kind: Any = payload.get("type") or event
        key = (payload.get("output_index"), payload.get("content_index"))
        if kind == "response.output_text.delta":
            self._grow(self._texts, key, payload.get("delta"), items, self._text)
        elif kind == "response.reasoning_summary_text.delta":
            self._grow(
                self._summaries,
                (payload.get("output_index"), payload.get("summary_index")),
                payload.get("delta"),
                items,
                self._reasoning,
            )
        elif kind == "response.reasoning_text.delta":
            self._grow(
                self._summaries,
                (payload.get("output_index"), ("text", payload.get("content_index"))),
                payload.get("delta"),
                items,
                self._reasoning,
            )
        elif kind == "response.function_call_arguments.delta":
            call = self._call_for(payload, items)
            if call is not None:
                self._call_args(call, payload.get("delta"), items)
        elif kind == "response.refusal.delta":
            self._grow(self._refusals, key, payload.get("delta"), items, self._refusal)
        elif kind == "response.output_item.added":
            self._on_item(payload.get("output_index"), payload.get("item"), items, done=False)
        elif kind == "response.output_item.done":
            self._on_item(payload.get("output_index"), payload.get("item"), items, done=True)
        elif kind == "response.output_text.done":
            self._grow(self._texts, key, payload.get("text"), items, self._text, whole=True)
        elif kind == "response.refusal.done":
            self._grow(self._refusals, key, payload.get("refusal"), items, self._refusal, whole=True)
        elif kind == "response.reasoning_summary_text.done":
            self._grow(
                self._summaries,
                (payload.get("output_index"), payload.get("summary_index")),
                payload.get("text"),
                items,
                self._reasoning,
                whole=True,
            )
        elif kind == "response.function_call_arguments.done":
            call = self._call_for(payload, items)
            if call is not None:
                self._call_args(call, None, items, payload.get("name"))
                self._reconcile_args(call, payload.get("arguments"), items)
        elif kind in ("response.created", "response.in_progress", "response.queued"):
            self._on_response(payload.get("response"))
        elif kind in ("response.completed", "response.incomplete", "response.failed"):
            return items + self._on_terminal(kind, payload.get("response"), items)
        elif kind == "error":
            self._pending_error = as_obj(payload.get("error")) or payload
        elif kind is None and payload.get("object") == "response":
            return items + self._on_terminal(None, payload, items)
        elif kind is None and payload.get("error"):
            return items + self._error_items(payload.get("error"), payload)
        return items

    # ---------------------------------------------------------------- text pieces
    def _grow(
        self,
        store: dict[tuple[Any, Any], str],
        key: tuple[Any, Any],
        text: Any,
        items: list[Item],
        sink: Any,
        *,
        whole: bool = False,
    ) -> None:
        """Append a delta to the piece at `key`; with `whole`, `text` is the full piece (emit the rest)."""
        if not isinstance(text, str) or not text:
            return
        have = store.get(key)
        if whole:
            if have is not None and (text == have or not text.startswith(have)):
                return
            text = text[len(have or "") :]
        if have is None and store is self._summaries and self.reasoning_parts:
            sink("\n\n", items)  # a new summary part: a new paragraph
        store[key] = (have or "") + text
        sink(text, items)

    # ---------------------------------------------------------------- items and calls
    def _call_for(self, payload: Mapping[str, Any], items: list[Item]) -> ToolCall | None:
        index = payload.get("output_index")
        call = self._calls.get(index)
        if call is None and index is None:
            item_id = payload.get("item_id")
            call = next((c for c in self.calls if c.extra.get("item_id") == item_id), None)
        return call

    def _on_item(self, index: object, raw_item: object, items: list[Item], *, done: bool) -> None:
        item = as_obj(raw_item)
        if item is None:
            return
        kind = item.get("type")
        if kind == "function_call":
            call = self._calls.get(index)
            if call is None:
                call = self._open_call(item.get("call_id") or item.get("id"), item.get("name"), items)
                if item.get("id"):
                    call.extra["item_id"] = item["id"]
                self._calls[index] = call
            else:
                self._call_args(call, None, items, item.get("name"))
            args = item.get("arguments")
            if done:
                self._reconcile_args(call, args, items)
                call.closed = True
            elif isinstance(args, str) and args:
                self._call_args(call, args, items)
        elif kind == "message" and done:
            for j, part in enumerate(as_list(item.get("content"))):
                part_obj = as_obj(part)
                if part_obj is None:
                    continue
                if part_obj.get("type") == "output_text":
                    self._grow(self._texts, (index, j), part_obj.get("text"), items, self._text, whole=True)
                elif part_obj.get("type") == "refusal":
                    self._grow(self._refusals, (index, j), part_obj.get("refusal"), items, self._refusal, whole=True)
        elif kind == "reasoning" and done:
            for j, part in enumerate(as_list(item.get("summary"))):
                part_obj = as_obj(part)
                if part_obj is not None:
                    self._grow(self._summaries, (index, j), part_obj.get("text"), items, self._reasoning, whole=True)
            items.append(("extra", {"reasoning_item": item}))
        elif done and kind not in ("message", "reasoning") and index not in self._extras:
            # built-in tools (web_search_call, code_interpreter_call, mcp_call, ...) and any new item
            # type: kept whole, once, as an extra (their results are not the answer text)
            self._extras.add(index)
            items.append(("extra", {"output_item": item}))

    # ---------------------------------------------------------------- the end
    def _on_response(self, raw_response: object) -> None:
        response = as_obj(raw_response)
        if response is None:
            return
        if self.meta["id"] is None and response.get("id"):
            self.meta["id"] = response["id"]
        if self.meta["model"] is None and response.get("model"):
            self.meta["model"] = response["model"]
        usage = as_obj(response.get("usage"))
        if usage is not None:
            self.raw_usage = usage

    def _on_terminal(self, kind: object, raw_response: object, items: list[Item]) -> list[Item]:
        response = as_obj(raw_response) or {}
        self._on_response(response)
        status = response.get("status") or (kind if isinstance(kind, str) else "").removeprefix("response.")
        status = status or "completed"
        output = response.get("output")
        if isinstance(output, list):
            self._output = output
            for index, item in enumerate(as_list(response.get("output"))):
                self._on_item(index, item, items, done=True)
        if status == "failed" or kind == "response.failed":
            self.meta["raw_finish_reason"] = "failed"
            return self._error_items(response.get("error") or self._pending_error, response)
        if status == "incomplete":
            details = as_obj(response.get("incomplete_details")) or {}
            reason = details.get("reason")
            self.meta["raw_finish_reason"] = f"incomplete:{reason}" if reason else "incomplete"
            self._status = _INCOMPLETE.get(str(reason), "length")
        else:
            self.meta["raw_finish_reason"] = str(status)
            self._status = "tool_calls" if self.calls else "stop"
        self.terminated = True
        return self.finish()

    def _error_items(self, raw_error: object, body: object) -> list[Item]:
        error = as_obj(raw_error) or ({"message": raw_error} if isinstance(raw_error, str) else {})
        code = error.get("code") or error.get("type")
        body_obj = as_obj(body)
        return self.stream_error(error.get("message"), code, dict(body_obj) if body_obj is not None else body)

    def finish(self) -> list[Item]:
        if not self.ended and not self.terminated and self._pending_error is not None:
            self.meta["raw_finish_reason"] = "error"
            return self._error_items(self._pending_error, self._pending_error)
        return super().finish()

    def _usage(self) -> dict[str, int | None] | None:
        return normalize_responses_usage(self.raw_usage) if self.raw_usage is not None else None

    def _finish_reason(self) -> str | None:
        return self._status

    def _incomplete_message(self) -> str:
        return "the stream ended without response.completed"

    def _message(self) -> dict[str, Any]:
        message = super()._message()  # each call keeps its `item_id` (the fc_... id) beside `id`
        message["output"] = self._output
        return message


class OpenAIResponses(ProviderModel):
    """OpenAI's Responses API (`/v1/responses`).

    ```python
    model = OpenAIResponses(model="gpt-5-mini", options={"reasoning": {"summary": "auto"}})
    ```
    The API key defaults to `$OPENAI_API_KEY`; `base_url` ends in `/v1` as for `OpenAICompatible`.
    """

    provider: ClassVar[str] = "openai-responses"
    aliases: ClassVar[tuple[str, ...]] = ("responses", "open-responses")
    framing: ClassVar[Literal["sse", "ndjson"]] = "sse"
    adapter_class: ClassVar[type[ProviderAdapter]] = ResponsesAdapter
    default_base_url: ClassVar[str] = "https://api.openai.com/v1"
    api_key_env: ClassVar[str | None] = "OPENAI_API_KEY"
    endpoint_paths: ClassVar[tuple[str, ...]] = ("/responses",)

    def build_request(self, prompt: Prompt) -> RequestSpec:
        messages: list[Mapping[str, Any]] = list(prompt.messages)
        if prompt.input is not None:
            messages.append({"role": "user", "content": prompt.input})
        body: dict[str, Any] = {"model": self.model, "input": messages, "stream": True}
        system = system_text(prompt)
        if system:
            body["instructions"] = system
        if prompt.schema is not None and self.uses_native_structured():
            body["text"] = {"format": {"type": "json_schema", "name": prompt.schema_name, "schema": prompt.schema}}
        body.update(self.options)
        headers = {"Content-Type": "application/json", "Accept": "text/event-stream", **self.headers}
        key = self._api_key()
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return RequestSpec("POST", f"{self.base_url}/responses", headers, body, secrets=self._secrets())
