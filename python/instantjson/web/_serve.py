"""`stream_response()`: a response's live events as a Starlette response, one stream per client.

Each HTTP stream is one consumer of the response (DESIGN.md section 7): it replays the log from
the first event (or from after `Last-Event-ID`), then follows the response live. A client that
disconnects cancels only its own consumer: the upstream request, the response's log and the
other clients go on. The response object is shared: keep it (in a dict keyed by an id, say) to
serve the same answer to several clients or to a client that reconnects.

The ASGI side is written out here rather than with `StreamingResponse`: the stream watches for
`http.disconnect` on every ASGI version (so a client that leaves while the model is thinking is
noticed at once, not at the next write), sends an SSE comment when nothing was sent for `ping`
seconds (proxies and browsers drop idle connections), and never yields from inside a task group.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final, Literal, cast
from urllib.parse import parse_qs

import anyio
from starlette.responses import Response as StarletteResponse

from ._encode import DEFAULT_EVENTS, InstantJSONEncoder, TextEncoder, VercelUIEncoder
from ._entries import _entries

if TYPE_CHECKING:
    from collections.abc import Iterable

    from starlette.requests import Request
    from starlette.types import Receive, Scope, Send

    from .._response import Response

__all__ = ["PROTOCOLS", "LiveStreamResponse", "Protocol", "last_event_id", "stream_response"]

Protocol = Literal["instantjson", "vercel-ui", "text"]
PROTOCOLS: Final[tuple[str, ...]] = ("instantjson", "vercel-ui", "text")

_FRAMES: weakref.WeakKeyDictionary[Response, list[bytes | None]] = weakref.WeakKeyDictionary()
"""The encoded frames of each response being served with the default events (protocol
"instantjson"), by event id: encoded once, whatever the number of clients; gone with the response."""
_QUEUE: Final = 256
"""Encoded pieces a stream may hold for a client that reads slowly, before its producer waits."""
_SSE_HEADERS: Final[dict[str, str]] = {"cache-control": "no-cache", "x-accel-buffering": "no"}
_VERCEL_HEADERS: Final[dict[str, str]] = {
    "cache-control": "no-cache",
    "connection": "keep-alive",
    "x-vercel-ai-ui-message-stream": "v1",
    "x-accel-buffering": "no",
}


def last_event_id(headers: Mapping[str, str] | Iterable[tuple[bytes, bytes]] | None) -> int | None:
    """The `Last-Event-ID` header as an event id (None when absent or not a non-negative integer)."""
    raw: str | None = None
    if headers is None:
        return None
    if isinstance(headers, Mapping):
        raw = cast("Mapping[str, str]", headers).get("last-event-id")
    else:
        for key, value in headers:  # ASGI scope headers: (name, value) byte pairs
            if key.lower() == b"last-event-id":
                raw = value.decode("latin-1")
    if raw is None:
        return None
    raw = raw.strip()
    return int(raw) if raw.isdigit() else None


class LiveStreamResponse(StarletteResponse):
    """The Starlette response `stream_response()` returns (an ASGI app serving one client)."""

    def __init__(
        self,
        response: Response,
        *,
        protocol: Protocol = "instantjson",
        ping: float | None = 15.0,
        after: int | None = None,
        events: frozenset[str] = DEFAULT_EVENTS,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if protocol not in PROTOCOLS:
            raise ValueError(f"unknown protocol {protocol!r}: use one of {', '.join(PROTOCOLS)}")
        self.response = response
        self.protocol: Protocol = protocol
        self.ping = ping if ping and ping > 0 else None
        self.after = after
        self.events = events
        self.status_code = 200
        self.background = None
        self.media_type = None  # the content-type below, exactly (Starlette would add a charset)
        if protocol == "text":
            base: dict[str, str] = {"content-type": "text/plain; charset=utf-8", **_SSE_HEADERS}
        else:
            base = {
                "content-type": "text/event-stream",
                **(_VERCEL_HEADERS if protocol == "vercel-ui" else _SSE_HEADERS),
            }
        base.update(headers or {})
        self.init_headers(base)

    def _encoder(self) -> InstantJSONEncoder | VercelUIEncoder | TextEncoder:
        if self.protocol == "vercel-ui":
            return VercelUIEncoder()
        if self.protocol == "text":
            return TextEncoder()
        cache = None
        if self.events == DEFAULT_EVENTS:  # the usual case: one frame cache per response
            try:
                cache = _FRAMES.setdefault(self.response, [])
            except TypeError:  # pragma: no cover - a response that takes no weak reference
                cache = None
        return InstantJSONEncoder(self.events, cache)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        after = self.after
        if after is None and self.protocol == "instantjson":
            after = last_event_id(scope.get("headers") or ())
            if after is None:
                query = parse_qs(bytes(scope.get("query_string") or b"").decode("latin-1"))
                value = (query.get("last_event_id") or [""])[-1]
                after = int(value) if value.isdigit() else None
        encoder = self._encoder()
        # The producer encodes events as the log yields them; the deliverer sends whatever is
        # queued in one write: when a network read brought a hundred events, a client gets them
        # in one `send`, not a hundred. The queue is bounded: a slow client holds back only
        # its own producer.
        queue_in, queue_out = anyio.create_memory_object_stream[bytes](max_buffer_size=_QUEUE)

        async def produce() -> None:
            entries = _entries(self.response, after)
            async with queue_in:
                try:
                    async for id, event, value in entries:
                        body = encoder.encode(id, event, value)
                        if body:
                            try:
                                queue_in.send_nowait(body)
                            except anyio.WouldBlock:
                                await queue_in.send(body)
                    await queue_in.send(encoder.end())
                finally:
                    aclose = getattr(entries, "aclose", None)  # the view: stop it (nothing to release)
                    if aclose is not None:
                        with anyio.CancelScope(shield=True):
                            await aclose()

        async def watch_disconnect(scope_to_cancel: anyio.CancelScope) -> None:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    scope_to_cancel.cancel()
                    return

        async def deliver() -> bool:
            """Send the queue's contents until the end; False when the client went away."""
            interval = self.ping if self.ping is not None and encoder.ping else math.inf
            async with queue_out:
                while True:
                    batch: list[bytes] = []
                    with anyio.move_on_after(interval):
                        try:
                            batch.append(await queue_out.receive())
                        except anyio.EndOfStream:
                            break
                        while True:
                            try:
                                batch.append(queue_out.receive_nowait())
                            except (anyio.WouldBlock, anyio.EndOfStream):  # noqa: PERF203
                                break
                    body = b"".join(batch) if batch else encoder.ping  # nothing for `ping` seconds
                    try:
                        await send({"type": "http.response.body", "body": body, "more_body": True})
                    except OSError:  # the client is gone (servers of ASGI 2.4 raise on send)
                        return False
            try:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            except OSError:
                return False
            return True

        try:
            await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        except OSError:
            return  # gone before the first byte
        async with anyio.create_task_group() as tg:
            tg.start_soon(watch_disconnect, tg.cancel_scope)
            tg.start_soon(produce)
            await deliver()
            tg.cancel_scope.cancel()


