"""Event ids, `after=` and entries (`Response.aiter_entries()` / `iter_entries()`), and the one
shared helper thread of sync callers.

The id of an event is its 0-based position in what `type="all"` yields; `after=N` yields only
the events whose id is greater than N, in every view type.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import anyio
import pytest

from instantjson._exceptions import ProviderStreamError
from instantjson._portal import THREAD_NAME
from instantjson._replay import DROPPED
from instantjson._response import Response
from tests._dribble import DribbleServer, chat_body
from tests.test_engine_cancel import key, respond

ANSWER = json.dumps({"title": "Ids", "steps": ["a", "bb", "ccc"], "n": 3})
BODY = chat_body(ANSWER)
VIEWS: dict[str, set[str] | None] = {
    "delta": {"delta"},
    "instant": {"instant"},
    "original": {"original_delta", "original_done"},
    "specific": {"reasoning_delta", "delta", "reasoning_done", "done", "tool_calls"},
    "all": None,
}


def shape(kind: str, event: str, value: Any) -> Any:
    if kind in ("specific", "all"):
        return (event, key("instant", value) if event == "instant" else value)
    return key("instant", value) if kind == "instant" else value


def expected_after(entries: list[tuple[int, str, Any]], kind: str, after: int) -> list[Any]:
    names = VIEWS[kind]
    return [shape(kind, e, v) for i, e, v in entries if i > after and (names is None or e in names)]


def view_items(response: Response, kind: str, after: int | None) -> list[Any]:
    out: list[Any] = []
    for item in response.get_generator(type=kind, after=after):  # pyright: ignore[reportArgumentType]
        if kind in ("specific", "all"):
            out.append(shape(kind, item[0], item[1]))
        else:
            out.append(shape(kind, "", item))
    return out


def test_ids_are_positions_in_the_all_view() -> None:
    response = Response.from_stream(BODY)
    everything = list(response.get_generator(type="all"))
    entries = list(response.iter_entries())
    assert [(e, v) for _, e, v in entries] == everything
    assert [i for i, _, _ in entries] == list(range(len(everything)))
    assert any(e == "instant" for _, e, _ in entries)


@pytest.mark.parametrize("kind", list(VIEWS))
def test_after_skips_up_to_that_id_in_every_view(kind: str) -> None:
    response = Response.from_stream(BODY)
    entries = list(response.iter_entries())
    assert view_items(response, kind, None) == expected_after(entries, kind, -1)
    for after in (0, 1, 5, len(entries) // 2, len(entries) - 2, len(entries) - 1, len(entries) + 10):
        assert view_items(response, kind, after) == expected_after(entries, kind, after), after
    tail = list(response.iter_entries(after=len(entries) // 2))
    assert tail == [x for x in entries if x[0] > len(entries) // 2]


def test_an_error_is_an_entry_and_ends_the_entries() -> None:
    frames = BODY.split(b"\n\n")
    cut = b"\n\n".join(frames[: len(frames) // 2]) + b'\n\ndata: {"error": {"message": "overloaded"}}\n\n'
    response = Response.from_stream(cut)
    entries = list(response.iter_entries())
    assert entries[-1][1] == "error" and isinstance(entries[-1][2], ProviderStreamError)
    assert [i for i, _, _ in entries] == list(range(len(entries)))
    with pytest.raises(ProviderStreamError):  # views raise it, after= or not
        list(response.get_generator(type="delta", after=3))
    assert list(response.iter_entries(after=len(entries) - 2)) == entries[-1:]


@pytest.mark.anyio
async def test_live_entries_and_after_match_a_late_replay() -> None:
    with DribbleServer(BODY, pieces=(1, 40), pause=0.0005) as server:
        response = respond(server)
        live: list[tuple[int, str, Any]] = []
        resumed: list[Any] = []

        async def entries() -> None:
            live.extend([entry async for entry in response.aiter_entries()])

        async def resume() -> None:
            resumed.extend(
                [key("instant", item) async for item in response.get_async_generator(type="instant", after=7)]
            )

        with anyio.fail_after(30):
            async with anyio.create_task_group() as tg:
                tg.start_soon(entries)
                tg.start_soon(resume)
        late = [entry async for entry in response.aiter_entries()]
        assert [(i, e) for i, e, _ in live] == [(i, e) for i, e, _ in late]
        assert resumed == expected_after(late, "instant", 7)
        assert server.requests == 1


def entry_key(entry: tuple[int, str, Any]) -> tuple[int, str, Any]:
    i, event, value = entry
    return (i, event, key("instant", value) if event == "instant" else value)


@pytest.mark.anyio
async def test_a_reader_attached_mid_stream_gets_the_instant_events_dropped_before() -> None:
    # The live log drops the instant events every reader has passed (`_replay.py`): here the
    # only reader reads deltas, so the instant events behind it go; readers attached in the
    # middle (entries, an instant view, the events sequence) must still get every one of them,
    # equal to a late replay's, at the same ids.
    with DribbleServer(BODY, pieces=(1, 40), pause=0.0005) as server:
        response = respond(server)
        flat = response._log.flat  # pyright: ignore[reportPrivateUsage]
        mid_entries: list[tuple[int, str, Any]] = []
        mid_instant: list[Any] = []
        events_then: list[Any] = []
        dropped_seen = False

        async def entries() -> None:
            mid_entries.extend([entry_key(e) async for e in response.aiter_entries()])

        async def instant() -> None:
            mid_instant.extend([key("instant", e) async for e in response.get_async_generator(type="instant")])

        with anyio.fail_after(30):
            async with anyio.create_task_group() as tg:
                async for _ in response.get_async_generator(type="delta"):
                    if not dropped_seen and any(v is DROPPED for v in flat[1::2]):
                        dropped_seen = True
                        events_then.extend((e, v) for e, v in response.events)
                        tg.start_soon(entries)
                        tg.start_soon(instant)
        late = [entry_key(e) async for e in response.aiter_entries()]
        assert dropped_seen, "no instant event was dropped from the live log"
        assert mid_entries == late
        assert mid_instant == [v for _, e, v in late if e == "instant"]
        assert not any(v is DROPPED for _, v in events_then)
        public = [(e, key("instant", v) if e == "instant" else v) for e, v in events_then if e[0] != "_"]
        assert public == [(e, v) for _, e, v in late[: len(public)]]
        assert server.requests == 1


def test_sync_callers_share_one_helper_thread() -> None:
    """Several sync-driven responses at once run in one helper thread, which stops when the
    last of them has ended."""
    with DribbleServer(BODY, pieces=(20, 60), pause=0.002) as server:
        responses = [respond(server) for _ in range(4)]
        seen: list[int] = []
        texts: list[str] = []

        def consume(response: Response) -> None:
            for _ in response.get_generator(type="delta"):
                seen.append(sum(1 for t in threading.enumerate() if t.name == THREAD_NAME))  # noqa: PERF401
            texts.append(response.get_text())

        threads = [threading.Thread(target=consume, args=(r,)) for r in responses]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert texts == [json.loads(ANSWER) and "".join(Response.from_stream(BODY).get_generator())] * 4
        assert max(seen) == 1
        for t in threading.enumerate():
            if t.name == THREAD_NAME:
                t.join(5)
        assert not any(t.name == THREAD_NAME for t in threading.enumerate())
        assert server.requests == 4


@pytest.mark.anyio
async def test_a_view_that_waits_drops_the_instant_events_behind_it() -> None:
    # The whole body but its end comes in one piece, then the source waits: no next append
    # comes to drop the instant events, so the delta view that has read everything and waits
    # must (`ReplayLog.release`). A view attached after that still gets every event, equal to
    # a late replay's.
    body = chat_body(json.dumps({"title": "Growth plan", "steps": [{"owner": "Ana", "step": "Ask users"}]}))
    head, _, tail = body.rpartition(b"data: [DONE]")
    more = anyio.Event()

    async def source() -> Any:
        yield head
        await more.wait()
        yield b"data: [DONE]" + tail

    response = Response.from_stream(source())
    flat = response._log.flat  # pyright: ignore[reportPrivateUsage]
    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:

            async def deltas() -> None:
                async for _ in response.get_async_generator(type="delta"):
                    pass

            tg.start_soon(deltas)
            while not any(v is DROPPED for v in flat[1::2]):  # noqa: ASYNC110 - polled: no event says it
                await anyio.sleep(0.01)
            instant = [e for e in flat[0::2] if e == "instant"]
            assert instant and all(v is DROPPED for e, v in zip(flat[0::2], flat[1::2], strict=True) if e == "instant")
            view = response.get_async_generator(type="instant")
            late_view = [key("instant", e) async for e in _take(view, len(instant))]
            more.set()
    replay = [key("instant", e) async for e in response.get_async_generator(type="instant")]
    assert late_view == replay[: len(instant)] and len(replay) >= len(instant)


async def _take(view: Any, n: int) -> Any:
    async for item in view:
        yield item
        n -= 1
        if n == 0:
            return
