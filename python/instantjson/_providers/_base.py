"""The common shape of a provider: a model (request side) and an adapter (stream side).

`ProviderModel` holds the settings of one endpoint and builds requests sans-IO
(`build_request(prompt) -> RequestSpec`); `new_adapter()` returns a fresh `ProviderAdapter`,
a synchronous state machine that turns the provider's decoded payloads into the normalized
`(event, value)` items of `instantjson._parts`. Every adapter builds on `ProviderAdapter`, which
owns the text, reasoning, refusal and tool-call assembly, usage, the ending and the
unknown-shape rule. Each model class declares its registry name, aliases, framing and
`adapter_class`; the registry (`_providers/__init__.py`) is derived from them. Neither side does
any I/O: `_client.py` sends the request, `_response.py` feeds the adapter; request types come
from the sans-IO `_request.py`. Payload fields are read through the typed accessors of
`_payload.py`.

API keys come from the `api_key` argument or the provider's environment variable
(`api_key_env`); they are kept out of `repr()`, and `_client.py` redacts them from error
messages and bodies.
"""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from .._core import loads
from .._exceptions import ProviderStreamError, StreamIncompleteError, UnknownPayloadWarning
from .._parts import Item, empty_usage, payload_as_text
from .._request import DEFAULT_TIMEOUT, RequestSpec, Retries, coerce_retries
from ._payload import as_int

if TYPE_CHECKING:
    from collections.abc import Mapping

    import httpx

__all__ = [
    "Prompt",
    "ProviderAdapter",
    "ProviderModel",
    "RequestSpec",
    "StreamAdapter",
    "Structured",
    "ToolCall",
    "as_int",
    "compact_json",
    "normalize_usage_counts",
    "system_text",
]

Structured = Literal["auto", "native", "prompt"]


@dataclass(frozen=True)
class Prompt:
    """What one request asks: a system text, the user input, and an optional output spec
    already compiled by `_schema.compile_output` (`schema`: JSON Schema, `instruction`: the
    prompt text that asks for it). `messages` are prior turns, inserted before the input."""

    system: str | None = None
    input: str | None = None
    schema: dict[str, Any] | None = None
    instruction: str | None = None
    schema_name: str = "output"
    messages: tuple[Mapping[str, Any], ...] = field(default=())


