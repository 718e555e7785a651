"""Fixtures of the Redis tests: one `redis-server` for the session (no persistence), a fresh
one with the append-only file on for the restart tests, and the reaping of spawned processes."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

from tests.redis._common import reap
from tests.redis._server import RedisServer

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

try:
    import redis  # noqa: F401
except ImportError:  # pragma: no cover - depends on the installation
    if os.environ.get("CI", "").lower() == "true":
        raise  # CI installs the test extra, which has redis-py: its absence is a failure there
    pytest.skip("the [redis] extra (redis-py) is not installed", allow_module_level=True)


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
