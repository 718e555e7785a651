"""Ollama's native chat API (`POST {base_url}/api/chat`, NDJSON).

`Ollama` streams by default (`"stream": true` is sent anyway). An output spec goes into the
system prompt and, with `structured="auto"` or `"native"`, into `format` (the JSON Schema).
`options` keys that are Ollama *model options* (`temperature`, `top_p`, `num_predict`,
`seed`, `stop`, ...; see `MODEL_OPTIONS`; `max_tokens` is read as `num_predict`) are moved
into the body's `options` object, where
Ollama reads them (at the top level it would silently ignore them); every other key (`think`,
`keep_alive`, `tools`, `format`, an explicit `options` dict) goes to the top level. No API
key by default (`$OLLAMA_API_KEY` is sent as a bearer token when set, for ollama.com).

`OllamaAdapter` maps each NDJSON object:

* `message.thinking` -> `reasoning_delta`; `message.content` -> `delta` (also on the final
  `done: true` object, which may carry the last piece).
* `message.tool_calls`: each call arrives whole, its `arguments` a JSON *object*: it becomes
  one `tool_calls` event with the arguments as compact JSON text. Calls are **appended**,
  never merged by `function.index` (old servers send index 0 for every call); a missing `id`
  (servers before 2025-11) is synthesized (`call_<n>`).
* `done: true` ends the stream: `done_reason` `stop` -> stop, or tool_calls when calls were
  made (Ollama says `stop` either way), `length` -> length, `load`/`unload` -> stop.
* Usage from the final object: `input_tokens = prompt_eval_count`, `output_tokens =
  eval_count` (thinking included). The metrics are `omitempty`: a missing count stays None
  (unknown), it is not 0; `total_tokens` is their sum when both are known.
* An `{"error": "..."}` line ends the stream with `ProviderStreamError`; a body that ends
  without a `done: true` object ends it with `StreamIncompleteError`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Final, Literal

from .._request import RequestSpec
from ._base import Prompt, ProviderAdapter, ProviderModel, compact_json, normalize_usage_counts, system_text
from ._payload import as_int, as_obj, objs

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .._parts import Item

__all__ = ["MODEL_OPTIONS", "Ollama", "OllamaAdapter"]

MODEL_OPTIONS: Final = frozenset(
    {
        "temperature",
        "top_p",
        "top_k",
        "min_p",
        "typical_p",
        "seed",
        "stop",
        "num_predict",
        "num_ctx",
        "num_batch",
        "num_gpu",
        "num_thread",
        "num_keep",
        "repeat_penalty",
        "repeat_last_n",
        "presence_penalty",
        "frequency_penalty",
        "penalize_newline",
        "mirostat",
        "mirostat_tau",
        "mirostat_eta",
        "tfs_z",
        "use_mmap",
        "use_mlock",
        "numa",
    }
)
"""Request keys that Ollama reads inside `options`, not at the top level."""
_RENAMES: Final[dict[str, str]] = {"max_tokens": "num_predict"}


class OllamaAdapter(ProviderAdapter):
    """Ollama `/api/chat` NDJSON objects -> normalized items (see the module docstring)."""

    provider: ClassVar[str] = "ollama"

    def feed(self, event: str | None, payload: Mapping[str, Any]) -> list[Item]:
        if self.ended:
            return []
        items: list[Item] = [("original_delta", payload)]
        error = payload.get("error")
        if error:
            found = as_obj(error)
            message = found.get("message") if found is not None else error
            code = found.get("code") if found is not None else None
            return items + self.stream_error(message if isinstance(message, str) else str(message), code, dict(payload))
        if self.meta["model"] is None and payload.get("model"):
            self.meta["model"] = payload["model"]
        reply = as_obj(payload.get("message"))
        if reply is not None:
            self._reasoning(reply.get("thinking"), items)
            self._text(reply.get("content"), items)
            for call in objs(reply.get("tool_calls")):
                self._on_call(call, items)
        if payload.get("done") is True:
            self.meta["raw_finish_reason"] = payload.get("done_reason") or "stop"
            if any(key in payload for key in ("prompt_eval_count", "eval_count")):
                self.raw_usage = payload
            self.terminated = True
            return items + self.finish()
        return items

    def _on_call(self, call: Mapping[str, Any], items: list[Item]) -> None:
        function = as_obj(call.get("function")) or {}
        args = function.get("arguments")
        if isinstance(args, str):
            text = args
        elif args is None:
            text = ""
        else:
            text = compact_json(args)
        self._open_call(call.get("id"), function.get("name"), items, text, closed=True)

    def _usage(self) -> dict[str, int | None] | None:
        usage = self.raw_usage
        if usage is None:
            return None
        return normalize_usage_counts(
            as_int(usage.get("prompt_eval_count")), as_int(usage.get("eval_count")), None, None, None
        )

    def _finish_reason(self) -> str | None:
        raw = self.meta["raw_finish_reason"]
        if raw == "length":
            return "length"
        return "tool_calls" if self.calls else "stop"

    def _incomplete_message(self) -> str:
        return 'the stream ended without a "done": true object'


class Ollama(ProviderModel):
    """Ollama's native chat API (`/api/chat`, NDJSON).

    ```python
    model = Ollama(model="qwen3:8b", options={"temperature": 0.2, "think": True})
    ```
    `base_url` is the server root (`http://localhost:11434`; the mock server: `server.url`).
    """

    provider: ClassVar[str] = "ollama"
    aliases: ClassVar[tuple[str, ...]] = ("ollama-native", "ollama-chat")
    framing: ClassVar[Literal["sse", "ndjson"]] = "ndjson"
    adapter_class: ClassVar[type[ProviderAdapter]] = OllamaAdapter
    default_base_url: ClassVar[str] = "http://localhost:11434"
    api_key_env: ClassVar[str | None] = "OLLAMA_API_KEY"
    endpoint_paths: ClassVar[tuple[str, ...]] = ("/api/chat",)

    def build_request(self, prompt: Prompt) -> RequestSpec:
        messages: list[Mapping[str, Any]] = []
        system = system_text(prompt)
        if system:
            messages.append({"role": "system", "content": system})
        messages.extend(prompt.messages)
        if prompt.input is not None:
            messages.append({"role": "user", "content": prompt.input})
        body: dict[str, Any] = {"model": self.model, "messages": messages, "stream": True}
        if prompt.schema is not None and self.uses_native_structured():
            body["format"] = prompt.schema
        model_options: dict[str, Any] = {}
        for key, value in self.options.items():
            key = _RENAMES.get(key, key)
            if key in MODEL_OPTIONS:
                model_options[key] = value
            elif key == "options" and as_obj(value) is not None:
                model_options.update(as_obj(value) or {})
            else:
                body[key] = value
        if model_options:
            body["options"] = model_options
        headers = {"Content-Type": "application/json", "Accept": "application/x-ndjson", **self.headers}
        key = self._api_key()
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return RequestSpec("POST", f"{self.base_url}/api/chat", headers, body, secrets=self._secrets())