class ProviderAdapter:
    """The one base of the per-response stream mappers: every provider's adapter builds on it.

    Protocol: `feed(event, payload)` for each JSON frame (`event` is the SSE `event:` name or
    None), `feed_text(event, data)` for each non-JSON frame (`[DONE]`), `complete()` when the
    source ended by contract (a list of payloads from an SDK has no terminal marker),
    `finish()` at the end of the body, `fail(exc)` for a transport error. Each returns the
    items to append. Once `ended` is True the adapter produces nothing more.

    Subclasses implement `feed` and call the helpers while feeding: `_text()`, `_reasoning()`,
    `_refusal()`, `_open_call()` / `_call_args()` / `_reconcile_args()` for tool calls,
    `_unknown()` for a shape they do not know; they set `terminated` on the provider's terminal
    marker and `raw_usage`, and implement `_usage()` (normalize `raw_usage`) and
    `_finish_reason()` (the normalized reason, or None when the stream gave none). `finish()`
    then ends successfully, or with `StreamIncompleteError`.

    The unknown-shape rule: a payload field an adapter does not understand never makes content
    vanish. It becomes an `extra` event `{"unknown": {"where": ..., "value": ...}}` and an
    `UnknownPayloadWarning` (once per response); where the answer would otherwise be wrong
    (a second message spliced into the first), the stream ends with an error instead.
    """

    provider: ClassVar[str] = ""
    markers: ClassVar[frozenset[str]] = frozenset()
    """Frame payloads that are not JSON on purpose (`[DONE]`): passed to `feed_text()` even when
    the decoder reports them as a JSON error."""
    plain_chat: ClassVar[bool] = False
    """True: the frame decoder hands plain Chat Completions chunks over as their text alone
    (`SSEDecoder(plain_chat=True)`), and they come to `feed_plain()` instead of `feed()`."""

    def __init__(self) -> None:
        self.ended = False
        self.terminated = False
        self.text_parts: list[str] = []
        self.reasoning_parts: list[str] = []
        self.refusal_parts: list[str] = []
        self.calls: list[ToolCall] = []
        self.raw_usage: Mapping[str, Any] | None = None
        self.meta: dict[str, Any] = {
            "id": None,
            "model": None,
            "finish_reason": None,
            "raw_finish_reason": None,
            "usage": None,
        }
        self._warned = False

    @property
    def text(self) -> str:
        """The answer text so far."""
        return "".join(self.text_parts)

    @property
    def reasoning(self) -> str:
        """The reasoning text so far."""
        return "".join(self.reasoning_parts)

    def pack_text(self) -> None:
        """The stream has ended: keep each text as one str rather than its pieces (a finished
        response keeps less). Called by `finish()` and `fail()`, in the thread that feeds."""
        for parts in (self.text_parts, self.reasoning_parts, self.refusal_parts):
            if len(parts) > 1:
                parts[:] = ["".join(parts)]

    def feed(self, event: str | None, payload: Mapping[str, Any]) -> list[Item]:
        raise NotImplementedError

    def feed_text(self, event: str | None, data: str) -> list[Item]:
        return []

    def feed_plain(self, event: str | None, data: str, text: str) -> list[Item]:
        """A frame the decoder recognized as a plain Chat Completions chunk (`plain_chat`):
        its JSON text and the text of its delta. By default, read in full through `feed()`
        (the `original_delta` item then holds the JSON text)."""
        payload = loads(data)
        return payload_as_text(self.feed(event, payload), payload, data)

    @property
    def plain_texts_only(self) -> bool:
        """True while `feed_plain()` makes of a chunk exactly `("original_delta", data)` and, when
        its text is not empty, `("delta", text)`, and changes nothing but the answer text: the
        pipeline then makes these items for a run of plain chunks in one call
        (`_core.plain_chat_entries`) and hands the texts to `take_plain_texts()`."""
        return False

    def take_plain_texts(self, texts: list[str]) -> None:
        """The non-empty texts of a run of plain chunks (see `plain_texts_only`)."""
        self.text_parts += texts

    # ---------------------------------------------------------------- feeding helpers
    def _text(self, text: object, items: list[Item]) -> None:
        if isinstance(text, str) and text:
            self.text_parts.append(text)
            items.append(("delta", text))

    def _reasoning(self, text: object, items: list[Item]) -> None:
        if isinstance(text, str) and text:
            self.reasoning_parts.append(text)
            items.append(("reasoning_delta", text))

    def _refusal(self, text: object, items: list[Item]) -> None:
        if isinstance(text, str) and text:
            self.refusal_parts.append(text)
            items.append(("extra", {"refusal": text}))

    def _unknown(self, where: str, value: object, items: list[Item]) -> None:
        """A shape this adapter does not know: keep it in an `extra` event, warn once per response."""
        items.append(("extra", {"unknown": {"where": where, "value": value}}))
        if not self._warned:
            self._warned = True
            warnings.warn(
                UnknownPayloadWarning(
                    f"{self.provider or 'the provider'} stream: {where} has a shape instantjson does not know; "
                    'it is kept as an extra event {"unknown": {"where", "value"}} (warned once per response)'
                ),
                stacklevel=2,
            )

    def _open_call(
        self,
        call_id: object,
        name: object,
        items: list[Item],
        arguments: str = "",
        *,
        closed: bool = False,
        synthesize: bool = True,
    ) -> ToolCall:
        """Start a call and emit its first fragment. With `synthesize`, a missing id becomes
        `call_<index>` at once (APIs that never send one); else it may come in a later fragment."""
        index = len(self.calls)
        given = call_id if isinstance(call_id, str) and call_id else None
        call = ToolCall(index, given if given is not None or not synthesize else f"call_{index}", None)
        if isinstance(name, str) and name:
            call.name = name
        call.closed = closed
        self.calls.append(call)
        if arguments:
            call.args.append(arguments)
        items.append(("tool_calls", {"index": index, "id": call.id, "name": call.name, "arguments_delta": arguments}))
        return call

    def _call_args(
        self, call: ToolCall, text: object, items: list[Item], name: object = None, call_id: object = None
    ) -> None:
        """More arguments text (and/or a late name or id: each set once, never overwritten or
        concatenated)."""
        late_name = late_id = None
        if isinstance(name, str) and name and call.name is None:
            call.name = late_name = name
        if isinstance(call_id, str) and call_id and call.id is None:
            call.id = late_id = call_id
        if isinstance(text, str) and text:
            call.args.append(text)
        else:
            text = ""
        if text or late_name or late_id:
            items.append(
                ("tool_calls", {"index": call.index, "id": late_id, "name": late_name, "arguments_delta": text})
            )

    def _reconcile_args(self, call: ToolCall, full: object, items: list[Item]) -> None:
        """An authoritative full arguments text (`*.done`): emit what the deltas missed."""
        if isinstance(full, str) and full:
            have = call.arguments
            if full != have and full.startswith(have):
                self._call_args(call, full[len(have) :], items)

    # ---------------------------------------------------------------- ending
    def _usage(self) -> dict[str, int | None] | None:
        raise NotImplementedError

    def _finish_reason(self) -> str | None:
        raise NotImplementedError

    def _message(self) -> dict[str, Any]:
        """The assembled message of `original_done` (subclasses add their native form)."""
        return {
            "role": "assistant",
            "content": self.text,
            "reasoning": self.reasoning or None,
            "refusal": "".join(self.refusal_parts) or None,
            "tool_calls": [call.message() for call in self.calls],
        }

    def _incomplete_message(self) -> str:
        return "the stream ended before its terminal marker"

    def complete(self) -> list[Item]:
        """The source ended by contract. For the APIs whose terminal marker is a payload this is
        the end of the body (no marker -> `StreamIncompleteError`); Chat Completions overrides it."""
        return self.finish()

    def finish(self) -> list[Item]:
        if self.ended:
            return []
        if self.raw_usage is not None:
            self.meta["usage"] = self._usage()
        finish = self._finish_reason() if self.terminated else None
        if finish is None:
            return self.fail(StreamIncompleteError(self._incomplete_message(), provider=self.provider))
        self.ended = True
        self.pack_text()  # `done` and `original_done` then share the one text
        self.meta["finish_reason"] = finish
        items: list[Item] = []
        open_calls = [call.index for call in self.calls if not call.closed]
        if open_calls:
            items.append(("extra", {"incomplete_tool_calls": open_calls}))
        items += [("done", self.text), ("reasoning_done", self.reasoning), ("original_done", self._message())]
        items.append(("meta", dict(self.meta)))
        return items

    def fail(self, exc: BaseException, finish_reason: str = "error") -> list[Item]:
        """End with an error: `meta` (finish_reason "error", or the reason given: a blocked
        prompt is `content_filter`), then `("error", exc)`."""
        if self.ended:
            return []
        if self.raw_usage is not None and self.meta["usage"] is None:
            self.meta["usage"] = self._usage()
        self.ended = True
        self.pack_text()
        meta = dict(self.meta)
        meta["finish_reason"] = finish_reason
        return [("meta", meta), ("error", exc)]

    def stream_error(self, message: object, code: object, body: object, finish_reason: str = "error") -> list[Item]:
        """End with the provider's in-band error."""
        text = message if isinstance(message, str) and message else "the provider sent an error in the stream"
        kept: str | int | None = code if isinstance(code, (str, int)) and not isinstance(code, bool) else None
        return self.fail(
            ProviderStreamError(text, code=kept if kept != "" else None, provider=self.provider, body=body),
            finish_reason,
        )


