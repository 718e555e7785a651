"""Roles of the cross-process Redis tests, each run as its own OS process:

    python tests/redis/_proc.py publish REDIS_URL KEY MOCK_URL PROVIDER OUT [PRODUCER_TIMEOUT]
    python tests/redis/_proc.py consume REDIS_URL KEY OUT [PRODUCER_TIMEOUT]

`publish` asks the mock provider for an answer, publishes it under KEY, then writes the local
response's own `type="all"` sequence to OUT. `consume` attaches to KEY and appends each event
of `type="all"` to OUT as one JSON line as it arrives (flushed), then a last line: `{"end": true}`
or `{"error": {...}}`. Events are written by `dump_event()`, which the tests use too.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # `tests.` imports from a script

from instantjson import InstantEvent
from instantjson._providers.normalized import encode_error


def dump_event(item: tuple[str, Any]) -> str:
    """One `(event, value)` as a JSON line (instant events as their fields, errors encoded)."""
    event, value = item
    if isinstance(value, InstantEvent):
        value = [value.event_type, value.path, value.value]
    elif isinstance(value, BaseException):
        value = encode_error(value)
    return json.dumps([event, value], sort_keys=True, default=str)


async def publish(url: str, key: str, mock_url: str, provider: str, out: str, producer_timeout: float) -> None:
    from instantjson import Agent
    from instantjson.redis import RedisStreams
    from tests.providers._harness import model_on

    class _Mock:
        url = mock_url

    store = RedisStreams(url, producer_timeout=producer_timeout)
    response = Agent(model_on(_Mock(), provider, timeout=30.0)).input("plan").get_response()  # type: ignore[arg-type]
    print("publishing", flush=True)  # noqa: T201
    await store.publish(response, key)
    lines = []
    try:
        lines.extend([dump_event(item) async for item in response.get_async_generator(type="all")])
    except Exception:
        pass
    await anyio.Path(out).write_text("".join(line + "\n" for line in lines))


async def consume(url: str, key: str, out: str, producer_timeout: float) -> None:
    from instantjson.redis import RedisStreams

    store = RedisStreams(url, producer_timeout=producer_timeout)
    remote = store.attach(key)
    with open(out, "w") as f:  # noqa: ASYNC230 - small flushed writes, one consumer per process
        print("attached", flush=True)  # noqa: T201
        try:
            async for item in remote.get_async_generator(type="all"):
                f.write(dump_event(item) + "\n")
                f.flush()
        except Exception as exc:
            f.write(json.dumps({"error": encode_error(exc)}) + "\n")
        else:
            f.write(json.dumps({"end": True}) + "\n")


def main(argv: list[str]) -> None:
    role = argv[0]
    if role == "publish":
        url, key, mock_url, provider, out = argv[1:6]
        timeout = float(argv[6]) if len(argv) > 6 else 10.0
        asyncio.run(publish(url, key, mock_url, provider, out, timeout))
    elif role == "consume":
        url, key, out = argv[1:4]
        timeout = float(argv[4]) if len(argv) > 4 else 10.0
        asyncio.run(consume(url, key, out, timeout))
    else:
        raise SystemExit(f"unknown role {role!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
