"""Where a response's bytes come from, and the helper thread that runs async sources for sync code.

A *source* yields units (bytes, or decoded payloads) to the response's pipeline:

* `HTTPSource`: a request sent by `_client.open_stream()` (async; needs the loop that opened it).
* `AsyncIterSource`: any async iterable of bytes or payloads (an SDK's `AsyncStream`, ...).
* `SyncIterSource`: bytes, a list, or any iterable (an SDK's sync `Stream`); in-memory ones are
  read inline, other iterables may block, so async consumers read them in a worker thread.

A unit is `bytes`/`bytearray`/`memoryview`/`str` (wire bytes, framed by the provider's
decoder), a mapping (one decoded payload), or an object with `model_dump()` (an SDK chunk).
A source of payloads has no terminal marker: its end counts as the provider's end.

`HTTPSource` redacts the request's API key from the body bytes before the pipeline sees them
(`Redactor`): a server that echoes the key (in an in-band error, say) must not put it in an
exception or in the replay. A key split across two network chunks is caught too: a chunk's
tail that could begin a key is held back until the next chunk (in practice never, since frames
end with a newline), and is fed at the end of the body.

Async sources are read by the response's reader task (`_engine.py`), sync ones by the
consumer that needs data (`InlineHome`).
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import anyio

if TYPE_CHECKING:
    from ._client import ByteStream
    from ._parts import Entries
    from ._pipeline import Pipeline

__all__ = ["END", "AsyncIterSource", "HTTPSource", "Redactor", "SyncIterSource", "feed_unit"]

END: Any = object()
"""What an async source's `read()` returns at the end of its stream."""

_JSON_TYPES = frozenset({"application/json", "application/problem+json"})


def feed_unit(pipeline: Pipeline, unit: Any) -> tuple[Entries, bool]:
    """Feed one unit; returns the items and whether it was a payload (not wire bytes)."""
    if isinstance(unit, (bytes, bytearray, memoryview)):
        return pipeline.feed_bytes(bytes(unit)), False
    if isinstance(unit, str):
        return pipeline.feed_bytes(unit.encode()), False
    if isinstance(unit, Mapping):
        return pipeline.feed_payload(unit), True  # pyright: ignore[reportUnknownArgumentType]
    dump = getattr(unit, "model_dump", None)
    if callable(dump):
        try:
            payload = dump(mode="json", exclude_unset=True)
        except TypeError:
            payload = dump()
        return pipeline.feed_payload(payload), True
    raise TypeError(f"a stream source yields bytes, str or payload dicts, not {type(unit).__name__}")


#: Shorter strings are not treated as secrets: real API keys are long, and redacting a short
#: test key (`"k"`) would rewrite the answer itself.
MIN_SECRET_LENGTH = 8


class Redactor:
    """Replaces secrets in a byte stream with `***`, whatever the chunking: the longest tail of
    a chunk that is the start of a secret is held back and prepended to the next chunk (so a
    chunk that ends with the first bytes of the key reaches the parser with the next one)."""

    __slots__ = ("_held", "_secrets")

    def __init__(self, secrets: Iterable[str]) -> None:
        self._secrets = tuple(s.encode() for s in secrets if len(s) >= MIN_SECRET_LENGTH)
        self._held = b""

    def feed(self, chunk: bytes) -> bytes:
        data = self._held + chunk if self._held else chunk
        hold = 0
        for secret in self._secrets:
            if secret in data:
                data = data.replace(secret, b"***")
            hold = max(hold, _started(data, secret))
        if hold:
            self._held = data[-hold:]
            return data[:-hold]
        self._held = b""
        return data

    def flush(self) -> bytes:
        """What is held back (at the end of the body: it was not a secret after all)."""
        held, self._held = self._held, b""
        return held


def _started(data: bytes, secret: bytes) -> int:
    """The length of the longest tail of `data` that is a proper prefix of `secret` (else 0)."""
    first = secret[:1]
    i = data.find(first, max(0, len(data) - len(secret) + 1))
    while i != -1:
        if secret.startswith(data[i:]):
            return len(data) - i
        i = data.find(first, i + 1)
    return 0


