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
retry, read timeouts, a connection cut mid-body) propagate unchanged.

Reading: one piece per network read, not one per HTTP chunk
-----------------------------------------------------------
A streaming server writes each event as its own HTTP chunk, and httpx yields each chunk through
six layers of async generators; one socket read (64 KiB) holds hundreds of them. Handing each
one to the response separately costs the response a whole pull step per event (a shielded
cancel scope, a coroutine, a log append), which made the pipeline 3.5 times slower than httpx
alone on a 100 KB answer. So `ByteStream.chunks` joins everything one network read brought:
it reads chunks while they are already buffered (the read completes without suspending) and
stops at the read that would go to the socket. That moment is visible only from inside httpcore,
so the connection's `network_stream.read` is wrapped by a `_ReadGate`: while `chunks` is
collecting, a socket read first pauses (yields a private marker that only `chunks` ever sees,
before any cancel scope is entered or any byte is read); `chunks` keeps that paused read and
returns what it collected at once, and the next call resumes the paused read, which then waits
for the network inside the caller's own cancel scopes. Nothing waits while holding data, so a
consumer sees every event as soon as it arrived, exactly as with one chunk per step. Without a
plain HTTP/1.1 network stream to wrap (a test transport, HTTP/2) `chunks` is httpx's iterator.
"""

from __future__ import annotations

import os
import socket
import threading
from typing import TYPE_CHECKING, Any, Final

import anyio
import httpx

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
    from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Generator, Sequence

__all__ = [
    "DEFAULT_TIMEOUT",
    "MAX_ERROR_BODY",
    "ByteStream",
    "RequestSpec",
    "Resume",
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
            response.aiter_raw() if encoding in ("", "identity") else response.aiter_bytes()
        )
        self._gate = gate = _ReadGate.install(response)
        self.chunks: AsyncIterator[bytes] = self._raw if gate is None else _per_network_read(self._raw, gate)
        """The body as it arrives: per network read, everything that read brought (see the module
        docs), or httpx's chunks when the connection cannot be gated (possibly empty pieces;
        `receive()` skips them)."""
        self._closed = False

    @property
    def content_type(self) -> str:
        """The response's media type, lower-case, without parameters."""
        return self._response.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def status_code(self) -> int:
        return self._response.status_code

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
                if self.chunks is not self._raw:
                    # ends a read paused at the gate (it fails on the closed connection, which
                    # unwinds httpx's generators properly); never started or finished: a no-op
                    await self.chunks.aclose()  # pyright: ignore[reportAttributeAccessIssue]
                # httpx reads through nested async generators; closing the outer one would leave
                # the inner ones to the garbage collector (trio warns). Reading on from the
                # closed response ends the whole chain, by StopAsyncIteration or an error (one
                # read is not always enough: h11 may still hold buffered body data).
                await _end_chain(self._raw)
            finally:
                await self._client.aclose()
                if self._gate is not None:
                    self._gate.uninstall()


class Resume:
    """Awaits the rest of a coroutine (or async generator step) that was started by hand.

    `coro.send(None)` runs a read until it completes (StopIteration: the data was buffered) or
    must wait; then it returns what the coroutine yields to the event loop (a future on asyncio,
    a trap on trio), which must reach the loop at once: awaiting this object passes it up, then
    every value and exception between the loop and the coroutine, as `yield from` would. The
    caller does this inside the cancel scopes it started the read in, so any cancel scope the
    read enters nests inside them."""

    __slots__ = ("_coro", "_trap")

    def __init__(self, coro: Coroutine[Any, Any, Any] | Generator[Any, Any, Any], trap: Any) -> None:
        self._coro = coro
        self._trap = trap

    def __await__(self) -> Generator[Any, Any, Any]:
        coro, trap = self._coro, self._trap
        while True:
            try:
                sent = yield trap
            except GeneratorExit:  # noqa: PERF203 - this loop runs per wait for the network, not per chunk
                coro.close()
                raise
            except BaseException as exc:
                try:
                    trap = coro.throw(exc)
                except StopIteration as done:
                    return done.value
            else:
                try:
                    trap = coro.send(sent)
                except StopIteration as done:
                    return done.value


_SOCKET_READ: Final = object()
"""What a gated socket read yields to `_per_network_read` (never to an event loop)."""


class _Pause:
    """An awaitable that suspends its awaiter once, yielding `_SOCKET_READ`."""

    __slots__ = ()

    def __await__(self) -> Generator[Any, Any, None]:
        yield _SOCKET_READ


