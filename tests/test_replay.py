"""Replay: many consumers of one response, on asyncio and trio, and from sync code.

Every consumer must see the same sequence whenever it attaches; one request goes on the wire;
a `break` or a cancelled consumer leaves the others and the getters complete; an error reaches
everyone; nothing (task, thread, connection) is left behind.
"""

from __future__ import annotations

import gc
import json
import threading
from typing import Any

import anyio
import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from instantjson._agent import Agent
from instantjson._core import InstantParser, SSEDecoder
from instantjson._exceptions import ProviderStreamError, ReplayOverflowError, ResponseClosedError
from instantjson._replay import ReplayLog
from instantjson._response import Response
from instantjson.testing import INBAND_MESSAGE, MockLLMServer
from tests.conftest_response import SEED_ANSWER, SEED_ANSWER_VALUE, SEED_OUTPUT, anyio_backend, model_for, seed_server

__all__ = ["anyio_backend", "seed_server"]


def new_response(server: MockLLMServer, **model_kwargs: Any) -> Response:
    return Agent(model_for(server, **model_kwargs)).input("plan").output(SEED_OUTPUT).get_response()


def comparable(items: list[Any]) -> list[Any]:
    """Items with exceptions and instant events made comparable by identity-free values."""
    out: list[Any] = []
    for event, value in items:
        if event == "instant":
            value = (value.event_type, value.path, value.delta, json.dumps(value.value, sort_keys=True))
        elif isinstance(value, BaseException):
            value = (type(value).__name__, str(value))
        out.append((event, value))
    return out


# ---------------------------------------------------------------------------- ReplayLog, sans-IO
def test_log_appends_then_finishes_with_error() -> None:
    log = ReplayLog()
    log.extend([("delta", "a"), ("delta", "b")])
    assert (len(log), log.finished, log[1]) == (2, False, ("delta", "b"))
    err = ValueError("x")
    log.finish(err)
    log.finish(RuntimeError("ignored: already finished"))
    assert log.finished and log.error is err and log.items[-1] == ("error", err) and len(log) == 3
    with pytest.raises(RuntimeError):
        log.extend([("delta", "c")])


def test_log_bound() -> None:
    log = ReplayLog(max_parts=2)
    log.extend([("delta", "a")])
    with pytest.raises(ReplayOverflowError):
        log.extend([("delta", "b"), ("delta", "c")])
    assert len(log) == 2


def test_log_keeps_no_object_for_the_cycle_collector_per_item() -> None:
    """A `(event, value)` tuple whose value is a dict or an `InstantEvent` stays tracked by the
    cycle collector for life: a log of 40,000 of them made each full collection walk them all,
    and their growth triggered the full collections (a 100 KB answer ran 3.5 times slower than
    reading its bytes). The log stores events and values flat: nothing tracked per item."""
    events = InstantParser(lenient=True).feed('{"a": "b", "c": [1, 2, 3], "d": {"e": "f"}}')
    assert events and not any(gc.is_tracked(e) for e in events)
    log = ReplayLog()
    gc.collect()
    before = len(gc.get_objects())
    for _ in range(2000):
        log.extend([("original_delta", {}), ("delta", "x"), *(("instant", e) for e in events)])
    gc.collect()
    assert len(gc.get_objects()) - before < 100
    assert len(log) == 2000 * (2 + len(events))


def test_log_items_are_a_live_sequence_of_pairs() -> None:
    log = ReplayLog()
    items = log.items
    log.extend([("delta", "a"), ("meta", {"id": 1})])
    assert (len(items), items[0], items[-1]) == (2, ("delta", "a"), ("meta", {"id": 1}))
    assert items[1:] == [("meta", {"id": 1})]
    assert list(items) == [("delta", "a"), ("meta", {"id": 1})]
    assert list(reversed(items)) == [("meta", {"id": 1}), ("delta", "a")]
    log.extend([("delta", "b")])
    assert len(items) == 3 and items[2] == ("delta", "b") and log[2] == ("delta", "b")
    with pytest.raises(IndexError):
        items[3]
    assert len(log.flat) == 6


