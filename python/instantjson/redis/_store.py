"""RedisStreams: one response published to a Redis Stream, attached as a `Response` anywhere.

Publishing (`publish(response, key)`) reads the local response's `type="all"` sequence and
appends it in batches: everything one pull of the response brought (one network read) goes
into one `XADD` entry (reads that arrive while an append is in flight go out together in the
next one), through a Lua script that also checks this publisher still owns the key
and refreshes its lease. Derived events (`instant`, `typed`) are not published: an attached
response's own pipeline derives them again from the same items (see
`instantjson._providers.normalized`), so both sides number their events alike.

Attaching (`attach(key)`) returns `Response.from_stream(<entries read with XREAD BLOCK>,
provider="normalized")`: a response with every view and getter, replaying from the stream's
first entry. A reader that meets no new entry for one poll interval checks the lease; when it
is gone it marks the stream lost (a `lost` entry, atomically, once), and every consumer ends
with `ProducerLostError` after the events before it.

Timing (all configurable): the lease lasts `lease` seconds (default 0.75 x `producer_timeout`)
and is refreshed every quarter of it and by each append; readers poll every `poll` seconds
(default min(0.5, producer_timeout / 10)); so a dead publisher is detected within `lease +
poll` <= `producer_timeout`. Redis connection loss: readers retry with exponential backoff for
up to `reconnect_timeout` and resume after the last entry id they read; the publisher retries
for up to one lease (after that its consumers would have given up) and then raises
`RedisUnavailableError`. Appends are numbered, so a retried append is applied once.

redis-py's asyncio client runs on asyncio only: publish from asyncio, and consume attached
responses from asyncio or with the sync views (their helper thread runs asyncio).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import re
import secrets
import time
from typing import TYPE_CHECKING, Any, Final, TypeVar

import anyio
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from .._exceptions import ProducerLostError
from .._providers.normalized import DERIVED_EVENTS, encode_payload
from .._response import Response
from . import _scripts
from ._errors import (
    AlreadyPublishedError,
    ForeignStreamError,
    RedisUnavailableError,
    StreamNotFoundError,
    StreamTrimmedError,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable, Mapping

    from redis.asyncio.cluster import RedisCluster

    _Client = aioredis.Redis | RedisCluster

    from .._parts import Item

__all__ = ["FORMAT", "RedisStreams"]

T = TypeVar("T")

FORMAT: Final = "instantjson-stream/1"
"""The `format` field of a stream's meta hash."""

_KEY = re.compile(r"^(?P<ms>[0-9a-f]{1,13})\.(?P<rand>[0-9a-f]{20})$")
_TRANSIENT = (RedisConnectionError, RedisTimeoutError, OSError)
_BATCH_EVENTS = 2048
"""At most this many events in one stream entry (a response already finished when published
would otherwise make one huge entry)."""
_READ_COUNT = 512
_HEARTBEAT: Final[dict[str, Any]] = {"events": []}


def _no_setinfo() -> dict[str, Any]:
    """Options that skip `CLIENT SETINFO` on each new connection: a round trip, and in redis-py
    a package-metadata lookup (~1 ms) per connection, for each publish and attach."""
    from redis.asyncio.connection import AbstractConnection

    params = inspect.signature(AbstractConnection.__init__).parameters
    if "driver_info" in params:
        return {"driver_info": None}
    if "lib_name" in params:
        return {"lib_name": None, "lib_version": None}
    return {}  # pragma: no cover - redis-py before CLIENT SETINFO


_NO_SETINFO: Final = _no_setinfo()


def _redact(url: str) -> str:
    return re.sub(r"//[^@/]*@", "//***@", url)


class _Keys:
    __slots__ = ("created_ms", "key", "lease", "meta", "stream")

    def __init__(self, prefix: str, key: str) -> None:
        match = _KEY.match(key) if isinstance(key, str) else None  # pyright: ignore[reportUnnecessaryIsInstance]
        if match is None:
            raise ValueError(
                f"{key!r} is not a stream key made by RedisStreams.new_key() "
                "(expected '<hex time>.<20 hex digits>', as new_key() returns)"
            )
        self.key = key
        self.created_ms = int(match["ms"], 16)
        tag = f"{{{prefix}:{key}}}"
        self.meta = f"{tag}:meta"
        self.lease = f"{tag}:lease"
        self.stream = f"{tag}:stream"


