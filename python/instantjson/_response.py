"""Response: one upstream request, any number of consumers, each replaying from the first event.

Design (a *pull* design: no background task)
--------------------------------------------
The seed never writes `async with`, so a response cannot own a task group that outlives the
caller's code. Instead there is no producer task at all: the consumer (view or getter) that
needs an item nobody has read yet becomes the puller. It reads the next unit (over HTTP:
everything one network read brought, often hundreds of events; see `_client.py`), runs it
through the pipeline (Rust framing -> provider adapter -> instant parser) and appends
the resulting items to the `ReplayLog`; consumers that need more while someone pulls wait on an
`anyio.Event` that the next append sets, then find the new items in the log. Consequences:

* one request on the wire, started lazily by the first consumer or getter: the source is
  marked opened before the request goes out, and the opening step is shielded like a read, so
  a consumer cancelled while the connection is being opened never causes a second request;
* getters resolve with no view reading: they simply pull to the end;
* a consumer that `break`s just stops pulling; the others go on;
* each step (open, read, decode, append) is shielded from cancellation, so a cancelled consumer
  never leaves the shared stream half-read: it is cancelled right after that step (a stalled
  connection is bounded by the connect and read timeouts; `aclose()` cancels at once);
* it is cheap: one step (one shield, one append, one wake-up) per network read, not per event;
  the puller returns to its own consumer after each step, and the waiters catch up with the
  whole batch at once. Appends wake nobody when nobody waits. The log keeps no per-item
  tuples (see `_replay.py`), so a long stream does not feed the cycle collector;
* the HTTP response (and its client) is closed in the puller as soon as the end is reached,
  on `await response.aclose()` / `async with response:` exit (which also cancels a read in
  flight), and as a last resort when the response is garbage collected mid-stream: a response
  driven by sync code closes its connection in its helper thread; one driven by async code has
  its socket shut down at once (a finalizer cannot call into a loop), and the loop's
  async-generator finalizer then closes httpx's body stream (trio warns about that, rightly).
  Release a response you stop reading early with `async with response:` or `aclose()`.
  No task ever exists, so none can be left behind.

Loops and threads
-----------------
An HTTP connection belongs to the event loop that opened it: that loop is the response's
*home*. Async consumers in the home loop pull directly. Sync views and getters
(`get_generator()`, `get_data()`, ...) on a response no async code has started create a home
of their own: a daemon helper thread with its own event loop (anyio's `BlockingPortal`),
which works from plain code and from inside a running loop alike (the caller blocks, as a
sync call does). Consumers on another loop or thread pull through the home: an async consumer
from a foreign loop calls into the home loop from a worker thread, a sync consumer calls
straight in. The log is thread-safe, so any mix of loops and threads sees the same sequence.

Two cases cannot work and raise `RuntimeError` with a clear message, unless the stream has
already ended (then every consumer just replays the log): a *sync* view or getter called
inside the very loop that is streaming the response (blocking it would deadlock: use the async
twin), and any consumer after the home loop has stopped mid-stream (its connection is gone:
consume a response inside one `asyncio.run()` / `trio.run()`, or use the sync views).

Replay rules (DESIGN.md section 3): every view replays from the first event; an error is
appended as `("error", exc)`, views yield everything before it then raise it, getters raise it;
nothing is re-requested.

`partial=True` getters wait, like the others, until the response has ended (normally, with an
error, or closed by `aclose()`), then return what arrived instead of raising: the text so far,
the data as the instant parser's `snapshot()` sees it, the meta if it came. They never hang
on an ended response; on one whose home loop has stopped mid-stream they raise `RuntimeError`
(that response can never end).
"""

from __future__ import annotations

import sys
import threading
import weakref
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Sequence,
)
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import anyio
import anyio.from_thread
import anyio.lowlevel
import anyio.to_thread

from ._client import Resume
from ._exceptions import ReplayOverflowError, ResponseClosedError
from ._parts import PARSE_ERROR, Item
from ._pipeline import Pipeline
from ._providers import get_provider
from ._replay import ReplayLog
from ._schema import CompiledOutput, compile_output
from ._sources import AsyncIterSource, HTTPSource, PortalThread, SyncIterSource
from ._typed import final_data, fold_partial, partial_data  # typed output (#10)
from ._typed_partial import PartialValue, Throttle  # typed output (#10)