def test_log_payload_texts_read_as_dicts_from_the_store() -> None:
    """`original_delta` payloads logged as JSON text go into the log's `PayloadTexts` (kept as
    differences from a reference text) and read back as the dicts they encode, from every
    reader, before and after the log is compacted: texts that repeat most of their bytes,
    non-ASCII text whose characters share leading UTF-8 bytes, a text unlike the others (a new
    reference), one append at a time or many."""
    payloads: list[dict[str, Any]] = [
        {
            "id": "chatcmpl-1234567890",
            "created": 1796332336,
            "choices": [{"index": 0, "delta": {"content": f"t{i} \u00e9\u00e8\u2603"[: i % 7]}, "finish_reason": None}],
            "system_fingerprint": "fp_0123456789",
        }
        for i in range(70)
    ]
    payloads[33] = {"usage": {"prompt_tokens": 3, "completion_tokens": 5}, "choices": []}
    texts = [json.dumps(p, ensure_ascii=False) for p in payloads]
    log = ReplayLog()
    log.extend([("original_delta", texts[0]), ("delta", "a")])
    log.extend([pair for t in texts[1:40] for pair in (("original_delta", t), ("delta", "b"))])
    log.extend([("original_delta", t) for t in texts[40:]])
    stores = {id(v) for e, v in zip(log.flat[0::2], log.flat[1::2], strict=True) if e == "original_delta"}
    assert len(stores) == 1 and type(log.flat[1]).__name__ == "PayloadTexts"  # the test tests the store
    assert log.flat[1].nbytes < sum(map(len, texts)) / 3  # kept as differences, not whole
    originals = [v for e, v in log.items if e == "original_delta"]
    assert originals == payloads
    assert originals[1] is not log.items[2][1]  # each read decodes a dict of its own
    assert [log.items[i] for i in range(len(log))] == list(log.items) == log.items[:]
    assert log.last("original_delta") == payloads[-1]
    log.finish()
    assert [v for e, v in log.items if e == "original_delta"] == payloads


def test_payload_texts_rebuild_any_texts() -> None:
    """Property: whatever texts are appended (any characters, any shared prefixes and suffixes),
    each is rebuilt exactly, by flat position and by index, also after export and load; bytes
    that are not an export are a ValueError, never a crash."""
    from hypothesis import given
    from hypothesis import strategies as st

    from instantjson._core import PayloadTexts

    alphabet = st.sampled_from(["a", "b", "\u00e9", "\u00e8", "\u2603", "\U0001f600", '"', "\\"])

    @given(st.lists(st.text(alphabet, max_size=12), max_size=30), st.text(alphabet, max_size=8))
    def check(parts: list[str], frame: str) -> None:
        texts = [f"{frame}{p}{frame}" for p in parts]
        store = PayloadTexts()
        pairs: list[Any] = [x for t in texts for x in ("original_delta", t, "delta", "x")]
        assert store.absorb(pairs, 4, "original_delta") == len(texts)
        assert [store.at(4 + j) for j in range(1, len(pairs), 4)] == texts
        again = PayloadTexts.load(store.export())
        assert [again.text(k) for k in range(len(again))] == texts
        with pytest.raises(ValueError, match="export"):
            PayloadTexts.load(store.export()[:-1] + b"\xff" if texts and any(texts) else b"\x01")

    check()


def test_live_original_view_reads_every_payload(seed_server: MockLLMServer) -> None:
    """Fast server: one network read brings many frames (their payloads go into the log's
    store); two live original views read the same dicts as the live log and a late view after
    the end."""
    response = new_response(seed_server)
    results: list[list[Any]] = []
    live_log: list[Any] = []

    async def main() -> None:
        async def keep() -> None:
            results.append([p async for p in response.get_async_generator(type="original")])
            if not live_log:
                live_log.extend(v for e, v in response.events if e == "original_delta")

        async with anyio.create_task_group() as tg:
            tg.start_soon(keep)
            tg.start_soon(keep)

    anyio.run(main)
    late = list(response.get_generator(type="original"))
    first, second = results
    assert len(first) > 50 and all(isinstance(p, dict) for p in first)
    assert first == second == late
    assert live_log == first[: len(live_log)] and len(live_log) >= len(first) - 1  # + original_done


def test_bounded_response_fails_with_overflow() -> None:
    body = b"".join(b'data: {"choices":[{"index":0,"delta":{"content":"x"}}]}\n\n' for _ in range(10))
    response = Response.from_stream(body, max_parts=5)
    with pytest.raises(ReplayOverflowError):
        response.get_text()
    got: list[str] = []
    with pytest.raises(ReplayOverflowError):
        got.extend(response.get_generator("delta"))
    assert 0 < len(got) < 10


