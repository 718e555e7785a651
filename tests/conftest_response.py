"""Fixtures and helpers for the response-layer tests (replay, response, seed, faults, mock server).

Test modules import what they use: `from tests.conftest_response import anyio_backend  # noqa: F401`.
`anyio_backend` runs every `@pytest.mark.anyio` test on asyncio and on trio.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from instantjson._providers.openai import OpenAICompatible
from instantjson.testing import MockLLMServer

if TYPE_CHECKING:
    from collections.abc import Iterator

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO.parent / "shared" / "provider-streams" / "fixtures"

SEED_ANSWER_VALUE: dict[str, Any] = {
    "title": "Growth experiment plan",
    "summary": "Three cheap experiments to lift weekly sign-ups by 10% in a month.",
    "steps": [
        {"step": "A/B test the landing page headline", "owner": "Growth marketer"},
        {"step": "Add a referral reward to onboarding emails", "owner": "Lifecycle manager"},
        {"step": 'Offer a \u00e9t\u00e9 "summer" trial extension \U0001f680', "owner": "Product manager"},
    ],
}
SEED_ANSWER = json.dumps(SEED_ANSWER_VALUE, ensure_ascii=False, indent=2)

SEED_OUTPUT: dict[str, Any] = {
    "title": (str, "Title"),
    "summary": (str, "One-line summary"),
    "steps": [{"step": (str, "Step"), "owner": (str, "Owner role")}],
}


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def seed_server() -> Iterator[MockLLMServer]:
    with MockLLMServer(answer=SEED_ANSWER, chunk=(1, 8)) as server:
        yield server


def model_for(server: MockLLMServer, **kwargs: Any) -> OpenAICompatible:
    """An OpenAICompatible model on the mock server: no retries and short timeouts unless given."""
    kwargs.setdefault("retries", 0)
    kwargs.setdefault("timeout", 5.0)
    return OpenAICompatible(base_url=server.url + "/v1", model="mock-model", **kwargs)


def fixture_cases(provider: str) -> list[Path]:
    """The recorded streams of one provider (empty when shared/ is not beside the repo)."""
    folder = FIXTURES / provider
    return sorted(folder.glob("*.txt")) if folder.is_dir() else []


def chunked(data: bytes, sizes: tuple[int, int], seed: int) -> list[bytes]:
    """`data` cut into pieces of sizes[0]..sizes[1] bytes (deterministic)."""
    import random

    rng = random.Random(seed)
    out: list[bytes] = []
    i = 0
    while i < len(data):
        n = rng.randint(*sizes)
        out.append(data[i : i + n])
        i += n
    return out