if TYPE_CHECKING:
    from types import TracebackType

    from ._client import ByteStream

__all__ = ["Response", "ViewType"]

ViewType = Literal["delta", "instant", "streaming_parse", "specific", "original", "all", "typed", "partial"]

_TO_THE_END = sys.maxsize
_WAIT: Any = object()
"""What `_View._next_ready` returns when the log holds nothing more for the view yet."""
DEFAULT_SPECIFIC = ("reasoning_delta", "delta", "reasoning_done", "done", "tool_calls")
_ORIGINAL = frozenset({"original_delta", "original_done"})

_Source = HTTPSource | AsyncIterSource | SyncIterSource


@dataclass
class _Home:
    """The loop that owns an async source: a running loop (token + thread) or a helper thread."""

    token: anyio.lowlevel.EventLoopToken | None = None
    thread: int | None = None
    portal: PortalThread | None = None


def _selector(type: str, specific: str | Sequence[str] | None) -> tuple[frozenset[str], bool, bool]:
    """(event names to yield, yield (event, value) pairs?, raise parse errors?)."""
    if type == "delta":
        return frozenset({"delta"}), False, False
    if type in ("instant", "streaming_parse"):
        return frozenset({"instant"}), False, True
    if type == "typed":  # typed output (#10)
        return frozenset({"typed"}), False, True
    if type == "partial":  # typed output (#10): folded by _PartialView
        return frozenset({"instant", "typed"}), True, True
    if type == "original":
        return _ORIGINAL, False, False
    if type == "all":
        return frozenset(), True, False
    if type == "specific":
        names = [specific] if isinstance(specific, str) else list(specific or DEFAULT_SPECIFIC)
        return frozenset(names), True, False
    raise ValueError(
        f"unknown view type {type!r}: use delta, instant, streaming_parse, specific, original, all, typed or partial"
    )


def _current_token() -> anyio.lowlevel.EventLoopToken | None:
    try:
        return anyio.lowlevel.current_token()
    except Exception:  # no loop running in this thread
        return None


_NOT_HOME = (
    "this response is being streamed by the event loop running in this thread; a sync view or getter "
    "here would block that loop forever: use the async twin (get_async_generator(), await async_get_*())"
)
_HOME_GONE = (
    "the event loop that started this response has stopped before the response ended, and its "
    "connection with it: consume a response inside one event loop run, or with the sync views"
)


