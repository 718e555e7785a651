"""The exception hierarchy of instantjson.

```
InstantJSONError
├── ParseError(InstantJSONError, ValueError)      bad JSON: kind, offset, line, column, path
├── FramingError(InstantJSONError, ValueError)    malformed SSE or NDJSON framing: kind, offset, limit
├── ProviderError                                 the model provider said no: provider, message, body
│   ├── ProviderStatusError                       a non-2xx HTTP status: status_code
│   └── ProviderStreamError                       an error inside a 200 stream: code
├── StreamIncompleteError(ProviderStreamError)    the stream ended without its terminal marker
├── ResponseClosedError                           the response was closed (aclose()) before its end
├── DeadlineExceededError(..., TimeoutError)      the response did not end within its total deadline
└── ReplayOverflowError                           a bounded replay log is full
├── ReplayOverflowError                           a bounded replay log is full
└── OutputValidationError(InstantJSONError, ValueError)  a value broke the output schema: path, raw, errors
├── ReplayOverflowError                           a bounded replay log is full
└── ProducerLostError                             a shared response's publisher died (instantjson.redis)
```

Transport failures (`httpx.TransportError` and its subclasses: connect errors, read timeouts,
a connection closed mid-body) propagate unchanged, as httpx raised them: they are not the
provider's answer and the library does not interpret them.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "DeadlineExceededError",
    "FramingError",
    "InstantJSONError",
    "OutputValidationError",
    "ParseError",
    "ProducerLostError",
    "ProviderError",
    "ProviderStatusError",
    "ProviderStreamError",
    "ReplayOverflowError",
    "ResponseClosedError",
    "StreamIncompleteError",
    "UnknownPayloadWarning",
]


class InstantJSONError(Exception):
    """Base class of every error that instantjson raises itself."""


class ParseError(InstantJSONError, ValueError):
    """The text is not JSON (strict), or not even JSON as models write it (lenient).

    `kind` names the rule that broke (`"expected_value"`, `"depth_limit"`, ...), `offset` counts
    characters from the start of the stream, `line` and `column` are 1-based, and `path` is where
    the parser was (`"steps[2]"`, `""` at the root). The parser that raised it stays failed:
    `feed()` raises the same error again and `snapshot()` still returns what came before.
    """

    def __init__(
        self,
        message: str,
        *,
        kind: str = "invalid",
        offset: int = 0,
        line: int = 1,
        column: int = 1,
        path: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.offset = offset
        self.line = line
        self.column = column
        self.path = path
        #: The events the failing `feed()`/`finish()` call produced before the error.
        self.events: list[Any] = []

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_parse_error, (self.message, self.kind, self.offset, self.line, self.column, self.path))


def _rebuild_parse_error(message: str, kind: str, offset: int, line: int, column: int, path: str) -> ParseError:
    return ParseError(message, kind=kind, offset=offset, line=line, column=column, path=path)


class FramingError(InstantJSONError, ValueError):
    """The byte stream is not valid SSE or NDJSON framing, or a frame broke a size limit.

    `kind` names what went wrong (`"frame_too_large"`: a line, or one SSE event's data, is longer
    than the decoder's `max_frame_size`; `"feed_after_finish"`), `offset` counts bytes from the
    start of the stream (the first byte beyond the limit) and `limit` is the size limit that was
    broken (None for other kinds). Raise `max_frame_size` if the frames are legitimately that big.
    The decoder that raised it stays failed.
    """

    def __init__(self, message: str, *, kind: str = "invalid", offset: int = 0, limit: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.offset = offset
        self.limit = limit

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_framing_error, (self.message, self.kind, self.offset, self.limit))


def _rebuild_framing_error(message: str, kind: str, offset: int, limit: int | None) -> FramingError:
    return FramingError(message, kind=kind, offset=offset, limit=limit)


class ProviderError(InstantJSONError):
    """The model provider reported an error. `provider` names it (`"openai"`, `"anthropic"`, ...),
    `message` is the provider's own message and `body` the decoded error body (a dict when it was
    JSON, else the text, cut to a few KiB). API keys never appear in either."""

    def __init__(self, message: str, *, provider: str | None = None, body: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.provider = provider
        self.body = body


class ProviderStatusError(ProviderError):
    """The provider answered with a non-2xx HTTP status before any output (`status_code`).
    `url` is the address that answered (without its query string), when known; then `str(error)`
    is one line with the status, the method and URL, and the provider's message (`message`)."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        provider: str | None = None,
        body: Any = None,
        url: str | None = None,
        summary: str | None = None,
    ) -> None:
        super().__init__(message, provider=provider, body=body)
        self.status_code = status_code
        self.url = url
        if summary is not None:
            self.args = (summary,)


