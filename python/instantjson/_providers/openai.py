"""OpenAI Chat Completions and its compatibles (DeepSeek, xAI, OpenRouter, Groq, vLLM, Ollama /v1).

`OpenAICompatible` builds `POST {base_url}/chat/completions` with `"stream": true` and
`stream_options.include_usage`; with an output spec it adds the instruction as a system
message and, when `structured="native"` (or `"auto"` against api.openai.com), a
`response_format` of type `json_schema`.

`ChatCompletionsAdapter` maps `chat.completion.chunk` payloads to normalized items. Choices
other than index 0 are ignored (`n > 1` is not supported). Per chunk, in order:
`original_delta`; reasoning (`reasoning_content`, else `reasoning`, else the text of
`reasoning_details`: one spelling per chunk, so OpenRouter's duplicate is taken once;
the `reasoning_details` list itself also goes to `extra` because it carries signatures);
`delta`; `refusal` as `extra` `{"refusal": text}`; `tool_calls` fragments.

Tool calls are merged by `index`; a fragment that brings a *new, different* id on an index
already in use starts a new call (proxies and old Ollama send index 0 for every call). Each
call gets its own normalized `index` (0, 1, ...); a name is set once and never overwritten or
concatenated; empty arguments become `"{}"` in `original_done`.

Usage is read from `usage` or `x_groq.usage` wherever it comes (the finish chunk, a
`choices: []` chunk, every chunk): the last non-null wins, never summed. Normalized:
`input_tokens = prompt_tokens`, `output_tokens = completion_tokens` (plus reasoning tokens when
the provider excludes them, as xAI does: detected by prompt + completion + reasoning == total),
`reasoning_tokens = completion_tokens_details.reasoning_tokens`, `cached_input_tokens =
prompt_tokens_details.cached_tokens` (DeepSeek: `prompt_cache_hit_tokens`).

`finish_reason` is normalized to stop | length | tool_calls | content_filter | error (the
provider's value stays in `raw_finish_reason`). A payload with a truthy top-level `error`
(OpenAI, OpenRouter, SGLang) or vLLM's `{"object": "error"}` ends the stream with
`ProviderStreamError`; a body that ends without `data: [DONE]`, or without any finish_reason,
ends it with `StreamIncompleteError`. Either way `meta` says `finish_reason: "error"` and the
text received before stays.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, ClassVar, Final, Literal
from urllib.parse import urlsplit

from .._request import RequestSpec
from .._exceptions import ProviderStreamError, StreamIncompleteError
from ._base import Prompt, ProviderAdapter, ProviderModel, as_int, normalize_usage_counts, system_text

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .._parts import Item

__all__ = ["ChatCompletionsAdapter", "OpenAICompatible", "normalize_finish_reason", "normalize_openai_usage"]

_FINISH: Final[dict[str, str]] = {
    "stop": "stop",
    "eos": "stop",
    "eos_token": "stop",
    "end_turn": "stop",
    "stop_sequence": "stop",
    "length": "length",
    "max_tokens": "length",
    "model_length": "length",
    "tool_calls": "tool_calls",
    "function_call": "tool_calls",
    "tool_use": "tool_calls",
    "content_filter": "content_filter",
    "safety": "content_filter",
    "error": "error",
    "insufficient_system_resource": "error",
}


def normalize_finish_reason(raw: str | None) -> str | None:
    """Map a Chat Completions finish_reason to stop | length | tool_calls | content_filter | error.
    Unknown non-empty values count as `stop` (the stream did end normally)."""
    if not raw:
        return None
    return _FINISH.get(raw, "stop")


def normalize_openai_usage(usage: Mapping[str, Any]) -> dict[str, int | None]:
    """Normalize a Chat Completions `usage` object (see the module docstring)."""
    prompt = as_int(usage.get("prompt_tokens"))
    completion = as_int(usage.get("completion_tokens"))
    total = as_int(usage.get("total_tokens"))
    details: Any = usage.get("completion_tokens_details")
    reasoning = as_int(details.get("reasoning_tokens")) if isinstance(details, dict) else None  # pyright: ignore[reportUnknownMemberType]
    prompt_details: Any = usage.get("prompt_tokens_details")
    cached = as_int(prompt_details.get("cached_tokens")) if isinstance(prompt_details, dict) else None  # pyright: ignore[reportUnknownMemberType]
    if cached is None:
        cached = as_int(usage.get("prompt_cache_hit_tokens"))
    output = completion
    if (
        prompt is not None
        and completion is not None
        and reasoning
        and total is not None
        and prompt + completion != total
        and prompt + completion + reasoning == total
    ):
        output = completion + reasoning  # xAI: completion_tokens excludes reasoning
    return normalize_usage_counts(prompt, output, total, reasoning, cached)


_RARE_DELTA_KEYS: Final = frozenset(
    {"reasoning_content", "reasoning", "reasoning_details", "refusal", "tool_calls", "function_call"}
)
"""Delta keys besides `content` that `_feed_delta` reads: a delta with none of them is plain text."""


class _Call:
    __slots__ = ("args", "id", "index", "name")

    def __init__(self, index: int, call_id: str | None, name: str | None) -> None:
        self.index = index
        self.id = call_id
        self.name = name
        self.args: list[str] = []


class ChatCompletionsAdapter(ProviderAdapter):
    """Chat Completions chunks -> normalized items (see the module docstring)."""

    provider: ClassVar[str] = "openai"
    markers: ClassVar[frozenset[str]] = frozenset({"[DONE]"})

    def __init__(self) -> None:
        super().__init__()
        self.refusal_parts: list[str] = []
        self.calls: list[_Call] = []
        self._by_index: dict[Any, _Call] = {}
        self._raw_usage: Mapping[str, Any] | None = None
        self._need_ids = True  # meta id or model still unknown
        self.terminated = False

    def feed(self, event: str | None, payload: Mapping[str, Any]) -> list[Item]:
        # The hot path (one call per streamed chunk): locals over attributes, one lookup per key,
        # and a chunk whose delta carries nothing but text skips the rarer fields at once.
        if self.ended:
            return []
        items: list[Item] = [("original_delta", payload)]
        get = payload.get
        error: Any = get("error")
        if error or get("object") == "error":
            return items + self.fail(_stream_error(payload))
        meta = self.meta
        if self._need_ids:
            if meta["id"] is None and get("id"):
                meta["id"] = payload["id"]
            if meta["model"] is None and get("model"):
                meta["model"] = payload["model"]
            self._need_ids = meta["id"] is None or meta["model"] is None
        usage: Any = get("usage")
        if not isinstance(usage, dict):
            groq: Any = get("x_groq")
            usage = groq.get("usage") if isinstance(groq, dict) else None  # pyright: ignore[reportUnknownMemberType]
        if isinstance(usage, dict):
            self._raw_usage = usage  # pyright: ignore[reportUnknownMemberType]
        choices: Any = get("choices")
        if not choices:
            return items
        for choice in choices:
            if not isinstance(choice, dict):
                continue
            cget: Any = choice.get  # pyright: ignore[reportUnknownMemberType]
            if cget("index", 0) != 0:
                continue
            delta: Any = cget("delta")
            if not isinstance(delta, dict):
                delta = cget("message")
            if isinstance(delta, dict):
                if delta.keys().isdisjoint(_RARE_DELTA_KEYS):  # pyright: ignore[reportUnknownMemberType]
                    content: Any = delta.get("content")  # pyright: ignore[reportUnknownMemberType]
                    if isinstance(content, str) and content:
                        self.text_parts.append(content)
                        items.append(("delta", content))
                else:
                    self._feed_delta(delta, items)  # pyright: ignore[reportUnknownArgumentType]
            raw_finish: Any = cget("finish_reason")
            if raw_finish:
                meta["raw_finish_reason"] = raw_finish
        return items

    def _feed_delta(self, delta: Mapping[str, Any], items: list[Item]) -> None:
        reasoning: Any = delta.get("reasoning_content") or delta.get("reasoning")
        details: Any = delta.get("reasoning_details")
        if details:
            if not reasoning and isinstance(details, list):
                reasoning = "".join(_detail_text(d) for d in details)  # pyright: ignore[reportUnknownArgumentType, reportUnknownVariableType]
            items.append(("extra", {"reasoning_details": details}))
        if isinstance(reasoning, str) and reasoning:
            self.reasoning_parts.append(reasoning)
            items.append(("reasoning_delta", reasoning))
        content: Any = delta.get("content")
        if isinstance(content, str) and content:
            self.text_parts.append(content)
            items.append(("delta", content))
        refusal: Any = delta.get("refusal")
        if isinstance(refusal, str) and refusal:
            self.refusal_parts.append(refusal)
            items.append(("extra", {"refusal": refusal}))
        tool_calls: Any = delta.get("tool_calls")
        if isinstance(tool_calls, list):
            for position, fragment in enumerate(tool_calls):  # pyright: ignore[reportUnknownArgumentType, reportUnknownVariableType]
                if isinstance(fragment, dict):
                    self._feed_tool_call(fragment, position, items)  # pyright: ignore[reportUnknownArgumentType]
        function_call: Any = delta.get("function_call")
        if isinstance(function_call, dict):
            self._feed_tool_call({"index": "function_call", "function": function_call}, 0, items)

    def _feed_tool_call(self, fragment: Mapping[str, Any], position: int, items: list[Item]) -> None:
        key: Any = fragment.get("index", position)
        call_id: Any = fragment.get("id") or None
        function: Any = fragment.get("function")
        if not isinstance(function, dict):
            function = {}
        name: Any = function.get("name") or None  # pyright: ignore[reportUnknownMemberType]
        args: Any = function.get("arguments")  # pyright: ignore[reportUnknownMemberType]
        if isinstance(args, (dict, list)):
            args = json.dumps(args, separators=(",", ":"))
        elif not isinstance(args, str):
            args = ""
        call = self._by_index.get(key)
        new = call is None or (call_id is not None and call.id is not None and call_id != call.id)
        if call is None or new:
            call = _Call(len(self.calls), call_id, name)
            self.calls.append(call)
            self._by_index[key] = call
        else:
            if call_id is not None and call.id is None:
                call.id = call_id
            if name is not None and call.name is None:
                call.name = name
        if args:
            call.args.append(args)
        if new or args or call_id is not None or name is not None:
            items.append(
                (
                    "tool_calls",
                    {
                        "index": call.index,
                        "id": call.id if new else call_id,
                        "name": call.name if new else name,
                        "arguments_delta": args,
                    },
                )
            )

    def feed_text(self, event: str | None, data: str) -> list[Item]:
        if data.strip() == "[DONE]":
            self.terminated = True
            return self.finish()
        return []

    def complete(self) -> list[Item]:
        self.terminated = True
        return self.finish()

    def finish(self) -> list[Item]:
        if self.ended:
            return []
        meta = self.meta
        if self._raw_usage is not None:
            meta["usage"] = normalize_openai_usage(self._raw_usage)
        if not self.terminated:
            return self.fail(StreamIncompleteError("the stream ended without data: [DONE]", provider=self.provider))
        raw_finish = meta["raw_finish_reason"]
        if not raw_finish:
            return self.fail(StreamIncompleteError("the stream ended without a finish_reason", provider=self.provider))
        finish = normalize_finish_reason(raw_finish)
        if finish == "error":
            return self.fail(
                ProviderStreamError(
                    f"the provider ended the answer with finish_reason {raw_finish!r}",
                    code=raw_finish,
                    provider=self.provider,
                )
            )
        self.ended = True
        meta["finish_reason"] = finish
        text = self.text
        reasoning = self.reasoning
        message: dict[str, Any] = {
            "role": "assistant",
            "content": text,
            "reasoning": reasoning or None,
            "refusal": "".join(self.refusal_parts) or None,
            "tool_calls": [
                {
                    "id": call.id or f"call_{call.index}",
                    "type": "function",
                    "function": {"name": call.name, "arguments": "".join(call.args) or "{}"},
                }
                for call in self.calls
            ],
        }
        return [("done", text), ("reasoning_done", reasoning), ("original_done", message), ("meta", dict(meta))]

    def fail(self, exc: BaseException) -> list[Item]:
        if self._raw_usage is not None and self.meta["usage"] is None:
            self.meta["usage"] = normalize_openai_usage(self._raw_usage)
        return super().fail(exc)


def _detail_text(detail: Any) -> str:
    if not isinstance(detail, dict):
        return ""
    kind: Any = detail.get("type")  # pyright: ignore[reportUnknownMemberType]
    value: Any = None
    if kind == "reasoning.text":
        value = detail.get("text")  # pyright: ignore[reportUnknownMemberType]
    elif kind == "reasoning.summary":
        value = detail.get("summary")  # pyright: ignore[reportUnknownMemberType]
    return value if isinstance(value, str) else ""


def _stream_error(payload: Mapping[str, Any]) -> ProviderStreamError:
    from .._request import error_code, error_message

    message = error_message(payload) or "the provider sent an error frame"
    return ProviderStreamError(message, code=error_code(payload), provider="openai", body=dict(payload))


class OpenAICompatible(ProviderModel):
    """A Chat Completions endpoint: OpenAI or any compatible server (`/v1/chat/completions`).

    ```python
    model = OpenAICompatible(base_url="http://localhost:11434/v1", model="qwen2.5:7b",
                             options={"temperature": 0.2})
    ```
    The API key defaults to `$OPENAI_API_KEY`; a local server may need none. `structured="auto"`
    sends `response_format` only to api.openai.com, since many compatible servers reject it.
    """

    provider: ClassVar[str] = "openai"
    framing: ClassVar[Literal["sse", "ndjson"]] = "sse"
    default_base_url: ClassVar[str] = "https://api.openai.com/v1"
    api_key_env: ClassVar[str | None] = "OPENAI_API_KEY"

    def uses_native_structured(self) -> bool:
        """Whether requests with an output spec carry `response_format`."""
        if self.structured == "native":
            return True
        if self.structured == "prompt":
            return False
        return urlsplit(self.base_url).hostname == "api.openai.com"

    def build_request(self, prompt: Prompt) -> RequestSpec:
        messages: list[Mapping[str, Any]] = []
        system = system_text(prompt)
        if system:
            messages.append({"role": "system", "content": system})
        messages.extend(prompt.messages)
        if prompt.input is not None:
            messages.append({"role": "user", "content": prompt.input})
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if prompt.schema is not None and self.uses_native_structured():
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": prompt.schema_name, "schema": prompt.schema},
            }
        body.update(self.options)
        headers = {"Content-Type": "application/json", "Accept": "text/event-stream", **self.headers}
        key = self._api_key()
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return RequestSpec("POST", f"{self.base_url}/chat/completions", headers, body, secrets=self._secrets())

    def new_adapter(self) -> ChatCompletionsAdapter:
        return ChatCompletionsAdapter()
