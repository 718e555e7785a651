"""The common shape of a provider: a model (request side) and an adapter (stream side).

`ProviderModel` holds the settings of one endpoint and builds requests sans-IO
(`build_request(prompt) -> RequestSpec`); `new_adapter()` returns a fresh `ProviderAdapter`,
a synchronous state machine that turns the provider's decoded payloads into the normalized
`(event, value)` items of `instantjson._parts`. Neither does any I/O: `_client.py` sends the
request, `_response.py` feeds the adapter. Adapters hold per-response state (text buffers,
tool-call index maps) and never import httpx.

API keys come from the `api_key` argument or the provider's environment variable
(`api_key_env`); they are kept out of `repr()`, and `_client.py` redacts them from error
messages and bodies.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from .._client import DEFAULT_TIMEOUT, RequestSpec, Retries, coerce_retries
from .._parts import Item, empty_usage

if TYPE_CHECKING:
    from collections.abc import Mapping

    import httpx

__all__ = ["Prompt", "ProviderAdapter", "ProviderModel", "RequestSpec", "Structured"]

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
    """Base of the per-response stream mappers. Subclasses implement `feed` and the ending.

    Protocol: `feed(event, payload)` for each JSON frame (`event` is the SSE `event:` name or
    None), `feed_text(event, data)` for each non-JSON frame (`[DONE]`), `complete()` when the
    source ended by contract (a list of payloads from an SDK has no terminal marker),
    `finish()` at the end of the body, `fail(exc)` for a transport error. Each returns the
    items to append. Once `ended` is True the adapter produces nothing more.
    """

    provider: ClassVar[str] = ""
    markers: ClassVar[frozenset[str]] = frozenset()
    """Frame payloads that are not JSON on purpose (`[DONE]`): passed to `feed_text()` even when
    the decoder reports them as a JSON error."""

    def __init__(self) -> None:
        self.ended = False
        self.text_parts: list[str] = []
        self.reasoning_parts: list[str] = []
        self.meta: dict[str, Any] = {
            "id": None,
            "model": None,
            "finish_reason": None,
            "raw_finish_reason": None,
            "usage": None,
        }

    @property
    def text(self) -> str:
        """The answer text so far."""
        return "".join(self.text_parts)

    @property
    def reasoning(self) -> str:
        """The reasoning text so far."""
        return "".join(self.reasoning_parts)

    def feed(self, event: str | None, payload: Mapping[str, Any]) -> list[Item]:
        raise NotImplementedError

    def feed_text(self, event: str | None, data: str) -> list[Item]:
        return []

    def complete(self) -> list[Item]:
        """The source ended by contract: end as if the terminal marker had arrived."""
        return self.finish()

    def finish(self) -> list[Item]:
        raise NotImplementedError

    def fail(self, exc: BaseException) -> list[Item]:
        """End with an error: `meta` (finish_reason "error"), then `("error", exc)`."""
        if self.ended:
            return []
        self.ended = True
        meta = dict(self.meta)
        meta["raw_finish_reason"] = meta.get("raw_finish_reason")
        meta["finish_reason"] = "error"
        return [("meta", meta), ("error", exc)]


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
    framing: ClassVar[Literal["sse", "ndjson"]] = "sse"
    default_base_url: ClassVar[str] = ""
    api_key_env: ClassVar[str | None] = None

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
        self.base_url = (base_url or self.default_base_url).rstrip("/")
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

    def _secrets(self) -> tuple[str, ...]:
        return (self.__api_key,) if self.__api_key else ()

    def build_request(self, prompt: Prompt) -> RequestSpec:
        """The HTTP request for `prompt` (sans-IO)."""
        raise NotImplementedError

    def new_adapter(self) -> ProviderAdapter:
        """A fresh adapter for one response of this provider."""
        raise NotImplementedError


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


def as_int(value: Any) -> int | None:
    """An int count from a payload value, or None (bools and junk are not counts)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None
