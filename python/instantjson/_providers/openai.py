"""OpenAI Chat Completions and its compatibles (Mistral, DeepSeek, xAI, OpenRouter, Groq, vLLM,
LM Studio, llama.cpp's llama-server, Ollama /v1; Azure OpenAI in `azure.py`).

`OpenAICompatible` builds `POST {base_url}/chat/completions` with `"stream": true` and
`stream_options.include_usage`; with an output spec it adds the instruction as a system
message and, when `structured="native"` (or `"auto"` against api.openai.com), a
`response_format` of type `json_schema`.

`ChatCompletionsAdapter` maps `chat.completion.chunk` payloads to normalized items. Choices
other than index 0 are ignored (`n > 1` is not supported). Per chunk, in order:
`original_delta`; reasoning (`reasoning_content`, else `reasoning`, else the text of
`reasoning_details`: one spelling per chunk, so OpenRouter's duplicate is taken once;
the `reasoning_details` list itself also goes to `extra` because it carries signatures);
`delta`; `refusal` as `extra` `{"refusal": text}`; `tool_calls` fragments. Perplexity's
top-level `citations` and `search_results` go to `extra {"citations"}` / `extra
{"search_results"}`, once per change (it repeats them on every chunk).
`delta.content` may be a list of typed parts (Mistral): `text` parts are answer text,
`thinking` parts (a string, or a list of `text` parts) are reasoning, `reference` parts go to
`extra {"reference"}`; any other part, a content of another type, or a delta field this
adapter does not know becomes `extra {"unknown": {"where", "value"}}` with one
`UnknownPayloadWarning` per response (never dropped silently).

Tool calls are merged by `index`; a fragment that brings a *new, different* id on an index
already in use starts a new call (proxies and old Ollama send index 0 for every call). Each
call gets its own normalized `index` (0, 1, ...); a name is set once and never overwritten or
concatenated; empty arguments become `"{}"` in `original_done`. Arguments are the provider's own
text, kept as sent (an object, from a server that sends one, becomes compact UTF-8 JSON).

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

from typing import TYPE_CHECKING, Any, ClassVar, Final, Literal, cast
from urllib.parse import urlsplit

from .._exceptions import ProviderStreamError
from .._request import RequestSpec, error_code, error_message
from ._base import Prompt, ProviderAdapter, ProviderModel, ToolCall, compact_json, normalize_usage_counts, system_text
from ._payload import Obj, as_int, as_list, as_obj, as_str, objs, text_of

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
    details = as_obj(usage.get("completion_tokens_details")) or {}
    reasoning = as_int(details.get("reasoning_tokens"))
    prompt_details = as_obj(usage.get("prompt_tokens_details")) or {}
    cached = as_int(prompt_details.get("cached_tokens"))
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


_PLAIN_DELTA_KEYS: Final = frozenset({"content", "role", "index"})
"""A delta with only these keys, its content a string, is plain text (the hot path)."""
_KNOWN_DELTA_KEYS: Final = _PLAIN_DELTA_KEYS | frozenset(
    {"reasoning_content", "reasoning", "reasoning_details", "refusal", "tool_calls", "function_call", "name"}
)
_ERROR_FINISH: Final = "error"


class ChatCompletionsAdapter(ProviderAdapter):
    """Chat Completions chunks -> normalized items (see the module docstring)."""

    provider: ClassVar[str] = "openai"
    markers: ClassVar[frozenset[str]] = frozenset({"[DONE]"})
    plain_chat: ClassVar[bool] = True
    """Plain chunks come as their text alone (`feed_plain`); a subclass that changes what
    `feed()` does with them sets this False."""

    def __init__(self) -> None:
        super().__init__()
        self._by_index: dict[object, ToolCall] = {}
        self._need_ids = True  # meta id or model still unknown
        self._seen_sources: dict[str, object] = {}

    def feed(self, event: str | None, payload: Mapping[str, Any]) -> list[Item]:
        # The hot path (one call per streamed chunk): locals over attributes, one lookup per key,
        # and a chunk whose delta carries nothing but text skips the rarer fields at once.
        if self.ended:
            return []
        items: list[Item] = [("original_delta", payload)]
        get = payload.get
        if get("error") or get("object") == "error":
            return items + self.fail(_stream_error(payload))
        meta = self.meta
        if self._need_ids:
            if meta["id"] is None and get("id"):
                meta["id"] = payload["id"]
            if meta["model"] is None and get("model"):
                meta["model"] = payload["model"]
            self._need_ids = meta["id"] is None or meta["model"] is None
        if get("usage") is not None or "x_groq" in payload:  # usually absent or null: one test
            usage = as_obj(get("usage"))
            if usage is None:
                groq = as_obj(get("x_groq"))
                usage = as_obj(groq.get("usage")) if groq is not None else None
            if usage is not None:
                self.raw_usage = usage
        if "citations" in payload or "search_results" in payload:  # Perplexity: sources, on every chunk
            self._sources(payload, items)
        choices: object = get("choices")
        if not choices or not isinstance(choices, list):
            return items
        for raw_choice in cast("list[Any]", choices):
            choice = as_obj(raw_choice)
            if choice is None or choice.get("index", 0) != 0:
                continue
            delta: Obj | None = choice.get("delta")
            if not isinstance(delta, dict):
                delta = as_obj(choice.get("message"))
            if delta is not None:
                content = delta.get("content")
                if isinstance(content, str) and delta.keys() <= _PLAIN_DELTA_KEYS:
                    if content:
                        self.text_parts.append(content)
                        items.append(("delta", content))
                else:
                    self._feed_delta(delta, items)
            raw_finish = choice.get("finish_reason")
            if raw_finish:
                meta["raw_finish_reason"] = raw_finish
        return items

    def feed_plain(self, event: str | None, data: str, text: str) -> list[Item]:
        # The hottest path: a chunk of text only (rust/py/src/plain.rs says which), whose
        # payload is never decoded here; what `feed()` makes of such a chunk once the id and
        # model are known.
        if self._need_ids or self.ended:
            return super().feed_plain(event, data, text)
        if text:
            self.text_parts.append(text)
            return [("original_delta", data), ("delta", text)]
        return [("original_delta", data)]

    @property
    def plain_texts_only(self) -> bool:
        return not (self._need_ids or self.ended)  # as in `feed_plain`

    def _sources(self, payload: Obj, items: list[Item]) -> None:
        """Perplexity's `citations` / `search_results` (repeated on every chunk): an `extra` event
        each time the list changes."""
        for key in ("citations", "search_results"):
            value = payload.get(key)
            if value and value != self._seen_sources.get(key):
                self._seen_sources[key] = value
                items.append(("extra", {key: value}))

    def _feed_delta(self, delta: Obj, items: list[Item]) -> None:
        reasoning = as_str(delta.get("reasoning_content")) or as_str(delta.get("reasoning"))
        details = delta.get("reasoning_details")
        if details:
            if reasoning is None:
                reasoning = "".join(_detail_text(d) for d in objs(details))
            items.append(("extra", {"reasoning_details": details}))
        self._reasoning(reasoning, items)
        content = delta.get("content")
        parts = as_list(content)
        if parts:
            self._feed_parts(parts, items)
        elif isinstance(content, list):
            pass  # an empty list of parts
        elif content is not None and not isinstance(content, str):
            self._unknown("choices[0].delta.content", content, items)
        else:
            self._text(content, items)
        self._refusal(delta.get("refusal"), items)
        for position, fragment in enumerate(as_list(delta.get("tool_calls"))):
            fragment_obj = as_obj(fragment)
            if fragment_obj is not None:
                self._feed_tool_call(fragment_obj, position, items)
        function_call = as_obj(delta.get("function_call"))
        if function_call is not None:
            self._feed_tool_call({"index": "function_call", "function": function_call}, 0, items)
        for key in delta.keys() - _KNOWN_DELTA_KEYS:
            value = delta[key]
            if value not in (None, "", [], {}):
                self._unknown(f"choices[0].delta.{key}", value, items)

    def _feed_parts(self, parts: list[Any], items: list[Item]) -> None:
        """`delta.content` as a list of typed parts (Mistral): text, and thinking made of text parts."""
        for part in parts:
            part_obj = as_obj(part)
            kind = part_obj.get("type") if part_obj is not None else None
            if part_obj is not None and kind == "text" and isinstance(part_obj.get("text"), str):
                self._text(part_obj["text"], items)
            elif part_obj is not None and kind == "thinking":
                thinking = part_obj.get("thinking")
                if isinstance(thinking, str):
                    self._reasoning(thinking, items)
                    continue
                for inner in as_list(thinking):
                    inner_obj = as_obj(inner)
                    if (
                        inner_obj is not None
                        and inner_obj.get("type") == "text"
                        and isinstance(inner_obj.get("text"), str)
                    ):
                        self._reasoning(inner_obj["text"], items)
                    else:
                        self._unknown("choices[0].delta.content[].thinking[]", inner, items)
            elif part_obj is not None and kind == "reference":
                items.append(("extra", {"reference": part_obj}))
            else:
                self._unknown("choices[0].delta.content[]", part, items)

    def _feed_tool_call(self, fragment: Obj, position: int, items: list[Item]) -> None:
        key: object = fragment.get("index", position)
        call_id = as_str(fragment.get("id"))
        function = as_obj(fragment.get("function")) or {}
        name = as_str(function.get("name"))
        raw_args = function.get("arguments")
        if isinstance(raw_args, str):
            args = raw_args
        elif as_obj(raw_args) is not None or as_list(raw_args):
            args = compact_json(raw_args)  # a server that sends an object: its text, UTF-8 kept
        else:
            args = ""
        call = self._by_index.get(key)
        if call is None or (call_id is not None and call.id is not None and call_id != call.id):
            # closed at once: a Chat Completions call has no close marker, its fragments just stop
            self._by_index[key] = self._open_call(call_id, name, items, args, closed=True, synthesize=False)
        else:
            self._call_args(call, args, items, name, call_id)

    def feed_text(self, event: str | None, data: str) -> list[Item]:
        if data.strip() == "[DONE]":
            self.terminated = True
            return self.finish()
        return []

    def complete(self) -> list[Item]:
        """A payload source ended: `[DONE]` is not a payload, so its end stands for it."""
        self.terminated = True
        return self.finish()

    def _usage(self) -> dict[str, int | None] | None:
        return normalize_openai_usage(self.raw_usage) if self.raw_usage is not None else None

    def _finish_reason(self) -> str | None:
        return normalize_finish_reason(self.meta["raw_finish_reason"])

    def _incomplete_message(self) -> str:
        if not self.terminated:
            return "the stream ended without data: [DONE]"
        return "the stream ended without a finish_reason"

    def finish(self) -> list[Item]:
        raw_finish = self.meta["raw_finish_reason"]
        if not self.ended and self.terminated and normalize_finish_reason(raw_finish) == _ERROR_FINISH:
            return self.fail(
                ProviderStreamError(
                    f"the provider ended the answer with finish_reason {raw_finish!r}",
                    code=raw_finish,
                    provider=self.provider,
                )
            )
        return super().finish()


def _detail_text(detail: Obj) -> str:
    kind = detail.get("type")
    if kind == "reasoning.text":
        return text_of(detail.get("text"))
    if kind == "reasoning.summary":
        return text_of(detail.get("summary"))
    return ""


def _stream_error(payload: Mapping[str, Any]) -> ProviderStreamError:
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
    aliases: ClassVar[tuple[str, ...]] = (
        "openai-chat",
        "chat-completions",
        "openai-compatible",
        "mistral",
        "deepseek",
        "xai",
        "groq",
        "openrouter",
        "vllm",
        "lmstudio",
        "lm-studio",
        "llama.cpp",
        "llama-cpp",
        "ollama-v1",
    )
    framing: ClassVar[Literal["sse", "ndjson"]] = "sse"
    adapter_class: ClassVar[type[ProviderAdapter]] = ChatCompletionsAdapter
    default_base_url: ClassVar[str] = "https://api.openai.com/v1"
    api_key_env: ClassVar[str | None] = "OPENAI_API_KEY"
    endpoint_paths: ClassVar[tuple[str, ...]] = ("/chat/completions",)

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
        headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
        key = self._api_key()
        if key:
            headers.update(self._auth_headers(key))
        headers.update(self.headers)
        return RequestSpec("POST", self._url(), headers, body, secrets=self._secrets())

    def _url(self) -> str:
        """Where the request goes: `{base_url}/chat/completions`."""
        return f"{self.base_url}/chat/completions"

    def _auth_headers(self, key: str) -> dict[str, str]:
        """The header that carries the API key: `Authorization: Bearer <key>`."""
        return {"Authorization": f"Bearer {key}"}
