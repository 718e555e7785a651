"""The engine of a response: one reader, any number of waiting consumers, and closing.

A response's bytes are read by exactly one *reader*, a task of the response's home loop that
nobody but the engine can cancel: on asyncio a task of its own (`loop.create_task`), on trio a
system task. Consumers (views, getters) never read the network: a consumer that needs an entry
the log does not hold yet starts the reader if none runs, then waits on an `anyio.Event` that
the reader's next append sets. So a consumer stopped in any way (`task.cancel()`, `wait_for`,
`asyncio.timeout`, a `TaskGroup` whose sibling failed, anyio and trio cancel scopes, its
coroutine closed, KeyboardInterrupt in a sync consumer) only stops *waiting*: the read it was
waiting for completes in the reader and is appended for everyone; no byte is lost or read
twice, whatever the moment (DESIGN.md section 7). anyio's shielded cancel scopes could not give
this on asyncio (native cancellation goes through them), which is why the read has a task.

What the reader does, and when it stops:

* started lazily, by the first consumer or getter that waits; it opens the request (once: the
  source is marked opened first, so a failure or a close never sends a second request) and
  then reads one body chunk per step, feeds it through the pipeline and appends the entries;
* buffered HTTP chunks are read without suspending, so the consumers it woke run only when the
  reader waits for the network: they catch up with everything that read brought at once;
* it stops when nobody waits any more (after the read in flight: at most one read ahead of the
  demand), when the stream ends, or when the response is closed; the next waiting consumer
  starts a new one. At the end of the stream it closes the connection *before* it marks the
  log finished, so a consumer that saw the end never sees an open socket or a live reader;
* a reader cancelled by anything but `aclose()` (its loop shutting down) closes the
  connection and ends the log with `RuntimeError` ("the event loop ... stopped").

Homes: how the engine is driven (one small strategy each)
---------------------------------------------------------
An HTTP connection belongs to the loop that opened it: the engine's *home*, bound by the first
consumer.

* `LoopHome`: an async consumer's running loop. Consumers in that loop wait in place; a
  consumer in another loop or thread waits through `anyio.from_thread.run` into the home loop
  (from a worker thread, for an async one). A sync consumer in the home loop's own thread
  would block it forever, and any consumer after the home loop stopped mid-stream has no
  connection left: both raise `RuntimeError`, unless the stream has ended (then the log
  replays).
* `PortalHome`: sync code came first: the engine lives in the shared helper loop
  (`_portal.py`), held by a lease given back at the end of the stream or at close.
* `InlineHome`: a sync iterable source needs no loop: the consumer that needs data pulls it
  under a lock (async consumers in a worker thread when the iterable may block).
* `EndedHome`: a `LoopHome` once its stream has ended and its connection is closed: the log
  replays, and the home loop is not kept alive by the response.

Closing: `aclose()`/`close()` end the log for everyone with `ResponseClosedError` at once,
then cancel the reader's scope and close the connection in the home loop.
"""

from __future__ import annotations

import asyncio
import math
import threading
from typing import TYPE_CHECKING, Any

import anyio
import anyio.from_thread
import anyio.lowlevel
import anyio.to_thread
import httpx

from . import _portal
from ._exceptions import DeadlineExceededError, ReplayOverflowError, ResponseClosedError
from ._replay import ReplayLog
from ._sources import END, AsyncIterSource, HTTPSource, SyncIterSource

if TYPE_CHECKING:
    from ._parts import Entries
    from ._pipeline import Pipeline

__all__ = ["DEFAULT_DEADLINE", "Engine", "Source"]

Source = HTTPSource | AsyncIterSource | SyncIterSource

NOT_HOME = (
    "this response is being streamed by the event loop running in this thread; a sync view or getter "
    "here would block that loop forever: use the async twin (get_async_generator(), await async_get_*())"
)
HOME_GONE = (
    "the event loop that started this response has stopped before the response ended, and its "
    "connection with it: consume a response inside one event loop run, or with the sync views"
)


_MAX_PENDING = 16 * 1024
"""Body bytes collected without the loop running, past which they are fed at once: a network
read of 64 KiB is fed in pieces of about 16 KiB (each still hundreds of HTTP chunks of an answer
streamed token by token), so a thousand responses reading at once do not each hold a whole read
of small chunk objects until the loop comes round."""