class Response:
    """One model answer, consumable many times, at once or later, async or sync.

    Views (each replays from the first event; sync twins: `get_generator(...)`):
    `get_async_generator(type="delta")` answer text pieces; `"instant"` / `"streaming_parse"`
    `InstantEvent`s of the structured answer; `"specific", specific=[names]` `(event, value)`
    pairs; `"original"` raw provider payloads; `"all"` every `(event, value)`, the instant
    events as `("instant", InstantEvent)`. With an output spec (typed output): `"typed"`
    `TypedEvent`s, each named value validated once as it completes; `"partial"` the live partial
    value (`throttle=` seconds between yields).

    Getters (sync twins without `async_`): `async_get_text()`, `async_get_data()`,
    `async_get_meta()`, each waiting for the end, each with `partial=True` to get what arrived
    (rather than an exception) once the response ended with an error or was closed;
    `async_get_data_object()` for a pydantic output model. `response.result is response`.

    To stop early, release the connection with `async with response: ...` or
    `await response.aclose()` (`with response:` / `close()` in sync code). A response dropped
    mid-stream without either has its connection cut when it is garbage collected.
    """

    def __init__(
        self,
        source: _Source,
        pipeline: Pipeline,
        *,
        output: CompiledOutput | None = None,
        max_parts: int | None = None,
    ) -> None:
        self._source = source
        self._pipeline = pipeline
        self._output = output
        self._log = ReplayLog(max_parts)
        self._bind_lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._home: _Home | None = None
        self._pulling = False
        self._wakeup: anyio.Event | None = None
        self._read_scope: anyio.CancelScope | None = None
        self._closed = False
        self._finalizer: weakref.finalize[Any, Any] | None = None
        if output is not None:  # typed output (#10)
            pipeline.attach_output(output)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_stream(
        cls,
        source: bytes | str | Iterable[Any] | AsyncIterable[Any],
        *,
        provider: str = "openai",
        output: Any = None,
        max_parts: int | None = None,
    ) -> Response:
        """Wrap a stream obtained elsewhere: the raw body (bytes, or an iterable / async iterable
        of byte chunks), or the decoded payloads (dicts, or an official SDK's chunk objects, sync
        or async stream). `provider` picks the wire format: `"openai"` (Chat Completions and
        compatibles), `"openai-responses"`, `"anthropic"`, `"ollama"` (native NDJSON) or
        `"gemini"`. `output` (a spec as for `Agent.output()`) enables typed output: the `"typed"`
        view and validated getters.
        Wire bytes must contain the provider's terminal marker; a payload source's end counts as
        the end of the body (Chat Completions' `[DONE]` is not a payload, so there the end is the
        marker; the other APIs' terminal events are payloads and must be among them)."""
        info = get_provider(provider)
        pipeline = Pipeline(info.adapter(), info.framing)
        src: _Source
        if isinstance(source, AsyncIterable):
            src = AsyncIterSource(source)  # pyright: ignore[reportUnknownArgumentType]
        else:
            src = SyncIterSource(source)
        compiled = compile_output(output) if output is not None else None
        return cls(src, pipeline, output=compiled, max_parts=max_parts)

    @classmethod
    def _from_opener(
        cls,
        opener: Callable[[], Awaitable[ByteStream]],
        pipeline: Pipeline,
        output: CompiledOutput | None,
    ) -> Response:
        return cls(HTTPSource(opener), pipeline, output=output)

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("ended" if self._log.finished else "open")
        return f"<Response {self._pipeline.adapter.provider} {state}, {len(self._log)} events>"

    @property
    def result(self) -> Response:
        """The response itself (the seed writes `response.result.get_generator(...)`)."""
        return self

    @property
    def events(self) -> Sequence[Item]:
        """Everything logged so far (read-only; includes private `_`-prefixed markers)."""
        return self._log.items

    # ------------------------------------------------------------------ pulling
    async def _advance(self, seen: int) -> None:
        """Return once the log's flat list holds more than `seen` entries or has finished."""
        home = self._home
        if home is not None and home.token is not None and home.token == _current_token():
            await self._pull_local(seen)  # the common case, first: a consumer in the home loop
            return
        source = self._source
        if isinstance(source, SyncIterSource):
            if source.blocking:
                await anyio.to_thread.run_sync(self._pull_sync, seen)
            else:
                self._pull_sync(seen)
                await anyio.lowlevel.checkpoint()
            return
        token = _current_token()
        home = home or self._bind(token)
        if home.portal is not None:
            await anyio.to_thread.run_sync(self._pull_via_portal, home.portal, seen)
        elif home.token == token:
            await self._pull_local(seen)
        elif home.thread == threading.get_ident():
            self._raise_unless_finished(_HOME_GONE)
        else:
            await anyio.to_thread.run_sync(self._pull_via_loop, home, seen)

    def _advance_sync(self, seen: int) -> None:
        source = self._source
        if isinstance(source, SyncIterSource):
            self._pull_sync(seen)
            return
        home = self._home or self._bind(None)
        if home.portal is not None:
            self._pull_via_portal(home.portal, seen)
        elif home.thread == threading.get_ident():
            self._raise_unless_finished(_NOT_HOME if home.token == _current_token() else _HOME_GONE)
        else:
            self._pull_via_loop(home, seen)

    def _bind(self, token: anyio.lowlevel.EventLoopToken | None) -> _Home:
        with self._bind_lock:
            if self._home is None:
                if token is not None:
                    self._home = _Home(token=token, thread=threading.get_ident())
                    if isinstance(self._source, HTTPSource):
                        # dropped mid-stream without aclose(): no loop call is possible from a
                        # finalizer, so cut the connection synchronously
                        self._finalizer = weakref.finalize(self, self._source.abort)
                else:
                    portal = PortalThread()
                    self._home = _Home(portal=portal)
                    self._finalizer = weakref.finalize(self, _finalize, self._source, portal)
            return self._home

    def _raise_unless_finished(self, message: str) -> None:
        if not self._log.finished:
            raise RuntimeError(message)

    def _pull_via_portal(self, portal: PortalThread, seen: int) -> None:
        try:
            portal.call(self._pull_local, seen)
        except RuntimeError:
            if not self._log.finished:
                raise

    def _pull_via_loop(self, home: _Home, seen: int) -> None:
        try:
            anyio.from_thread.run(self._pull_local, seen, token=home.token)
        except RuntimeError as exc:
            if not self._log.finished:
                raise RuntimeError(_HOME_GONE) from exc

    async def _pull_local(self, seen: int) -> None:
        """In the home loop: return once the log's flat list holds more than `seen` entries or has
        finished.

        One consumer at a time is the puller (`_pulling`); the others wait on `_wakeup`, an
        `anyio.Event` created by the first waiter and dropped (after `set()`) by the next append,
        so a waiter wakes once per batch of items, not once per item, and appends cost nothing
        when nobody waits. The puller does one step per call and returns to its own consumer at
        once; the waiters catch up with the whole batch when it next waits for the network."""
        log = self._log
        items = log.flat
        while len(items) <= seen and not log.finished:
            if self._pulling:
                wakeup = self._wakeup
                if wakeup is None:
                    wakeup = self._wakeup = anyio.Event()
                await wakeup.wait()
                continue
            self._pulling = True
            try:
                waited = await self._step()
            finally:
                self._pulling = False
                self._wake()
            if waited:  # the only moments a cancellation of this consumer can have come in
                await anyio.lowlevel.checkpoint_if_cancelled()

    def _wake(self) -> None:
        wakeup = self._wakeup
        if wakeup is not None:
            self._wakeup = None
            wakeup.set()

    async def _step(self) -> bool:
        """Read one unit (what one network read brought, a payload), append what the pipeline
        makes of it, and say whether that had to wait (for the connection, for the network).

        The step runs shielded from cancellation, so that a cancelled consumer never leaves the
        shared stream half-read, nor a request half-sent that another consumer would send again:
        it is cancelled right after the step (which the connect and read timeouts bound).
        `aclose()` cancels a step in flight. The read is started by hand (`send(None)`): a read
        served from data already buffered completes there and then, and tells us so."""
        source = self._source
        assert not isinstance(source, SyncIterSource)
        pipeline = self._pipeline
        waited = True
        with anyio.CancelScope(shield=True) as scope:
            self._read_scope = scope
            try:
                if not source.opened:  # once: `open()` marks the source opened before it sends
                    await source.open(pipeline)
                else:
                    waited = False
                step = source.step(pipeline)
                try:
                    trap = step.send(None)
                except StopIteration as done:
                    items: list[Item] = done.value
                else:
                    waited = True
                    items = await Resume(step, trap)
            except Exception as exc:  # a failed request (after its retries), a failed read
                items = pipeline.fail(exc)
            finally:
                self._read_scope = None
            self._append(items)
        if self._log.finished:
            await self._close_local_source()
            return True
        return waited

    def _pull_sync(self, seen: int) -> None:
        source = self._source
        assert isinstance(source, SyncIterSource)
        pipeline = self._pipeline
        with self._sync_lock:
            while len(self._log.flat) <= seen and not self._log.finished:
                try:
                    items = source.step(pipeline)
                except Exception as exc:
                    items = pipeline.fail(exc)
                self._append(items)
            if self._log.finished:
                self._settle()
                source.close()

    def _append(self, items: list[Item]) -> None:
        log = self._log
        try:
            if not log.extend_open(items):
                return  # closed meanwhile: what a cancelled read brought is dropped
        except ReplayOverflowError as exc:
            log.finish(exc)
            self._settle()
            return
        finally:
            self._wake()
        if self._pipeline.ended:
            log.finish(self._pipeline.error)

    async def _close_local_source(self) -> None:
        source = self._source
        assert not isinstance(source, SyncIterSource)
        self._settle()
        with anyio.CancelScope(shield=True):
            await source.aclose()
        home = self._home
        if home is not None and home.portal is not None:
            home.portal.stop_soon()

    def _settle(self) -> None:
        """The stream stopped outside the pipeline (closed, overflowed): keep the structured data
        as far as it arrived, for `async_get_data(partial=True)`. Called where the parser runs
        (the home loop, or under the sync lock), never while a chunk is being fed."""
        pipeline = self._pipeline
        if pipeline.snapshot is None and not pipeline.ended:
            try:
                pipeline.snapshot = pipeline.parser.snapshot()
            except Exception:  # pragma: no cover - snapshot() does not raise by contract
                pipeline.snapshot = None

    # ------------------------------------------------------------------ closing
    async def aclose(self) -> None:
        """Close the response now: the HTTP response and its connection are closed, a read in
        flight is cancelled, and consumers that have not reached the end get the events so far
        and then `ResponseClosedError`. A no-op once the stream has ended."""
        if self._closed:
            return
        if self._mark_closed():
            return
        home = self._home
        if home is None:
            return
        if home.portal is not None:
            await anyio.to_thread.run_sync(self._close_via_portal, home.portal)
        elif home.token == _current_token():
            self._settle()
            self._wake()
            await self._close_local()
        elif home.thread != threading.get_ident():
            await anyio.to_thread.run_sync(self._close_via_loop, home)

    def _mark_closed(self) -> bool:
        """The part of closing that is the same from async and sync code: mark the response
        closed, end the log for consumers still reading, and close a sync source at once (True
        then: nothing is left to do)."""
        self._closed = True
        if not self._log.finished:
            self._log.finish(ResponseClosedError("the response was closed before its stream ended"))
        source = self._source
        if isinstance(source, SyncIterSource):
            with self._sync_lock:
                self._settle()
                source.close()
            return True
        return False

    def close(self) -> None:
        """Sync twin of `aclose()` (from plain code or another thread than the home loop's)."""
        if self._closed:
            return
        home = self._home
        if (
            home is not None
            and home.portal is None
            and home.thread == threading.get_ident()
            and (home.token == _current_token() and not self._log.finished)
        ):
            raise RuntimeError(_NOT_HOME.replace("a sync view or getter", "close()"))
        if self._mark_closed():
            return
        if home is not None:
            if home.portal is not None:
                self._close_via_portal(home.portal)
            elif home.thread != threading.get_ident():
                self._close_via_loop(home)

    async def _close_local(self) -> None:
        with anyio.CancelScope(shield=True):
            if self._read_scope is not None:
                self._read_scope.cancel()
            while self._pulling:  # let the puller leave its (cancelled) step first
                wakeup = self._wakeup
                if wakeup is None:
                    wakeup = self._wakeup = anyio.Event()
                await wakeup.wait()
            await self._close_local_source()

    def _close_via_portal(self, portal: PortalThread) -> None:
        try:
            portal.call(self._close_local)
        except RuntimeError:
            pass  # already stopped: it closed its source first
        portal.stop()

    def _close_via_loop(self, home: _Home) -> None:
        try:
            anyio.from_thread.run(self._close_local, token=home.token)
        except RuntimeError:
            pass  # that loop is gone; so is its connection

    async def __aenter__(self) -> Response:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    def __enter__(self) -> Response:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ views
    def get_async_generator(
        self, type: ViewType = "delta", specific: str | Sequence[str] | None = None, *, throttle: float = 0.0
    ) -> AsyncIterator[Any]:
        """Replay the response from its first event, live: see the class docstring for `type`.
        `type="partial"`: the live partial value, at most once per network read and per
        `throttle` seconds (the last one is the final data).

        The view is a plain async iterator (not an async generator): leaving it with `break` needs
        no `aclose()` and leaves nothing for the garbage collector, on asyncio and trio alike."""
        if type == "partial":  # typed output (#10)
            return _AsyncPartialView(self, *_selector(type, specific), False, throttle=throttle)
        self._check_typed(type)
        return _AsyncView(self, *_selector(type, specific), type == "all")

    def get_generator(
        self, type: ViewType = "delta", specific: str | Sequence[str] | None = None, *, throttle: float = 0.0
    ) -> Iterator[Any]:
        """Sync twin of `get_async_generator()`; works from plain code and inside a running loop."""
        if type == "partial":  # typed output (#10)
            return _SyncPartialView(self, *_selector(type, specific), False, throttle=throttle)
        self._check_typed(type)
        return _SyncView(self, *_selector(type, specific), type == "all")

    def _check_typed(self, type: str) -> None:
        if type == "typed" and self._output is None:  # typed output (#10)
            raise TypeError('type="typed" needs an output spec: agent.output(Model), Response.from_stream(output=...)')

    # ------------------------------------------------------------------ getters
    async def _drain(self) -> None:
        while not self._log.finished:
            await self._advance(_TO_THE_END)  # one pull to the end, not one per chunk

    def _drain_sync(self) -> None:
        while not self._log.finished:
            self._advance_sync(_TO_THE_END)

    def _check(self, partial: bool) -> None:
        error = self._log.error
        if error is not None and not partial:
            raise error

    def _text(self, partial: bool) -> str:
        self._check(partial)
        return self._pipeline.adapter.text

    def _data(self, partial: bool, raw: bool = True) -> Any:
        self._check(partial)
        pipeline = self._pipeline
        if partial:
            if not raw and pipeline.typed is not None:  # typed output (#10): what validated
                return partial_data(pipeline.snapshot, self._log.items)
            return pipeline.snapshot
        if pipeline.parse_error is not None:
            raise pipeline.parse_error
        if not raw and pipeline.typed is not None:  # typed output (#10)
            return final_data(pipeline.typed, pipeline.final_value)
        return pipeline.final_value

    def _meta(self, partial: bool) -> dict[str, Any] | None:
        self._check(partial)
        flat = self._log.flat
        for i in range((len(flat) >> 1) - 1, -1, -1):
            if flat[2 * i] == "meta":
                return dict(flat[2 * i + 1])
        return None

    async def async_get_text(self, *, partial: bool = False) -> str:
        """The whole answer text (waits for the end). `partial=True`: once the response has
        ended (normally, with an error, or closed), the text that arrived, instead of raising."""
        await self._drain()
        return self._text(partial)

    async def async_get_data(self, *, partial: bool = False, raw: bool = False) -> Any:
        """The structured answer (waits for the end): with an output spec, validated (a model
        instance for a model or type; the checked JSON for a JSON Schema or dict spec), or
        `OutputValidationError` listing every error with its path; else the parsed JSON.
        `raw=True`: the plain JSON as parsed. `partial=True`: once the response has ended
        (normally, with an error, or closed), the value as far as it arrived (jsonriver rules;
        with an output spec, its completed valid values validated), instead of raising."""
        await self._drain()
        return self._data(partial, raw)

    async def async_get_meta(self, *, partial: bool = False) -> dict[str, Any] | None:
        """`{"id", "model", "finish_reason", "raw_finish_reason", "usage"}` (waits for the end).
        `partial=True`: once ended, the meta if it came (None if not), instead of raising."""
        await self._drain()
        return self._meta(partial)

    async def async_get_data_object(self) -> Any:
        """The structured answer validated into the pydantic model given to `output()` (an alias
        of `async_get_data()` for such an output)."""
        if self._output is None or self._output.model is None:
            raise TypeError("async_get_data_object() needs an output() given as a pydantic model class")
        return await self.async_get_data()

    def get_text(self, *, partial: bool = False) -> str:
        """Sync twin of `async_get_text()`."""
        self._drain_sync()
        return self._text(partial)

    def get_data(self, *, partial: bool = False, raw: bool = False) -> Any:
        """Sync twin of `async_get_data()`."""
        self._drain_sync()
        return self._data(partial, raw)

    def get_meta(self, *, partial: bool = False) -> dict[str, Any] | None:
        """Sync twin of `async_get_meta()`."""
        self._drain_sync()
        return self._meta(partial)

    def get_data_object(self) -> Any:
        """Sync twin of `async_get_data_object()`."""
        if self._output is None or self._output.model is None:
            raise TypeError("get_data_object() needs an output() given as a pydantic model class")
        return self.get_data()


