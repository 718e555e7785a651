"""The `"normalized"` provider: a stream of instantjson's own normalized events, passed through.

What `instantjson.redis` publishes and attaches, and what any transport can carry: each
payload is `{"events": [[name, value], ...], "end": bool}`, the `(event, value)` items of
DESIGN.md section 3 in order, as JSON (`encode_payload()` writes one). An `error` value is an
encoded exception (`encode_error()`); `end` marks the last payload of a stream.

Derived events are not carried: `instant` (and `typed`) events are computed again by the
receiving response's own pipeline from the same `delta` and `tool_calls` items (the parser is
fed once per `delta` item, deterministically), so the receiver's `type="all"` sequence, and
every event id in it, is the sender's. Derived names and private `_` markers that arrive
anyway are dropped.

`Response.from_stream(payloads, provider="normalized")` reads decoded payloads (dicts, sync or
async); as bytes, the wire is NDJSON, one payload per line. A payload source that ends
without `end` is an incomplete stream (`StreamIncompleteError`).

Exceptions travel as `{"type": "module.Class", "args": [...], "attrs": {...}}` (the public,
JSON-serializable attributes) and come back as the same class when it is one of instantjson's
or httpx's (or a builtin exception), else as `RemoteError` naming the original type.
"""

from __future__ import annotations

import importlib
import inspect
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Final, cast

from .._exceptions import InstantJSONError, ProviderStreamError, StreamIncompleteError
from ._base import ProviderAdapter, ProviderModel, RequestSpec

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .._parts import Item
    from ._base import Prompt

__all__ = [
    "DERIVED_EVENTS",
    "Normalized",
    "NormalizedAdapter",
    "RemoteError",
    "decode_error",
    "encode_error",
    "encode_payload",
]

DERIVED_EVENTS: Final[frozenset[str]] = frozenset({"instant", "typed"})
"""Events a response's pipeline derives itself: never carried, computed again on arrival."""

_ERROR_MODULES: Final[frozenset[str]] = frozenset({"instantjson", "httpx", "builtins"})
"""Where exception classes are looked up when an error comes back (classes only, no code run
beyond the exception's own constructor)."""


class RemoteError(InstantJSONError):
    """An error of a type that cannot be rebuilt where it arrived (not instantjson's, httpx's or a
    builtin): `type_name` is the original `module.Class`, `attrs` its public attributes."""

    def __init__(self, message: str, *, type_name: str = "", attrs: Mapping[str, Any] | None = None) -> None:
        super().__init__(f"{type_name}: {message}" if type_name else message)
        self.message = message
        self.type_name = type_name
        self.attrs: dict[str, Any] = dict(attrs or {})


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return False
    return True


def encode_error(exc: BaseException) -> dict[str, Any]:
    """An exception as JSON-serializable data: its type, args and public attributes."""
    cls = type(exc)
    if isinstance(exc, RemoteError):
        return {"type": exc.type_name, "args": [exc.message], "attrs": exc.attrs}
    args = list(exc.args) if _jsonable(list(exc.args)) else [str(exc)]
    attrs = {k: v for k, v in vars(exc).items() if not k.startswith("_") and _jsonable(v)}
    return {"type": f"{cls.__module__}.{cls.__qualname__}", "args": args, "attrs": attrs}


def _find_class(type_name: str) -> type[BaseException] | None:
    module_name, _, qualname = type_name.rpartition(".")
    if module_name.split(".")[0] not in _ERROR_MODULES or not qualname.isidentifier():
        return None
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    cls = getattr(module, qualname, None)
    if isinstance(cls, type) and issubclass(cls, Exception):
        return cls
    return None


def decode_error(data: Any) -> BaseException:
    """The exception `encode_error()` described (the same class where it can be rebuilt)."""
    if isinstance(data, BaseException):
        return data
    if not isinstance(data, Mapping):
        return RemoteError(str(data))
    fields = cast("Mapping[str, object]", data)  # decoded JSON: keys are strings
    type_name = str(fields.get("type", ""))
    raw_args = fields.get("args")
    args: list[Any] = list(cast("list[object]", raw_args)) if isinstance(raw_args, list) else []
    raw_attrs = fields.get("attrs")
    attrs: dict[str, Any] = dict(cast("Mapping[str, object]", raw_attrs)) if isinstance(raw_attrs, Mapping) else {}
    message = str(attrs.get("message", args[0] if args else ""))
    cls = _find_class(type_name)
    if cls is None:
        return RemoteError(message, type_name=type_name, attrs=attrs)
    try:
        params = inspect.signature(cls.__init__).parameters
        keywords = {k: v for k, v in attrs.items() if k in params and params[k].kind is inspect.Parameter.KEYWORD_ONLY}
        exc = cls(*args, **keywords)
    except Exception:
        try:
            exc = cls.__new__(cls)
            exc.args = tuple(args)
        except Exception:
            return RemoteError(message, type_name=type_name, attrs=attrs)
    for k, v in attrs.items():
        try:
            if getattr(exc, k, _MISSING) != v:
                setattr(exc, k, v)
        except Exception:  # noqa: PERF203 - a read-only property: the constructor set it already
            pass
    return exc