DEFAULT_DEADLINE = 600.0
"""Seconds from the first read of a response to its end before `DeadlineExceededError`."""


def _deadline_message(deadline: float | None) -> str:
    return (
        f"the response did not end within its deadline of {deadline:g} s; the events before this "
        "point were kept (set `response.deadline` before the first read to change it, None for none)"
    )


def current_token() -> anyio.lowlevel.EventLoopToken | None:
    try:
        return anyio.lowlevel.current_token()
    except Exception:  # no loop running in this thread
        return None


class Engine:
    """The reader, the waits and the closing of one response (see the module docs)."""

    def __init__(self, source: Source, pipeline: Pipeline, max_parts: int | None = None) -> None:
        self.source = source
        self.pipeline = pipeline
        self.log = ReplayLog(max_parts, deriver=pipeline)
        self.closed = False
        self.home: Home | None = InlineHome(self) if isinstance(source, SyncIterSource) else None
        self._bind_lock = threading.Lock()
        self._reader: Any = None  # the running reader (an asyncio Task, or True on trio)
        self._reader_done: anyio.Event | None = None
        self._read_scope: anyio.CancelScope | None = None
        self._wakeup: anyio.Event | None = None
        self._waiting = 0
        self._overflow: ReplayOverflowError | None = None
        self.deadline: float | None = DEFAULT_DEADLINE
        self._deadline_at: float | None = None
        self._pending: list[bytes] = []  # body chunks read but not yet fed (see `_read_http`)
        self._pending_size = 0
        self._stop = False  # a flush ended the stream (or the log): the reader stops reading

    # ------------------------------------------------------------------ binding
    def bind(self, token: anyio.lowlevel.EventLoopToken | None) -> Home:
        """The engine's home, bound on first use: this loop (`token`), else the helper loop."""
        home = self.home
        if home is not None:
            return home
        with self._bind_lock:
            if self.home is None:
                if token is not None:
                    self.home = LoopHome(self, token, threading.get_ident())
                else:
                    self.home = PortalHome(self, _portal.acquire())
            return self.home

    async def advance(self, seen: int) -> None:
        """Return once the log's flat list holds more than `seen` entries, or has finished."""
        home = self.home
        if home is None:
            home = self.bind(current_token())
        await home.advance(seen)

    def advance_sync(self, seen: int) -> None:
        home = self.home
        if home is None:
            home = self.bind(None)
        home.advance_sync(seen)

    # ------------------------------------------------------------------ in the home loop
    async def wait_local(self, seen: int) -> None:
        """In the home loop: wait (never read) until the log holds more than `seen` flat
        entries or has finished, starting the reader when none runs."""
        log = self.log
        while 2 * len(log) <= seen and not log.finished:
            if self._reader is None:
                self._start_reader()
            wakeup = self._wakeup
            if wakeup is None:
                wakeup = self._wakeup = anyio.Event()
            self._waiting += 1
            try:
                await wakeup.wait()
            finally:
                self._waiting -= 1

    def _start_reader(self) -> None:
        self._reader_done = anyio.Event()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # not asyncio: trio (anyio's only other backend)
            import trio

            self._reader = True
            trio.lowlevel.spawn_system_task(self._read, name="instantjson-reader")
        else:
            self._reader = loop.create_task(self._read(), name="instantjson-reader")

    def _wake(self) -> None:
        wakeup = self._wakeup
        if wakeup is not None:
            self._wakeup = None
            wakeup.set()

    async def _read(self) -> None:
        source = self.source
        assert not isinstance(source, SyncIterSource)
        pipeline = self.pipeline
        stopped_from_outside = False
        if self._deadline_at is None:
            self._deadline_at = math.inf if self.deadline is None else anyio.current_time() + self.deadline
        try:
            with anyio.CancelScope(deadline=self._deadline_at) as scope:
                self._read_scope = scope
                if not self.closed and not self.log.finished:
                    try:
                        if not source.opened:
                            await source.open(pipeline)
                        if isinstance(source, HTTPSource):
                            await self._read_http(source)
                        else:
                            await self._read_units(source)
                    except Exception as exc:  # a failed request (after its retries), a failed read
                        self._flush()  # what arrived before the failure is kept
                        self._publish(pipeline.fail(exc))
            if scope.cancelled_caught and not self.closed and not self._stop:  # the deadline, not aclose()
                self._flush()
                self._publish(pipeline.fail(DeadlineExceededError(_deadline_message(self.deadline))))
        except BaseException:
            stopped_from_outside = True  # the loop is shutting down (aclose() cancels the scope)
            raise
        finally:
            self._read_scope = None
            self._stop = False
            try:
                if not self.closed:
                    self._flush()
                if stopped_from_outside and not self.log.finished:
                    await self._finish_stream(RuntimeError(HOME_GONE))
                elif pipeline.ended or self.closed or self._overflow is not None:
                    await self._finish_stream(self._overflow or pipeline.error)
            finally:
                self._reader = None
                done = self._reader_done
                if done is not None:
                    self._reader_done = None  # a waiter in close_local holds its own reference
                    done.set()
                self._wake()

    async def _read_units(self, source: AsyncIterSource) -> None:
        """Read an async iterable: one unit, one pipeline step."""
        pipeline = self.pipeline
        read, feed, publish = source.read, source.feed, self._publish
        while True:
            unit = await read()
            if self.closed:  # closed while the read completed: feed nothing more
                break
            if not publish(feed(pipeline, unit)) or pipeline.ended:
                break
            if self._waiting == 0:
                break  # nobody waits: stop after this read (lazy)

    async def _read_http(self, source: HTTPSource) -> None:
        """Read an HTTP body, feeding the pipeline once per network read, not once per HTTP
        chunk (one read of 64 KiB brings hundreds of small chunks, one per event).

        httpx hands out the chunks that one socket read brought without suspending, and a
        socket read always passes through the event loop at least once. So the chunks are
        collected in `_pending`, and the first one schedules `_flush_soon` with the loop's
        `call_soon`: the loop runs it when the reader next suspends, i.e. once the chunks of
        that network read are all collected, before the reader or any consumer it wakes runs
        again. Every way out of the loop flushes what is collected first (an end, a failure,
        nobody waiting, the deadline), so nothing that arrived is lost or held back while the
        network is awaited. Past `_MAX_PENDING` bytes collected, they are fed at once; on trio
        (no `call_soon` in the loop's own thread) each chunk is fed as it comes.
        """
        pipeline = self.pipeline
        stream = source.stream
        assert stream is not None
        next_chunk = stream.chunks.__anext__
        pending = self._pending
        try:
            call_soon = asyncio.get_running_loop().call_soon
        except RuntimeError:  # trio
            call_soon = None
        while True:
            try:
                chunk = await next_chunk()
            except StopAsyncIteration:
                chunk = END
            except httpx.TransportError as exc:  # a read timeout, a cut: say which request
                raise stream.naming_the_url(exc) from exc
            if self.closed:  # closed while the read completed: feed nothing more
                break
            if chunk is END:
                self._flush()
                if not self._stop:
                    self._publish(source.feed(pipeline, END))
                break
            if not chunk:
                continue
            if not pending and call_soon is not None:
                call_soon(self._flush_soon)
            pending.append(chunk)
            self._pending_size += len(chunk)
            if call_soon is None or self._pending_size > _MAX_PENDING:
                self._flush()
            if self._stop:
                break
            if self._waiting == 0:
                self._flush()
                break  # nobody waits: stop after this read (lazy)

    def _flush(self) -> None:
        """Feed the collected body chunks to the pipeline as one piece and publish the items;
        sets `_stop` when the stream (or the log) ended with them."""
        pending = self._pending
        if not pending:
            return
        data = pending[0] if len(pending) == 1 else b"".join(pending)
        pending.clear()
        self._pending_size = 0
        if self.closed or self._stop:
            return
        source = self.source
        assert isinstance(source, HTTPSource)
        pipeline = self.pipeline
        try:
            items = source.feed(pipeline, data)
        except Exception as exc:  # pragma: no cover - the pipeline reports failures as items
            items = pipeline.fail(exc)
        if not self._publish(items) or pipeline.ended:
            self._stop = True

    def _flush_soon(self) -> None:
        """`_flush` from the event loop, while the reader is suspended: if the stream ended
        with it, the reader's pending read is cancelled (it would wait for bytes nobody needs)."""
        self._flush()
        if self._stop:
            scope = self._read_scope
            if scope is not None:
                scope.cancel()

    def _publish(self, items: Entries) -> bool:
        """Append what one step made and wake the waiters; False once nothing more can go in."""
        if not items:
            return True
        try:
            ok = self.log.extend_open(items)
        except ReplayOverflowError as exc:
            self._overflow = exc
            ok = False
        self._wake()
        return ok

    async def _finish_stream(self, error: BaseException | None) -> None:
        """The stream is over: keep the data as far as it came, close the connection, *then* end
        the log (a consumer that sees the end sees no open socket)."""
        self.settle()
        source = self.source
        assert not isinstance(source, SyncIterSource)
        with anyio.CancelScope(shield=True):
            try:
                await source.aclose()
            except Exception:  # pragma: no cover - closing a broken connection
                pass
        self.log.finish(error)
        home = self.home
        if isinstance(home, PortalHome):
            home.release()
        if isinstance(home, LoopHome):
            self.home = EndedHome(self)  # let the home loop go: a finished response does not keep it alive
        self._wake()

    def settle(self) -> None:
        """The stream stopped outside the pipeline (closed, overflowed): keep the structured data
        as far as it arrived, for `async_get_data(partial=True)`. Runs where the parser runs."""
        pipeline = self.pipeline
        if pipeline.snapshot is None and not pipeline.ended:
            try:
                pipeline.snapshot = pipeline.parser.snapshot()
            except Exception:  # pragma: no cover - snapshot() does not raise by contract
                pipeline.snapshot = None

    async def close_local(self) -> None:
        """In the home loop: stop the reader (its read is cancelled) and close the connection."""
        with anyio.CancelScope(shield=True):
            if self._reader is not None:
                if self._read_scope is not None:
                    self._read_scope.cancel()
                done = self._reader_done
                if done is not None:
                    await done.wait()
            if not self.log.finished or self.closed:
                await self._finish_stream(self.log.error)

    # ------------------------------------------------------------------ closing, any thread
    def mark_closed(self) -> bool:
        """Mark the response closed and end the log for consumers still reading. True when the
        stream had already ended (nothing left to close)."""
        if self.closed:
            return True
        self.closed = True
        if self.log.finished:
            return True
        self.log.finish(ResponseClosedError("the response was closed before its stream ended"))
        return False

    async def aclose(self) -> None:
        if self.mark_closed() and not isinstance(self.home, InlineHome):
            return
        home = self.home
        if home is not None:
            await home.aclose()

    def close(self) -> None:
        home = self.home
        if isinstance(home, LoopHome):
            home.check_sync_allowed()
        if self.mark_closed() and not isinstance(home, InlineHome):
            return
        if home is not None:
            home.close()

    def abort(self) -> None:
        """Last resort for a response dropped mid-stream (a finalizer: no loop call is possible)."""
        if self.home is not None:
            self.home.abort()