class RedisStreams:
    """Responses shared across processes through Redis Streams (Redis 6.2+, Valkey, cluster-safe).

    ```python
    store = RedisStreams("redis://127.0.0.1:6379/0", ttl=3600)
    key = await store.new_key()                               # reserve a key, hand it around
    task = asyncio.create_task(store.publish(response, key))  # drive the response, append its events
    remote = store.attach(key)                                # any process: a Response
    async for event in remote.get_async_generator(type="instant"): ...
    ```

    `ttl`: seconds a stream stays replayable after its end (and an unpublished reservation
    after `new_key()`). `producer_timeout`: the bound within which consumers learn that a
    publisher died or never started (`ProducerLostError`). `lease`: the publisher's lease
    (default 0.75 x `producer_timeout`). `maxlen`: the most entries one stream keeps (`XADD
    MAXLEN ~`; one entry per network read; a trimmed stream can no longer be attached from its
    start). `reconnect_timeout`: how long an attached consumer keeps reconnecting to Redis.
    `prefix`: the first part of the hash tag of the Redis keys (`{prefix:key}:stream`, `:meta`,
    `:lease`). `cluster=True`: talk to a Redis Cluster (redis-py's `RedisCluster`; a stream's
    keys share one slot). `client_options`: extra keyword arguments for `redis.asyncio.Redis.from_url`.
    """

    def __init__(
        self,
        url: str,
        *,
        ttl: float = 3600,
        producer_timeout: float = 10.0,
        lease: float | None = None,
        maxlen: int = 100_000,
        poll: float | None = None,
        reconnect_timeout: float = 30.0,
        prefix: str = "ij",
        cluster: bool = False,
        client_options: Mapping[str, Any] | None = None,
    ) -> None:
        if ttl < 1:
            raise ValueError("ttl must be at least 1 second")
        if producer_timeout <= 0:
            raise ValueError("producer_timeout must be positive")
        self.url = url
        self.ttl = int(ttl)
        self.producer_timeout = float(producer_timeout)
        self.poll = float(poll) if poll is not None else min(0.5, self.producer_timeout / 10)
        self.lease = float(lease) if lease is not None else 0.75 * self.producer_timeout
        if self.lease + self.poll > self.producer_timeout + 1e-9:
            raise ValueError(f"lease + poll ({self.lease + self.poll:g} s) must not exceed producer_timeout")
        self.maxlen = int(maxlen)
        self.reconnect_timeout = float(reconnect_timeout)
        self.prefix = prefix
        self.cluster = cluster
        self._options = dict(client_options or {})

    def __repr__(self) -> str:
        return f"RedisStreams({_redact(self.url)!r}, ttl={self.ttl})"

    # ------------------------------------------------------------------ connections
    def _client(self) -> _Client:
        options: dict[str, Any] = {
            "decode_responses": True,
            "retry": Retry(NoBackoff(), 0),  # retries are ours: bounded, and appends stay exactly-once
            "socket_connect_timeout": 5.0,
            "socket_timeout": max(5.0, 4 * self.poll),
            **_NO_SETINFO,
        }
        options.update(self._options)
        if self.cluster:
            from redis.asyncio.cluster import RedisCluster

            return RedisCluster.from_url(self.url, **options)
        return aioredis.Redis.from_url(self.url, **options)

    def _unavailable(self, what: str, key: str | None, exc: BaseException, waited: float) -> RedisUnavailableError:
        error = RedisUnavailableError(
            f"Redis at {_redact(self.url)} did not answer ({what}) for {waited:.1f} s: {exc}; "
            "check that it runs and is reachable",
            key=key,
        )
        error.__cause__ = exc
        return error

    async def _retrying(self, call: Callable[[], Awaitable[T]], *, what: str, key: str | None, limit: float) -> T:
        """`call()`, retried with exponential backoff on connection errors for up to `limit` s."""
        start = time.monotonic()
        delay = 0.02
        while True:
            try:
                return await call()
            except _TRANSIENT as exc:  # noqa: PERF203 - a retry loop
                waited = time.monotonic() - start
                if waited >= limit:
                    raise self._unavailable(what, key, exc, waited) from exc
                await anyio.sleep(min(delay, max(0.0, limit - waited)))
                delay = min(delay * 2, 0.5)

    # ------------------------------------------------------------------ keys
    async def new_key(self) -> str:
        """Reserve a new stream key in Redis and return it (a short string, safe in URLs and
        headers). Consumers may attach at once; a publisher must start within the lease
        (`producer_timeout`), else they get `ProducerLostError`."""
        now_ms = int(time.time() * 1000)
        key = f"{now_ms:x}.{secrets.token_hex(10)}"
        keys = _Keys(self.prefix, key)
        client = self._client()
        try:
            script = client.register_script(_scripts.RESERVE)
            args = [FORMAT, now_ms, int(self.lease * 1000), self.ttl]

            async def reserve() -> None:
                await script(keys=[keys.meta, keys.lease], args=args)

            await self._retrying(reserve, what="new_key", key=key, limit=self.lease)
        finally:
            await _close(client)
        return key

    # ------------------------------------------------------------------ publishing
    async def publish(self, response: Response, key: str) -> None:
        """Drive `response` to its end, appending its events to the stream of `key` (reserved by
        `new_key()`), then let the stream expire `ttl` seconds later. Runs on asyncio.

        Raises `AlreadyPublishedError` if the key has (or had) a publisher, `StreamNotFoundError`
        if it is unknown or expired, `RedisUnavailableError` if Redis stays unreachable for a
        lease, `ProducerLostError` if consumers already declared this publisher lost (its loop
        was blocked for longer than the lease). An error of the response itself is published
        (consumers raise it) and is not raised here. If `publish()` is cancelled or fails, the
        stream is ended as lost so that consumers stop at once."""
        keys = _Keys(self.prefix, key)
        _require_asyncio()
        client = self._client()
        token = secrets.token_hex(8)
        try:
            await self._claim(client, keys, token)
            refresher = asyncio.ensure_future(self._keep_lease(client, keys, token))
            try:
                await self._drive(client, keys, token, response)
            except BaseException as exc:
                await self._give_up(client, keys, token, exc)
                raise
            finally:
                refresher.cancel()
                with anyio.CancelScope(shield=True):
                    await asyncio.gather(refresher, return_exceptions=True)
        finally:
            await _close(client)

    async def _claim(self, client: _Client, keys: _Keys, token: str) -> None:
        script = client.register_script(_scripts.CLAIM)
        lease_ms = int(self.lease * 1000)

        async def call() -> Any:
            return await script(keys=[keys.meta, keys.lease], args=[FORMAT, token, lease_ms, self.ttl])

        try:
            reply = await self._retrying(call, what="publish", key=keys.key, limit=self.lease)
        except ResponseError as exc:  # WRONGTYPE: not a hash
            raise ForeignStreamError(f"the Redis key {keys.meta} is not instantjson's: {exc}", key=keys.key) from exc
        status = reply[0]
        if status == "OK":
            return
        if status == "MISSING":
            raise self._not_found(keys)
        if status == "FOREIGN":
            raise ForeignStreamError(f"the Redis key {keys.meta} holds data instantjson did not write", key=keys.key)
        raise AlreadyPublishedError(
            f"stream {keys.key} already has a publisher (state {reply[1]!r}): one publish() per key; "
            "make a new key with new_key()",
            key=keys.key,
        )

    def _not_found(self, keys: _Keys) -> StreamNotFoundError:
        age = time.time() - keys.created_ms / 1000
        if age > self.ttl:
            return StreamNotFoundError(
                f"stream {keys.key} has expired: it was made {age:,.0f} s ago and streams are kept "
                f"{self.ttl} s after their end (ttl); start a new response",
                key=keys.key,
                expired=True,
            )
        return StreamNotFoundError(
            f"no stream under key {keys.key} in Redis at {_redact(self.url)}: it was never reserved by "
            "new_key() (or Redis lost it: evicted under maxmemory, or restarted without persistence)",
            key=keys.key,
        )

    async def _keep_lease(self, client: _Client, keys: _Keys, token: str) -> None:
        script = client.register_script(_scripts.REFRESH)
        lease_ms = int(self.lease * 1000)

        async def call() -> Any:
            return await script(keys=[keys.stream, keys.meta, keys.lease], args=[token, lease_ms, self.ttl])

        # Failures here only stop the refreshing: the next append finds the same trouble (Redis
        # gone, or the lease lost) and raises it from publish().
        while True:
            await anyio.sleep(self.lease / 4)
            try:
                reply = await self._retrying(call, what="lease refresh", key=keys.key, limit=self.lease)
            except Exception:
                return
            if reply[0] != "OK":
                return

    def _lost_lease(self, keys: _Keys, reply: list[Any]) -> ProducerLostError:
        return ProducerLostError(
            f"this publisher lost stream {keys.key} (state {reply[-1]!r}): it did not refresh its lease "
            f"within {self.lease:g} s (a blocked event loop, or Redis unreachable), and its consumers "
            "ended with ProducerLostError",
            key=keys.key,
        )

    async def _drive(self, client: _Client, keys: _Keys, token: str, response: Response) -> None:
        """Append what the response logged, one batch per pull (or, while an append is in flight,
        everything pulled meanwhile: see `_Sender`), then the end."""
        script = client.register_script(_scripts.APPEND)
        lease_ms = int(self.lease * 1000)
        entries = 0

        async def append(batch: list[Item], end: str) -> None:
            nonlocal entries
            payloads = [
                encode_payload(batch[i : i + _BATCH_EVENTS], end=bool(end) and i + _BATCH_EVENTS >= len(batch))
                for i in range(0, max(len(batch), 1), _BATCH_EVENTS)
            ]
            args: list[Any] = [token, entries, self.maxlen, lease_ms, self.ttl, end, *payloads]

            async def call() -> Any:
                return await script(keys=[keys.stream, keys.meta, keys.lease], args=args)

            reply = await self._retrying(call, what="XADD", key=keys.key, limit=self.lease)
            if reply[0] not in ("OK", "DUP"):
                if reply[0] == "GAP":
                    raise ProducerLostError(
                        f"Redis lost entries of stream {keys.key} (it has {reply[1]}, this publisher wrote "
                        f"{entries}): was it restarted without persistence?",
                        key=keys.key,
                    )
                raise self._lost_lease(keys, reply)
            entries += len(payloads)

        sender = _Sender(append)
        try:
            await self._read_local(response, sender)
        finally:
            await sender.aclose()

    async def _read_local(self, response: Response, sender: _Sender) -> None:
        """Hand the sender each pull's new items, then the end.

        The view only waits (it pulls the response when nothing new is logged); the items come
        from `response.events`, the log, read by index from where the last batch stopped, so one
        batch holds everything one pull appended. `published` counts the public items read
        (those a `type="all"` view yields), `yielded` the view's: the view is moved past what
        was read, then one step more, which waits for the next pull."""
        view = response.get_async_generator(type="all")
        pos = 0
        published = 0
        yielded = 0
        failed = False
        final: BaseException | None = None
        while True:
            events = response.events
            batch: list[Item] = []
            n = len(events)
            for i in range(pos, n):
                item = events[i]
                name = item[0]
                if name[:1] == "_":
                    continue
                published += 1
                if name in DERIVED_EVENTS:
                    continue
                if name == "error":
                    failed = True  # always the last item
                batch.append(item)
            pos = n
            if failed or final is not None:
                break
            if batch:
                sender.put(batch)
            try:
                while yielded <= published:
                    await anext(view)
                    yielded += 1
            except StopAsyncIteration:
                final = StopAsyncIteration()
            except Exception as exc:
                final = exc
        if final is not None and not isinstance(final, StopAsyncIteration) and not failed:
            batch.append(("error", final))  # the view failed without logging it (its loop is gone)
            failed = True
        sender.put(batch)
        await sender.finish("error" if failed else "ok")

    async def _give_up(self, client: _Client, keys: _Keys, token: str, exc: BaseException) -> None:
        """Best effort, shielded and brief: end the stream as lost, so consumers stop now rather
        than when the lease runs out."""
        with anyio.move_on_after(min(2.0, self.lease), shield=True):
            try:
                script = client.register_script(_scripts.LOST)
                reason = f"publisher stopped: {type(exc).__name__}: {exc}"[:500]
                await script(keys=[keys.stream, keys.meta, keys.lease], args=[self.maxlen, self.ttl, reason, token])
            except Exception:
                pass

    # ------------------------------------------------------------------ attaching
    def attach(self, key: str, *, output: Any = None) -> Response:
        """The response published under `key`, as a `Response` with every view and getter,
        replaying from its first event (works in any process, before, during or after the
        publishing, until the stream expires). Pass the publisher's `output=` spec to get the
        same typed data and events. Nothing is read before the first view or getter; problems
        with the key (unknown, expired, foreign) are raised by the views and getters then. A
        key not made by `new_key()` raises ValueError here."""
        keys = _Keys(self.prefix, key)
        return Response.from_stream(_Entries(self, keys), provider="normalized", output=output)

    async def _entries(self, keys: _Keys) -> AsyncIterator[dict[str, Any]]:
        """The stream's payloads, in order, from the first entry; ends after the `end` entry."""
        _require_asyncio()
        client = self._client()
        try:
            await self._check_meta(client, keys)
            lost = client.register_script(_scripts.LOST)
            last = "0-0"
            expect = 0
            poll_ms = max(1, int(self.poll * 1000))
            failing_since: float | None = None
            delay = 0.02

            async def read() -> Any:
                return await client.xread({keys.stream: last}, count=_READ_COUNT, block=poll_ms)

            async def check() -> Any:
                return await lost(keys=[keys.stream, keys.meta, keys.lease], args=[self.maxlen, self.ttl, "", ""])

            async def guarded(call: Callable[[], Awaitable[Any]], what: str) -> Any:
                """`call()`, or None after a connection error (having slept its backoff)."""
                nonlocal failing_since, delay
                try:
                    result = await call()
                except _TRANSIENT as exc:
                    now = time.monotonic()
                    failing_since = failing_since or now
                    if now - failing_since >= self.reconnect_timeout:
                        raise self._unavailable(what, keys.key, exc, now - failing_since) from exc
                    await anyio.sleep(delay)
                    delay = min(delay * 2, 0.5)
                    return None
                failing_since = None
                delay = 0.02
                return result

            # Each empty poll and each failed try yields an empty payload: the response's puller
            # returns to its consumer between steps, which is where a cancellation gets in.
            while True:
                reply = await guarded(read, "XREAD")
                got = _stream_entries(reply)
                if not got:
                    if reply is not None or failing_since is None:
                        status = await guarded(check, "lease check")
                        if status is not None and status[0] == "MISSING":
                            raise self._not_found(keys)
                    yield _HEARTBEAT
                    continue
                for entry_id, fields in got:
                    n = fields.get("n")
                    if n is None or ("e" not in fields and "lost" not in fields):
                        raise ForeignStreamError(
                            f"stream {keys.key} has an entry instantjson did not write ({entry_id}: "
                            f"fields {sorted(fields)[:8]})",
                            key=keys.key,
                        )
                    if int(n) != expect:
                        where = "its start" if expect == 0 else f"entries {expect}..{int(n) - 1}"
                        raise StreamTrimmedError(
                            f"stream {keys.key} lost {where} to trimming (maxlen={self.maxlen}) before they "
                            "were read: raise maxlen",
                            key=keys.key,
                        )
                    expect += 1
                    last = entry_id
                    reason = fields.get("lost")
                    if reason is not None:
                        raise _producer_lost(keys, reason, self.producer_timeout)
                    try:
                        payload = json.loads(fields["e"])
                    except ValueError as exc:
                        raise ForeignStreamError(
                            f"stream {keys.key} entry {entry_id} is not JSON: {exc}", key=keys.key
                        ) from exc
                    yield payload
                    if "end" in fields:
                        return
        finally:
            await _close(client)

    async def _check_meta(self, client: _Client, keys: _Keys) -> None:
        async def call() -> Any:
            return await client.hgetall(keys.meta)

        try:
            meta = await self._retrying(call, what="attach", key=keys.key, limit=self.reconnect_timeout)
        except ResponseError as exc:
            raise ForeignStreamError(f"the Redis key {keys.meta} is not instantjson's: {exc}", key=keys.key) from exc
        if not meta:

            async def exists() -> Any:
                return await client.exists(keys.stream)

            if await self._retrying(exists, what="attach", key=keys.key, limit=self.reconnect_timeout):
                raise ForeignStreamError(
                    f"the Redis key {keys.stream} holds a stream that instantjson did not write (no {keys.meta})",
                    key=keys.key,
                )
            raise self._not_found(keys)
        if meta.get("format") != FORMAT:
            raise ForeignStreamError(
                f"the Redis key {keys.meta} is not an instantjson stream's (format {meta.get('format')!r}, "
                f"expected {FORMAT!r})",
                key=keys.key,
            )


