"""RedisStreams against a real redis-server, in one process: publish + attach give the local
sequence for every provider's wire format, every view and getter works on an attached response,
and each way a key can be wrong or a publisher can fail ends in a clear error, in time."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import anyio
import pytest
import redis.asyncio as aioredis

from instantjson import ProducerLostError, ProviderStreamError
from instantjson._providers.normalized import encode_error
from instantjson.redis import (
    AlreadyPublishedError,
    ForeignStreamError,
    RedisStreams,
    RedisUnavailableError,
    StreamNotFoundError,
    StreamTrimmedError,
)
from instantjson.testing import MockLLMServer
from tests.redis._common import ANSWER, REASONING, TOOL_CALLS, after, collect_all, comparable, response_from
from tests.redis._server import RedisClusterNode

if TYPE_CHECKING:
    from pathlib import Path

    from tests.redis._server import RedisServer

pytestmark = pytest.mark.anyio

PROVIDERS = ("openai", "openai-responses", "anthropic", "ollama", "gemini")


def store_on(server: RedisServer, **kwargs: Any) -> RedisStreams:
    kwargs.setdefault("ttl", 60)
    kwargs.setdefault("producer_timeout", 3.0)
    return RedisStreams(server.url, **kwargs)


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_attached_sequence_is_the_local_one(redis_server: RedisServer, provider: str) -> None:
    store = store_on(redis_server)
    with MockLLMServer(answer=ANSWER, reasoning=REASONING, tool_calls=TOOL_CALLS, delay=0.001, seed=3) as mock:
        local = response_from(mock, provider)
        key = await store.new_key()
        remote = store.attach(key)  # attached before the publisher starts
        early = asyncio.ensure_future(collect_all(remote))
        await store.publish(local, key)
        items, error = await collect_all(local)
        assert error is None
        got, got_error = await early
    assert got_error is None
    assert comparable(got) == comparable(items)
    assert any(e == "instant" for e, _ in got) and any(e == "tool_calls" for e, _ in got)
    # a consumer attached after the end replays the same, and every view matches the local one
    late = store.attach(key)
    for kind in ("delta", "instant", "original"):
        mine = [x async for x in late.get_async_generator(type=kind)]
        theirs = [x async for x in local.get_async_generator(type=kind)]
        assert comparable([("x", v) for v in mine]) == comparable([("x", v) for v in theirs]), kind
    spec = ["delta", "meta", "tool_calls"]
    assert [x async for x in late.get_async_generator(type="specific", specific=spec)] == [
        x async for x in local.get_async_generator(type="specific", specific=spec)
    ]
    assert await late.async_get_text() == await local.async_get_text()
    assert await late.async_get_data() == await local.async_get_data()
    assert await late.async_get_meta() == await local.async_get_meta()


async def test_sync_views_and_getters_of_a_finished_stream(redis_server: RedisServer) -> None:
    store = store_on(redis_server)
    with MockLLMServer(answer=ANSWER) as mock:
        local = response_from(mock)
        key = await store.new_key()
        await store.publish(local, key)
    remote = store.attach(key)
    # sync calls inside a running loop: the attached response reads Redis in its helper thread
    assert remote.get_data() == await local.async_get_data()
    assert remote.get_text() == await local.async_get_text()
    assert remote.get_meta() == await local.async_get_meta()
    assert [e.path for e in remote.get_generator(type="instant")] == [
        e.path async for e in local.get_async_generator(type="instant")
    ]
    threaded = await anyio.to_thread.run_sync(lambda: "".join(store.attach(key).get_generator(type="delta")))
    assert threaded == ANSWER


async def test_resume_after_an_event_id(redis_server: RedisServer) -> None:
    store = store_on(redis_server)
    with MockLLMServer(answer=ANSWER, delay=0.002) as mock:
        local = response_from(mock)
        key = await store.new_key()
        publisher = asyncio.ensure_future(store.publish(local, key))
        first: list[tuple[int, str, Any]] = []
        async with store.attach(key) as gone:  # the browser went away mid-stream: released
            async for entry in after(gone, -1):
                first.append(entry)
                if len(first) == 40:
                    break
        rest = [entry async for entry in after(store.attach(key), first[-1][0])]
        await publisher
    full, _ = await collect_all(local)
    assert [i for i, _, _ in first + rest] == list(range(len(full)))
    assert comparable([(e, v) for _, e, v in first + rest]) == comparable(full)


async def test_consumers_are_independent(redis_server: RedisServer) -> None:
    store = store_on(redis_server)
    with MockLLMServer(answer=ANSWER, delay=0.002) as mock:
        local = response_from(mock)
        key = await store.new_key()
        remote = store.attach(key)
        publisher = asyncio.ensure_future(store.publish(local, key))

        async def quitter() -> None:
            async for _ in remote.get_async_generator(type="delta"):
                await asyncio.sleep(10)  # cancelled here by wait_for

        with pytest.raises(TimeoutError):
            await asyncio.wait_for(quitter(), 0.2)
        got, error = await collect_all(remote)
        await publisher
    assert error is None
    assert comparable(got) == comparable((await collect_all(local))[0])


async def test_second_publisher_is_refused(redis_server: RedisServer) -> None:
    store = store_on(redis_server)
    with MockLLMServer(answer=ANSWER, delay=0.002) as mock:
        key = await store.new_key()
        first = asyncio.ensure_future(store.publish(response_from(mock), key))
        await asyncio.sleep(0.05)
        with pytest.raises(AlreadyPublishedError, match="already has a publisher"):
            await store.publish(response_from(mock), key)
        await first
        with pytest.raises(AlreadyPublishedError, match="'done'"):
            await store.publish(response_from(mock), key)
    assert await store.attach(key).async_get_text() == ANSWER


async def test_a_provider_error_reaches_attached_consumers(redis_server: RedisServer) -> None:
    store = store_on(redis_server)
    with MockLLMServer(answer=ANSWER, fault="inband_error", fault_after=10) as mock:
        local = response_from(mock)
        key = await store.new_key()
        await store.publish(local, key)  # the response's error is published, not raised
    items, error = await collect_all(local)
    got, got_error = await collect_all(store.attach(key))
    assert isinstance(got_error, ProviderStreamError) and isinstance(error, ProviderStreamError)
    assert encode_error(got_error) == encode_error(error)
    assert comparable(got) == comparable(items)
    remote = store.attach(key)
    with pytest.raises(ProviderStreamError):
        await remote.async_get_text()
    assert await remote.async_get_text(partial=True) == await local.async_get_text(partial=True)


async def test_a_cut_connection_reaches_attached_consumers_as_the_same_error(redis_server: RedisServer) -> None:
    store = store_on(redis_server)
    with MockLLMServer(answer=ANSWER, fault="cut", fault_after=5) as mock:
        local = response_from(mock)
        key = await store.new_key()
        await store.publish(local, key)
    _, error = await collect_all(local)
    _, got_error = await collect_all(store.attach(key))
    assert error is not None and type(got_error) is type(error)
    assert str(got_error) == str(error)


async def test_publisher_never_started(redis_server: RedisServer) -> None:
    store = store_on(redis_server, producer_timeout=1.0)
    key = await store.new_key()
    start = time.monotonic()
    got, error = await collect_all(store.attach(key))
    elapsed = time.monotonic() - start
    assert isinstance(error, ProducerLostError) and error.key == key
    assert "no publisher started" in str(error)
    assert elapsed <= 1.0 + 1.0, elapsed  # the bound, plus slack for a loaded machine
    assert [e for e, _ in got] == ["meta", "error"]  # finish_reason "error", then the error
    with pytest.raises(AlreadyPublishedError, match="'lost'"):
        with MockLLMServer(answer=ANSWER) as mock:
            await store.publish(response_from(mock), key)


async def test_a_cancelled_publisher_ends_its_consumers_at_once(redis_server: RedisServer) -> None:
    store = store_on(redis_server, producer_timeout=10.0)
    with MockLLMServer(answer=ANSWER, delay=0.01) as mock:
        key = await store.new_key()
        remote = store.attach(key)
        publisher = asyncio.ensure_future(store.publish(response_from(mock), key))
        seen: list[Any] = []
        with pytest.raises(ProducerLostError, match="gave up") as info:
            async for item in remote.get_async_generator(type="all"):
                seen.append(item)
                if len(seen) == 20:
                    publisher.cancel()
                    start = time.monotonic()
        assert time.monotonic() - start < 2.0  # not the 10 s lease: the publisher said so
        assert info.value.key == key
        with pytest.raises(asyncio.CancelledError):
            await publisher
    assert len(seen) >= 20
    assert (await store.attach(key).async_get_text(partial=True)) == "".join(v for e, v in seen if e == "delta")


async def test_unknown_and_malformed_keys(redis_server: RedisServer) -> None:
    store = store_on(redis_server)
    with pytest.raises(ValueError, match="not a stream key made by RedisStreams.new_key"):
        store.attach("hello")
    with pytest.raises(ValueError, match="not a stream key"):
        await store.publish(None, "{ij:x}:stream")  # type: ignore[arg-type]
    never = f"{int(time.time() * 1000):x}.{'0' * 20}"
    start = time.monotonic()
    with pytest.raises(StreamNotFoundError, match="never reserved") as info:
        await store.attach(never).async_get_text()
    assert time.monotonic() - start < 1.0  # at once, not after producer_timeout (3 s)
    assert info.value.expired is False and info.value.key == never
    with pytest.raises(StreamNotFoundError, match="never reserved"):
        with MockLLMServer(answer=ANSWER) as mock:
            await store.publish(response_from(mock), never)


async def test_expired_stream(redis_server: RedisServer) -> None:
    store = store_on(redis_server, ttl=1)
    with MockLLMServer(answer=ANSWER) as mock:
        key = await store.new_key()
        await store.publish(response_from(mock), key)
    assert await store.attach(key).async_get_text() == ANSWER  # replays until its TTL
    await asyncio.sleep(2.2)  # "an hour later", with a one-second TTL
    with pytest.raises(StreamNotFoundError, match="has expired") as info:
        await store.attach(key).async_get_text()
    assert info.value.expired is True
    client = aioredis.Redis.from_url(redis_server.url)
    try:
        assert await client.keys(f"{{ij:{key}}}*") == []  # nothing left behind in Redis
    finally:
        await client.aclose()


async def test_foreign_data_under_the_key(redis_server: RedisServer) -> None:
    store = store_on(redis_server)
    client = aioredis.Redis.from_url(redis_server.url, decode_responses=True)
    try:
        # another program's stream where the stream would be, no meta
        key = f"{int(time.time() * 1000):x}.{'1' * 20}"
        await client.xadd(f"{{ij:{key}}}:stream", {"user": "42", "action": "login"})
        with pytest.raises(ForeignStreamError, match="did not write"):
            await store.attach(key).async_get_text()
        # a string where the meta hash would be
        key = f"{int(time.time() * 1000):x}.{'2' * 20}"
        await client.set(f"{{ij:{key}}}:meta", "hello")
        with pytest.raises(ForeignStreamError, match="not instantjson's"):
            await store.attach(key).async_get_text()
        with pytest.raises(ForeignStreamError):
            with MockLLMServer(answer=ANSWER) as mock:
                await store.publish(response_from(mock), key)
        # a hash of another format
        key = f"{int(time.time() * 1000):x}.{'3' * 20}"
        await client.hset(f"{{ij:{key}}}:meta", mapping={"format": "something-else/2"})
        with pytest.raises(ForeignStreamError, match="something-else/2"):
            await store.attach(key).async_get_text()
        # our meta, but entries written by someone else
        key = await store.new_key()
        await client.xadd(f"{{ij:{key}}}:stream", {"user": "42"})
        with pytest.raises(ForeignStreamError, match="entry instantjson did not write"):
            await store.attach(key).async_get_text()
    finally:
        await client.aclose()


async def test_trimmed_stream_is_a_clear_error(redis_server: RedisServer) -> None:
    store = store_on(redis_server)
    with MockLLMServer(answer=ANSWER, delay=0.001) as mock:
        key = await store.new_key()
        await store.publish(response_from(mock), key)
    client = aioredis.Redis.from_url(redis_server.url)
    try:
        assert await client.xlen(f"{{ij:{key}}}:stream") > 3
        await client.xtrim(f"{{ij:{key}}}:stream", maxlen=2, approximate=False)  # what MAXLEN does
    finally:
        await client.aclose()
    with pytest.raises(StreamTrimmedError, match="raise maxlen"):
        await store.attach(key).async_get_text()


async def test_maxlen_bounds_the_stream(redis_server: RedisServer) -> None:
    store = store_on(redis_server, maxlen=1)
    with MockLLMServer(answer=ANSWER * 3, chunk=(1, 3), delay=0.002) as mock:
        key = await store.new_key()
        await store.publish(response_from(mock), key)
    client = aioredis.Redis.from_url(redis_server.url)
    try:
        info = await client.xinfo_stream(f"{{ij:{key}}}:stream")
        entries = int(info["length"])
        written = int(await client.hget(f"{{ij:{key}}}:meta", "entries"))  # type: ignore[arg-type]
    finally:
        await client.aclose()
    assert written > 100  # enough for `MAXLEN ~` to trim (it drops whole nodes of 100 entries)
    assert entries < written


async def test_one_entry_per_network_read(redis_server: RedisServer) -> None:
    store = store_on(redis_server)
    with MockLLMServer(answer=ANSWER, delay=0.005) as mock:
        local = response_from(mock)
        key = await store.new_key()
        await store.publish(local, key)
    client = aioredis.Redis.from_url(redis_server.url)
    try:
        entries = await client.xlen(f"{{ij:{key}}}:stream")
    finally:
        await client.aclose()
    names = [e async for e, _ in local.get_async_generator(type="all") if e != "instant"]
    frames = names.count("original_delta")  # one per SSE frame; the server pauses between frames
    assert entries < len(names)  # batched: never one entry per event
    assert entries <= frames + 2  # at most one per network read that brought events, plus the end
    assert entries >= frames // 4  # and about one per read: not the whole stream in a few entries


@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_trio_gets_a_clear_error(redis_server: RedisServer) -> None:
    store = store_on(redis_server)
    with pytest.raises(RuntimeError, match="runs on asyncio"):
        await store.attach(f"{int(time.time() * 1000):x}.{'4' * 20}").async_get_text()


async def test_redis_gone_for_good_is_a_clear_error(persistent_redis: RedisServer) -> None:
    store = store_on(persistent_redis, producer_timeout=2.0, reconnect_timeout=1.5)
    with MockLLMServer(answer=ANSWER * 2, chunk=(1, 4), delay=0.01) as mock:
        key = await store.new_key()
        remote = store.attach(key)
        publisher = asyncio.ensure_future(store.publish(response_from(mock), key))
        seen: list[Any] = []
        with pytest.raises(RedisUnavailableError, match="did not answer") as consumer_error:
            async for item in remote.get_async_generator(type="all"):
                seen.append(item)
                if len(seen) == 30:
                    await anyio.to_thread.run_sync(persistent_redis.stop)
                    stopped = time.monotonic()
        assert time.monotonic() - stopped < 1.5 + 1.0  # reconnect_timeout, then the error
        with pytest.raises(RedisUnavailableError, match=r"redis://127\.0\.0\.1") as publisher_error:
            await asyncio.wait_for(publisher, 10)
    assert time.monotonic() - stopped < 2 * 1.5 + 1.0  # one lease of retries, a brief give-up
    assert consumer_error.value.key == key and publisher_error.value.key == key
    assert isinstance(publisher_error.value.__cause__, Exception)
    assert len(seen) >= 30
    assert await remote.async_get_text(partial=True) == "".join(v for e, v in seen if e == "delta")


async def test_redis_cluster(tmp_path: Path) -> None:
    node = RedisClusterNode(tmp_path).start()
    try:
        store = RedisStreams(f"redis://127.0.0.1:{node.port}", cluster=True, ttl=60, producer_timeout=3.0)
        with MockLLMServer(answer=ANSWER, delay=0.001) as mock:
            local = response_from(mock)
            key = await store.new_key()
            remote = store.attach(key)
            early = asyncio.ensure_future(collect_all(remote))
            await store.publish(local, key)
        got, error = await early
        assert error is None
        assert comparable(got) == comparable((await collect_all(local))[0])
        lost_key = await store.new_key()
        _, lost = await collect_all(RedisStreams(node.url, cluster=True, producer_timeout=1.0).attach(lost_key))
        assert isinstance(lost, ProducerLostError)
    finally:
        node.stop()