class Home:
    """How an engine is driven: where consumers wait and where the connection is closed."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    async def advance(self, seen: int) -> None:
        raise NotImplementedError

    def advance_sync(self, seen: int) -> None:
        raise NotImplementedError

    async def aclose(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def abort(self) -> None:
        raise NotImplementedError

    def raise_unless_finished(self, message: str) -> None:
        if not self.engine.log.finished:
            raise RuntimeError(message)


class LoopHome(Home):
    """A running event loop owns the connection (see the module docs)."""

    def __init__(self, engine: Engine, token: anyio.lowlevel.EventLoopToken, thread: int) -> None:
        super().__init__(engine)
        self.token = token
        self.thread = thread

    async def advance(self, seen: int) -> None:
        if self.token == current_token():
            await self.engine.wait_local(seen)  # the common case: a consumer in the home loop
        elif self.thread == threading.get_ident():
            self.raise_unless_finished(HOME_GONE)
        else:
            await anyio.to_thread.run_sync(self._call, self.engine.wait_local, seen, abandon_on_cancel=True)

    def advance_sync(self, seen: int) -> None:
        if self.thread == threading.get_ident():
            self.raise_unless_finished(NOT_HOME if self.token == current_token() else HOME_GONE)
        else:
            self._call(self.engine.wait_local, seen)

    def _call(self, func: Any, *args: Any) -> None:
        try:
            anyio.from_thread.run(func, *args, token=self.token)
        except RuntimeError as exc:
            if not self.engine.log.finished:
                raise RuntimeError(HOME_GONE) from exc

    def check_sync_allowed(self) -> None:
        engine = self.engine
        if self.thread == threading.get_ident() and self.token == current_token() and not engine.log.finished:
            raise RuntimeError(NOT_HOME.replace("a sync view or getter", "close()"))

    async def aclose(self) -> None:
        if self.token == current_token():
            await self.engine.close_local()
        elif self.thread != threading.get_ident():
            await anyio.to_thread.run_sync(self._close_via_loop)

    def close(self) -> None:
        if self.thread != threading.get_ident():
            self._close_via_loop()

    def _close_via_loop(self) -> None:
        try:
            anyio.from_thread.run(self.engine.close_local, token=self.token)
        except RuntimeError:
            pass  # that loop is gone; so is its connection

    def abort(self) -> None:
        source = self.engine.source
        if isinstance(source, HTTPSource):
            source.abort()


class PortalHome(Home):
    """The shared helper loop owns the connection (sync code started the response)."""

    def __init__(self, engine: Engine, lease: _portal.Lease) -> None:
        super().__init__(engine)
        self.lease = lease

    async def advance(self, seen: int) -> None:
        await anyio.to_thread.run_sync(self.advance_sync, seen, abandon_on_cancel=True)

    def advance_sync(self, seen: int) -> None:
        try:
            self.lease.call(self.engine.wait_local, seen)
        except RuntimeError:
            if not self.engine.log.finished:
                raise

    async def aclose(self) -> None:
        await anyio.to_thread.run_sync(self.close)

    def close(self) -> None:
        try:
            self.lease.call(self.engine.close_local)
        except RuntimeError:
            pass  # already stopped: the stream closed its connection first
        self.release()

    def release(self) -> None:
        self.lease.release()

    def abort(self) -> None:
        engine = self.engine
        if threading.current_thread() is not self.lease.thread:
            engine.mark_closed()
            try:
                self.lease.call(engine.close_local)
            except Exception:
                pass
        else:  # collected in the helper thread itself: cut the socket, the loop unwinds it
            source = engine.source
            if isinstance(source, HTTPSource):
                source.abort()
        self.release()


class EndedHome(Home):
    """The stream has ended and its connection is closed: nothing is left to drive, and the
    loop that streamed it is not kept (a finished response is lean)."""

    async def advance(self, seen: int) -> None:
        await anyio.lowlevel.checkpoint()

    def advance_sync(self, seen: int) -> None:
        pass

    async def aclose(self) -> None:
        pass

    def close(self) -> None:
        pass

    def abort(self) -> None:
        pass


class InlineHome(Home):
    """A sync iterable source: the consumer that needs data pulls it, under a lock."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self._lock = threading.Lock()

    async def advance(self, seen: int) -> None:
        source = self.engine.source
        assert isinstance(source, SyncIterSource)
        if source.blocking:
            await anyio.to_thread.run_sync(self.advance_sync, seen, abandon_on_cancel=True)
        else:
            self.advance_sync(seen)
            await anyio.lowlevel.checkpoint()

    def advance_sync(self, seen: int) -> None:
        engine = self.engine
        source = engine.source
        assert isinstance(source, SyncIterSource)
        pipeline = engine.pipeline
        log = engine.log
        with self._lock:
            while 2 * len(log) <= seen and not log.finished:
                try:
                    items = source.step(pipeline)
                except Exception as exc:
                    items = pipeline.fail(exc)
                if not engine._publish(items) or pipeline.ended:  # pyright: ignore[reportPrivateUsage]
                    engine.settle()
                    source.close()
                    log.finish(engine._overflow or pipeline.error)  # pyright: ignore[reportPrivateUsage]

    async def aclose(self) -> None:
        self.close()

    def close(self) -> None:
        source = self.engine.source
        assert isinstance(source, SyncIterSource)
        with self._lock:
            self.engine.settle()
            source.close()

    def abort(self) -> None:
        self.close()
