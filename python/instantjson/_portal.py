"""One helper thread with its own event loop, shared by every response that sync code drives.

A response first read by sync code (`get_generator()`, `get_text()`, ...) needs an event loop
to own its HTTP connection. Rather than a thread per response, all of them share one daemon
thread running an asyncio loop with an anyio `BlockingPortal`, lease-counted like anyio's
`from_thread.BlockingPortalProvider`: each such response takes a `Lease` when it binds, and
gives it back when its stream ends, when it is closed, or when it is garbage collected. The
thread starts with the first lease and stops when the last one is given back, so an idle
program has no helper thread, and none is left behind (the tests count threads). It is a
daemon, so an abandoned unfinished response can never keep the interpreter from exiting.

`Lease.call(func, *args)` runs `func(*args)` in the helper loop and waits for it (from any
thread but the helper's own: a call from there would deadlock, and raises `RuntimeError`).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
from anyio.from_thread import BlockingPortal

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

__all__ = ["THREAD_NAME", "Lease", "acquire"]

T = TypeVar("T")

THREAD_NAME = "instantjson-response"


class _HelperLoop:
    """A daemon thread with its own asyncio loop serving `call()`s until stopped."""

    def __init__(self) -> None:
        self.leases = 0
        self._ready = threading.Event()
        self._portal: BlockingPortal | None = None
        self._stop: anyio.Event | None = None
        self._failure: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name=THREAD_NAME, daemon=True)
        self.thread.start()
        self._ready.wait()
        if self._failure is not None:  # pragma: no cover - a loop that cannot start
            raise self._failure

    def _run(self) -> None:
        try:
            anyio.run(self._main)
        except BaseException as exc:  # pragma: no cover - a loop that cannot start
            self._failure = exc
            self._ready.set()

    async def _main(self) -> None:
        self._stop = anyio.Event()
        async with BlockingPortal() as portal:
            self._portal = portal
            self._ready.set()
            await self._stop.wait()

    def call(self, func: Callable[..., Awaitable[T]], *args: Any) -> T:
        portal = self._portal
        if portal is None or not self.thread.is_alive():
            raise RuntimeError("the response's helper thread has stopped")
        return portal.call(func, *args)

    def stop(self) -> None:
        """Let the loop end once its current calls return; from another thread, wait for it."""
        if threading.current_thread() is self.thread:
            if self._stop is not None:
                self._stop.set()
            return
        if self.thread.is_alive() and self._portal is not None:
            try:
                self._portal.call(self._set_stop)
            except RuntimeError:
                pass
        self.thread.join(timeout=10)

    async def _set_stop(self) -> None:
        if self._stop is not None:
            self._stop.set()


_lock = threading.Lock()
_current: _HelperLoop | None = None


class Lease:
    """One response's share of the helper loop (see the module docs)."""

    __slots__ = ("_loop", "_released")

    def __init__(self, loop: _HelperLoop) -> None:
        self._loop = loop
        self._released = False

    @property
    def thread(self) -> threading.Thread:
        return self._loop.thread

    def call(self, func: Callable[..., Awaitable[T]], *args: Any) -> T:
        """Run `func(*args)` in the helper loop and wait for its result."""
        return self._loop.call(func, *args)

    def release(self) -> None:
        """Give the lease back (idempotent); the last one stops the thread."""
        global _current
        with _lock:
            if self._released:
                return
            self._released = True
            loop = self._loop
            loop.leases -= 1
            last = loop.leases == 0
            if last and _current is loop:
                _current = None
        if last:
            loop.stop()


def acquire() -> Lease:
    """A lease on the shared helper loop, starting its thread if none runs."""
    global _current
    with _lock:
        loop = _current
        if loop is None or not loop.thread.is_alive():
            loop = _current = _HelperLoop()
        loop.leases += 1
        return Lease(loop)