# ---------------------------------------------------------------------------- async replay
@pytest.mark.anyio
async def test_consumers_before_during_and_after_see_the_same_sequence() -> None:
    async with MockLLMServer(answer=SEED_ANSWER, chunk=(1, 6), delay=0.001) as server:
        response = new_response(server)
        results: dict[str, list[Any]] = {}
        third_delta = anyio.Event()

        async def consume(name: str, wait: anyio.Event | None = None) -> None:
            if wait is not None:
                await wait.wait()
            got: list[Any] = []
            async for item in response.get_async_generator(type="all"):
                got.append(item)
                if name == "before" and sum(1 for e, _ in got if e == "delta") == 3:
                    third_delta.set()
            results[name] = got

        async with anyio.create_task_group() as tg:
            tg.start_soon(consume, "before")
            tg.start_soon(consume, "before2")
            tg.start_soon(consume, "during", third_delta)
        async for item in response.get_async_generator(type="all"):
            results.setdefault("after", []).append(item)

        reference = comparable(results["before"])
        assert len(results["during"]) == len(results["before"])
        for name in ("before2", "during", "after"):
            assert comparable(results[name]) == reference, name
        assert "".join(v for e, v in results["before"] if e == "delta") == SEED_ANSWER
        assert [e for e, _ in results["before"][-4:]] == ["done", "reasoning_done", "original_done", "meta"]
        assert len(server.requests) == 1
        assert server.wait_idle(5)


@pytest.mark.anyio
async def test_one_request_for_many_views_and_getters() -> None:
    async with MockLLMServer(answer=SEED_ANSWER) as server:
        response = new_response(server)
        async with anyio.create_task_group() as tg:
            for kind in ("delta", "instant", "streaming_parse", "original", "all", "specific"):
                tg.start_soon(_drain_view, response, kind)
            tg.start_soon(response.async_get_data)
            tg.start_soon(response.async_get_text)
            tg.start_soon(response.async_get_meta)
        assert await response.async_get_data() == SEED_ANSWER_VALUE
        assert response.get_text() == SEED_ANSWER
        assert len(server.requests) == 1


async def _drain_view(response: Response, kind: Any) -> None:
    async for _ in response.get_async_generator(type=kind):
        pass


@pytest.mark.anyio
async def test_getters_resolve_with_no_consumer() -> None:
    async with MockLLMServer(answer=SEED_ANSWER) as server:
        response = new_response(server)
        assert len(server.requests) == 0  # lazy: nothing sent before a consumer or getter
        assert await response.async_get_data() == SEED_ANSWER_VALUE
        meta = await response.async_get_meta()
        assert meta is not None and meta["finish_reason"] == "stop"
        assert len(server.requests) == 1


@pytest.mark.anyio
async def test_break_leaves_others_and_getters_complete() -> None:
    async with MockLLMServer(answer=SEED_ANSWER, delay=0.0005) as server:
        response = new_response(server)
        full: list[str] = []

        async def breaker() -> None:
            async for _ in response.get_async_generator(type="delta"):
                break

        async def reader() -> None:
            async for piece in response.get_async_generator(type="delta"):
                full.append(piece)  # noqa: PERF401

        async with anyio.create_task_group() as tg:
            tg.start_soon(breaker)
            tg.start_soon(reader)
        assert "".join(full) == SEED_ANSWER
        assert await response.async_get_data() == SEED_ANSWER_VALUE
        assert len(server.requests) == 1


@pytest.mark.anyio
async def test_cancelled_consumer_leaves_others_complete() -> None:
    async with MockLLMServer(answer=SEED_ANSWER, delay=0.001) as server:
        response = new_response(server)
        started = anyio.Event()
        full: list[str] = []

        async def victim() -> None:
            async for _ in response.get_async_generator(type="instant"):
                started.set()

        async def reader() -> None:
            async for piece in response.get_async_generator(type="delta"):
                full.append(piece)  # noqa: PERF401

        async with anyio.create_task_group() as tg:
            tg.start_soon(reader)
            async with anyio.create_task_group() as inner:
                inner.start_soon(victim)
                await started.wait()
                inner.cancel_scope.cancel()  # cancelled while the stream is live
        assert "".join(full) == SEED_ANSWER
        assert await response.async_get_text() == SEED_ANSWER
        assert await response.async_get_data() == SEED_ANSWER_VALUE
        assert len(server.requests) == 1
        assert server.wait_idle(5)


