"""Consumers are independent under every cancellation form (DESIGN.md section 7).

Each test runs one response against `DribbleServer`, which writes an OpenAI Chat Completions
SSE body in 1-7 byte pieces with ~1 ms pauses (so a consumer is almost always stopped in the
middle of a network read), with three consumers: an `instant` view, a `delta` view and
`async_get_data()`. One of them (the one that started first, which is the one that would read
the network in a pull design) is stopped by the form under test; the survivors must get exactly
what a consumer of a clean, in-memory run of the same body gets, on one request, with no task,
thread or socket left behind.
"""

from __future__ import annotations

import _thread
import asyncio
import gc
import json
import sys
import threading
import time
from typing import TYPE_CHECKING, Any

import anyio
import anyio.lowlevel
import pytest

from instantjson._agent import Agent
from instantjson._providers.openai import OpenAICompatible
from instantjson._response import Response
from tests._dribble import DribbleServer, chat_body
from tests._reliability import Resources, assert_no_leak, join_instantjson_threads, live_tasks
from tests.conftest_response import anyio_backend

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

__all__ = ["anyio_backend"]

ANSWER = json.dumps({"title": "Dribbled", "steps": ["first", "second", "third"], "note": "\u00e9t\u00e9 \U0001f680 ok"})
BODY = chat_body(ANSWER)
KINDS = ("instant", "delta", "data")


def key(kind: str, item: Any) -> Any:
    if kind == "instant":
        return (item.event_type, item.path, item.delta, json.dumps(item.value, sort_keys=True))
    return item


def clean_run() -> dict[str, Any]:
    """What each consumer gets from a clean run of the same body (in memory, no network)."""
    response = Response.from_stream(BODY)
    return {
        "instant": [key("instant", e) for e in response.get_generator(type="instant")],
        "delta": list(response.get_generator(type="delta")),
        "data": response.get_data(),
    }


EXPECTED = clean_run()


def respond(server: DribbleServer, timeout: float = 10.0) -> Response:
    model = OpenAICompatible(base_url=server.url + "/v1", model="m", retries=0, timeout=timeout)
    return Agent(model).input("plan").get_response()


async def consume(response: Response, kind: str, got: list[Any], started: anyio.Event | None = None) -> Any:
    """Read one consumer to the end; `got` receives its items (views) or `[value]` (data)."""
    if kind == "data":
        if started is not None:
            started.set()
        got.append(await response.async_get_data())
        return got
    async for item in response.get_async_generator(type=kind):  # pyright: ignore[reportArgumentType]
        got.append(key(kind, item))
        if started is not None and len(got) >= 2:
            started.set()
    return got


def check_survivors(results: dict[str, list[Any]], victim: str) -> None:
    for kind, got in results.items():
        if kind == victim:
            want = EXPECTED[kind] if kind != "data" else [EXPECTED["data"]]
            assert got == want[: len(got)], f"the stopped {kind} consumer got something wrong"
            continue
        want = EXPECTED[kind] if kind != "data" else [EXPECTED["data"]]
        assert got == want, f"{kind} consumer"


async def three_consumers(
    server: DribbleServer, victim: str, stop: Callable[[Callable[[], Awaitable[Any]], anyio.Event], Awaitable[None]]
) -> None:
    """Start the victim first (wrapped by `stop`), then the two others; check everything."""
    tasks_before = live_tasks()
    response = respond(server)
    results: dict[str, list[Any]] = {k: [] for k in KINDS}
    started = anyio.Event()
    with anyio.fail_after(30):
        async with anyio.create_task_group() as tg:

            async def victim_run() -> None:
                await stop(lambda: consume(response, victim, results[victim], started), started)

            tg.start_soon(victim_run)
            await anyio.lowlevel.checkpoint()
            for kind in KINDS:
                if kind != victim:
                    tg.start_soon(consume, response, kind, results[kind])
    check_survivors(results, victim)
    assert server.requests == 1
    assert await response.async_get_text() == "".join(EXPECTED["delta"])
    assert await anyio.to_thread.run_sync(server.wait_idle, 5)
    await anyio.sleep(0.01)
    assert live_tasks() == tasks_before


# --------------------------------------------------------------------------- the stop forms
async def after_some(started: anyio.Event, extra: float = 0.004) -> None:
    """Wait until the victim is well into the stream (it got items, or its getter is waiting)."""
    await started.wait()
    await anyio.sleep(extra)


async def stop_by_task_cancel(run: Callable[[], Awaitable[Any]], started: anyio.Event) -> None:
    task = asyncio.ensure_future(run())
    await after_some(started)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def stop_by_wait_for(run: Callable[[], Awaitable[Any]], started: anyio.Event) -> None:
    with pytest.raises((TimeoutError, asyncio.TimeoutError)):
        await asyncio.wait_for(run(), 0.05)


async def stop_by_asyncio_timeout(run: Callable[[], Awaitable[Any]], started: anyio.Event) -> None:
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.05):
            await run()