class HTTPSource:
    """A request to send; opened by the first pull, in that puller's loop."""

    is_async = True
    blocking = False

    def __init__(self, opener: Callable[[], Awaitable[ByteStream]]) -> None:
        self._opener = opener
        self.stream: ByteStream | None = None
        self.opened = False
        self._redactor: Redactor | None = None

    async def open(self, pipeline: Pipeline) -> None:
        self.opened = True  # first: one request, even if this attempt is cancelled or fails
        self.stream = await self._opener()
        if self.stream.secrets:
            self._redactor = Redactor(self.stream.secrets)
        if self.stream.content_type in _JSON_TYPES:
            pipeline.use_json_body()

    def feed(self, pipeline: Pipeline, chunk: Any) -> Entries:
        """What the pipeline makes of body bytes (the engine reads `stream.chunks` itself, see
        `_engine._read_http`), or of the end (`END`)."""
        redactor = self._redactor
        if chunk is END:
            if redactor is not None:
                held = redactor.flush()
                if held:
                    return pipeline.feed_bytes(held) + pipeline.end()
            return pipeline.end()
        if redactor is not None:
            chunk = redactor.feed(chunk)
        return pipeline.feed_bytes(chunk)

    async def aclose(self) -> None:
        self.opened = True  # never (re)open after a close
        stream = self.stream
        if stream is not None:
            try:
                await stream.aclose()
            finally:
                self.stream = None  # closed: a finished response keeps no HTTP objects

    def abort(self) -> None:
        """Cut the connection synchronously (see `ByteStream.abort`)."""
        self.opened = True
        if self.stream is not None:
            self.stream.abort()


class AsyncIterSource:
    """An async iterable of units."""

    is_async = True
    blocking = False

    def __init__(self, source: AsyncIterable[Any]) -> None:
        self._source = source
        self._iterator: AsyncIterator[Any] | None = None
        self._payloads = False
        self.opened = False

    async def open(self, pipeline: Pipeline) -> None:
        self._iterator = aiter(self._source)
        self.opened = True

    async def read(self) -> Any:
        """The next unit, or `END`."""
        assert self._iterator is not None
        try:
            return await anext(self._iterator)
        except StopAsyncIteration:
            return END

    def feed(self, pipeline: Pipeline, unit: Any) -> Entries:
        """What the pipeline makes of a unit from `read()` (or of the end)."""
        if unit is END:
            return pipeline.end(by_contract=self._payloads)
        items, payload = feed_unit(pipeline, unit)
        self._payloads = self._payloads or payload
        return items

    async def aclose(self) -> None:
        self.opened = True
        for target in (self._iterator, self._source):
            close = getattr(target, "aclose", None) or getattr(target, "close", None)
            if close is not None:
                result = close()
                if isinstance(result, Awaitable):
                    with anyio.CancelScope(shield=True):
                        await result
                return


class SyncIterSource:
    """Bytes, a list, or any iterable of units (`blocking` unless it is in memory)."""

    is_async = False

    def __init__(self, source: Any) -> None:
        if isinstance(source, (bytes, bytearray, memoryview, str)):
            source = [source]
        self.blocking = not isinstance(source, (list, tuple))
        self._source: Iterable[Any] = source
        self._iterator: Iterator[Any] | None = None
        self._payloads = False
        self.opened = False

    def step(self, pipeline: Pipeline) -> Entries:
        if self._iterator is None:
            self._iterator = iter(self._source)
            self.opened = True
        try:
            unit = next(self._iterator)
        except StopIteration:
            return pipeline.end(by_contract=self._payloads)
        items, payload = feed_unit(pipeline, unit)
        self._payloads = self._payloads or payload
        return items

    def close(self) -> None:
        self.opened = True
        for target in (self._iterator, self._source):
            close = getattr(target, "close", None)
            if callable(close):
                close()
                return
