"""One pull step per network read: `ByteStream.chunks` joins the HTTP chunks one socket read
brought, without ever waiting for the network while it holds data (`_client.py`, "Reading").

The unit tests drive `_per_network_read` with a fake body whose socket reads go through the
gate, as httpcore's do; the end-to-end tests check the same over loopback on asyncio and trio.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

import anyio
import anyio.lowlevel
import httpx
import pytest

from instantjson._agent import Agent
from instantjson._client import _per_network_read, _ReadGate, open_stream
from instantjson._exceptions import ResponseClosedError
from instantjson.testing import MockLLMServer
from tests.conftest_response import anyio_backend, model_for

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

__all__ = ["anyio_backend"]

ANSWER = json.dumps({"text": "abcdefgh" * 600})


def _unstamped(body: bytes) -> bytes:
    return re.sub(rb'"created": ?\d+', b'"created": 0', body)


class FakeNetwork:
    """A network stream whose every read returns `data` after a real suspension."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.reads = 0

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109 - httpcore's signature
        self.reads += 1
        await anyio.lowlevel.checkpoint()
        return self.data


async def http_chunks(gate: _ReadGate, per_read: int, reads: int, closed: list[str]) -> AsyncIterator[bytes]:
    """What httpx does with a chunked body: `per_read` HTTP chunks out of each socket read."""
    try:
        for _ in range(reads):
            data = await gate.read(65536)
            for i in range(per_read):
                yield data + str(i).encode()
    finally:
        closed.append("body")


@pytest.mark.anyio
async def test_chunks_of_one_network_read_come_as_one_piece() -> None:
    network = FakeNetwork(b"x")
    gate = _ReadGate(network.read)
    closed: list[str] = []
    pieces = [piece async for piece in _per_network_read(http_chunks(gate, 3, 4, closed), gate)]
    assert pieces == [b"x0x1x2"] * 4
    assert network.reads == 4 and closed == ["body"]


@pytest.mark.anyio
async def test_no_socket_read_starts_while_a_piece_is_held() -> None:
    """The read after a piece pauses at the gate before it reaches the network: the piece is
    handed over at once, and the network is asked only when the next piece is."""
    network = FakeNetwork(b"x")
    gate = _ReadGate(network.read)
    closed: list[str] = []
    chunks = _per_network_read(http_chunks(gate, 2, 3, closed), gate)
    assert await chunks.__anext__() == b"x0x1"
    assert network.reads == 1
    assert await chunks.__anext__() == b"x0x1"
    assert network.reads == 2
    await chunks.aclose()  # pyright: ignore[reportAttributeAccessIssue]
    # the paused read is abandoned: the body's generator is unwound, the network never asked
    assert network.reads == 2 and closed == ["body"]
    assert not gate.armed


@pytest.mark.anyio
async def test_a_failed_read_comes_after_the_chunks_before_it() -> None:
    async def body() -> AsyncIterator[bytes]:
        yield b"a"
        yield b"b"
        raise httpx.RemoteProtocolError("malformed chunk")

    gate = _ReadGate(FakeNetwork(b"").read)
    chunks = _per_network_read(body(), gate)
    assert await chunks.__anext__() == b"ab"
    with pytest.raises(httpx.RemoteProtocolError, match="malformed chunk"):
        await chunks.__anext__()


@pytest.mark.anyio
async def test_a_body_is_read_in_far_fewer_pieces_than_events() -> None:
    async with MockLLMServer(answer=ANSWER, chunk=(1, 8)) as server:
        model = model_for(server)
        spec = model.build_request(Agent(model).input("plan").prompt())
        async with httpx.AsyncClient() as client:
            reply = await client.post(spec.url, headers=dict(spec.headers), json=spec.json)
        stream = await open_stream(spec, provider="openai")
        try:
            pieces = [piece async for piece in stream.chunks]
        finally:
            await stream.aclose()
        # the two requests' bodies differ only in "created" (a clock second may pass between them)
        assert _unstamped(b"".join(pieces)) == _unstamped(reply.content)
        frames = reply.content.count(b"\n\n")
        assert frames > 500 and len(pieces) < frames / 10


@pytest.mark.anyio
async def test_every_event_before_a_stall_reaches_the_pulling_consumer() -> None:
    """The consumer that pulls gets every event the network brought while the next read waits
    (a reader that held the last piece until the next read returned would hang here until the
    read timeout)."""
    async with MockLLMServer(answer=ANSWER, chunk=(1, 8), fault="stall", fault_after=300) as server:
        response = Agent(model_for(server, timeout=30.0)).input("plan").get_response()
        sent = "".join(server.pieces[:299])  # the first frame is the role chunk
        got = ""
        with anyio.fail_after(5):
            async for piece in response.get_async_generator(type="delta"):
                got += piece
                if len(got) >= len(sent):
                    break
        assert got == sent
        other = response.get_async_generator(type="delta")
        await response.aclose()  # closes the read paused at the gate, with no warning
        with pytest.raises(ResponseClosedError):
            async for _ in other:
                pass
        assert await anyio.to_thread.run_sync(server.wait_idle, 5)
        assert len(server.requests) == 1