class _Sender:
    """Appends batches in a task of its own, so the response is read on while an append is in
    flight: a batch waits only for the append before it, and what piles up meanwhile (Redis
    slower than the upstream) goes out together in the next append. Its first failure is raised
    by the next `put()` or by `finish()`."""

    def __init__(self, append: Callable[[list[Item], str], Awaitable[None]]) -> None:
        self._append = append
        self._buffer: list[Item] = []
        self._end: str | None = None
        self._wake = asyncio.Event()
        self._task = asyncio.ensure_future(self._run())

    def put(self, items: list[Item]) -> None:
        if self._task.done():
            self._task.result()  # raises its error (it never ends before finish() otherwise)
        self._buffer += items
        self._wake.set()

    async def finish(self, end: str) -> None:
        """Append what is left with the end mark, and wait until it is in Redis."""
        self._end = end
        self._wake.set()
        await asyncio.shield(self._task)

    async def aclose(self) -> None:
        if not self._task.done():
            self._task.cancel()
        with anyio.CancelScope(shield=True):
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            end = self._end
            batch, self._buffer = self._buffer, []
            if end is not None:
                await self._append(batch, end)
                return
            if batch:
                await self._append(batch, "")


class _Entries:
    """The async iterable behind an attached response (a new reading per iteration)."""

    __slots__ = ("_keys", "_store")

    def __init__(self, store: RedisStreams, keys: _Keys) -> None:
        self._store = store
        self._keys = keys

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        return self._store._entries(self._keys)  # pyright: ignore[reportPrivateUsage]


