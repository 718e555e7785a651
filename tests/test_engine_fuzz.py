"""A schedule fuzzer for the engine (hypothesis): random servers, random consumers, random fates.

Each example serves one OpenAI Chat Completions body from `DribbleServer` with random piece
sizes (1 byte to 64 KiB) and random pauses, and attaches 1-5 consumers of random kinds (views,
getters), each with a random fate: read to the end, `break` after k items, cancelled natively
at a random time (asyncio: `task.cancel()`; trio: a cancel scope), a timeout (`wait_for` /
`fail_after`), a sync consumer in a thread, or a view dropped without closing. On asyncio and
trio. Invariants: every consumer that reads to the end gets exactly what a consumer of a clean
in-memory run gets (the others a prefix of it), one request at most (exactly one when anyone
read), and after `aclose()` no task, thread or file descriptor is left.

The normal suite runs a bounded number of examples (`ENGINE_FUZZ_EXAMPLES`, 100 per backend by
default, about a minute in all); `make soak` runs many more.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
from dataclasses import dataclass
from typing import Any

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from instantjson._response import Response
from tests._dribble import DribbleServer, chat_body
from tests._reliability import Resources, assert_no_leak, join_instantjson_threads, live_tasks
from tests.test_engine_cancel import key, respond

ANSWER = json.dumps({"title": "Fuzzed", "items": [{"k": i, "v": "x" * (i % 5)} for i in range(6)], "end": True})
BODY = chat_body(ANSWER, chunk=(1, 12))
KINDS = ("delta", "instant", "all", "original", "data", "text")
FATES = ("end", "break", "cancel", "timeout", "sync", "drop")
EXAMPLES = int(os.environ.get("ENGINE_FUZZ_EXAMPLES", "100"))


def shape(kind: str, item: Any) -> Any:
    if kind == "instant":
        return key("instant", item)
    if kind == "all":
        event, value = item
        return (event, key("instant", value) if event == "instant" else value)
    return item


def clean() -> dict[str, list[Any]]:
    response = Response.from_stream(BODY)
    out = {k: [shape(k, x) for x in response.get_generator(type=k)] for k in ("delta", "instant", "all", "original")}  # pyright: ignore[reportArgumentType]
    out["data"] = [response.get_data()]
    out["text"] = [response.get_text()]
    return out


EXPECTED = clean()


@dataclass(frozen=True)
class Consumer:
    kind: str
    fate: str
    k: int
    when: float


consumers = st.builds(
    Consumer,
    kind=st.sampled_from(KINDS),
    fate=st.sampled_from(FATES),
    k=st.integers(0, 40),
    when=st.floats(0.0, 0.05),
)


@dataclass
class Schedule:
    lo: int
    hi: int
    pause: float
    seed: int


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    lo = draw(st.sampled_from([1, 2, 7, 64, 512, 4096, 65536]))
    hi = draw(st.sampled_from([h for h in (1, 7, 64, 1024, 16384, 65536) if h >= lo] or [lo]))
    writes = len(BODY) / ((lo + hi) / 2)
    pause = draw(st.floats(0.0, 0.002)) if writes * 0.002 < 1.5 else draw(st.floats(0.0, 1.5 / writes))
    return Schedule(lo, hi, pause, draw(st.integers(0, 2**16)))


async def run_one(response: Response, c: Consumer, got: list[Any]) -> None:
    """Run one consumer to its fate; `got` collects what it saw."""
    if c.kind in ("data", "text"):
        getter = response.async_get_data if c.kind == "data" else response.async_get_text
        got.append(await getter())
        return
    view = response.get_async_generator(type=c.kind)  # pyright: ignore[reportArgumentType]
    async for item in view:
        got.append(shape(c.kind, item))
        if c.fate in ("break", "drop") and len(got) >= c.k:
            break
    del view


def run_sync(response: Response, c: Consumer, got: list[Any]) -> None:
    if c.kind in ("data", "text"):
        got.append(response.get_data() if c.kind == "data" else response.get_text())
        return
    got.extend(shape(c.kind, item) for item in response.get_generator(type=c.kind))  # pyright: ignore[reportArgumentType]


async def with_fate(response: Response, c: Consumer, got: list[Any], backend: str) -> None:
    if c.fate == "sync":
        await anyio.to_thread.run_sync(run_sync, response, c, got)
    elif c.fate == "cancel":
        if backend == "asyncio":
            task = asyncio.ensure_future(run_one(response, c, got))
            await anyio.sleep(c.when)
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
        else:
            with anyio.move_on_after(c.when):
                await run_one(response, c, got)
    elif c.fate == "timeout":
        if backend == "asyncio":
            try:
                await asyncio.wait_for(run_one(response, c, got), c.when)
            except (TimeoutError, asyncio.TimeoutError):
                pass
        else:
            try:
                with anyio.fail_after(c.when):
                    await run_one(response, c, got)
            except TimeoutError:
                pass
    else:
        await run_one(response, c, got)


def check(c: Consumer, got: list[Any]) -> None:
    want = EXPECTED[c.kind]
    if c.fate in ("end", "sync"):
        assert got == want, c
    elif c.fate in ("break", "drop"):
        assert got == want[: max(c.k, 1)] if c.kind not in ("data", "text") else got == want, c
    else:
        assert got == want[: len(got)], c


def fuzz_once(schedule: Schedule, cs: list[Consumer], backend: str) -> None:
    before = Resources.now()
    with DribbleServer(BODY, pieces=(schedule.lo, schedule.hi), pause=schedule.pause, seed=schedule.seed) as server:
        response = respond(server)
        results: list[list[Any]] = [[] for _ in cs]

        async def main() -> None:
            tasks_before = live_tasks()
            rng = random.Random(schedule.seed)
            with anyio.fail_after(30):
                async with anyio.create_task_group() as tg:
                    for c, got in zip(cs, results, strict=True):
                        tg.start_soon(with_fate, response, c, got, backend)
                        if rng.random() < 0.5:
                            await anyio.sleep(rng.random() * 0.01)
                await response.aclose()
            assert live_tasks() == tasks_before

        anyio.run(main, backend=backend)
        for c, got in zip(cs, results, strict=True):
            check(c, got)
        assert server.requests <= 1
        if any(c.fate in ("end", "sync") for c in cs):
            assert server.requests == 1
        assert server.wait_idle(5)
    join_instantjson_threads()
    assert_no_leak(before, Resources.now())


# A request cancelled while httpx is still sending its body (a response closed or dropped while
# opening) leaves httpx's own request-body generator (`httpx._content.ByteStream.__aiter__`)
# to the garbage collector, which trio reports when it collects it. That generator holds no
# socket (the connection is closed by then) and is httpx's, not ours: only that report is ignored.
@pytest.mark.filterwarnings(
    r"ignore:Exception ignored in. <async_generator object ByteStream.__aiter__:pytest.PytestUnraisableExceptionWarning"
)
@pytest.mark.parametrize("backend", ["asyncio", "trio"])
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(schedule=schedules(), cs=st.lists(consumers, min_size=1, max_size=5))
def test_schedule_fuzz(backend: str, schedule: Schedule, cs: list[Consumer]) -> None:
    fuzz_once(schedule, cs, backend)
