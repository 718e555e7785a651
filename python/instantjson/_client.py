"""HTTP for responses: the one module that talks to httpx.

`open_stream()` sends one request and returns a `ByteStream` once a 2xx status has arrived.
Before that point, and only then, failures are retried (`Retries`): connect errors and
HTTP 408/429/5xx, with exponential backoff and jitter, honouring `Retry-After` /
`retry-after-ms`. Once the status line is in, nothing is ever re-sent: a failure while the
body streams becomes the response's `error` event (see `_response.py`), never a silent restart.

A non-2xx status becomes `ProviderStatusError` with `status_code` and the provider's own
message, read from its JSON error body (`{"error": {"message": ...}}`, vLLM's top-level
`{"message": ...}`, FastAPI's `{"detail": ...}`); at most `MAX_ERROR_BODY` bytes are read,
a non-JSON body is kept as (cut) text, and the API key is redacted from both.

Each response owns its own `httpx.AsyncClient`, opened in the event loop that first pulls the
response and closed with the response (end of stream, `aclose()`). A client is bound to the
loop that opened its sockets, so sharing one across responses would tie every response to one
loop (and break `asyncio.run()` twice, trio, or the sync views' helper thread). The clients
share one TLS context (`_shared_ssl_context()`): building one loads the whole CA bundle
(~25 ms of CPU, in the event loop), which a client per response would pay every time.

Timeouts are on by default (`DEFAULT_TIMEOUT`: connect 10 s, read 120 s between two chunks,
write 30 s, pool 10 s). Transport errors (`httpx.TransportError`: connect errors after the last
retry, read timeouts, a connection cut mid-body) propagate as their own httpx class, re-raised
with the method and URL appended to the message whether they happen while the request is sent or
while the body is read (`All connection attempts failed (POST
http://127.0.0.1:9/v1/chat/completions)`), the original chained as `__cause__`. A 2xx answer
that is a web page (`text/html`) is a `ProviderError` naming the URL, not read as a stream.

Reading
-------
`ByteStream.chunks` is httpx's raw body iterator (its decoded one for a compressed body): the
response's reader task (`_engine.py`) takes the HTTP chunks as they come. Chunks that one socket
read brought come without suspending, so the reader collects them and feeds the pipeline once,
when it next waits for the network (a `call_soon` callback): batching per network read needs no
help from inside httpcore.
"""

from __future__ import annotations

import os
import socket
import threading
import zlib
from typing import TYPE_CHECKING, Final

import anyio
import anyio.lowlevel
import httpx

from ._exceptions import ProviderError, ProviderStreamError
from ._request import (
    DEFAULT_TIMEOUT,
    MAX_ERROR_BODY,
    RequestSpec,
    Retries,
    TimeoutLike,
    _redact,  # pyright: ignore[reportPrivateUsage] - moved from here to _request.py, used by open_stream
    coerce_retries,
    coerce_timeout,
    error_code,
    error_message,
    retry_after_seconds,
    status_error,
)

if TYPE_CHECKING:
    import ssl
    from collections.abc import AsyncIterator, Sequence

__all__ = [
    "DEFAULT_TIMEOUT",
    "MAX_DECODED_BODY",
    "MAX_ERROR_BODY",
    "ByteStream",
    "RequestSpec",
    "Retries",
    "TimeoutLike",
    "coerce_retries",
    "coerce_timeout",
    "error_code",
    "error_message",
    "open_stream",
    "retry_after_seconds",
    "status_error",
]


MAX_DECODED_BODY: Final = 64 * 1024 * 1024
"""The most a compressed body may decompress to (64 MiB; `ProviderStreamError` past it)."""
_INFLATE_SLICE: Final = 64 * 1024
_INFLATE: Final = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


async def _inflate(raw: AsyncIterator[bytes], encoding: str, url: str, limit: int) -> AsyncIterator[bytes]:
    """A gzip or deflate body decompressed in slices of at most 64 KiB, yielding to the event
    loop between two slices of one network read, and bounded: a body that decompresses to more
    than `limit` bytes (a decompression bomb: 100 KB of repeated frames can become gigabytes)
    ends with `ProviderStreamError` after the slices before it. httpx decompresses each read in
    one call, unbounded, which is why compressed bodies do not go through its decoder."""
    wbits = _INFLATE[encoding]
    inflater = zlib.decompressobj(wbits)
    total = 0
    first = True
    async for data in raw:
        pending = data
        while True:
            try:
                piece = inflater.decompress(pending, _INFLATE_SLICE)
            except zlib.error as exc:
                if first and wbits == zlib.MAX_WBITS:  # "deflate" sent as a raw stream
                    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                    wbits = -zlib.MAX_WBITS
                    continue
                raise httpx.DecodingError(f"the {encoding} body from {url} is corrupt: {exc}") from exc
            first = False
            pending = inflater.unconsumed_tail
            total += len(piece)
            if total > limit:
                raise ProviderStreamError(
                    f"the {encoding} body from {url} decompresses to more than {limit} bytes "
                    "(a decompression bomb?); the events before this point were kept",
                )
            if piece:
                yield piece
            if not pending and len(piece) < _INFLATE_SLICE:
                break
            await anyio.lowlevel.checkpoint()  # more of this read to inflate: let the loop run
    tail = inflater.flush()
    if tail:
        total += len(tail)
        if total > limit:
            raise ProviderStreamError(f"the {encoding} body from {url} decompresses to more than {limit} bytes")
        yield tail


