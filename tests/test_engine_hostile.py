"""Hostile servers on the read path: a decompression bomb, a server that never ends, an
oversized event after good frames, a close-delimited (HTTP/1.0) body cut mid-event.

Each ends with a clear error, keeps the text that came before it, on one request; the bomb also
keeps the event loop responsive (a heartbeat task keeps ticking) and memory bounded.
"""

from __future__ import annotations

import json
import time
import tracemalloc

import anyio
import pytest

from instantjson import _client
from instantjson._engine import DEFAULT_DEADLINE
from instantjson._exceptions import DeadlineExceededError, FramingError, ProviderStreamError, StreamIncompleteError
from instantjson._response import Response
from tests._dribble import DribbleServer, chat_body
from tests.conftest_response import anyio_backend
from tests.test_engine_cancel import respond

__all__ = ["anyio_backend"]

ANSWER = json.dumps({"title": "Hostile", "steps": ["one", "two", "three"], "n": 3})
BODY = chat_body(ANSWER)
FRAMES = BODY.split(b"\n\n")


def text_of(body: bytes) -> str:
    """The text a clean in-memory run of `body` gets (what arrived, even without [DONE])."""
    return Response.from_stream(body).get_text(partial=True)


def frame(text: str) -> bytes:
    payload = {"id": "c", "object": "chat.completion.chunk", "model": "m"}
    payload["choices"] = [{"index": 0, "delta": {"content": text}, "finish_reason": None}]  # type: ignore[assignment]
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


@pytest.mark.anyio
async def test_gzip_bomb_is_bounded_and_the_loop_keeps_ticking(monkeypatch: pytest.MonkeyPatch) -> None:
    limit = 2 * 1024 * 1024
    monkeypatch.setattr(_client, "MAX_DECODED_BODY", limit)
    piece = "All work and no play. " * 40
    bomb = FRAMES[0] + b"\n\n" + frame(piece) * 60_000  # ~60 MB decoded, ~100 KB on the wire
    with DribbleServer(bomb, gzip=True, pieces=(4096, 16384), pause=0.0) as server:
        wire = len(server.wire_bytes()[1])
        assert wire < 400_000 and len(bomb) > 25 * limit
        response = respond(server)
        gaps: list[float] = []
        done = anyio.Event()

        async def heartbeat() -> None:
            last = time.monotonic()
            while not done.is_set():
                await anyio.sleep(0.005)
                now = time.monotonic()
                gaps.append(now - last)
                last = now

        with DribbleServer(BODY, pieces=(4096, 4096), pause=0.0) as warm:  # one-time costs of a
            await respond(warm).async_get_text()  # process's first client (imports, TLS context)
        with anyio.fail_after(60):
            async with anyio.create_task_group() as tg:
                tg.start_soon(heartbeat)
                with pytest.raises(ProviderStreamError, match="decompresses to more than"):
                    await response.async_get_text()
                done.set()
        again = respond(server)  # the same bomb, memory traced (slower: not the loop check)
        tracemalloc.start()
        try:
            with anyio.fail_after(60), pytest.raises(ProviderStreamError):
                await again.async_get_text()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        text = await response.async_get_text(partial=True)
        assert text and text.startswith(piece) and len(text) < limit
        # the heartbeat ran while the bomb was inflated (how often depends on the machine's speed)
        # and never waited long: the loop stayed responsive
        assert gaps and max(gaps) < 0.5, max(gaps)
        assert peak < 25 * limit, peak
        assert server.requests == 2


@pytest.mark.anyio
async def test_a_server_that_pings_forever_meets_the_deadline() -> None:
    assert Response.from_stream(b"").deadline == DEFAULT_DEADLINE == 600.0
    head = b"\n\n".join(FRAMES[:6]) + b"\n\n"  # a few frames, then pings, never [DONE]
    with DribbleServer(head, pieces=(50, 200), pause=0.0, ping_every=0.5) as server:
        response = respond(server, timeout=5.0)  # the read timeout alone never fires
        response.deadline = 1.5
        start = time.monotonic()
        with anyio.fail_after(20):
            with pytest.raises(DeadlineExceededError, match="deadline of 1.5 s"):
                async for _ in response.get_async_generator(type="delta"):
                    pass
        assert 1.4 < time.monotonic() - start < 5
        want = text_of(head)
        assert want and await response.async_get_text(partial=True) == want
        with pytest.raises(DeadlineExceededError):
            await response.async_get_data()
        assert await anyio.to_thread.run_sync(server.wait_idle, 5)
        assert server.requests == 1


def test_an_oversized_event_keeps_the_frames_before_it_in_the_same_chunk() -> None:
    good = b"\n\n".join(FRAMES[:8]) + b"\n\n"
    chunk = good + b"data: " + b"x" * (17 * 1024 * 1024)
    response = Response.from_stream([chunk])
    want = text_of(good)
    assert want
    with pytest.raises(FramingError):
        response.get_text()
    assert response.get_text(partial=True) == want


@pytest.mark.anyio
async def test_a_close_delimited_body_cut_mid_event_is_incomplete() -> None:
    cut = BODY.index(b'"content"', len(BODY) // 2) + 5  # inside a frame's JSON
    with DribbleServer(BODY, close_delimited=True, cut_at=cut, pieces=(5, 50), pause=0.0) as server:
        response = respond(server)
        with anyio.fail_after(20), pytest.raises(StreamIncompleteError):
            await response.async_get_text()
        text = await response.async_get_text(partial=True)
        complete = BODY[: BODY.rindex(b"\n\n", 0, cut) + 2]
        assert text == text_of(complete)
        assert text
        assert server.requests == 1
