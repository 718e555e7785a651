"""Response: one upstream request, any number of consumers, each replaying from the first event.

The public facade. The parts:

* `_engine.py`: the reader (one task of the home loop reads the network; consumers only wait,
  so a consumer stopped in any way never breaks the stream for the others), the homes (own
  loop, shared helper thread, sync iterable) and closing;
* `_views.py`: the views (cursors over the log), their selection, event ids and `after`;
* `_replay.py`: the log; `_pipeline.py`: bytes -> frames -> adapter -> instant parser.

Rules (DESIGN.md sections 3 and 7): one request on the wire, started lazily by the first
consumer or getter; every view replays from the first event; consumers never disturb each
other (a `break`, a cancellation of any kind, a closed or collected generator ends that
consumer only); an error reaches every current and later consumer; nothing is re-requested;
no task, thread or connection outlives the response. Works on asyncio and trio, and from sync
code with or without a running loop (sync callers share one helper thread).

Two cases cannot work and raise `RuntimeError` with a clear message unless the stream has
already ended (then every consumer just replays the log): a *sync* view or getter called inside
the very loop that streams the response (use the async twin), and any consumer after the home
loop stopped mid-stream (consume a response inside one `asyncio.run()` / `trio.run()`, or use
the sync views).

`partial=True` getters wait, like the others, until the response has ended (normally, with an
error, or closed by `aclose()`), then return what arrived instead of raising.
"""

from __future__ import annotations

import sys
import weakref
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal, cast, overload

from ._engine import Engine, LoopHome, PortalHome, Source
from ._exceptions import ParseError
from ._pipeline import Pipeline
from ._providers import get_provider
from ._schema import CompiledOutput, compile_output
from ._sources import AsyncIterSource, HTTPSource, SyncIterSource
from ._typed import final_data, partial_data  # typed output (#10)
from ._views import (
    AsyncEntries,
    AsyncPartialView,
    AsyncView,
    SyncEntries,
    SyncPartialView,
    SyncView,
    ViewType,
    select,
)

if TYPE_CHECKING:
    from types import TracebackType

    from ._client import ByteStream
    from ._core import InstantEvent
    from ._parts import Item, Meta
    from ._typed import TypedEvent

__all__ = ["Response", "ViewType"]

_TO_THE_END = sys.maxsize