async def stop_by_task_group(run: Callable[[], Awaitable[Any]], started: anyio.Event) -> None:
    async def sibling() -> None:
        await after_some(started)
        raise ValueError("a sibling failed")

    with pytest.raises(ExceptionGroup):  # noqa: F821 - a builtin since 3.11
        async with asyncio.TaskGroup() as tg:
            tg.create_task(run())
            tg.create_task(sibling())


async def stop_by_anyio_scope(run: Callable[[], Awaitable[Any]], started: anyio.Event) -> None:
    with anyio.CancelScope() as scope:

        async def canceller() -> None:
            await after_some(started)
            scope.cancel()

        async with anyio.create_task_group() as tg:
            tg.start_soon(canceller)
            await run()
    assert scope.cancel_called


async def stop_by_trio_scope(run: Callable[[], Awaitable[Any]], started: anyio.Event) -> None:
    import trio

    async with trio.open_nursery() as nursery:

        async def victim() -> None:
            with trio.CancelScope() as scope:
                nursery.start_soon(cancel_later, scope)
                await run()

        async def cancel_later(scope: trio.CancelScope) -> None:
            await after_some(started)
            scope.cancel()

        nursery.start_soon(victim)


ASYNCIO_FORMS = {
    "task.cancel": stop_by_task_cancel,
    "wait_for": stop_by_wait_for,
    "asyncio.timeout": stop_by_asyncio_timeout,
    "TaskGroup": stop_by_task_group,
}
if sys.version_info < (3, 11):  # pragma: no cover - asyncio.timeout and TaskGroup are 3.11+
    del ASYNCIO_FORMS["asyncio.timeout"], ASYNCIO_FORMS["TaskGroup"]


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.parametrize("victim", KINDS)
@pytest.mark.parametrize("form", list(ASYNCIO_FORMS))
async def test_native_asyncio_cancellation(form: str, victim: str) -> None:
    before = Resources.now()
    with DribbleServer(BODY, seed=hash((form, victim)) & 0xFFFF) as server:
        await three_consumers(server, victim, ASYNCIO_FORMS[form])
    join_instantjson_threads()
    assert_no_leak(before, Resources.now())


@pytest.mark.anyio
@pytest.mark.parametrize("victim", KINDS)
async def test_anyio_cancel_scope(victim: str) -> None:
    with DribbleServer(BODY, seed=len(victim)) as server:
        await three_consumers(server, victim, stop_by_anyio_scope)


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["trio"])
@pytest.mark.parametrize("victim", KINDS)
async def test_trio_cancel_scope(victim: str) -> None:
    with DribbleServer(BODY, seed=3 + len(victim)) as server:
        await three_consumers(server, victim, stop_by_trio_scope)


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_pending_read_whose_coroutine_is_closed() -> None:
    """A consumer's `__anext__()` started by hand (it is waiting for the network) then closed."""

    async def closed_midway(run: Callable[[], Awaitable[Any]], started: anyio.Event) -> None:
        del run
        view = response_box[0].get_async_generator(type="instant")
        await view.__anext__()
        await view.__anext__()
        started.set()
        while True:  # step `__anext__()` by hand until it has to wait for the network
            coro = view.__anext__()
            try:
                coro.send(None)
            except StopIteration:
                continue
            break
        coro.close()

    response_box: list[Response] = []
    with DribbleServer(BODY, seed=11) as server:
        response = respond(server)
        response_box.append(response)
        results: dict[str, list[Any]] = {k: [] for k in KINDS}
        with anyio.fail_after(30):
            async with anyio.create_task_group() as tg:
                tg.start_soon(closed_midway, None, anyio.Event())
                await anyio.lowlevel.checkpoint()
                tg.start_soon(consume, response, "delta", results["delta"])
                tg.start_soon(consume, response, "data", results["data"])
        check_survivors(results, "instant")
        late: list[Any] = []
        await consume(response, "instant", late)
        assert late == EXPECTED["instant"]
        assert server.requests == 1


@pytest.mark.anyio
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
async def test_abandoned_generator_garbage_collected_mid_iteration() -> None:
    """A consumer's own async generator over a view, dropped after two items and collected."""

    async def dropped(run: Callable[[], Awaitable[Any]], started: anyio.Event) -> None:
        del run

        async def wrapper() -> Any:
            async for item in response_box[0].get_async_generator(type="instant"):
                yield item

        gen = wrapper()
        await gen.__anext__()
        await gen.__anext__()
        started.set()
        del gen
        gc.collect()
        await anyio.sleep(0.01)

    response_box: list[Response] = []
    with DribbleServer(BODY, seed=12) as server:
        response = respond(server)
        response_box.append(response)
        results: dict[str, list[Any]] = {k: [] for k in KINDS}
        with anyio.fail_after(30):
            async with anyio.create_task_group() as tg:
                tg.start_soon(dropped, None, anyio.Event())
                await anyio.lowlevel.checkpoint()
                tg.start_soon(consume, response, "delta", results["delta"])
                tg.start_soon(consume, response, "data", results["data"])
        check_survivors(results, "instant")
        assert server.requests == 1