_MISSING: Any = object()


def _default(value: Any) -> Any:
    if isinstance(value, BaseException):
        return encode_error(value)
    if isinstance(value, Mapping):
        return dict(cast("Mapping[object, object]", value))
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump(mode="json")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(cast("bytes", value)).decode("utf-8", "replace")
    if isinstance(value, (set, frozenset)) or (isinstance(value, Sequence) and not isinstance(value, str)):
        return list(cast("Iterable[object]", value))
    raise TypeError(f"a normalized event value of type {type(value).__name__} cannot be sent as JSON")


def encode_payload(items: Iterable[Item], *, end: bool = False) -> str:
    """One payload as JSON text: `{"events": [[name, value], ...], "end": end}`, derived events
    and private markers left out, exceptions encoded."""
    events: list[list[Any]] = []
    for name, value in items:
        if name in DERIVED_EVENTS or name[:1] == "_":
            continue
        events.append([name, encode_error(value) if name == "error" and isinstance(value, BaseException) else value])
    return json.dumps({"events": events, "end": end}, ensure_ascii=False, separators=(",", ":"), default=_default)


class NormalizedAdapter(ProviderAdapter):
    """Passes normalized items through (see the module docs); keeps the text, reasoning and meta
    that the response's getters read."""

    provider: ClassVar[str] = "normalized"

    def feed(self, event: str | None, payload: Mapping[str, Any]) -> list[Item]:
        if self.ended:
            return []
        events = payload.get("events")
        if not isinstance(events, list):
            return self.fail(
                ProviderStreamError(
                    "not a normalized payload: expected {'events': [[name, value], ...], 'end': bool}",
                    provider=self.provider,
                    body=dict(payload),
                )
            )
        items: list[Item] = []
        for entry in cast("list[object]", events):
            pair = cast("Sequence[object]", entry) if isinstance(entry, (list, tuple)) else ()
            if len(pair) != 2 or not isinstance(pair[0], str):
                bad = ProviderStreamError(f"not a normalized event: {entry!r:.200}", provider=self.provider)
                return items + self.fail(bad)
            name: str = pair[0]
            value: Any = pair[1]
            if name in DERIVED_EVENTS or name[:1] == "_":
                continue
            if name == "delta":
                self.text_parts.append(value)
            elif name == "reasoning_delta":
                self.reasoning_parts.append(value)
            elif name == "meta" and isinstance(value, Mapping):
                self.meta = dict(cast("Mapping[str, Any]", value))
            elif name == "error":
                items.append(("error", decode_error(value)))
                self.ended = True
                return items
            elif name == "extra" and isinstance(value, Mapping) and "unknown" in value:
                # the publisher's adapter met a shape it does not know: warn here too, once
                unknown: object = cast("Mapping[str, object]", value)["unknown"]
                if isinstance(unknown, Mapping):
                    described = cast("Mapping[str, object]", unknown)
                    self._unknown(str(described.get("where", "a payload")), described.get("value"), items)
                else:
                    self._unknown("a payload", unknown, items)
                continue
            items.append((name, cast("object", value)))
        if payload.get("end"):
            self.ended = True
        return items

    def feed_text(self, event: str | None, data: str) -> list[Item]:
        if not data.strip():
            return []
        return self.fail(ProviderStreamError(f"not a normalized payload: {data[:200]!r}", provider=self.provider))

    def complete(self) -> list[Item]:
        return self.finish()

    def finish(self) -> list[Item]:
        if self.ended:
            return []
        message = "the normalized stream ended before its end marker"
        return self.fail(StreamIncompleteError(message, provider=self.provider))


class Normalized(ProviderModel):
    """Registry entry of the `"normalized"` stream format; it makes no requests of its own."""

    provider: ClassVar[str] = "normalized"
    framing = "ndjson"
    adapter_class = NormalizedAdapter

    def build_request(self, prompt: Prompt) -> RequestSpec:
        raise TypeError("the 'normalized' provider only reads streams (Response.from_stream); it sends no requests")

    def new_adapter(self) -> NormalizedAdapter:
        return NormalizedAdapter()