class Response:
    """One model answer, consumable many times, at once or later, async or sync.

    Views (each replays from the first event; sync twins: `get_generator(...)`):
    `get_async_generator(type="delta")` answer text pieces; `"instant"` / `"streaming_parse"`
    `InstantEvent`s of the structured answer; `"specific", specific=[names]` `(event, value)`
    pairs; `"original"` raw provider payloads; `"all"` every `(event, value)`, the instant
    events as `("instant", InstantEvent)`. With an output spec (typed output): `"typed"`
    `TypedEvent`s, each named value validated once as it completes; `"partial"` the live partial
    value (`throttle=` seconds between yields).

    Event ids: the id of an event is its 0-based position in what `type="all"` yields for this
    response (every public `(event, value)`, instant events and the error included). Every view
    takes `after=N` to yield only the events whose id is greater than N (to resume after the
    last event a client saw); `aiter_entries()` / `iter_entries()` yield `(id, event, value)`.

    Getters (sync twins without `async_`): `async_get_text()`, `async_get_data()`,
    `async_get_meta()`, each waiting for the end, each with `partial=True` to get what arrived
    (rather than an exception) once the response ended with an error or was closed;
    `async_get_data_object()` for a pydantic output model. `response.result is response`.

    Consumers are independent: cancelling one in any way (a cancelled task, a timeout, a cancel
    scope, a closed or collected generator, Ctrl-C in a sync one) ends that consumer only.
    To stop the response itself early, release the connection with `async with response: ...`
    or `await response.aclose()` (`with response:` / `close()` in sync code). A response dropped
    mid-stream without either has its connection cut when it is garbage collected.
    """

    def __init__(
        self,
        source: Source,
        pipeline: Pipeline,
        *,
        output: CompiledOutput | None = None,
        max_parts: int | None = None,
    ) -> None:
        self._engine = engine = Engine(source, pipeline, max_parts)
        self._log = engine.log
        self._pipeline = pipeline
        self._output = output
        self._answer_error_cache: ParseError | None = None
        if not isinstance(source, SyncIterSource):
            # dropped mid-stream without aclose(): cut the connection (no loop call is possible
            # from a finalizer, except into the helper thread)
            weakref.finalize(self, _dropped, engine)
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
        src: Source
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
        state = "closed" if self._engine.closed else ("ended" if self._log.finished else "open")
        return f"<Response {self._pipeline.adapter.provider} {state}, {len(self._log)} events>"

    @property
    def result(self) -> Response:
        """The response itself (the seed writes `response.result.get_generator(...)`)."""
        return self

    @property
    def deadline(self) -> float | None:
        """Seconds the response may take from its first read to its end (600 by default; None:
        no limit); past it, the request is closed and every consumer gets the events so far,
        then `DeadlineExceededError`. The read timeout bounds a silence between two reads; this
        bounds a server that keeps sending (pings, a byte a second) and never ends. Set it
        before the first consumer or getter (a sync iterable source has no deadline)."""
        return self._engine.deadline

    @deadline.setter
    def deadline(self, seconds: float | None) -> None:
        self._engine.deadline = None if seconds is None else float(seconds)

    @property
    def events(self) -> Sequence[Item]:
        """Everything logged so far (read-only; includes private `_`-prefixed markers)."""
        return self._log.items

    # ------------------------------------------------------------------ closing
    async def aclose(self) -> None:
        """Close the response now: the HTTP response and its connection are closed, a read in
        flight is cancelled, and consumers that have not reached the end get the events so far
        and then `ResponseClosedError`. A no-op once the stream has ended."""
        await self._engine.aclose()

    def close(self) -> None:
        """Sync twin of `aclose()` (from plain code or another thread than the home loop's)."""
        self._engine.close()

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
    @overload
    def get_async_generator(
        self,
        type: Literal["delta"] = "delta",
        specific: None = None,
        *,
        after: int | None = None,
        throttle: float = 0.0,
    ) -> AsyncIterator[str]: ...
    @overload
    def get_async_generator(
        self,
        type: Literal["instant", "streaming_parse"],
        specific: None = None,
        *,
        after: int | None = None,
        throttle: float = 0.0,
    ) -> AsyncIterator[InstantEvent]: ...
    @overload
    def get_async_generator(
        self,
        type: Literal["specific"],
        specific: str | Sequence[str] | None = None,
        *,
        after: int | None = None,
        throttle: float = 0.0,
    ) -> AsyncIterator[tuple[str, Any]]: ...
    @overload
    def get_async_generator(
        self,
        type: Literal["original"],
        specific: None = None,
        *,
        after: int | None = None,
        throttle: float = 0.0,
    ) -> AsyncIterator[dict[str, Any]]: ...
    @overload
    def get_async_generator(
        self,
        type: Literal["all"],
        specific: None = None,
        *,
        after: int | None = None,
        throttle: float = 0.0,
    ) -> AsyncIterator[tuple[str, Any]]: ...
    @overload
    def get_async_generator(
        self,
        type: Literal["typed"],
        specific: None = None,
        *,
        after: int | None = None,
        throttle: float = 0.0,
    ) -> AsyncIterator[TypedEvent]: ...
    @overload
    def get_async_generator(
        self,
        type: ViewType = "delta",
        specific: str | Sequence[str] | None = None,
        *,
        after: int | None = None,
        throttle: float = 0.0,
    ) -> AsyncIterator[Any]: ...
    def get_async_generator(
        self,
        type: ViewType = "delta",
        specific: str | Sequence[str] | None = None,
        *,
        after: int | None = None,
        throttle: float = 0.0,
    ) -> AsyncIterator[Any]:
        """Replay the response from its first event (or after the event with id `after`), live:
        see the class docstring for `type` and for ids. The item type follows `type`: `str` for
        `"delta"`, `InstantEvent` for `"instant"` / `"streaming_parse"`, `(event, value)` for
        `"specific"` and `"all"`, the provider's payload dicts for `"original"`, `TypedEvent`
        for `"typed"`, the partial value for `"partial"`. `type="partial"`: the live partial value,
        at most once per network read and per `throttle` seconds (the last one is the final data).

        The view is a plain async iterator (not an async generator): leaving it with `break` needs
        no `aclose()` and leaves nothing for the garbage collector, on asyncio and trio alike."""
        if type == "partial":  # typed output (#10)
            return AsyncPartialView(self, self._engine, select(type, specific), after, throttle=throttle)
        self._check_typed(type)
        return AsyncView(self, self._engine, select(type, specific), after)

    @overload
    def get_generator(
        self,
        type: Literal["delta"] = "delta",
        specific: None = None,
        *,
        after: int | None = None,
        throttle: float = 0.0,
    ) -> Iterator[str]: ...
    @overload
    def get_generator(
        self,
        type: Literal["instant", "streaming_parse"],
        specific: None = None,
        *,
        after: int | None = None,
        throttle: float = 0.0,
    ) -> Iterator[InstantEvent]: ...
    @overload
    def get_generator(
        self,
        type: Literal["specific"],
        specific: str | Sequence[str] | None = None,
        *,
        after: int | None = None,
        throttle: float = 0.0,
    ) -> Iterator[tuple[str, Any]]: ...
    @overload
    def get_generator(
        self,
        type: Literal["original"],
        specific: None = None,
        *,
        after: int | None = None,
        throttle: float = 0.0,
    ) -> Iterator[dict[str, Any]]: ...
    @overload
    def get_generator(
        self,
        type: Literal["all"],
        specific: None = None,
        *,
        after: int | None = None,
        throttle: float = 0.0,
    ) -> Iterator[tuple[str, Any]]: ...
    @overload
    def get_generator(
        self,
        type: Literal["typed"],
        specific: None = None,
        *,
        after: int | None = None,
        throttle: float = 0.0,
    ) -> Iterator[TypedEvent]: ...
    @overload
    def get_generator(
        self,
        type: ViewType = "delta",
        specific: str | Sequence[str] | None = None,
        *,
        after: int | None = None,
        throttle: float = 0.0,
    ) -> Iterator[Any]: ...
    def get_generator(
        self,
        type: ViewType = "delta",
        specific: str | Sequence[str] | None = None,
        *,
        after: int | None = None,
        throttle: float = 0.0,
    ) -> Iterator[Any]:
        """Sync twin of `get_async_generator()`; works from plain code and inside a running loop."""
        if type == "partial":  # typed output (#10)
            return SyncPartialView(self, self._engine, select(type, specific), after, throttle=throttle)
        self._check_typed(type)
        return SyncView(self, self._engine, select(type, specific), after)

    def _check_typed(self, type: str) -> None:
        if type == "typed" and self._output is None:  # typed output (#10)
            raise TypeError('type="typed" needs an output spec: agent.output(Model), Response.from_stream(output=...)')

    def aiter_entries(self, after: int | None = None) -> AsyncIterator[tuple[int, str, Any]]:
        """`(id, event, value)` for every public event (what `type="all"` yields, with its id),
        from the first one or after id `after`. An error comes as an `("error", exc)` entry,
        then the iteration ends (it does not raise): for layers that forward events (SSE,
        Redis) and resume a client after the last id it saw."""
        return AsyncEntries(self, self._engine, select("all"), after, entries=True)

    def iter_entries(self, after: int | None = None) -> Iterator[tuple[int, str, Any]]:
        """Sync twin of `aiter_entries()`."""
        return SyncEntries(self, self._engine, select("all"), after, entries=True)

    # ------------------------------------------------------------------ getters
    async def _drain(self) -> None:
        while not self._log.finished:
            await self._engine.advance(_TO_THE_END)  # one pull to the end, not one per chunk

    def _drain_sync(self) -> None:
        while not self._log.finished:
            self._engine.advance_sync(_TO_THE_END)

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
        if pipeline.parse_error is not None or (
            pipeline.final_value is None and not pipeline.adapter.text and not pipeline.has_tool_calls
        ):
            raise self._answer_error()
        if not raw and pipeline.typed is not None:  # typed output (#10)
            return final_data(pipeline.typed, pipeline.final_value)
        return pipeline.final_value

    def _answer_error(self) -> ParseError:
        """The error of an answer that is not JSON: empty or whitespace alike (`kind="empty"`),
        else the parser's error (same kind and position) saying that the text is available; the
        parser's own error chained as `__cause__`. Built once: every getter raises the same."""
        if self._answer_error_cache is None:
            pipeline = self._pipeline
            cause = pipeline.parse_error
            if not pipeline.adapter.text.strip():
                error = ParseError("the answer is empty: no JSON value", kind="empty")
            else:
                assert cause is not None
                error = ParseError(
                    f"{cause.message}; the answer's text is available: get_text() / async_get_text()",
                    kind=cause.kind,
                    offset=cause.offset,
                    line=cause.line,
                    column=cause.column,
                    path=cause.path,
                )
            error.__cause__ = cause
            self._answer_error_cache = error
        return self._answer_error_cache

    def _meta(self, partial: bool) -> Meta | None:
        self._check(partial)
        meta = self._log.last("meta")
        return None if meta is None else cast("Meta", dict(meta))

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

    async def async_get_meta(self, *, partial: bool = False) -> Meta | None:
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

    def get_meta(self, *, partial: bool = False) -> Meta | None:
        """Sync twin of `async_get_meta()`."""
        self._drain_sync()
        return self._meta(partial)

    def get_data_object(self) -> Any:
        """Sync twin of `async_get_data_object()`."""
        if self._output is None or self._output.model is None:
            raise TypeError("get_data_object() needs an output() given as a pydantic model class")
        return self.get_data()


def _dropped(engine: Engine) -> None:
    """Finalizer of a response dropped before its end: cut its connection."""
    if not engine.log.finished and isinstance(engine.home, (LoopHome, PortalHome)):
        engine.abort()