_PAUSE: Final = _Pause()


class _ReadAbandoned(Exception):
    """Thrown into a read paused at the gate when its stream closes: it unwinds httpx's and
    httpcore's generators as a failed read does (they close the response on the way)."""


class _ReadGate:
    """Wraps an HTTP/1.1 connection's `network_stream.read` (see the module docs): while `armed`,
    a socket read pauses before it starts, so that `_per_network_read` can tell "the next chunk
    is buffered" from "the next chunk needs the network" without waiting for the network."""

    __slots__ = ("_read", "armed")

    def __init__(self, read: Callable[..., Awaitable[bytes]]) -> None:
        self._read = read
        self.armed = False

    @classmethod
    def install(cls, response: httpx.Response) -> _ReadGate | None:
        """Gate the response's connection, or None when it cannot be: no network stream (a test
        transport), or not HTTP/1.1 (HTTP/2 reads under a lock that a paused read would hold)."""
        network = response.extensions.get("network_stream")
        if network is None or response.http_version != "HTTP/1.1":
            return None
        read = getattr(network, "read", None)
        if read is None:
            return None
        gate = cls(read)
        try:
            network.read = gate.read
        except (AttributeError, TypeError):  # a stream class with slots, or a read-only attribute
            return None
        return gate

    def uninstall(self) -> None:
        """Give the network stream its own `read` back (the gate and the stream refer to each
        other: this frees both without waiting for the cycle collector)."""
        network: Any = getattr(self._read, "__self__", None)
        if network is not None and getattr(network, "__dict__", {}).get("read") == self.read:
            del network.read

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109 - httpcore's signature
        if self.armed:
            await _PAUSE
        return await self._read(max_bytes, timeout)


async def _per_network_read(raw: AsyncIterator[bytes], gate: _ReadGate) -> AsyncIterator[bytes]:
    """httpx's body chunks, joined per network read (see the module docs).

    The first chunk of each piece is read ungated (it may wait for the network, as any read);
    the next ones are read by hand with the gate armed: a chunk h11 already holds completes at
    once (StopIteration), a read that needs the socket pauses at the gate and is kept in
    `paused` (no byte read, no cancel scope entered) to start the next piece. Any other
    suspension (httpx closing the response at the end of the body) is awaited on the spot. An
    error after some chunks is raised on the next call, after those chunks."""
    paused: Any = None
    failure: BaseException | None = None
    try:
        while True:
            if failure is not None:
                raise failure
            read: Any = paused if paused is not None else raw.__anext__()
            paused = None
            try:
                trap = read.send(None)
            except StopIteration as done:
                first: bytes = done.value
            except StopAsyncIteration:
                return
            else:
                try:
                    first = await Resume(read, trap)
                except StopAsyncIteration:
                    return
            pieces = [first]
            ended = False
            gate.armed = True
            try:
                while True:
                    read = raw.__anext__()
                    try:
                        trap = read.send(None)
                    except StopIteration as done:
                        pieces.append(done.value)
                        continue
                    if trap is _SOCKET_READ:
                        paused = read
                        break
                    gate.armed = False  # a wait that is not a socket read must reach the loop
                    pieces.append(await Resume(read, trap))
                    gate.armed = True
            except StopAsyncIteration:
                ended = True
            except Exception as exc:  # a failed read: first deliver what came before it
                failure = exc
            finally:
                gate.armed = False
            yield first if len(pieces) == 1 else b"".join(pieces)
            if ended:
                return
    finally:
        if paused is not None:
            await _abandon(paused)


async def _abandon(read: Any) -> None:
    """End a read paused at the gate: it fails there, before touching the socket."""
    try:
        trap = read.throw(_ReadAbandoned())
    except Exception:  # it ended at once (with that error, as a rule)
        return
    try:
        await Resume(read, trap)
    except Exception:
        pass


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
            except (httpx.ConnectError, httpx.ConnectTimeout):
                wait = policy.delay(attempt) if attempt < policy.max_retries else None
                if wait is None:
                    raise
                attempt += 1
                await anyio.sleep(wait)
                continue
            if response.is_success:
                return ByteStream(client, response, spec.secrets)
            body = await _read_error_body(response)
            error = status_error(
                response.status_code,
                body,
                provider=provider,
                reason=_redact(response.reason_phrase, spec.secrets),
                secrets=spec.secrets,
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
