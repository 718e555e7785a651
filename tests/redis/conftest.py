"""Fixtures of the Redis tests: one `redis-server` for the session (no persistence), a fresh
one with the append-only file on for the restart tests, and a store per test."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.redis._common import reap
from tests.redis._server import RedisServer

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

pytest.importorskip("redis", reason="the [redis] extra (redis-py) is not installed")


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def persistent_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path, appendonly=True).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # redis-py's client is asyncio's


@pytest.fixture(autouse=True)
def _reap_processes() -> Iterator[None]:
    yield
    reap()
