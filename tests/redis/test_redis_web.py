"""PENDING (not collected: no `test_` prefix) until `instantjson.web` (DESIGN.md section 9) is
merged: rename to `test_redis_web.py` then.

A browser's reconnect lands on another worker: a browser-like SSE client reads half a response
from worker process A, reconnects with `Last-Event-ID` to worker process B, and gets exactly the
rest (no event lost, none twice), while the publisher runs in this process."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from instantjson.redis import RedisStreams
from instantjson.testing import MockLLMServer
from tests.redis._common import ANSWER, response_from, spawn_env
from tests.redis._server import free_port

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.redis._server import RedisServer

pytestmark = pytest.mark.anyio
WORKER = Path(__file__).with_name("_web_worker.py")


@pytest.fixture
def workers(redis_server: RedisServer) -> Iterator[list[str]]:
    """Two worker processes (A and B) serving the same Redis; their base URLs."""
    ports = [free_port(), free_port()]
    processes = [
        subprocess.Popen([sys.executable, str(WORKER), redis_server.url, str(port)], env=spawn_env()) for port in ports
    ]
    try:
        for port in ports:
            deadline = time.monotonic() + 60
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    assert time.monotonic() < deadline, f"worker on port {port} did not start"
                    time.sleep(0.05)
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for process in processes:
            process.kill()
            process.wait(10)


async def read_sse(
    client: httpx.AsyncClient, url: str, *, last_event_id: int | None = None, stop_after: int | None = None
) -> list[tuple[int, str, str]]:
    """`(id, event, data)` of each SSE event, as a browser's EventSource dispatches them; stops
    (disconnecting) after `stop_after` events."""
    headers = {"Accept": "text/event-stream"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = str(last_event_id)
    events: list[tuple[int, str, str]] = []
    fields: dict[str, Any] = {"data": []}
    current = -1 if last_event_id is None else last_event_id  # EventSource keeps the last id seen
    async with client.stream("GET", url, headers=headers) as reply:
        assert reply.status_code == 200
        assert reply.headers["content-type"].startswith("text/event-stream")
        async for line in reply.aiter_lines():
            if line.startswith(":"):
                continue
            if line == "":
                if "id" in fields:
                    current = int(fields["id"])
                if fields["data"]:
                    events.append((current, fields.get("event", "message"), "\n".join(fields["data"])))
                    if stop_after is not None and len(events) >= stop_after:
                        break
                fields = {"data": []}
                continue
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "data":
                fields["data"].append(value)
            elif name in ("id", "event"):
                fields[name] = value
    return events


async def test_a_reconnect_to_another_worker_gets_exactly_the_rest(
    redis_server: RedisServer, workers: list[str]
) -> None:
    worker_a, worker_b = workers
    reserver = RedisStreams(redis_server.url, producer_timeout=60)
    store = RedisStreams(redis_server.url)
    with MockLLMServer(answer=ANSWER * 2, chunk=(1, 4), delay=0.01) as mock:
        key = await reserver.new_key()
        publisher = asyncio.ensure_future(store.publish(response_from(mock), key))
        async with httpx.AsyncClient(timeout=30) as client:
            first = await read_sse(client, f"{worker_a}/stream/{key}", stop_after=60)  # then the tab sleeps
            assert not publisher.done(), "the answer ended before the reconnect: nothing left to test"
            rest = await read_sse(client, f"{worker_b}/stream/{key}", last_event_id=first[-1][0])
            await publisher
            whole = await read_sse(client, f"{worker_b}/stream/{key}")
    assert len(first) == 60
    assert rest[0][0] > first[-1][0]
    assert first + rest == whole  # exactly the rest: nothing lost, nothing twice
    assert whole[-1][1] == "meta" or any(e == "done" for _, e, _ in whole)
    ids = [i for i, e, _ in whole if e != "end"]
    assert ids == sorted(set(ids))