def _stream_entries(reply: Any) -> list[tuple[str, dict[str, str]]]:
    """XREAD's reply for one stream, RESP2 (`[[name, entries]]`) or RESP3 (`{name: [entries]}`)."""
    if not reply:
        return []
    entries: Any = next(iter(reply.values())) if isinstance(reply, dict) else reply[0][1]  # pyright: ignore[reportUnknownArgumentType, reportUnknownMemberType]
    if entries and len(entries) == 1 and entries[0] and isinstance(entries[0][0], (list, tuple)):
        entries = entries[0]  # RESP3 nests the entries one level deeper
    return [(entry_id, fields) for entry_id, fields in entries]


def _producer_lost(keys: _Keys, reason: str, timeout: float) -> ProducerLostError:
    if reason == "never_started":
        text = f"no publisher started for stream {keys.key} within {timeout:g} s of new_key()"
    elif reason == "lease_expired":
        text = (
            f"the publisher of stream {keys.key} stopped (it died, hung, or lost Redis) and did not "
            f"refresh its lease within {timeout:g} s"
        )
    else:
        text = f"the publisher of stream {keys.key} gave up ({reason})"
    return ProducerLostError(text + "; the events before this point are kept", key=keys.key)


async def _close(client: _Client) -> None:
    """Close a client's connections, shielded and best effort: the stream's outcome is known by
    then, and a slow or failed close must not replace it."""
    with anyio.CancelScope(shield=True):
        try:
            await client.aclose()
        except Exception:
            pass


def _require_asyncio() -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        raise RuntimeError(
            "instantjson.redis runs on asyncio (redis-py's asyncio client), not on this event loop: "
            "publish from asyncio, and consume attached responses from asyncio or with the sync views "
            "(get_generator(), get_data(), ...)"
        ) from None