class ByteStream:
    """An open streaming HTTP response: `receive()` the next body chunk (None at the end),
    `aclose()` the response and its client. Use it from the loop that opened it."""

    def __init__(self, client: httpx.AsyncClient, response: httpx.Response, secrets: Sequence[str] = ()) -> None:
        self._client = client
        self._response = response
        self.secrets: tuple[str, ...] = tuple(s for s in secrets if s)
        """The request's credentials, which `HTTPSource` redacts from the body (a server that
        echoes the key in an in-band error must not put it in exceptions or the replay)."""
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        # Unencoded bodies (the rule for event streams) skip httpx's decoder layer: one
        # generator less per chunk on the hot path.
        self._raw: AsyncIterator[bytes] = (
            response.aiter_raw() if encoding in ("", "identity", *_INFLATE) else response.aiter_bytes()
        )
        self.chunks: AsyncIterator[bytes] = self._raw
        if encoding in _INFLATE:
            self.chunks = _inflate(self._raw, encoding, str(response.request.url), MAX_DECODED_BODY)
        """The body as it arrives, one HTTP chunk at a time (possibly empty pieces: `receive()`
        skips them)."""
        self._closed = False

    @property
    def content_type(self) -> str:
        """The response's media type, lower-case, without parameters."""
        return self._response.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def status_code(self) -> int:
        return self._response.status_code

    def naming_the_url(self, exc: httpx.TransportError) -> Exception:
        """`exc` (a read timeout, a connection cut mid-body) as the same httpx class with the
        request's method and URL appended to its message; the caller chains the original."""
        return _naming_the_url(exc, self._response.request, self.secrets)

    async def receive(self) -> bytes | None:
        """The next non-empty body chunk, or None once the body has ended."""
        while True:
            try:
                chunk = await self.chunks.__anext__()
            except StopAsyncIteration:
                return None
            if chunk:
                return chunk

    def abort(self) -> None:
        """Cut the connection at once, synchronously, from any thread: for a response abandoned
        mid-stream, whose event loop cannot be asked to `aclose()` it any more. The socket is shut
        down (the server sees the client leave); the loop then drops the transport on its own.
        A no-op once closed."""
        if self._closed:
            return
        network = self._response.extensions.get("network_stream")
        try:
            sock = network.get_extra_info("socket") if network is not None else None
            if sock is not None:
                sock.shutdown(socket.SHUT_RDWR)
        except (OSError, AttributeError, RuntimeError):
            pass  # already gone, or a transport without a socket (a test transport)

    async def aclose(self) -> None:
        """Close the response and the client (idempotent; shielded from cancellation)."""
        if self._closed:
            return
        self._closed = True
        with anyio.CancelScope(shield=True):
            try:
                await self._response.aclose()
                # httpx reads through nested async generators; closing the outer one would leave
                # the inner ones to the garbage collector (trio warns). Reading on from the
                # closed response ends the whole chain, by StopAsyncIteration or an error (one
                # read is not always enough: h11 may still hold buffered body data).
                await _end_chain(self._raw)
            finally:
                await self._client.aclose()


_ssl_lock = threading.Lock()
_ssl_contexts: dict[tuple[str | None, str | None], ssl.SSLContext] = {}


