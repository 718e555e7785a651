"""Reliability under faults, against the real HTTP server of `instantjson.testing`.

* the connection cut at every frame of a short stream, in each of the five wire formats, and at
  every byte of a raw body: the response ends with a clear error (`httpx.RemoteProtocolError`,
  or `StreamIncompleteError` for a clean end without the terminal marker), every view and
  getter sees that same exception object, the text before the cut stays in the replay and in
  `async_get_text(partial=True)`, one request went out, nothing hangs;
* a stall longer than the read timeout ends with `httpx.ReadTimeout` in bounded time, async and sync;
* a consumer that never reads, or one stuck on its first item, stops nobody, and memory does not
  grow with it: the log holds each item once, views are cursors (no per-consumer queue);
* the whole response cancelled mid-stream while its consumer is in each view type or getter,
  or closed with `aclose()` from another task: every consumer ends, and no task, socket, file
  descriptor or thread is left behind.
"""

from __future__ import annotations

import gc
import json
import threading
import time
import tracemalloc
from typing import TYPE_CHECKING, Any

import anyio
import httpx
import pytest

from instantjson._agent import Agent
from instantjson._exceptions import ResponseClosedError, StreamIncompleteError
from instantjson._providers.anthropic import Anthropic
from instantjson._providers.gemini import Gemini
from instantjson._providers.ollama import Ollama
from instantjson._providers.openai import OpenAICompatible
from instantjson._providers.openai_responses import OpenAIResponses
from instantjson.testing import MockLLMServer
from tests._reliability import (
    GETTERS,
    VIEWS,
    Resources,
    Seen,
    assert_no_leak,
    delta_text,
    join_instantjson_threads,
    live_tasks,
    read_everything,
    read_getter,
    read_view,
)
from tests.conftest_response import SEED_ANSWER, anyio_backend

if TYPE_CHECKING:
    from collections.abc import Callable

    from instantjson._providers import ProviderModel
    from instantjson._response import Response

__all__ = ["anyio_backend"]

ANSWER_VALUE: dict[str, Any] = {"title": "Cut here", "steps": ["a", "b"], "n": 3}
ANSWER = json.dumps(ANSWER_VALUE)
CUT_ERRORS = (httpx.RemoteProtocolError, StreamIncompleteError)
OUTPUT = {"title": (str, "Title"), "steps": [str], "n": (int, "N")}

MODELS: dict[str, Callable[[str], ProviderModel]] = {
    "openai": lambda url: OpenAICompatible(base_url=url + "/v1", model="m", retries=0, timeout=5.0),
    "openai-responses": lambda url: OpenAIResponses(base_url=url + "/v1", model="m", retries=0, timeout=5.0),
    "anthropic": lambda url: Anthropic(base_url=url, model="m", retries=0, timeout=5.0),
    "ollama": lambda url: Ollama(base_url=url, model="m", retries=0, timeout=5.0),
    "gemini": lambda url: Gemini(base_url=url, model="m", retries=0, timeout=5.0),
}


def respond(model: ProviderModel) -> Response:
    return Agent(model).input("plan").get_response()


async def whole_body(server: MockLLMServer, model: ProviderModel) -> bytes:
    """The body the server streams for `model`'s request, read with plain httpx (no fault)."""
    spec = model.build_request(Agent(model).input("plan").prompt())
    fault, server.fault = server.fault, None
    try:
        async with httpx.AsyncClient() as client:
            reply = await client.post(spec.url, headers=dict(spec.headers), json=spec.json)
    finally:
        server.fault = fault
    assert reply.status_code == 200
    return reply.content


def frame_count(body: bytes, provider: str) -> int:
    if provider == "ollama":
        return body.count(b"\n")
    return body.replace(b"\r\n", b"\n").count(b"\n\n")  # Gemini ends its events with CRLF CRLF


def check_one_ending(seen: dict[str, Seen], partial_text: str) -> BaseException | None:
    """Every consumer saw the same ending; returns the error (None for a success)."""
    error = seen["all"].error
    for kind, got in seen.items():
        assert got.error is error, f"{kind}: {got.error!r} is not {error!r}"
    all_items = seen["all"].items
    text = delta_text(all_items)
    assert "".join(seen["delta"].items) == text == partial_text
    if error is None:
        assert seen["text"].value == text
        assert [e for e, _ in all_items[-4:]] == ["done", "reasoning_done", "original_done", "meta"]
    else:
        assert all_items[-1] == ("error", error)
        assert all_items[-2][0] == "meta" and all_items[-2][1]["finish_reason"] == "error"
    return error


