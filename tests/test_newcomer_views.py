"""Issue 14: views used the wrong way. `for x in` an async view (and `async for x in` a sync
view) is a `TypeError` saying what to write; a response continued in a second `asyncio.run()`
is one clear error, with nothing printed to stderr."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from instantjson import Agent, InstantJSONError, OpenAICompatible
from instantjson.testing import MockLLMServer


def test_sync_for_over_an_async_view_says_what_to_do() -> None:
    with MockLLMServer(answer='{"a": 1}') as server:
        model = OpenAICompatible(base_url=server.url + "/v1", model="m", api_key="x")
        response = Agent(model).input("x").get_response()
        view: Any = response.get_async_generator(type="delta")
        with pytest.raises(TypeError, match="async for"):
            for _ in view:
                pass
        assert response.get_text() == '{"a": 1}'
        sync_view: Any = response.get_generator(type="delta")

        async def wrong() -> None:
            async for _ in sync_view:
                pass

        with pytest.raises(TypeError, match="get_generator"):
            asyncio.run(wrong())


def test_a_second_asyncio_run_is_one_clear_error(capfd: pytest.CaptureFixture[str]) -> None:
    with MockLLMServer(answer='{"a": "' + "x" * 2000 + '"}', chunk=(1, 4), delay=0.001) as server:
        model = OpenAICompatible(base_url=server.url + "/v1", model="m", api_key="x")
        response = Agent(model).input("x").get_response()

        async def first() -> None:
            async for _ in response.get_async_generator(type="delta"):
                break

        async def second() -> str:
            return await response.async_get_text()

        asyncio.run(first())
        try:
            asyncio.run(second())
        except (InstantJSONError, RuntimeError) as exc:
            assert str(exc)
    err = capfd.readouterr().err
    assert "aclose(): asynchronous generator is already running" not in err
    assert "Traceback" not in err