@pytest.mark.anyio
async def test_error_reaches_every_consumer_and_getter() -> None:
    async with MockLLMServer(answer=SEED_ANSWER, fault="inband_error", fault_after=10) as server:
        response = new_response(server)
        seen: dict[str, list[Any]] = {}
        errors: dict[str, BaseException] = {}

        async def consume(kind: Any) -> None:
            got: list[Any] = []
            try:
                async for item in response.get_async_generator(type=kind):
                    got.append(item)  # noqa: PERF401
            except ProviderStreamError as exc:
                errors[kind] = exc
            seen[kind] = got

        async with anyio.create_task_group() as tg:
            for kind in ("delta", "instant", "all"):
                tg.start_soon(consume, kind)
        await consume("original")  # a later consumer
        first = errors["delta"]
        assert all(exc is first for exc in errors.values()) and len(errors) == 4
        assert first.message == INBAND_MESSAGE
        assert seen["all"][-1] == ("error", first)
        assert seen["all"][-2][0] == "meta" and seen["all"][-2][1]["finish_reason"] == "error"
        text = "".join(seen["delta"])
        assert text and SEED_ANSWER.startswith(text)
        for getter in (response.async_get_text, response.async_get_data, response.async_get_meta):
            with pytest.raises(ProviderStreamError):
                await getter()
        assert await response.async_get_text(partial=True) == text
        assert len(server.requests) == 1


@pytest.mark.anyio
async def test_aclose_mid_stream_ends_everyone_and_the_connection() -> None:
    async with MockLLMServer(answer=SEED_ANSWER, fault="stall", fault_after=8) as server:
        response = new_response(server, timeout=30.0)
        got: list[str] = []
        with pytest.raises(ResponseClosedError):
            async with response:
                async for piece in response.get_async_generator(type="delta"):
                    got.append(piece)
                    if len(got) == 3:
                        await response.aclose()
        assert server.wait_idle(5)
        with pytest.raises(ResponseClosedError):
            await response.async_get_text()
        assert await response.async_get_text(partial=True) == "".join(got)


@pytest.mark.anyio
async def test_aclose_cancels_a_stalled_read_in_another_task() -> None:
    async with MockLLMServer(answer=SEED_ANSWER, fault="stall", fault_after=4) as server:
        response = new_response(server, timeout=30.0)
        reading = anyio.Event()
        failures: list[BaseException] = []

        async def reader() -> None:
            try:
                async for _ in response.get_async_generator(type="delta"):
                    reading.set()
            except ResponseClosedError as exc:
                failures.append(exc)

        with anyio.fail_after(10):
            async with anyio.create_task_group() as tg:
                tg.start_soon(reader)
                await reading.wait()
                await response.aclose()
        assert len(failures) == 1
        assert server.wait_idle(5)


# ---------------------------------------------------------------------------- sync views
def test_sync_views_from_plain_code(seed_server: MockLLMServer) -> None:
    before = _helper_threads()
    response = new_response(seed_server)
    deltas = list(response.get_generator(type="delta"))
    assert "".join(deltas) == SEED_ANSWER
    assert response.get_data() == SEED_ANSWER_VALUE
    assert [e for e, _ in response.get_generator(type="specific", specific=["done", "meta"])] == ["done", "meta"]
    assert len(seed_server.requests) == 1
    assert seed_server.wait_idle(5)
    _wait_threads(before)


def test_sync_consumers_in_two_threads_at_once() -> None:
    with MockLLMServer(answer=SEED_ANSWER, delay=0.0005) as server:
        response = new_response(server)
        out: dict[int, str] = {}

        def run(n: int) -> None:
            out[n] = "".join(response.get_generator(type="delta"))

        threads = [threading.Thread(target=run, args=(n,)) for n in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=20)
        assert out == {0: SEED_ANSWER, 1: SEED_ANSWER, 2: SEED_ANSWER}
        assert len(server.requests) == 1


@pytest.mark.anyio
async def test_sync_views_inside_a_running_loop() -> None:
    async with MockLLMServer(answer=SEED_ANSWER) as server:
        response = new_response(server)
        assert response.get_text() == SEED_ANSWER  # blocks this loop, streams in a helper thread
        assert [x async for x in response.get_async_generator(type="delta")] == list(response.get_generator("delta"))
        assert await response.async_get_data() == SEED_ANSWER_VALUE
        assert len(server.requests) == 1


