"""Every recorded stream of shared/provider-streams/fixtures (and the hand-written ones of
tests/fixtures) normalizes to its expected.json: through `Response.from_stream` fed whole, in
1-to-7-byte pieces (sync and async iterables), and over real HTTP from MockLLMServer replaying
the body at the provider's real path in 1-to-7-byte pieces."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import anyio
import pytest

from instantjson._agent import Agent
from instantjson._response import Response
from instantjson.testing import MockLLMServer
from tests._shared import missing_shared
from tests.conftest_response import anyio_backend, chunked
from tests.providers._harness import FIXTURES, Case, acollect, all_cases, check_against_expected, collect, model_on

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

__all__ = ["anyio_backend"]

CASES = all_cases()
PARAMS = [pytest.param(case, id=case.id) for case in CASES]


def test_every_provider_has_fixtures() -> None:
    if os.environ.get("CI", "").lower() == "true":
        assert any(case.origin == "shared" for case in CASES), f"shared fixtures missing at {FIXTURES}"
    providers = {case.provider for case in CASES}
    assert {"ollama"} <= providers  # the hand-written ones are always there
    if not any(case.origin == "shared" for case in CASES):
        missing_shared("provider-streams/fixtures")
    assert providers == {"openai", "openai-responses", "anthropic", "ollama", "gemini"}


@pytest.mark.parametrize("case", PARAMS)
def test_whole_body(case: Case) -> None:
    response = Response.from_stream(case.body, provider=case.provider)
    items, error = collect(response)
    check_against_expected(items, error, case.expected)


@pytest.mark.parametrize("case", PARAMS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_one_to_seven_byte_pieces(case: Case, seed: int) -> None:
    pieces = chunked(case.body, (1, 7), seed)
    response = Response.from_stream(iter(pieces), provider=case.provider)
    items, error = collect(response)
    check_against_expected(items, error, case.expected)
    assert response.get_text(partial=True) == case.expected["text"]


@pytest.mark.parametrize("case", PARAMS)
def test_one_byte_at_a_time_gives_the_same_events(case: Case) -> None:
    whole_items, whole_error = collect(Response.from_stream(case.body, provider=case.provider))
    one_byte = [case.body[i : i + 1] for i in range(len(case.body))]
    items, error = collect(Response.from_stream(iter(one_byte), provider=case.provider))
    check_against_expected(items, error, case.expected)

    def comparable(events: list[tuple[str, Any]]) -> list[Any]:
        return [(e, v.to_dict() if e == "instant" else (repr(v) if e == "error" else v)) for e, v in events]

    assert comparable(items) == comparable(whole_items) and repr(error) == repr(whole_error)


@pytest.mark.anyio
@pytest.mark.parametrize("case", PARAMS)
async def test_async_iterable_of_pieces(case: Case) -> None:
    async def body() -> AsyncIterator[bytes]:
        for piece in chunked(case.body, (1, 7), 5):
            yield piece
            await anyio.lowlevel.checkpoint()

    response = Response.from_stream(body(), provider=case.provider)
    items, error = await acollect(response)
    check_against_expected(items, error, case.expected)


@pytest.mark.parametrize("case", PARAMS)
def test_over_http_from_the_mock_server(case: Case) -> None:
    with MockLLMServer(raw=case.body, chunk=(1, 7), seed=3) as server:
        response = Agent(model_on(server, case.provider)).input("replay").get_response()
        items, error = collect(response)
        check_against_expected(items, error, case.expected)
        assert len(server.requests) == 1
        assert server.wait_idle(5)


def _expected_paths() -> dict[str, Any]:
    return {
        "openai": "/v1/chat/completions",
        "openai-responses": "/v1/responses",
        "anthropic": "/v1/messages",
        "ollama": "/api/chat",
        "gemini": "/v1beta/models/mock-model:streamGenerateContent?alt=sse",
    }


@pytest.mark.parametrize("provider", list(_expected_paths()))
def test_replay_is_served_at_the_real_path(provider: str) -> None:
    case = next((c for c in CASES if c.provider == provider), None)
    if case is None:
        missing_shared(f"provider-streams/fixtures for {provider}")
    with MockLLMServer(raw=case.body, chunk=(1, 7)) as server:
        Agent(model_on(server, provider)).input("x").get_response().get_text(partial=True)
        assert server.requests[0].path == _expected_paths()[provider]
