"""Request types, sans-IO: what a provider model builds and what an HTTP error becomes.

`RequestSpec` (one HTTP request, built by a provider model), `Retries` (when to re-send),
the timeout defaults, and `status_error()` (a non-2xx body -> `ProviderStatusError`, with the
provider's own message and the key redacted). No I/O here: `_client.py` sends the requests and
imports these back; the provider modules import them from here, never from `_client.py`.
"""

from __future__ import annotations

import email.utils
import json
import random
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import httpx

from ._core import loads
from ._exceptions import ProviderStatusError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = [
    "DEFAULT_TIMEOUT",
    "MAX_ERROR_BODY",
    "RequestSpec",
    "Retries",
    "TimeoutLike",
    "coerce_retries",
    "coerce_timeout",
    "error_code",
    "error_message",
    "retry_after_seconds",
    "status_error",
]

DEFAULT_TIMEOUT: Final = httpx.Timeout(connect=10.0, read=120.0, write=30.0, pool=10.0)
MAX_ERROR_BODY: Final = 64 * 1024
_MAX_MESSAGE: Final = 2000
_MAX_TEXT_BODY: Final = 4096

TimeoutLike = float | httpx.Timeout | None


@dataclass(frozen=True)
class RequestSpec:
    """One HTTP request, built sans-IO by a provider model. `repr()` hides header values that
    carry credentials (`Authorization`, `x-api-key`, `api-key`, `x-goog-api-key`)."""

    method: str
    url: str
    headers: Mapping[str, str]
    json: Any
    secrets: tuple[str, ...] = field(default=(), repr=False, compare=False)

    def __repr__(self) -> str:
        shown = {k: ("***" if k.lower() in _SECRET_HEADERS else v) for k, v in self.headers.items()}
        return f"RequestSpec(method={self.method!r}, url={self.url!r}, headers={shown!r}, json=...)"


_SECRET_HEADERS: Final = frozenset({"authorization", "x-api-key", "api-key", "x-goog-api-key", "proxy-authorization"})


@dataclass(frozen=True)
class Retries:
    """When to re-send a request that produced no output yet.

    `max_retries` extra attempts (0 disables retrying) after a connect error or an HTTP status in
    `statuses` (default 408, 429 and every 5xx). The wait before retry `n` (0-based) is
    `backoff * 2**n` with up to 25% jitter, capped at `max_backoff`; a `Retry-After` (seconds or
    HTTP date) or `retry-after-ms` header replaces it. A server asking for more than
    `max_retry_after` seconds gets no retry: its error is raised at once.
    """

    max_retries: int = 2
    backoff: float = 0.5
    max_backoff: float = 8.0
    max_retry_after: float = 60.0
    statuses: frozenset[int] = frozenset({408, 429})
    retry_5xx: bool = True

    def should_retry_status(self, status: int) -> bool:
        """True when `status` is worth another attempt."""
        return status in self.statuses or (self.retry_5xx and status >= 500)

    def delay(self, attempt: int, headers: Mapping[str, str] | None = None) -> float | None:
        """Seconds to wait before retry number `attempt` (0-based); None means: do not retry."""
        if headers is not None:
            asked = retry_after_seconds(headers)
            if asked is not None:
                return asked if asked <= self.max_retry_after else None
        base = min(self.backoff * (2.0**attempt), self.max_backoff)
        return base * (1.0 - 0.25 * random.random())


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """The wait a server asked for (`retry-after-ms`, `Retry-After` seconds or HTTP date), or None."""
    lowered = {k.lower(): v for k, v in headers.items()}
    ms = lowered.get("retry-after-ms")
    if ms is not None:
        try:
            return max(float(ms) / 1000.0, 0.0)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


def coerce_retries(retries: int | Retries | None) -> Retries:
    """`None` or `0` means no retry; an int sets `max_retries`."""
    if retries is None:
        return Retries(max_retries=0)
    if isinstance(retries, Retries):
        return retries
    return Retries(max_retries=int(retries))


def coerce_timeout(timeout: TimeoutLike) -> httpx.Timeout:
    """A float applies to every phase; None disables timeouts (not recommended)."""
    if isinstance(timeout, httpx.Timeout):
        return timeout
    return httpx.Timeout(timeout)


def _redact(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def status_error(
    status_code: int,
    body: bytes,
    *,
    provider: str | None,
    reason: str = "",
    secrets: Sequence[str] = (),
    url: str | None = None,
    method: str = "POST",
) -> ProviderStatusError:
    """Build the `ProviderStatusError` for a non-2xx answer from its (possibly huge, possibly
    non-JSON) body. Never raises. With `url` (the request's, its query dropped: Gemini puts the
    key there), `str(error)` reads `HTTP 404 Not Found from POST <url>: <message>`, and an empty
    body says "no error message in the body (empty body)"; `error.message` stays the provider's."""
    text = _redact(body[:MAX_ERROR_BODY].decode("utf-8", "replace"), secrets)
    parsed: Any
    try:
        parsed = loads(text)  # strict, in Rust: the Python layer never parses JSON itself
    except ValueError:  # ParseError: not JSON (an HTML error page, a cut body)
        parsed = None
    message = error_message(parsed) if parsed is not None else None
    if not message:
        snippet = " ".join(text.split())[:300]
        message = snippet or reason or "no error body"
    message = f"{message[:_MAX_MESSAGE]}"
    kept: Any = parsed if isinstance(parsed, (dict, list)) else text[:_MAX_TEXT_BODY]
    summary = None
    if url is not None:
        url = _redact(url.split("?", 1)[0], secrets)
        said = message if text.strip() else "no error message in the body (empty body)"
        summary = f"HTTP {status_code} {reason} from {method} {url}: {said}".replace("  ", " ")
    return ProviderStatusError(message, status_code=status_code, provider=provider, body=kept, url=url, summary=summary)


def error_message(parsed: Any) -> str | None:
    """The human message in a decoded provider error body, wherever the provider put it."""
    if not isinstance(parsed, dict):
        return None
    err: Any = parsed.get("error")  # pyright: ignore[reportUnknownMemberType]
    if isinstance(err, dict):
        msg: Any = err.get("message") or err.get("msg")  # pyright: ignore[reportUnknownMemberType]
        if msg:
            return str(msg)
        return json.dumps(err)[:_MAX_MESSAGE]
    if isinstance(err, str) and err:
        return err
    for key in ("message", "detail", "msg"):
        value: Any = parsed.get(key)  # pyright: ignore[reportUnknownMemberType]
        if value:
            return value if isinstance(value, str) else json.dumps(value)[:_MAX_MESSAGE]
    return None


def error_code(parsed: Any) -> str | int | None:
    """The provider's error code or type in a decoded error body, when it gave one."""
    if not isinstance(parsed, dict):
        return None
    err: Any = parsed.get("error", parsed)  # pyright: ignore[reportUnknownMemberType]
    if isinstance(err, dict):
        for key in ("code", "type", "status"):
            value: Any = err.get(key)  # pyright: ignore[reportUnknownMemberType]
            if isinstance(value, (str, int)) and not isinstance(value, bool) and value != "":
                return value
    return None
