"""Consumers wake once per network read, not once per event: the reader task takes the HTTP
chunks one socket read brought without suspending, so the consumers it wakes run when it waits
for the network and catch up with the whole batch (`_engine.py`). Checked over loopback on
asyncio and trio.
"""

from __future__ import annotations

import json

import anyio
import pytest

from instantjson._agent import Agent
from instantjson._exceptions import ResponseClosedError
from instantjson.testing import MockLLMServer
from tests.conftest_response import anyio_backend, model_for

__all__ = ["anyio_backend"]

ANSWER = json.dumps({"text": "abcdefgh" * 600})


@pytest.mark.anyio
async def test_a_consumer_waits_far_fewer_times_than_events() -> None:
    async with MockLLMServer(answer=ANSWER, chunk=(1, 8)) as server:
        response = Agent(model_for(server)).input("plan").get_response()
        engine = response._engine  # pyright: ignore[reportPrivateUsage]
        waits = 0
        wait_local = engine.wait_local

        async def counted(seen: int) -> None:
            nonlocal waits
            waits += 1
            await wait_local(seen)

        engine.wait_local = counted  # type: ignore[method-assign]
        pieces = [piece async for piece in response.get_async_generator(type="delta")]
        assert "".join(pieces) == await response.async_get_text()
        assert len(pieces) > 500 and waits < len(pieces) / 10


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
        await response.aclose()  # cancels the reader's read, with no warning
        with pytest.raises(ResponseClosedError):
            async for _ in other:
                pass
        assert await anyio.to_thread.run_sync(server.wait_idle, 5)
        assert len(server.requests) == 1