# ---------------------------------------------------------------------------- cut at every frame
@pytest.mark.anyio
@pytest.mark.parametrize("provider", list(MODELS))
async def test_cut_at_every_frame_of_each_wire_format(provider: str) -> None:
    async with MockLLMServer(answer=ANSWER, chunk=(4, 4), fault="cut") as server:
        make = MODELS[provider]
        frames = frame_count(await whole_body(server, make(server.url)), provider)
        assert frames >= 10
        texts: list[str] = []
        for after in range(frames + 1):
            server.fault_after = after
            requests = len(server.requests)
            response = respond(make(server.url))
            with anyio.fail_after(5):
                seen = await read_everything(response)
                partial = await response.async_get_text(partial=True)
                error = check_one_ending(seen, partial)
                data = await response.async_get_data(partial=True)
            assert len(server.requests) == requests + 1
            assert ANSWER.startswith(partial), (after, partial)
            if after < frames:  # the terminal frame never arrived: always an error
                assert isinstance(error, CUT_ERRORS), (after, error)
            if error is None:
                assert partial == ANSWER and seen["data"].value == ANSWER_VALUE
            else:
                assert isinstance(error, CUT_ERRORS), (after, error)
                for getter in (response.async_get_text, response.async_get_data, response.async_get_meta):
                    with pytest.raises(type(error)) as info:
                        await getter()
                    assert info.value is error
                # the data as far as it arrived: a dict whose title is a prefix of the title
                assert data is None or ANSWER_VALUE["title"].startswith(data.get("title", "")), data
            if provider == "openai":  # frame 0 is the role chunk, then one frame per piece
                assert partial == "".join(server.pieces[: max(0, after - 1)])
            texts.append(partial)
        assert texts == sorted(texts, key=len) and texts[-1] == ANSWER  # the text only grows
        assert texts[0] == ""
        assert await anyio.to_thread.run_sync(server.wait_idle, 5)


