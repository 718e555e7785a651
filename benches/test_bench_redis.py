"""instantjson.redis: what sharing a response through Redis costs, against the in-memory replay log.

* `redis-per-event` (10 KB answer, Chat Completions SSE, 16 frames per network read): one
  consumer of a local response (`instantjson in-memory log`, the baseline), the same response
  published to Redis while one attached consumer reads it live (`publish + attach`), publishing
  alone, and attaching to a finished stream (a late replay). `extra_info["per_event_us"]` is the
  mean time divided by the number of `type="all"` events.
* `redis-concurrent` (1 KB answers): N responses published at once through one local
  redis-server, each read live by one attached consumer; throughput (events/s, streams/s) and
  Redis memory per finished stream (`INFO memory` used_memory, before and after, / N). N=1,000
  is `heavy`.

Run: `nice -n 10 python3 -m pytest benches/test_bench_redis.py --benchmark-only -s`
(a redis-server binary must be installed: `.ci/setup.d/40-redis.sh`).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `tests.redis._server`

from _data import token_chunks

from instantjson import Response
from tests.redis._server import RedisServer

if TYPE_CHECKING:
    from collections.abc import Iterator

pytest.importorskip("pytest_benchmark")
aioredis = pytest.importorskip("redis.asyncio")

from instantjson.redis import RedisStreams  # noqa: E402

FRAMES_PER_READ = 16


def sse_body(size: str) -> list[bytes]:
    """A Chat Completions SSE body for the answer of `size`, cut into network reads."""
    frames: list[bytes] = []
    for token in token_chunks(size):
        payload = {"id": "c1", "model": "m", "choices": [{"index": 0, "delta": {"content": token}}]}
        frames.append(b"data: " + json.dumps(payload).encode() + b"\n\n")
    last = {
        "id": "c1",
        "model": "m",
        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 5, "completion_tokens": len(frames), "total_tokens": 5 + len(frames)},
    }
    frames += [b"data: " + json.dumps(last).encode() + b"\n\n", b"data: [DONE]\n\n"]
    return [b"".join(frames[i : i + FRAMES_PER_READ]) for i in range(0, len(frames), FRAMES_PER_READ)]


async def _slowly(chunks: list[bytes]) -> Any:
    """The body as an async source that yields to the loop between reads, like a socket."""
    for chunk in chunks:
        await asyncio.sleep(0)
        yield chunk


def response_of(chunks: list[bytes]) -> Response:
    return Response.from_stream(_slowly(chunks), provider="openai")


async def count(response: Response) -> int:
    n = 0
    async for _ in response.get_async_generator(type="all"):
        n += 1
    return n


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = RedisServer(tmp_path_factory.mktemp("redis-bench")).start()
    try:
        yield server.url
    finally:
        server.stop()


BODY = sse_body("10KB")
EVENTS = asyncio.run(count(response_of(BODY)))


def _record(benchmark: Any, peer: str) -> None:
    benchmark.group = "redis-per-event"
    benchmark.extra_info.update(peer=peer, bytes=sum(map(len, BODY)), chunks=len(BODY), events=EVENTS)


def _per_event(benchmark: Any) -> None:
    stats = getattr(benchmark, "stats", None)
    if stats is not None:
        benchmark.extra_info["per_event_us"] = round(stats.stats.mean / EVENTS * 1e6, 3)


def test_in_memory_log(benchmark: Any) -> None:
    _record(benchmark, "instantjson in-memory log")

    def run() -> int:
        return asyncio.run(count(response_of(BODY)))

    assert benchmark.pedantic(run, rounds=20, iterations=1, warmup_rounds=2) == EVENTS
    _per_event(benchmark)


def test_publish_and_attach(benchmark: Any, redis_url: str) -> None:
    _record(benchmark, "publish + attach (live)")
    store = RedisStreams(redis_url, ttl=60)

    async def both() -> int:
        key = await store.new_key()
        remote = store.attach(key)
        reader = asyncio.ensure_future(count(remote))
        await store.publish(response_of(BODY), key)
        return await reader

    assert benchmark.pedantic(lambda: asyncio.run(both()), rounds=20, iterations=1, warmup_rounds=2) == EVENTS
    _per_event(benchmark)


def test_publish_only(benchmark: Any, redis_url: str) -> None:
    _record(benchmark, "publish only")
    store = RedisStreams(redis_url, ttl=60)

    async def publish() -> None:
        await store.publish(response_of(BODY), await store.new_key())

    benchmark.pedantic(lambda: asyncio.run(publish()), rounds=20, iterations=1, warmup_rounds=2)
    _per_event(benchmark)


def test_attach_finished(benchmark: Any, redis_url: str) -> None:
    _record(benchmark, "attach a finished stream")
    store = RedisStreams(redis_url, ttl=60)

    async def publish() -> str:
        key = await store.new_key()
        await store.publish(response_of(BODY), key)
        return key

    key = asyncio.run(publish())
    assert benchmark.pedantic(lambda: asyncio.run(count(store.attach(key))), rounds=20, iterations=1) == EVENTS
    _per_event(benchmark)


async def _used_memory(url: str) -> int:
    client = aioredis.Redis.from_url(url)
    try:
        info = await client.info("memory")
        return int(info["used_memory"])
    finally:
        await client.aclose()


@pytest.mark.timeout(1800)
@pytest.mark.parametrize("streams", [100, pytest.param(1000, marks=pytest.mark.heavy)])
def test_concurrent_streams(benchmark: Any, redis_url: str, streams: int) -> None:
    body = sse_body("1KB")
    per_stream = asyncio.run(count(response_of(body)))
    store = RedisStreams(redis_url, ttl=600, producer_timeout=60)
    benchmark.group = "redis-concurrent"
    benchmark.extra_info.update(peer=f"{streams} streams, 1 consumer each", streams=streams)

    async def run() -> dict[str, float]:
        before = await _used_memory(redis_url)
        keys = await asyncio.gather(*(store.new_key() for _ in range(streams)))
        start = time.perf_counter()
        readers = [asyncio.ensure_future(count(store.attach(key))) for key in keys]
        await asyncio.gather(*(store.publish(response_of(body), key) for key in keys))
        counts = await asyncio.gather(*readers)
        elapsed = time.perf_counter() - start
        after = await _used_memory(redis_url)
        assert counts == [per_stream] * streams
        return {"elapsed": elapsed, "memory": (after - before) / streams}

    result = benchmark.pedantic(lambda: asyncio.run(run()), rounds=1, iterations=1)
    events = per_stream * streams
    benchmark.extra_info.update(
        events=events,
        events_per_s=round(events / result["elapsed"]),
        streams_per_s=round(streams / result["elapsed"], 1),
        redis_bytes_per_stream=round(result["memory"]),
        answer_bytes=sum(len(t.encode()) for t in token_chunks("1KB")),
    )
    print(  # noqa: T201
        f"\n{streams} concurrent streams: {result['elapsed']:.2f} s, {events / result['elapsed']:,.0f} events/s, "
        f"{streams / result['elapsed']:,.1f} streams/s, Redis {result['memory'] / 1024:,.1f} KiB per finished stream"
    )