def stream_response(
    response: Response,
    request: Request | None = None,
    *,
    protocol: Protocol = "instantjson",
    ping: float | None = 15.0,
    events: Iterable[str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> LiveStreamResponse:
    """Serve `response` live to one HTTP client, as a Starlette response (FastAPI, Starlette, any
    ASGI server: return it from an endpoint).

    `protocol`: `"instantjson"` (SSE, one event per normalized event, with ids; resumes after a
    `Last-Event-ID` header from the response's replay log, with no new upstream request),
    `"vercel-ui"` (the Vercel AI SDK UI Message Stream v1, for `useChat`), or `"text"` (the
    answer text alone, `text/plain`). See `instantjson.web._encode` for the exact encodings.

    `request`: the incoming request; its `Last-Event-ID` header (or a `last_event_id` query
    parameter, for clients that cannot set headers) picks where the replay resumes. Without it,
    both are read from the ASGI scope when the response is served.
    `ping`: seconds of silence after which an SSE comment is sent (None: never).
    `events` (protocol `"instantjson"`): the event names to send; default `DEFAULT_EVENTS`,
    every event but the raw provider payloads `original_delta` and `original_done`.
    `headers`: extra response headers.

    A client that disconnects ends only its own stream; the response and its other clients go on.
    """
    after: int | None = None
    if request is not None and protocol == "instantjson":
        after = last_event_id(request.headers)
        if after is None:
            query = request.query_params.get("last_event_id")
            after = int(query) if query is not None and query.isdigit() else None
    names = DEFAULT_EVENTS if events is None else frozenset(events)
    return LiveStreamResponse(response, protocol=protocol, ping=ping, after=after, events=names, headers=headers)
