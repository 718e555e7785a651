"""Shared helpers of the Redis tests: the answers the mock provider streams, sequence collection,
comparison that treats equal errors as equal, id-based resumption, and subprocess launching."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from instantjson import Agent, InstantEvent
from instantjson._providers.normalized import encode_error
from tests.providers._harness import model_on

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from instantjson import Response
    from instantjson.testing import MockLLMServer

PROC = Path(__file__).with_name("_proc.py")

ANSWER = json.dumps(
    {
        "title": "Growth plan for the next quarter",
        "steps": [
            {"owner": name, "task": f"Ship the {n}th improvement of the onboarding flow", "weeks": n}
            for n, name in enumerate(["ann", "bob", "chloé", "dmitri", "eve", "fatima"], start=1)
        ],
        "summary": "Six owners, six steps, one quarter; reviewed weekly. ✓",
    },
    ensure_ascii=False,
)
REASONING = "First list the owners, then give each a step of the plan."
TOOL_CALLS = [{"name": "lookup", "arguments": {"city": "Paris", "days": [1, 2]}, "id": "call_1"}]


def response_from(server: MockLLMServer, provider: str = "openai") -> Response:
    """A fresh response from the mock provider (one request when first consumed)."""
    return Agent(model_on(server, provider, timeout=30.0)).input("plan").get_response()


async def collect_all(response: Response) -> tuple[list[tuple[str, Any]], BaseException | None]:
    """The `type="all"` sequence and the error that ended it (None after a clean end)."""
    items: list[tuple[str, Any]] = []
    try:
        async for item in response.get_async_generator(type="all"):
            items.append(item)  # noqa: PERF401
    except Exception as exc:
        return items, exc
    return items, None


def comparable(items: list[tuple[str, Any]]) -> list[Any]:
    """Items with exceptions replaced by their type and attributes (equal errors compare equal)."""
    out: list[Any] = []
    for event, value in items:
        if isinstance(value, BaseException):
            out.append((event, encode_error(value)))
        elif isinstance(value, InstantEvent):
            out.append((event, (value.event_type, value.path, value.value)))
        else:
            out.append((event, value))
    return out


def after(response: Response, last_id: int) -> AsyncIterator[tuple[int, str, Any]]:
    """`(id, event, value)` of `type="all"` after event `last_id` (ids: 0-based positions in that
    sequence; -1 for everything): the response's own `aiter_entries(after=...)`."""
    return response.aiter_entries(None if last_id < 0 else last_id)


SPAWNED: list[subprocess.Popen[str]] = []
"""Every process `spawn()` started: the tests' fixture kills those still running after each test."""


def spawn_env() -> dict[str, str]:
    """The environment of a child Python process that imports the same instantjson as this one."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    return env


def spawn(*args: str) -> subprocess.Popen[str]:
    """A `_proc.py` role in a new Python process that imports the same instantjson as this one."""
    process = subprocess.Popen(
        [sys.executable, str(PROC), *args],
        env=spawn_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    SPAWNED.append(process)
    return process


def reap() -> None:
    """Kill (by pid, each one this test started) what is still running, and wait for them."""
    while SPAWNED:
        process = SPAWNED.pop()
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def read_lines(path: Path) -> list[Any]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def dumped(items: list[tuple[str, Any]]) -> list[Any]:
    """Items as the `_proc.py` consumers write them (JSON round trip of `dump_event()`)."""
    from tests.redis._proc import dump_event

    return [json.loads(dump_event(item)) for item in items]