def _shared_ssl_context() -> ssl.SSLContext:
    """httpx's default TLS context (certifi, or `SSL_CERT_FILE` / `SSL_CERT_DIR`), built once per
    setting of those variables and shared by every client: creating it costs ~25 ms, in the
    event loop. Sharing is safe: `SSLContext` is thread-safe for making connections, and httpcore
    sets the same ALPN list (`http/1.1`) on it for every HTTP/1.1 connection."""
    key = (os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
    context = _ssl_contexts.get(key)
    if context is None:
        with _ssl_lock:
            context = _ssl_contexts.get(key)
            if context is None:
                context = _ssl_contexts[key] = httpx.create_ssl_context()
    return context


async def _read_error_body(response: httpx.Response) -> bytes:
    """At most `MAX_ERROR_BODY` bytes of an error body (never the rest: it may be huge or
    endless), then the response is closed. Not `break` out of `async for ... aiter_bytes()`:
    that leaves httpx's nested body generators to the garbage collector (trio warns, and the
    connection is released late); as in `ByteStream.aclose()`, reading on from the closed
    response ends the whole chain (`_end_chain()`)."""
    body = bytearray()
    pieces = response.aiter_bytes()
    try:
        while len(body) < MAX_ERROR_BODY:
            try:
                body += await pieces.__anext__()
            except StopAsyncIteration:  # noqa: PERF203 - at most a few reads
                break
    except httpx.HTTPError:
        pass  # an error body cut short still says what it says
    finally:
        with anyio.CancelScope(shield=True):
            await response.aclose()
            await _end_chain(pieces)
    return bytes(body)


_MAX_DRAIN_READS: Final = 1000


async def _end_chain(chunks: AsyncIterator[bytes]) -> None:
    """After `response.aclose()`: read on until httpx's nested body generators end (by
    StopAsyncIteration or an error), so that none is left to the garbage collector. The
    connection is closed, so these reads only return what h11 had already buffered (a few
    pieces at most), then fail at once; the cap is a safety net, never reached in practice."""
    for _ in range(_MAX_DRAIN_READS):
        try:
            await chunks.__anext__()
        except (StopAsyncIteration, Exception):  # noqa: PERF203 - a few reads, once per response
            return
    close = getattr(chunks, "aclose", None)
    if close is not None:
        await close()


_NOT_A_STREAM: Final = frozenset({"text/html", "application/xhtml+xml"})
"""2xx media types that are a web page, not an API's stream (a wrong `base_url`)."""


def _where(request: httpx.Request, secrets: Sequence[str]) -> str:
    """The request's URL without its query (Gemini puts the key there), credentials redacted."""
    return _redact(str(request.url.copy_with(query=None)), secrets)


def _naming_the_url(exc: httpx.TransportError, request: httpx.Request, secrets: Sequence[str]) -> Exception:
    """The same httpx error class (`except httpx.ConnectError` still catches it), its message
    followed by the method and URL; the caller chains the original as `__cause__`."""
    try:
        return type(exc)(f"{exc} ({request.method} {_where(request, secrets)})", request=request)
    except Exception:
        return exc


async def open_stream(
    spec: RequestSpec,
    *,
    provider: str | None,
    timeout: TimeoutLike | httpx.Timeout = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - passed to httpx, not an anyio deadline
    retries: Retries | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> ByteStream:
    """Send `spec` and return its streaming body once a 2xx status arrived (see module docs)."""
    policy = retries if retries is not None else Retries()
    client = httpx.AsyncClient(
        timeout=coerce_timeout(timeout),
        transport=transport,
        verify=_shared_ssl_context(),
    )
    attempt = 0
    try:
        while True:
            request = client.build_request(spec.method, spec.url, headers=dict(spec.headers), json=spec.json)
            try:
                response = await client.send(request, stream=True)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                wait = policy.delay(attempt) if attempt < policy.max_retries else None
                if wait is None:
                    raise _naming_the_url(exc, request, spec.secrets) from exc
                attempt += 1
                await anyio.sleep(wait)
                continue
            except httpx.TransportError as exc:
                raise _naming_the_url(exc, request, spec.secrets) from exc
            if response.is_success:
                media = response.headers.get("content-type", "").split(";")[0].strip().lower()
                if media in _NOT_A_STREAM:
                    body = await _read_error_body(response)
                    raise ProviderError(
                        f"{_where(request, spec.secrets)} answered {media}, not an event stream: "
                        "is base_url the API root (ending in /v1)?",
                        provider=provider,
                        body=_redact(body[:1024].decode("utf-8", "replace"), spec.secrets),
                    )
                return ByteStream(client, response, spec.secrets)
            body = await _read_error_body(response)
            error = status_error(
                response.status_code,
                body,
                provider=provider,
                reason=_redact(response.reason_phrase, spec.secrets),
                secrets=spec.secrets,
                url=str(request.url),
                method=request.method,
            )
            wait = None
            if attempt < policy.max_retries and policy.should_retry_status(response.status_code):
                wait = policy.delay(attempt, response.headers)
            if wait is None:
                raise error
            attempt += 1
            await anyio.sleep(wait)
    except BaseException:
        with anyio.CancelScope(shield=True):
            await client.aclose()
        raise