@pytest.mark.anyio
async def test_async_consumer_of_a_sync_started_response() -> None:
    async with MockLLMServer(answer=SEED_ANSWER, delay=0.0005) as server:
        response = new_response(server)
        iterator = response.get_generator(type="delta")
        first = next(iterator)  # the helper thread is now the response's home
        rest = [piece async for piece in response.get_async_generator(type="delta")]
        assert "".join(rest) == SEED_ANSWER and rest[0] == first
        assert first + "".join(iterator) == SEED_ANSWER
        assert len(server.requests) == 1


@pytest.mark.anyio
async def test_sync_getter_inside_the_streaming_loop_raises_clearly() -> None:
    async with MockLLMServer(answer=SEED_ANSWER, delay=0.001) as server:
        response = new_response(server)
        async for _ in response.get_async_generator(type="delta"):
            with pytest.raises(RuntimeError, match="async twin"):
                response.get_text()
            break
        assert await response.async_get_text() == SEED_ANSWER  # still fine afterwards
        assert response.get_text() == SEED_ANSWER  # and once ended, sync replays


def test_response_consumed_from_two_event_loops_in_turn(seed_server: MockLLMServer) -> None:
    response = new_response(seed_server)

    async def text() -> str:
        return await response.async_get_text()

    assert anyio.run(text) == SEED_ANSWER
    assert anyio.run(text, backend="trio") == SEED_ANSWER  # ended: a plain replay from another loop


def test_loop_gone_mid_stream_raises_clearly() -> None:
    with MockLLMServer(answer=SEED_ANSWER, delay=0.001) as server:
        response = new_response(server)

        async def first_piece() -> None:
            async for _ in response.get_async_generator(type="delta"):
                break

        anyio.run(first_piece)
        with pytest.raises(RuntimeError, match="stopped"):
            anyio.run(response.async_get_text)


def _helper_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == "instantjson-response" and t.is_alive()}


def _wait_threads(before: set[threading.Thread]) -> None:
    """The helper thread of a sync response stops by itself at the end of the stream. Only
    instantjson's helper threads are counted, and each is joined: the mock server's handler
    thread for this request may still be exiting after `wait_idle()` (which returns as soon as
    the connection is closed), so `threading.active_count()` would be racy."""
    started = _helper_threads() - before
    for t in started:
        t.join(timeout=5)
    assert not any(t.is_alive() for t in started)
    assert _helper_threads() <= before