@pytest.mark.anyio
async def test_timeout_while_the_request_is_opening() -> None:
    """The first consumer gives up before the status line arrived; the response is not broken:
    the same caller and the others get the whole answer, on the one request already sent."""
    with DribbleServer(BODY, head_delay=0.2, seed=5) as server:
        response = respond(server)
        with anyio.move_on_after(0.05) as scope:
            await response.async_get_data()
        assert scope.cancelled_caught
        results: dict[str, list[Any]] = {k: [] for k in KINDS}
        with anyio.fail_after(30):
            async with anyio.create_task_group() as tg:
                for kind in KINDS:
                    tg.start_soon(consume, response, kind, results[kind])
        check_survivors(results, "")
        assert server.requests == 1


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_wait_for_a_getter_then_ask_again() -> None:
    """`wait_for(response.async_get_text(), t)` expiring mid-stream breaks nothing, not even for
    the caller that asks again."""
    with DribbleServer(BODY, seed=6) as server:
        response = respond(server)
        with pytest.raises((TimeoutError, asyncio.TimeoutError)):
            await asyncio.wait_for(response.async_get_text(), 0.1)
        with anyio.fail_after(30):
            assert await response.async_get_text() == "".join(EXPECTED["delta"])
            assert await response.async_get_data() == EXPECTED["data"]
        assert server.requests == 1


# --------------------------------------------------------------------------- sync consumers
def sync_consume(response: Response, kind: str, got: list[Any], limit: int | None = None) -> None:
    if kind == "data":
        got.append(response.get_data())
        return
    view = response.get_generator(type=kind)  # pyright: ignore[reportArgumentType]
    for item in view:
        got.append(key(kind, item))
        if limit is not None and len(got) >= limit:
            view.close()  # pyright: ignore[reportAttributeAccessIssue]
            return


def test_sync_generator_closed_mid_iteration() -> None:
    before = Resources.now()
    with DribbleServer(BODY, seed=7) as server:
        response = respond(server)
        results: dict[str, list[Any]] = {k: [] for k in KINDS}
        threads = [
            threading.Thread(target=sync_consume, args=(response, "instant", results["instant"], 3)),
            threading.Thread(target=sync_consume, args=(response, "delta", results["delta"])),
            threading.Thread(target=sync_consume, args=(response, "data", results["data"])),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        check_survivors(results, "instant")
        assert len(results["instant"]) == 3
        assert server.requests == 1
    join_instantjson_threads()
    assert_no_leak(before, Resources.now())


def test_keyboard_interrupt_in_a_sync_consumer() -> None:
    """Ctrl-C (a real KeyboardInterrupt in the main thread, wherever it waits) stops only the
    sync consumer it hits."""
    before = Resources.now()
    with DribbleServer(BODY, seed=8) as server:
        response = respond(server)
        results: dict[str, list[Any]] = {k: [] for k in KINDS}
        others = [
            threading.Thread(target=sync_consume, args=(response, "delta", results["delta"])),
            threading.Thread(target=sync_consume, args=(response, "data", results["data"])),
        ]
        timer = threading.Timer(0.15, _thread.interrupt_main)
        interrupted = False
        timer.start()
        try:
            for t in others:
                t.start()
            sync_consume(response, "instant", results["instant"])
            time.sleep(5)  # pragma: no cover - the interrupt comes first
        except KeyboardInterrupt:
            interrupted = True
        finally:
            timer.join()
        for t in others:
            t.join(30)
        assert interrupted
        check_survivors(results, "instant")
        assert server.requests == 1
    join_instantjson_threads()
    assert_no_leak(before, Resources.now())


def test_async_consumer_cancelled_in_a_foreign_loop() -> None:
    """A response started by one loop (in a thread), read from another loop whose consumer is
    cancelled: the home loop's consumers are not disturbed."""
    with DribbleServer(BODY, seed=9) as server:
        response = respond(server)
        results: dict[str, list[Any]] = {k: [] for k in KINDS}
        started = threading.Event()

        async def home() -> None:
            async with anyio.create_task_group() as tg:
                tg.start_soon(consume, response, "delta", results["delta"])
                tg.start_soon(consume, response, "data", results["data"])
                await anyio.sleep(0.02)
                started.set()

        async def foreign() -> None:
            with anyio.move_on_after(0.1):
                await consume(response, "instant", results["instant"])

        thread = threading.Thread(target=anyio.run, args=(home,))
        thread.start()
        started.wait(5)
        anyio.run(foreign, backend="trio")
        thread.join(30)
        check_survivors(results, "instant")
        assert server.requests == 1


@pytest.mark.anyio
async def test_the_reader_stops_when_nobody_waits() -> None:
    """Lazy: once no consumer waits, the reader ends after the read in flight; the next
    consumer starts a new one on the same request."""
    with DribbleServer(BODY, seed=13) as server:
        tasks_before = live_tasks()
        response = respond(server)
        async for _ in response.get_async_generator(type="delta"):
            break
        await anyio.sleep(0.05)
        held = len(response.events)
        await anyio.sleep(0.2)
        assert len(response.events) == held and not response._log.finished  # pyright: ignore[reportPrivateUsage]
        assert live_tasks() == tasks_before
        with anyio.fail_after(30):
            assert await response.async_get_text() == "".join(EXPECTED["delta"])
        assert server.requests == 1