# ---------------------------------------------------------------------------- cut at every byte
def _sse_body() -> tuple[bytes, list[str]]:
    pieces = ['{"a": ', '"h\u00e9llo', ' \U0001f600"', ', "b": [1, ', "2]}"]
    frames = [{"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}]
    frames += [{"choices": [{"index": 0, "delta": {"content": p}}]} for p in pieces]
    frames.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    body = "".join(f"data: {json.dumps(f, ensure_ascii=False)}\n\n" for f in frames) + "data: [DONE]\n\n"
    return body.encode(), pieces


def _ndjson_body() -> tuple[bytes, list[str]]:
    pieces = ['{"a": ', '"h\u00e9llo', ' \U0001f600"', ', "b": [1, ', "2]}"]
    lines = [{"model": "m", "message": {"role": "assistant", "content": p}, "done": False} for p in pieces]
    lines.append({"model": "m", "message": {"role": "assistant", "content": ""}, "done": True, "done_reason": "stop"})
    return "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines).encode(), pieces


def expected_text(prefix: bytes, provider: str) -> str:
    """The answer text in the frames that are complete in `prefix` (written independently of
    the library: split on the frame separator, json.loads each payload)."""
    sep = b"\n" if provider == "ollama" else b"\n\n"
    complete = prefix.split(sep)[:-1]  # the last part has no separator yet
    text = ""
    for frame in complete:
        if provider == "ollama":
            text += json.loads(frame)["message"]["content"]
        else:
            data = frame.decode().removeprefix("data: ")
            if data != "[DONE]":
                text += json.loads(data)["choices"][0]["delta"].get("content", "")
    return text


@pytest.mark.anyio
@pytest.mark.parametrize("provider", ["openai", "ollama"])
async def test_cut_at_every_byte_of_a_raw_body(provider: str) -> None:
    body, pieces = _sse_body() if provider == "openai" else _ndjson_body()
    answer = "".join(pieces)
    # `raw` is the body up to `position`, written in 1..16-byte pieces, then the connection is cut
    async with MockLLMServer(raw=b"", chunk=(1, 16), fault="cut", fault_after=10**9) as server:
        for position in range(len(body) + 1):
            server.raw = body[:position]
            response = respond(MODELS[provider](server.url))
            seen = {"delta": Seen(), "all": Seen(), "text": Seen()}
            with anyio.fail_after(5):
                async with anyio.create_task_group() as tg:
                    tg.start_soon(read_view, response, "delta", seen["delta"])
                    tg.start_soon(read_view, response, "all", seen["all"])
                    tg.start_soon(read_getter, response, "text", seen["text"])
                partial = await response.async_get_text(partial=True)
            error = seen["all"].error
            assert seen["delta"].error is error and seen["text"].error is error, position
            want = expected_text(body[:position], provider)
            assert partial == "".join(seen["delta"].items) == delta_text(seen["all"].items) == want, position
            if position == len(body):  # the terminal frame is complete: a success
                assert error is None and partial == answer, error
                assert await response.async_get_data() == json.loads(answer)
            else:
                assert isinstance(error, CUT_ERRORS), (position, error)
                assert seen["all"].items[-1] == ("error", error)
        assert len(server.requests) == len(body) + 1
        assert await anyio.to_thread.run_sync(server.wait_idle, 5)


# ---------------------------------------------------------------------------- stall
@pytest.mark.anyio
@pytest.mark.parametrize("after", [0, 5])
@pytest.mark.parametrize("limit", [0.3, httpx.Timeout(5.0, read=0.3)], ids=["float", "httpx.Timeout"])
async def test_stall_beyond_the_read_timeout(after: int, limit: float | httpx.Timeout) -> None:
    async with MockLLMServer(answer=ANSWER, chunk=(4, 4), fault="stall", fault_after=after) as server:
        model = OpenAICompatible(base_url=server.url + "/v1", model="m", retries=0, timeout=limit)
        response = respond(model)
        start = time.monotonic()
        with anyio.fail_after(5):
            seen = await read_everything(response)
        elapsed = time.monotonic() - start
        error = check_one_ending(seen, await response.async_get_text(partial=True))
        assert type(error) is httpx.ReadTimeout
        assert 0.3 <= elapsed < 2.0, elapsed  # one read timeout, not one per consumer
        assert delta_text(seen["all"].items) == "".join(server.pieces[: max(0, after - 1)])
        assert len(server.requests) == 1
        assert await anyio.to_thread.run_sync(server.wait_idle, 5)


def test_stall_beyond_the_read_timeout_sync() -> None:
    before = Resources.now()
    with MockLLMServer(answer=ANSWER, fault="stall", fault_after=3) as server:
        response = respond(OpenAICompatible(base_url=server.url + "/v1", model="m", retries=0, timeout=0.3))
        start = time.monotonic()
        got: list[str] = []
        with pytest.raises(httpx.ReadTimeout) as info:
            got.extend(response.get_generator(type="delta"))
        assert time.monotonic() - start < 2.0
        with pytest.raises(httpx.ReadTimeout) as again:
            response.get_text()
        assert again.value is info.value
        assert response.get_text(partial=True) == "".join(got)
        assert server.wait_idle(5)
    join_instantjson_threads()
    assert_no_leak(before, Resources.now())


# ---------------------------------------------------------------------------- idle consumers
LONG_VALUE = {"items": [{"id": i, "text": f"item number {i} " * 3} for i in range(300)]}
LONG_ANSWER = json.dumps(LONG_VALUE)


@pytest.mark.anyio
async def test_consumers_that_never_read_stop_nobody() -> None:
    async with MockLLMServer(answer=LONG_ANSWER, chunk=(1, 8), delay=0) as server:
        model = OpenAICompatible(base_url=server.url + "/v1", model="m", retries=0, timeout=5.0)
        response = respond(model)
        never_started = [response.get_async_generator(type=kind) for kind in VIEWS for _ in range(20)]
        read_once = [response.get_async_generator(type=kind) for kind in VIEWS for _ in range(20)]
        stuck = anyio.Event()

        async def stuck_consumer() -> None:
            async for _ in response.get_async_generator(type="all"):
                stuck.set()
                await anyio.sleep_forever()  # holds its first item, never asks for the next

        with anyio.fail_after(10):
            async with anyio.create_task_group() as tg:
                tg.start_soon(stuck_consumer)
                await stuck.wait()
                for view in read_once:
                    await view.__anext__()
                text = "".join([piece async for piece in response.get_async_generator(type="delta")])
                assert text == LONG_ANSWER
                assert await response.async_get_data() == LONG_VALUE
                tg.cancel_scope.cancel()
        assert len(server.requests) == 1 and len(never_started) == 100
        events = response.events
        assert [v for e, v in events if e == "delta"] == list(server.pieces)
        # the log holds each item once, whatever the number of consumers: the same items as a
        # response nobody else watched
        lone = respond(model)
        await lone.async_get_text()
        assert len(lone.events) == len(events)
        assert [e for e, _ in lone.events] == [e for e, _ in events]
        # the idle views still replay everything from where they stopped
        for view in never_started[:5]:
            assert [x async for x in view]
        assert await anyio.to_thread.run_sync(server.wait_idle, 5)


def _cost_of_a_response(server: MockLLMServer, idle_views: int, answer_len: int) -> int:
    """Bytes still allocated once a response with `idle_views` unread views has ended."""

    async def run() -> tuple[Any, ...]:
        response = respond(OpenAICompatible(base_url=server.url + "/v1", model="m", retries=0, timeout=5.0))
        views = [response.get_async_generator(type="all") for _ in range(idle_views)]
        for view in views:
            await view.__anext__()  # each has started, then stops reading
        text = await response.async_get_text()
        assert len(text) == answer_len
        return response, views

    gc.collect()
    start, _ = tracemalloc.get_traced_memory()
    kept = anyio.run(run)
    gc.collect()
    end, _ = tracemalloc.get_traced_memory()
    del kept
    return end - start


def test_idle_consumers_cost_no_memory_per_item() -> None:
    """A per-consumer queue would hold every item once per idle view (200 views x ~3200 items);
    a cursor costs the same whatever the stream's length. (Views that started before the end
    share the log's live list, which the compaction of a finished log lets go only when they
    are gone: so the base has one idle view too, and the difference is per view.)"""
    answer = json.dumps({"text": "x" * 8_000})
    views = 200
    with MockLLMServer(answer=answer, chunk=(1, 4)) as server:
        tracemalloc.start()
        try:
            _cost_of_a_response(server, 1, len(answer))  # warm up (imports, caches)
            base = _cost_of_a_response(server, 1, len(answer))
            with_views = _cost_of_a_response(server, views + 1, len(answer))
        finally:
            tracemalloc.stop()
    items = sum(1 for _ in server.pieces)
    per_view = (with_views - base) / views
    assert per_view < 1024, f"{per_view:.0f} bytes per idle view over {items} items"


# ---------------------------------------------------------------------------- cancel and close
CANCEL_POINTS = (*VIEWS, *GETTERS)


@pytest.mark.anyio
@pytest.mark.parametrize("kind", CANCEL_POINTS)
@pytest.mark.parametrize("how", ["cancelled", "aclose"])
async def test_response_ended_mid_stream_from_every_view_and_getter(kind: str, how: str) -> None:
    """The consumer is inside `kind` (a view, or a getter waiting for the end) while the stream
    is live: its task group is cancelled (the consumer is inside `async with response:`), or
    another task calls `aclose()` while the stream is stalled. Everyone ends at once, with the
    same `ResponseClosedError` for every later consumer; nothing is left behind.

    (A cancelled consumer that is the one reading the network finishes that read first, shielded,
    so that the shared stream is never left half-read: on a live stream that is one frame; on a
    stalled one it is bounded by the read timeout, see the next test. `aclose()` is immediate.)"""
    tasks_before = live_tasks()
    before = Resources.now()
    live: dict[str, Any] = {"delay": 0.01} if how == "cancelled" else {"fault": "stall", "fault_after": 6}
    with MockLLMServer(answer=SEED_ANSWER, chunk=(1, 6), **live) as server:
        response = respond(OpenAICompatible(base_url=server.url + "/v1", model="m", retries=0, timeout=30.0))
        seen = Seen()
        other = Seen()  # a second consumer, reading all along

        async def consumer() -> None:
            async with response:
                if kind in GETTERS:
                    await read_getter(response, kind, seen)
                else:
                    await read_view(response, kind, seen)

        with anyio.fail_after(5):
            async with anyio.create_task_group() as tg:
                tg.start_soon(consumer)
                tg.start_soon(read_view, response, "all", other)
                while sum(1 for e, _ in response.events if e == "delta") < 4:  # noqa: ASYNC110 - mid-stream
                    await anyio.sleep(0.005)
                start = time.monotonic()
                if how == "cancelled":
                    tg.cancel_scope.cancel()
                else:
                    await response.aclose()
            assert time.monotonic() - start < 1.0
            assert await anyio.to_thread.run_sync(server.wait_idle, 5)
        # one ending for everyone: ResponseClosedError after the events so far
        error = response.events[-1][1]
        assert isinstance(error, ResponseClosedError)
        if how == "aclose":
            assert seen.error is error and other.error is error
        text = await response.async_get_text(partial=True)
        assert text and SEED_ANSWER.startswith(text) and text != SEED_ANSWER
        late = await read_everything(response)
        assert all(got.error is error for got in late.values())
        assert "".join(late["delta"].items) == text
        assert len(server.requests) == 1
        assert live_tasks() == tasks_before
    join_instantjson_threads()
    assert_no_leak(before, Resources.now())


@pytest.mark.anyio
async def test_cancelled_consumer_of_a_stalled_stream_leaves_at_once() -> None:
    """Consumers only wait (the reader task reads, `_engine.py`): a consumer cancelled while the
    stream stalls leaves at once; `async with response:` then closes the stalled read. Without
    the close, the reader's read ends at the read timeout, and the log with it."""
    with MockLLMServer(answer=SEED_ANSWER, fault="stall", fault_after=6) as server:
        model = OpenAICompatible(base_url=server.url + "/v1", model="m", retries=0, timeout=httpx.Timeout(5, read=0.5))
        response = respond(model)
        start = time.monotonic()
        with anyio.fail_after(5):
            with anyio.move_on_after(0.1) as scope:
                async with response:
                    await response.async_get_text()
            assert scope.cancelled_caught
        assert time.monotonic() - start < 0.4  # before the read timeout
        assert isinstance(response.events[-1][1], ResponseClosedError)
        assert await anyio.to_thread.run_sync(server.wait_idle, 5)

        other = respond(model)
        with anyio.move_on_after(0.1) as scope:
            await other.async_get_text()
        assert scope.cancelled_caught
        with anyio.fail_after(5):
            text = await other.async_get_text(partial=True)  # the reader ends at the read timeout
        assert isinstance(other.events[-1][1], httpx.ReadTimeout)
        assert text and SEED_ANSWER.startswith(text)
        assert await anyio.to_thread.run_sync(server.wait_idle, 5)


@pytest.mark.anyio
async def test_cancelled_consumers_leave_the_response_to_the_others() -> None:
    """Cancelling consumers one by one (each in another view type or getter) never ends the
    response: the last one standing reads it to the end, on the same single request."""
    tasks_before = live_tasks()
    before = Resources.now()
    with MockLLMServer(answer=SEED_ANSWER, chunk=(1, 6), delay=0.001) as server:
        response = respond(OpenAICompatible(base_url=server.url + "/v1", model="m", retries=0, timeout=5.0))
        with anyio.fail_after(10):
            for kind in CANCEL_POINTS:
                with anyio.move_on_after(0.01):
                    if kind in GETTERS:
                        await read_getter(response, kind, Seen())
                    else:
                        await read_view(response, kind, Seen())
            seen = await read_everything(response)
        assert check_one_ending(seen, await response.async_get_text(partial=True)) is None
        assert seen["text"].value == SEED_ANSWER
        assert len(server.requests) == 1
        assert server.wait_idle(5)
        assert live_tasks() == tasks_before
    join_instantjson_threads()
    assert_no_leak(before, Resources.now())


def test_sync_views_closed_mid_stream_leave_no_thread() -> None:
    """Sync twins: a helper thread streams the response; `close()` mid-stream ends it."""
    before = Resources.now()
    with MockLLMServer(answer=SEED_ANSWER, fault="stall", fault_after=6) as server:
        for kind in CANCEL_POINTS:
            response = respond(OpenAICompatible(base_url=server.url + "/v1", model="m", retries=0, timeout=30.0))
            errors: list[BaseException] = []
            reading = threading.Event()

            def consume(
                response: Response = response,
                kind: str = kind,
                errors: list[BaseException] = errors,
                reading: threading.Event = reading,
            ) -> None:
                try:
                    if kind in GETTERS:
                        getattr(response, f"get_{kind}")()
                    else:
                        for _ in response.get_generator(type=kind):  # pyright: ignore[reportArgumentType]
                            reading.set()
                except ResponseClosedError as exc:
                    errors.append(exc)

            thread = threading.Thread(target=consume)
            thread.start()
            if kind in GETTERS:
                while not any(e == "delta" for e, _ in response.events):
                    reading.wait(0.005)
            else:
                assert reading.wait(5)
            response.close()
            thread.join(5)
            assert not thread.is_alive() and len(errors) == 1, kind
            assert server.wait_idle(5)
        assert len(server.requests) == len(CANCEL_POINTS)
    join_instantjson_threads()
    assert_no_leak(before, Resources.now())
