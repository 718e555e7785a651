"""Helpers of the reliability tests (test_reliability_faults.py, test_reliability_load.py,
test_secrets.py): counting what a test could leak (tasks, file descriptors, sockets, threads)
and reading every view and getter of one response at once.

Counting rules: take the baseline before the mock server starts and compare after it has
stopped (`MockLLMServer.close()` joins its handler threads, so their sockets are closed too).
Threads are waited for with `join()`, never with sleeps.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import anyio
import sniffio

if TYPE_CHECKING:
    from instantjson._response import Response

VIEWS = ("delta", "instant", "specific", "original", "all")
GETTERS = ("text", "data", "meta")

_PROC_FD = "/proc/self/fd"


def open_fds() -> list[str]:
    """What each open file descriptor of this process points at (`socket:[...]`, a path, ...)."""
    out: list[str] = []
    for fd in os.listdir(_PROC_FD):
        try:
            out.append(os.readlink(f"{_PROC_FD}/{fd}"))
        except OSError:  # noqa: PERF203 - the fd of the listdir itself, gone already
            pass
    return out


def live_tasks() -> int:
    """The tasks alive in the running event loop (asyncio: `all_tasks()`; trio: every task of
    the tree under the root task, nursery by nursery)."""
    if sniffio.current_async_library() == "trio":
        import trio

        count = 0
        stack = [trio.lowlevel.current_root_task()]
        while stack:
            task = stack.pop()
            count += 1
            for nursery in task.child_nurseries:
                stack.extend(nursery.child_tasks)
        return count
    import asyncio

    return len(asyncio.all_tasks())


_POOLS = ("AnyIO worker thread", "Trio thread ", "asyncio_", "ThreadPoolExecutor-")


def own_threads() -> list[threading.Thread]:
    """Live threads, without the event loops' shared worker pools (anyio's worker threads,
    trio's thread cache, asyncio's default executor): those are process-wide caches that stay
    idle for a while after any `to_thread` call, whoever made it."""
    return [t for t in threading.enumerate() if t.is_alive() and not t.name.startswith(_POOLS)]


def instantjson_threads() -> list[threading.Thread]:
    """Threads that instantjson or its mock server started (helper loops, handlers)."""
    return [t for t in threading.enumerate() if t.name.startswith(("instantjson", "mock-llm"))]


def join_instantjson_threads(timeout: float = 10.0) -> None:
    """Wait for instantjson's helper threads (they stop by themselves at the end of a stream)."""
    for thread in instantjson_threads():
        if thread is not threading.current_thread():
            thread.join(timeout)


@dataclass(frozen=True)
class Resources:
    """A count of what a test could leak. `fds` and `sockets` are None off Linux; `threads`
    leaves out the loops' worker pools (`own_threads()`)."""

    fds: int | None
    sockets: int | None
    threads: int
    socket_targets: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def now(cls) -> Resources:
        if not os.path.isdir(_PROC_FD):  # pragma: no cover - Linux only
            return cls(None, None, len(own_threads()))
        fds = open_fds()
        sockets = tuple(sorted(f for f in fds if f.startswith("socket:")))
        return cls(len(fds), len(sockets), len(own_threads()), sockets)


def assert_no_leak(before: Resources, after: Resources) -> None:
    assert after.threads <= before.threads, (before.threads, after.threads, own_threads())
    if before.fds is not None and after.fds is not None:
        leaked = sorted(set(after.socket_targets) - set(before.socket_targets))
        assert after.sockets == before.sockets, f"socket fds {before.sockets} -> {after.sockets}: {leaked}"
        assert after.fds <= before.fds, f"fds {before.fds} -> {after.fds}"


@dataclass
class Seen:
    """What one consumer got: the items (views) or the value (getters), and the error."""

    items: list[Any] = field(default_factory=list[Any])
    value: Any = None
    error: BaseException | None = None


async def read_view(response: Response, kind: str, seen: Seen) -> None:
    try:
        async for item in response.get_async_generator(type=kind):  # pyright: ignore[reportArgumentType]
            seen.items.append(item)
    except Exception as exc:
        seen.error = exc


async def read_getter(response: Response, kind: str, seen: Seen) -> None:
    getter = {"text": response.async_get_text, "data": response.async_get_data, "meta": response.async_get_meta}[kind]
    try:
        seen.value = await getter()
    except Exception as exc:
        seen.error = exc


async def read_everything(response: Response) -> dict[str, Seen]:
    """Every view type and every getter of `response`, all at once, each in its own task."""
    seen = {kind: Seen() for kind in (*VIEWS, *GETTERS)}
    async with anyio.create_task_group() as tg:
        for kind in VIEWS:
            tg.start_soon(read_view, response, kind, seen[kind])
        for kind in GETTERS:
            tg.start_soon(read_getter, response, kind, seen[kind])
    return seen


def delta_text(items: list[Any]) -> str:
    """The answer text in the items of an `"all"` or `"specific"` view."""
    return "".join(v for e, v in items if e == "delta")