class _View:
    """A cursor over the log that yields what its view type selects."""

    __slots__ = (
        "_everything",
        "_index",
        "_items",
        "_log",
        "_names",
        "_pairs",
        "_parse_errors",
        "_pending",
        "_response",
    )

    def __init__(
        self, response: Response, names: frozenset[str], pairs: bool, parse_errors: bool, everything: bool
    ) -> None:
        self._response = response
        self._log = log = response._log  # pyright: ignore[reportPrivateUsage]
        self._items = log.flat  # the log's one flat list: read in place, per item, with no lookups
        self._names = names
        self._pairs = pairs
        self._parse_errors = parse_errors
        self._everything = everything
        self._index = 0
        self._pending: BaseException | None = None

    def _next_ready(self) -> Any:
        """The next selected value in the log, or `_WAIT` when the view must wait for more (a
        marker, not a `(ready, value)` pair: this runs once per value a view yields). Raises
        StopIteration at the end and the stored error where it stands. `_index` counts entries
        of the log's flat list (two per item)."""
        if self._pending is not None:
            raise self._pending
        items = self._items
        names = self._names
        i = self._index
        n = len(items)
        while i < n:
            event = items[i]
            i += 2
            if event == "error":
                self._index = i
                value = items[i - 1]
                if self._pairs and (self._everything or "error" in names):
                    self._pending = value
                    return (event, value)
                raise value
            if event in names or (self._everything and event[0] != "_"):
                self._index = i
                return (event, items[i - 1]) if self._pairs else items[i - 1]
            if self._parse_errors and event == PARSE_ERROR:
                self._index = i
                raise items[i - 1]
        self._index = i
        if self._log.finished and i >= len(items):
            raise StopIteration
        return _WAIT