# ---------------------------------------------------------------------------- opening, partial, abandon
class _SlowOpen(httpx.AsyncBaseTransport):
    """A real transport whose responses take `delay` more seconds to come back once the request
    is on the wire (a slow time to first byte)."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self._real = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._real.handle_async_request(request)
        try:
            await anyio.sleep(self.delay)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await response.aclose()
            raise
        return response

    async def aclose(self) -> None:
        await self._real.aclose()


@pytest.mark.anyio
async def test_consumer_cancelled_while_opening_causes_no_second_request() -> None:
    async with MockLLMServer(answer=SEED_ANSWER) as server:
        transport = _SlowOpen(0.3)
        response = new_response(server, transport=transport)
        with anyio.move_on_after(0.05) as scope:
            await response.async_get_text()
        assert scope.cancelled_caught
        assert await response.async_get_text() == SEED_ANSWER  # goes on with the same request
        assert await response.async_get_data() == SEED_ANSWER_VALUE
        assert len(server.requests) == 1
        assert server.wait_idle(5)


@pytest.mark.anyio
async def test_aclose_while_opening_ends_at_once() -> None:
    async with MockLLMServer(answer=SEED_ANSWER) as server:
        transport = _SlowOpen(30.0)
        response = new_response(server, transport=transport)
        failures: list[BaseException] = []

        async def reader() -> None:
            try:
                await response.async_get_text()
            except ResponseClosedError as exc:
                failures.append(exc)

        with anyio.fail_after(5):
            async with anyio.create_task_group() as tg:
                tg.start_soon(reader)
                await anyio.sleep(0.05)
                await response.aclose()
        assert len(failures) == 1 and len(server.requests) <= 1
        assert server.wait_idle(5)
        assert await response.async_get_text(partial=True) == ""
        assert await response.async_get_data(partial=True) is None


@pytest.mark.anyio
async def test_partial_getters_return_what_arrived_once_ended() -> None:
    async with MockLLMServer(answer=SEED_ANSWER, fault="inband_error", fault_after=30) as server:
        response = new_response(server)
        with anyio.fail_after(10):
            text = await response.async_get_text(partial=True)  # waits for the end, then no raise
        assert text and SEED_ANSWER.startswith(text) and text != SEED_ANSWER
        data = await response.async_get_data(partial=True)
        assert isinstance(data, dict) and SEED_ANSWER_VALUE["title"].startswith(data.get("title", ""))
        meta = await response.async_get_meta(partial=True)
        assert meta is not None and meta["finish_reason"] == "error"
        with pytest.raises(ProviderStreamError):
            await response.async_get_data()
        assert response.get_text(partial=True) == text  # sync twin: ended, a plain replay


@pytest.mark.anyio
async def test_partial_data_of_a_closed_response_is_its_snapshot() -> None:
    async with MockLLMServer(answer=SEED_ANSWER, delay=0.001) as server:
        response = new_response(server)
        got = ""
        async for piece in response.get_async_generator(type="delta"):
            got += piece
            if len(got) > 40:
                break
        await response.aclose()
        assert server.wait_idle(5)
        data = await response.async_get_data(partial=True)
        assert isinstance(data, dict) and data["title"] == SEED_ANSWER_VALUE["title"]
        assert SEED_ANSWER.startswith(await response.async_get_text(partial=True))


@pytest.mark.anyio
@pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning")
async def test_async_response_dropped_mid_stream_releases_its_connection() -> None:
    # trio rightly warns about the abandoned async generators of httpx's body: use
    # `async with response:` or `aclose()`. The connection must be cut anyway.
    async with MockLLMServer(answer=SEED_ANSWER, delay=0.002) as server:
        response = new_response(server)
        view = response.get_async_generator(type="delta")
        for _ in range(3):
            await view.__anext__()
        assert server.open_connections == 1
        del view, response
        gc.collect()
        assert await anyio.to_thread.run_sync(server.wait_idle, 5)
        assert len(server.requests) == 1


def test_a_chat_stream_keeps_under_twenty_bytes_of_each_payload_text() -> None:
    """README (Memory): a chat-completion chunk's text keeps under 20 bytes of its ~180, plus 16
    bytes of offsets, in the live log's store, and each reads back as the dict it encodes."""
    from instantjson._pipeline import Pipeline
    from instantjson._providers.openai import ChatCompletionsAdapter
    from tests._dribble import chat_body

    steps = [{"step": f"Try {i}", "owner": "Ana"} for i in range(40)]
    body = chat_body(json.dumps({"title": "Growth plan", "steps": steps}))
    pipeline = Pipeline(ChatCompletionsAdapter())
    log = ReplayLog(deriver=pipeline)
    for i in range(0, len(body), 4096):
        log.extend_open(pipeline.feed_bytes(body[i : i + 4096]))
    store = log.flat[1]
    texts = [f.data for f in SSEDecoder().feed(body) if f.value is not None]
    assert len(store) == len(texts) > 100
    assert sum(map(len, texts)) / len(texts) > 150  # the chunks are full-size
    assert store.nbytes / len(store) < 16 + 20  # offsets, and the bytes that differ
    assert [v for e, v in log.items if e == "original_delta"] == [json.loads(t) for t in texts]


def _fresh(name: str) -> str:
    """An equal event name that is another object (not the interned literal)."""
    return "".join(list(name))


_ITEM = st.one_of(
    st.tuples(st.sampled_from(["delta", "reasoning_delta"]), st.text(max_size=300)),
    st.tuples(st.just("original_delta"), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)),
    st.tuples(st.sampled_from(["meta", "extra", "done", "tool_calls"]), st.one_of(st.none(), st.text(max_size=5))),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_ITEM, st.booleans()), max_size=60), st.sampled_from([None, 0, 7, ["x"]]))
def test_a_compacted_log_gives_back_every_item(entries: list[Any], odd_text: Any) -> None:
    """Compaction sorts the items by kind (`_core.sort_entries`) and `items` puts them back in
    order: the same items, whatever the names' objects (equal names that are other objects, more
    than the 16 the sorter remembers) and with a text delta that is not a `str` (kept as it is)."""
    items = [((_fresh(e) if fresh else e), v) for (e, v), fresh in entries]
    if odd_text is not None:
        items.insert(len(items) // 2, ("delta", odd_text))
    log = ReplayLog()
    log.extend(items)
    log.finish()
    assert log._flat is None  # compacted  # pyright: ignore[reportPrivateUsage]
    assert list(log.items) == items