class ProviderStreamError(ProviderError):
    """The provider sent an error inside a successful (HTTP 200) stream: an error frame, Anthropic's
    `event: error`, Responses' `response.failed`, Ollama's `{"error": ...}` line, a blocked prompt.
    `code` is the provider's error code or type when it gave one. Text received before it stays in
    the response's replay and in `async_get_text(partial=True)`."""

    def __init__(
        self, message: str, *, code: str | int | None = None, provider: str | None = None, body: Any = None
    ) -> None:
        super().__init__(message, provider=provider, body=body)
        self.code = code


class StreamIncompleteError(ProviderStreamError):
    """The stream ended (the connection closed cleanly) before the provider's terminal marker
    (`data: [DONE]`, `message_stop`, `response.completed`, `"done": true`, ...): the answer may be
    cut short, so it is an error, never a silent success."""


class ResponseClosedError(InstantJSONError):
    """The response was closed (`await response.aclose()`, or the exit of `async with response:`)
    before its stream ended. Consumers still reading it, and those attached later, get every event
    that arrived before the close and then this error, never a silently truncated stream; getters
    raise it, except with `partial=True`."""


class ReplayOverflowError(InstantJSONError):
    """A response created with a bounded replay log (`max_parts`) received more parts than it holds."""


class UnknownPayloadWarning(UserWarning):
    """A provider payload carried a field or shape the adapter does not know (a new content part
    type, a new block type, ...). Its value was not dropped: it is in an `extra` event
    `{"unknown": {"where": ..., "value": ...}}`. Warned once per response; silence it with
    `warnings.filterwarnings("ignore", category=instantjson.UnknownPayloadWarning)`."""


class DeadlineExceededError(InstantJSONError, TimeoutError):
    """The response did not end within its total deadline (`Response.deadline`, 600 s by
    default), however steadily the server kept sending (a ping comment every few seconds, a
    byte every second): the request is closed and every consumer gets the events before this
    error, then it. The read timeout bounds the silence between two reads; this bounds the
    whole response."""


class OutputValidationError(InstantJSONError, ValueError):
    """A value of the structured answer does not match the output schema given to `output()`.

    `path` is where the value is (`"steps[2]"`, `""` for the whole answer), `raw` the JSON value
    as the model wrote it, and `errors` pydantic's error dicts (`type`, `loc` relative to `path`,
    `msg`, `input`; for a JSON Schema or dict spec, dicts of the same shape). A typed event of an
    invalid value carries it; `async_get_data()` raises the whole answer's one (every error, each
    with its `loc`); with `output(..., on_invalid="abort")` the first one ends the response. Fix
    the prompt or the schema, or read `async_get_data(raw=True)` for the JSON as it came.
    """

    def __init__(
        self, message: str, *, path: str = "", raw: Any = None, errors: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.raw = raw
        self.errors: list[dict[str, Any]] = list(errors or [])

    @classmethod
    def from_errors(cls, path: str, raw: Any, errors: list[dict[str, Any]]) -> OutputValidationError:
        """The error of the value at `path`, with a message naming its first errors."""
        where = path or "the answer"
        count = len(errors)
        lines: list[str] = []
        for error in errors[:3]:
            loc = ".".join(str(part) for part in error.get("loc", ()))
            lines.append(f"  {loc or '(value)'}: {error.get('msg', error.get('type', 'invalid'))}")
        more = f"\n  ... and {count - 3} more" if count > 3 else ""
        noun = "error" if count == 1 else "errors"
        hint = "\n(fix the prompt or the schema; get_data(raw=True) gives the JSON as it came)"
        message = f"{count} validation {noun} in {where}:\n" + "\n".join(lines) + more + hint
        return cls(message, path=path, raw=raw, errors=errors)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_output_error, (self.message, self.path, self.raw, self.errors))


def _rebuild_output_error(message: str, path: str, raw: Any, errors: list[dict[str, Any]]) -> OutputValidationError:
    return OutputValidationError(message, path=path, raw=raw, errors=errors)


class ProducerLostError(InstantJSONError):
    """The process publishing a shared response (`instantjson.redis`) stopped before its end: it
    died, hung, or lost Redis for longer than its lease, or it never started after `new_key()`.
    Consumers of the attached response get every event published before it, then this error
    (within the store's `producer_timeout`, never a hang); getters raise it, except with
    `partial=True`. `key` is the stream's key. Nothing is re-requested: start a new response."""

    def __init__(self, message: str, *, key: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.key = key