class _AsyncView(_View):
    __slots__ = ()

    def __aiter__(self) -> _AsyncView:
        return self

    async def __anext__(self) -> Any:
        while True:
            try:
                value = self._next_ready()
            except StopIteration:
                raise StopAsyncIteration from None
            if value is not _WAIT:
                return value
            await self._response._advance(self._index)  # pyright: ignore[reportPrivateUsage]

    async def aclose(self) -> None:
        """Stop this view (nothing to release; the response goes on for the others)."""
        self._pending = StopAsyncIteration()


class _SyncView(_View):
    __slots__ = ()

    def __iter__(self) -> _SyncView:
        return self

    def __next__(self) -> Any:
        while True:
            value = self._next_ready()
            if value is not _WAIT:
                return value
            self._response._advance_sync(self._index)  # pyright: ignore[reportPrivateUsage]

    def close(self) -> None:
        """Stop this view (nothing to release; the response goes on for the others)."""
        self._pending = StopIteration()


class _PartialView(_View):
    """Typed output (#10): folds instant and typed events into a `PartialValue` and yields it
    when the log has nothing more for now (at most once per network read) and the throttle
    allows; the last one, at the end, is the final data."""

    __slots__ = ("_partial", "_throttle")

    def __init__(self, *args: Any, throttle: float = 0.0) -> None:
        super().__init__(*args)
        self._partial = PartialValue()
        self._throttle = Throttle(throttle)

    def _next_partial(self) -> Any:
        partial = self._partial
        while True:
            try:
                item = self._next_ready()
            except StopIteration:
                if partial.changed:
                    return partial.value
                raise
            if item is _WAIT:
                if partial.changed and self._throttle.due():
                    self._throttle.mark()
                    return partial.value
                return _WAIT
            fold_partial(partial, item)


class _AsyncPartialView(_PartialView):
    __slots__ = ()

    def __aiter__(self) -> _AsyncPartialView:
        return self

    async def __anext__(self) -> Any:
        while True:
            try:
                value = self._next_partial()
            except StopIteration:
                raise StopAsyncIteration from None
            if value is not _WAIT:
                return value
            await self._response._advance(self._index)  # pyright: ignore[reportPrivateUsage]


class _SyncPartialView(_PartialView):
    __slots__ = ()

    def __iter__(self) -> _SyncPartialView:
        return self

    def __next__(self) -> Any:
        while True:
            value = self._next_partial()
            if value is not _WAIT:
                return value
            self._response._advance_sync(self._index)  # pyright: ignore[reportPrivateUsage]


def _finalize(source: _Source, portal: PortalThread) -> None:
    """Last resort for a sync-driven response dropped before its end: close its connection in its
    helper thread's loop, then stop that thread."""
    if not portal.thread.is_alive():
        return
    if isinstance(source, SyncIterSource):  # pragma: no cover - sync sources have no portal
        return

    async def close() -> None:
        with anyio.CancelScope(shield=True):
            await source.aclose()

    try:
        portal.call(close)
    except Exception:
        pass
    portal.stop()
