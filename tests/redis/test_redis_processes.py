"""RedisStreams across OS processes: a publisher in one process, consumers in others (and in
this one), against a real redis-server: the same sequence everywhere; a publisher killed with
SIGKILL mid-stream; a redis-server restarted mid-stream (append-only file on)."""

from __future__ import annotations

import asyncio
import signal
import time
from typing import TYPE_CHECKING, Any

import pytest

from instantjson import ProducerLostError
from instantjson.redis import RedisStreams
from instantjson.testing import MockLLMServer
from tests.redis._common import ANSWER, REASONING, TOOL_CALLS, dumped, read_lines, spawn

if TYPE_CHECKING:
    import subprocess
    from pathlib import Path

    from tests.redis._server import RedisServer

pytestmark = pytest.mark.anyio


def _finish(process: subprocess.Popen[str], timeout: float = 60) -> str:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, f"{process.args} failed ({process.returncode}):\n{out}\n{err}"
    return out


async def _wait_for_lines(path: Path, count: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while len(read_lines(path)) < count:
        assert time.monotonic() < deadline, f"{path.name}: fewer than {count} events after {timeout} s"
        await asyncio.sleep(0.01)


def _reserver(server: RedisServer) -> RedisStreams:
    """Keys reserved for a minute: on a loaded machine a Python process (the publisher) can take
    longer than the default bound to start, and consumers that attach first would give up."""
    return RedisStreams(server.url, ttl=60, producer_timeout=60)


def _timeless(lines: list[Any]) -> list[Any]:
    """Lines without the `created` stamp of Chat Completions payloads (it differs per request)."""
    for line in lines:
        if isinstance(line, list) and line[0] == "original_delta" and isinstance(line[1], dict):
            line[1].pop("created", None)
    return lines


async def _consume_here(store: RedisStreams, key: str, seen: list[Any]) -> BaseException | None:
    try:
        async for item in store.attach(key).get_async_generator(type="all"):
            seen.append(item)  # noqa: PERF401 - kept as it arrives, for the caller to watch
    except Exception as exc:
        return exc
    return None


async def test_publisher_and_consumers_in_separate_processes(redis_server: RedisServer, tmp_path: Path) -> None:
    store = RedisStreams(redis_server.url, ttl=60)
    with MockLLMServer(answer=ANSWER, reasoning=REASONING, tool_calls=TOOL_CALLS, delay=0.005) as mock:
        key = await _reserver(redis_server).new_key()
        consumers = [spawn("consume", redis_server.url, key, str(tmp_path / f"c{i}.jsonl")) for i in (1, 2)]
        here: list[Any] = []
        mine = asyncio.ensure_future(_consume_here(store, key, here))
        publisher = spawn("publish", redis_server.url, key, mock.url, "anthropic", str(tmp_path / "local.jsonl"))
        await asyncio.to_thread(_finish, publisher)
        for consumer in consumers:
            await asyncio.to_thread(_finish, consumer)
        assert await mine is None
    local = read_lines(tmp_path / "local.jsonl")  # the publisher's own response, in its process
    assert len(local) > 50 and any(e == "instant" for e, _ in local)
    assert dumped(here) == local
    for i in (1, 2):
        lines = read_lines(tmp_path / f"c{i}.jsonl")
        assert lines[-1] == {"end": True}
        assert lines[:-1] == local


async def test_publisher_killed_mid_stream(redis_server: RedisServer, tmp_path: Path) -> None:
    bound = 2.0
    reserver = _reserver(redis_server)
    store = RedisStreams(redis_server.url, ttl=60, producer_timeout=bound)
    url = redis_server.url
    with MockLLMServer(answer=ANSWER * 3, chunk=(1, 4), delay=0.01) as mock:
        full = spawn("publish", url, await reserver.new_key(), mock.url, "openai", str(tmp_path / "ref.jsonl"))
        await asyncio.to_thread(_finish, full)  # the whole answer, for reference
        key = await reserver.new_key()
        consumers = [spawn("consume", url, key, str(tmp_path / f"c{i}.jsonl"), str(bound)) for i in (1, 2)]
        here: list[Any] = []
        mine = asyncio.ensure_future(_consume_here(store, key, here))
        publisher = spawn("publish", url, key, mock.url, "openai", str(tmp_path / "never.jsonl"), str(bound))
        while len(here) < 60:
            if publisher.poll() is not None:
                pytest.fail(f"the publisher ended before it was killed: {publisher.communicate()}")
            await asyncio.sleep(0.005)
        publisher.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        error = await mine
        elapsed = time.monotonic() - killed
        publisher.wait(10)
        for consumer in consumers:
            await asyncio.to_thread(_finish, consumer)
    reference = _timeless(read_lines(tmp_path / "ref.jsonl"))
    assert isinstance(error, ProducerLostError) and error.key == key
    assert elapsed <= bound + 1.0, f"ProducerLostError {elapsed:.2f} s after the kill (bound {bound} s)"
    before = _timeless(dumped(here))
    assert before[-2][0] == "meta" and before[-1][0] == "error"  # finish_reason "error", then the error
    kept = before[:-2]
    assert len(kept) >= 60 and kept == reference[: len(kept)]  # what came before is kept, exactly
    assert len(kept) < len(reference)
    for i in (1, 2):
        lines = read_lines(tmp_path / f"c{i}.jsonl")
        assert lines[-1]["error"]["type"] == "instantjson.ProducerLostError"
        assert _timeless(lines[:-1]) == before  # the same events, meta and error
    text = "".join(v for e, v in kept if e == "delta")
    assert await store.attach(key).async_get_text(partial=True) == text


async def test_redis_restarted_mid_stream(persistent_redis: RedisServer, tmp_path: Path) -> None:
    store = RedisStreams(persistent_redis.url, ttl=60)
    with MockLLMServer(answer=ANSWER * 2, chunk=(1, 4), delay=0.01) as mock:
        key = await _reserver(persistent_redis).new_key()
        consumer = spawn("consume", persistent_redis.url, key, str(tmp_path / "c.jsonl"))
        here: list[Any] = []
        mine = asyncio.ensure_future(_consume_here(store, key, here))
        publisher = spawn("publish", persistent_redis.url, key, mock.url, "gemini", str(tmp_path / "local.jsonl"))
        await _wait_for_lines(tmp_path / "c.jsonl", 40)
        while len(here) < 40:  # noqa: ASYNC110 - polling another task's progress
            await asyncio.sleep(0.005)
        await asyncio.to_thread(persistent_redis.restart)  # SIGTERM (the AOF is written), then start again
        restarted_at = len(here)
        await asyncio.to_thread(_finish, publisher)
        await asyncio.to_thread(_finish, consumer)
        assert await mine is None
    local = read_lines(tmp_path / "local.jsonl")
    assert restarted_at < len(local) - 10, "the restart came too late to test anything"
    assert dumped(here) == local  # no loss, no duplicate
    lines = read_lines(tmp_path / "c.jsonl")
    assert lines[-1] == {"end": True} and lines[:-1] == local
