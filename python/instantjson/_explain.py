"""One line for a person: what went wrong, where (URL, HTTP status) and what to do.

`explain(exc, url=...)` turns the exceptions a command-line user meets (a refused connection, an
HTTP error status, a stream cut short, an answer that is not JSON, a missing file) into a sentence
and a hint. Exception groups (two consumers failing with the same error) are reduced to the
error inside them. Used by `python -m instantjson demo` and `parse`; the exceptions themselves
are unchanged.
"""

from __future__ import annotations

import builtins
import http
import importlib
from typing import TYPE_CHECKING, Any

import httpx

from ._exceptions import (
    FramingError,
    OutputValidationError,
    ParseError,
    ProviderError,
    ProviderStatusError,
    ProviderStreamError,
    ResponseClosedError,
    StreamIncompleteError,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["explain", "leaf_errors"]


def _group_type() -> type[BaseException]:
    """`BaseExceptionGroup`: a builtin from 3.11, the backport anyio depends on before."""
    found = getattr(builtins, "BaseExceptionGroup", None)
    if found is None:  # pragma: no cover - Python 3.10
        found = importlib.import_module("exceptiongroup").BaseExceptionGroup
    return found


_GROUP = _group_type()

_BASE_URL_HINT = "an OpenAI-compatible --base-url ends in /v1, e.g. http://localhost:11434/v1 for Ollama"

_STATUS_HINTS = {
    400: "the endpoint rejected the request: check --model, or try --structured prompt if it does not "
    "support response_format",
    401: "the API key was refused: pass --api-key KEY or set OPENAI_API_KEY",
    403: "the API key may not use this model or endpoint: check --api-key and --model",
    404: f"wrong URL or model name: {_BASE_URL_HINT}, and --model must be a model that endpoint serves",
    408: "the provider timed out: try again",
    413: "the request is too large for this endpoint",
    422: "the endpoint rejected the request: check --model, or try --structured prompt",
    429: "rate limited or out of quota: wait a moment and retry, or check your plan",
}


def leaf_errors(exc: BaseException) -> list[BaseException]:
    """The exceptions inside (nested) exception groups, in order; `exc` itself when not a group."""
    if isinstance(exc, _GROUP):
        inner: Sequence[BaseException] = getattr(exc, "exceptions", ())
        out: list[BaseException] = []
        for one in inner:
            out += leaf_errors(one)
        return out
    return [exc]


def _where(exc: BaseException, url: str | None) -> str | None:
    """The URL the error is about (without its query, which may hold a key)."""
    found: Any = getattr(exc, "url", None)
    if found is None and isinstance(exc, httpx.RequestError):
        try:
            found = exc.request.url
        except RuntimeError:  # httpx raises when no request is attached
            found = None
    if found is None:
        found = url
    if found is None:
        return None
    return str(found).split("?", 1)[0]


def _status_text(code: int) -> str:
    try:
        return f"HTTP {code} {http.HTTPStatus(code).phrase}"
    except ValueError:
        return f"HTTP {code}"


def _one(exc: BaseException, url: str | None, in_answer: bool) -> tuple[str, str]:
    where = _where(exc, url)
    at = f" {where}" if where else ""
    message = str(exc).strip()
    if isinstance(exc, httpx.RequestError) and where and message.endswith(f" {where})"):
        message = message.rsplit(" (", 1)[0]  # the client appends " (METHOD url)": said once here
    if isinstance(exc, httpx.ConnectTimeout):
        return (f"could not connect to{at} in time ({message or 'connect timeout'})", _connect_hint())
    if isinstance(exc, httpx.ConnectError):
        return (f"could not connect to{at}: {message or 'connection refused'}", _connect_hint())
    if isinstance(exc, httpx.TimeoutException):
        return (
            f"no answer from{at} in time ({type(exc).__name__})",
            "the model may still be loading or be slow: try again, or raise the model's timeout",
        )
    if isinstance(exc, httpx.TransportError):
        return (
            f"the connection to{at} failed: {message or type(exc).__name__}",
            "the server closed the connection: check that it is running and retry",
        )
    if isinstance(exc, ProviderStatusError):
        status = _status_text(exc.status_code)
        detail = exc.message.strip()
        reason = status.split(" ", 2)[-1]
        said = f": {detail}" if detail and detail.lower() != reason.lower() else " (no error message in the body)"
        hint = _STATUS_HINTS.get(exc.status_code)
        if hint is None:
            hint = "the provider failed: try again later" if exc.status_code >= 500 else _BASE_URL_HINT
        return (f"{where or 'the provider'} answered {status}{said}", hint)
    if isinstance(exc, StreamIncompleteError):
        return (
            f"the stream from{at or ' the provider'} ended before the answer was complete ({message})",
            f"the server closed the stream early, or the URL is not a streaming chat endpoint: {_BASE_URL_HINT}",
        )
    if isinstance(exc, ProviderStreamError):
        code = f" [{exc.code}]" if exc.code is not None else ""
        return (
            f"{where or 'the provider'} sent an error in the middle of the answer{code}: {message}",
            "the text before the error is kept (get_text(partial=True)); retry the request",
        )
    if isinstance(exc, ProviderError) and "not an event stream" in message:
        return (message.split(": is base_url", 1)[0], _BASE_URL_HINT)
    if isinstance(exc, OutputValidationError):
        first = exc.errors[0] if exc.errors else {}
        loc = ".".join(str(part) for part in first.get("loc", ()))
        where = ".".join(part for part in (exc.path, loc) if part) or "the answer"
        more = f" (and {len(exc.errors) - 1} more)" if len(exc.errors) > 1 else ""
        return (
            f"the answer does not match the output spec: {where}: {first.get('msg', 'invalid')}{more}",
            "the model left out or mistyped a field (its JSON: get_data(raw=True)); "
            "try a model that follows instructions better, or --structured native",
        )
    if isinstance(exc, ParseError) and not in_answer:
        return (
            f"the stream from{at or ' the provider'} sent a frame that is not JSON: {message}",
            f"is this an OpenAI-compatible streaming endpoint? {_BASE_URL_HINT}",
        )
    if isinstance(exc, ParseError):
        return (
            f"the answer is not the JSON that was asked for: {message}",
            "the model answered with prose: its text is in get_text() (TEXT_STREAM above); "
            "try a model that follows instructions better, or --structured native",
        )
    if isinstance(exc, FramingError):
        return (
            f"the stream from{at or ' the provider'} is not valid SSE: {message}",
            f"is this an OpenAI-compatible streaming endpoint? {_BASE_URL_HINT}",
        )
    if isinstance(exc, ResponseClosedError):
        return ("the response was closed before its end", "read the response before closing it")
    if isinstance(exc, FileNotFoundError):
        return (f"no such file: {exc.filename}", "check the path, or pass - to read standard input")
    if isinstance(exc, IsADirectoryError):
        return (f"{exc.filename} is a directory, not a file", "pass a file, or - to read standard input")
    if isinstance(exc, PermissionError):
        return (f"permission denied: {exc.filename}", "check the file's permissions")
    if isinstance(exc, OSError):
        return (f"{exc.strerror or message}: {exc.filename or ''}".rstrip(": "), "check the path and retry")
    return (
        f"{type(exc).__name__}: {message}",
        "this looks like a bug in instantjson: please report it with the command you ran",
    )


def _connect_hint() -> str:
    return f"is the server running? check --base-url ({_BASE_URL_HINT})"


def explain(exc: BaseException, *, url: str | None = None, in_answer: bool = False) -> tuple[str, str]:
    """(what happened and where, what to do) for `exc`, one line each. `url` is the endpoint the
    caller was talking to, used when the exception does not carry one; `in_answer`: the stream
    was fine and `exc` is about the answer's text (a `ParseError` of the answer, not of a frame)."""
    leaves = leaf_errors(exc)
    first = leaves[0] if leaves else exc
    line, hint = _one(first, url, in_answer)
    others = sum(1 for e in leaves[1:] if (type(e), str(e)) != (type(first), str(first)))
    if others:
        line += f" (and {others} other error{'s' if others > 1 else ''})"
    return line, hint
