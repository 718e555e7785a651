"""Issue 14, pending: views used the wrong way. Fixes in `_response.py` / `_sources.py` (engine
branch).

Proposed fixes:
- `_response.py`, `_AsyncView`: add `def __iter__(self) -> NoReturn: raise TypeError("this view is
  asynchronous: use `async for x in response.get_async_generator(...)`, or
  `response.get_generator(...)` in sync code")` (today: `'_AsyncView' object is not iterable`).
  Likewise `_SyncView.__aiter__` pointing at `get_async_generator()`.
- `_response.py` / `_sources.py`: a response whose home loop has ended (the first `asyncio.run()`
  returned) and is read from a second `asyncio.run()`: close the old loop's async generators in
  the first loop's shutdown (or never create an async generator there: a plain async iterator,
  as the views already are), so the second run raises its one clear error and nothing is
  printed to stderr (today: a flood of `aclose(): asynchronous generator is already running`).
"""

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
