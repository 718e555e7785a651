"""Load: 1,000 concurrent responses in ONE event loop, each read by 3 consumers at once (a delta
view, an instant view and `async_get_data()`), against the real HTTP mock server.

Every response must complete and be correct (compared with `json.loads` of its scripted answer;
four servers with different answers, so a mix-up between responses would show), with one
request each, and leave nothing behind: the loop's tasks, this process's file descriptors and
socket descriptors, and its threads are counted before and after (after the servers stopped and
joined their handler threads).

`INSTANTJSON_LOAD_N` sets the number of responses (default 1000; it runs in ~6 s on asyncio and
~9 s on trio on 2 cores). The figures are printed: `pytest tests/test_reliability_load.py -s`.
"""

from __future__ import annotations

import json
import os
import resource
import time
from typing import TYPE_CHECKING, Any

import anyio
import pytest

from instantjson._agent import Agent
from instantjson._providers.openai import OpenAICompatible
from instantjson.testing import MockLLMServer
from tests._reliability import Resources, assert_no_leak, join_instantjson_threads, live_tasks
from tests.conftest_response import SEED_ANSWER, anyio_backend

if TYPE_CHECKING:
    from instantjson._core import InstantEvent

__all__ = ["anyio_backend"]

N = int(os.environ.get("INSTANTJSON_LOAD_N", "1000"))
ANSWERS = [
    SEED_ANSWER,
    json.dumps({"title": "Second", "steps": [{"step": f"s{i}", "owner": "\u00e9t\u00e9"} for i in range(5)]}),
    json.dumps({"title": "Third \U0001f680", "summary": "x" * 300, "steps": []}, ensure_ascii=False),
    json.dumps([{"id": i, "ok": i % 2 == 0, "score": i / 3} for i in range(8)]),
]


def _raise_fd_limit(needed: int) -> int:
    """Raise the soft limit on open files towards `needed` (each response holds a client and a
    server socket); returns the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


def rebuilt(events: list[InstantEvent]) -> Any:
    """The value from the instant events alone: the done events of the top-level members."""
    tops = [e for e in events if e.event_type == "done" and len(e.keys) == 1]
    if tops and isinstance(tops[0].keys[0], int):
        return [e.value for e in tops]
    return {e.keys[0]: e.value for e in tops}


@pytest.mark.anyio
async def test_concurrent_responses_in_one_loop() -> None:
    limit = _raise_fd_limit(2 * N + 256)
    n = min(N, (limit - 256) // 2)  # never fail on a small hard limit: scale down (and say so)
    tasks_before = live_tasks()
    before = Resources.now()
    servers = [MockLLMServer(answer=a, chunk=(2, 12), seed=i).start() for i, a in enumerate(ANSWERS)]
    expected = [json.loads(a) for a in ANSWERS]
    done = 0
    active = 0
    peak = 0
    failures: list[str] = []
    try:

        async def one(i: int) -> None:
            nonlocal done, active, peak
            which = i % len(servers)
            model = OpenAICompatible(base_url=servers[which].url + "/v1", model="m", retries=0, timeout=60.0)
            response = Agent(model).input(f"request {i}").get_response()
            got: dict[str, Any] = {}

            async def deltas() -> None:
                nonlocal active, peak
                pieces: list[str] = []
                async for piece in response.get_async_generator(type="delta"):
                    if not pieces:
                        active += 1
                        peak = max(peak, active)
                    pieces.append(piece)
                active -= 1
                got["text"] = "".join(pieces)

            async def instant() -> None:
                got["instant"] = [e async for e in response.get_async_generator(type="instant")]

            async def data() -> None:
                got["data"] = await response.async_get_data()

            async with anyio.create_task_group() as tg:
                tg.start_soon(deltas)
                tg.start_soon(instant)
                tg.start_soon(data)
            if (got["text"], got["data"], rebuilt(got["instant"])) != (
                ANSWERS[which],
                expected[which],
                expected[which],
            ):
                failures.append(f"response {i} (server {which}) differs")
            done += 1

        start = time.monotonic()
        with anyio.fail_after(100):
            async with anyio.create_task_group() as tg:
                for i in range(n):
                    tg.start_soon(one, i)
        elapsed = time.monotonic() - start
        assert not failures, failures[:5]
        assert done == n
        assert sum(len(s.requests) for s in servers) == n  # one request per response
        assert live_tasks() == tasks_before
        for server in servers:
            assert server.wait_idle(10)
    finally:
        for server in servers:
            server.close()  # joins the handler threads: their sockets are closed once it returns
    join_instantjson_threads()
    after = Resources.now()
    assert_no_leak(before, after)
    print(  # noqa: T201 - the figures (pytest -s)
        f"\n{n} responses x 3 consumers in one loop: {elapsed:.2f} s, peak {peak} streaming at once; "
        f"fds {before.fds}->{after.fds}, sockets {before.sockets}->{after.sockets}, "
        f"threads {before.threads}->{after.threads}, tasks {tasks_before}->{live_tasks()}"
    )
    assert n == N or N > (limit - 256) // 2