StreamAdapter = ProviderAdapter
"""The former name of the adapter base (every adapter builds on `ProviderAdapter` now)."""


class ProviderModel:
    """Base of the provider models (`OpenAICompatible`, ...): one endpoint and its settings.

    Every model takes `model`, `base_url` (default: the provider's public endpoint), `api_key`
    (default: the `api_key_env` environment variable; may be absent for local servers),
    `options` (merged into the request body: `temperature`, `max_tokens`, ...), `headers`,
    `timeout` (seconds or an `httpx.Timeout`; on by default), `structured` (`"native"`: also ask
    for the provider's structured-output mode; `"prompt"`: the instruction only; `"auto"`:
    native where the provider is known to support it) and `retries` (an int or `Retries`).
    """

    provider: ClassVar[str] = ""
    """The registry name (`Response.from_stream(..., provider=...)`)."""
    aliases: ClassVar[tuple[str, ...]] = ()
    """Other names the registry accepts for this provider (lower case, `-` for `_`)."""
    framing: ClassVar[Literal["sse", "ndjson"]] = "sse"
    adapter_class: ClassVar[type[ProviderAdapter]] = ProviderAdapter
    """The stream adapter of this provider's wire format."""
    default_base_url: ClassVar[str] = ""
    api_key_env: ClassVar[str | None] = None
    endpoint_paths: ClassVar[tuple[str, ...]] = ()
    """Paths this model appends to `base_url`; a `base_url` already ending in one (the full URL,
    as `serve-mock` prints it) is trimmed to the API root."""

    def __init__(
        self,
        *,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        options: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        structured: Structured = "auto",
        retries: int | Retries | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if structured not in ("auto", "native", "prompt"):
            raise ValueError(f"structured must be 'auto', 'native' or 'prompt', not {structured!r}")
        self.model = model
        root = (base_url or self.default_base_url).rstrip("/")
        for path in self.endpoint_paths:
            if root.endswith(path):
                root = root[: -len(path)].rstrip("/")
                break
        self.base_url = root
        key = api_key if api_key is not None else (os.environ.get(self.api_key_env) if self.api_key_env else None)
        self.__api_key = key or None
        self.options: dict[str, Any] = dict(options or {})
        self.headers: dict[str, str] = dict(headers or {})
        self.timeout = timeout
        self.structured: Structured = structured
        self.retries: Retries = Retries() if retries is None else coerce_retries(retries)
        self.transport = transport

    def __repr__(self) -> str:
        key = "set" if self.__api_key else "none"
        return f"{type(self).__name__}(model={self.model!r}, base_url={self.base_url!r}, api_key=<{key}>)"

    @property
    def has_api_key(self) -> bool:
        return self.__api_key is not None

    def _api_key(self) -> str | None:
        return self.__api_key

    def check_api_key(self) -> None:
        """Refuse to send a request to the provider's own cloud endpoint (the default `base_url`)
        without an API key: `ValueError` naming `api_key=` and the environment variable, raised
        before any byte is sent (instead of a 401 from the provider). Local servers and other
        `base_url`s may need no key and are never refused."""
        default = self.default_base_url.rstrip("/")
        if self.__api_key is None and self.api_key_env and default.startswith("https://") and self.base_url == default:
            raise ValueError(f"no API key for {default}: pass api_key=... or set {self.api_key_env}")

    def _secrets(self) -> tuple[str, ...]:
        return (self.__api_key,) if self.__api_key else ()

    def uses_native_structured(self) -> bool:
        """Whether requests with an output spec also carry the provider's structured-output field
        (`structured="auto"`: yes, except where a subclass knows better)."""
        return self.structured != "prompt"

    def build_request(self, prompt: Prompt) -> RequestSpec:
        """The HTTP request for `prompt` (sans-IO)."""
        raise NotImplementedError

    def new_adapter(self) -> ProviderAdapter:
        """A fresh adapter for one response of this provider."""
        return self.adapter_class()


def system_text(prompt: Prompt) -> str:
    """The system prompt and the output instruction, joined (empty when neither is set)."""
    return "\n\n".join(part for part in (prompt.system, prompt.instruction) if part)


def normalize_usage_counts(
    input_tokens: int | None,
    output_tokens: int | None,
    total_tokens: int | None,
    reasoning_tokens: int | None,
    cached_input_tokens: int | None,
) -> dict[str, int | None]:
    """The normalized usage dict; `total_tokens` defaults to input + output."""
    usage = empty_usage()
    usage["input_tokens"] = input_tokens
    usage["output_tokens"] = output_tokens
    if total_tokens is None and input_tokens is not None and output_tokens is not None:
        total_tokens = input_tokens + output_tokens
    usage["total_tokens"] = total_tokens
    usage["reasoning_tokens"] = reasoning_tokens
    usage["cached_input_tokens"] = cached_input_tokens
    return usage


def compact_json(value: object) -> str:
    """Compact JSON text of an arguments object (the normalized form of object-valued arguments)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class ToolCall:
    """One tool call as an adapter assembles it: `index` is the normalized, per-response index."""

    __slots__ = ("args", "closed", "extra", "id", "index", "name")

    def __init__(self, index: int, call_id: str | None, name: str | None) -> None:
        self.index = index
        self.id = call_id
        self.name = name
        self.args: list[str] = []
        self.closed = False
        self.extra: dict[str, Any] = {}

    @property
    def arguments(self) -> str:
        return "".join(self.args)

    def message(self) -> dict[str, Any]:
        """The call in `original_done`: Chat Completions shape, plus `incomplete` and extras."""
        out: dict[str, Any] = {
            "id": self.id or f"call_{self.index}",
            "type": "function",
            "function": {"name": self.name, "arguments": self.arguments or "{}"},
        }
        if not self.closed:
            out["incomplete"] = True
        out.update(self.extra)
        return out
