"""Views: cursors over a response's replay log, each selecting what its `type` names.

A view is a plain (async) iterator, not a generator: leaving it with `break` needs no
`aclose()` and leaves nothing to the garbage collector. It keeps an index into the log's flat
list `[event0, value0, event1, value1, ...]` and reads it in place (an `original_delta` logged as
JSON text is decoded when yielded: see `_replay.py`), taking what the log holds for it in
batches gathered in Rust (`_core.collect_ready`); when it has seen everything the log holds it
asks the engine to `advance()` (wait for more; see `_engine.py`).

Selection (`select()`): a view type is a set of event names to yield, whether to yield
`(event, value)` pairs or bare values, and whether the instant parser's private
`_parse_error` marker raises. A new derived event kind (say `typed`, appended by the pipeline
next to `instant`) needs only a line in `select()`: the log, the ids and `after` are generic.

Event ids: the id of an entry is its 0-based position among the *public* entries of the log
(every event name not starting with `_`, `instant` and `error` included), i.e. its position
in what `type="all"` yields. `after=N` skips the entries whose id is <= N, in every view type.
Counting ids costs a little per entry, so views without `after` and without ids take the
plain loop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, Literal, NoReturn

from ._core import collect_ready
from ._parts import PARSE_ERROR
from ._replay import DROPPED, ORIGINAL_DELTA, payload
from ._typed import fold_partial  # typed output (#10)
from ._typed_partial import PartialValue, Throttle  # typed output (#10)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ._engine import Engine

__all__ = [
    "DEFAULT_SPECIFIC",
    "WAIT",
    "AsyncEntries",
    "AsyncPartialView",
    "AsyncView",
    "SyncEntries",
    "SyncPartialView",
    "SyncView",
    "ViewType",
    "select",
]

ViewType = Literal["delta", "instant", "streaming_parse", "specific", "original", "all", "typed", "partial"]

WAIT: Final[Any] = object()
"""What `_Cursor._next_ready` returns when the log holds nothing more for the view yet."""
DEFAULT_SPECIFIC: Final = ("reasoning_delta", "delta", "reasoning_done", "done", "tool_calls")
_ORIGINAL: Final = frozenset({"original_delta", "original_done"})


_ASYNC_IN_SYNC_FOR: Final = (
    "this view is asynchronous: use `async for x in response.get_async_generator(...)`, "
    "or `response.get_generator(...)` in sync code"
)
_SYNC_IN_ASYNC_FOR: Final = (
    "this view is synchronous: use `for x in response.get_generator(...)`, "
    "or `async for x in response.get_async_generator(...)` in async code"
)


class Selector:
    """What a view yields: `names` (empty with `everything`), pairs or values, parse errors."""

    __slots__ = ("everything", "names", "pairs", "parse_errors")

    def __init__(self, names: frozenset[str], pairs: bool, parse_errors: bool, everything: bool = False) -> None:
        self.names = names
        self.pairs = pairs
        self.parse_errors = parse_errors
        self.everything = everything


def select(type: str, specific: str | Sequence[str] | None = None) -> Selector:
    """The selector of a view type (see `Response.get_async_generator`)."""
    if type == "delta":
        return Selector(frozenset({"delta"}), False, False)
    if type in ("instant", "streaming_parse"):
        return Selector(frozenset({"instant"}), False, True)
    if type == "typed":  # typed output (#10)
        return Selector(frozenset({"typed"}), False, True)
    if type == "partial":  # typed output (#10): folded by the partial views
        return Selector(frozenset({"instant", "typed"}), True, True)
    if type == "original":
        return Selector(_ORIGINAL, False, False)
    if type == "all":
        return Selector(frozenset(), True, False, everything=True)
    if type == "specific":
        names = [specific] if isinstance(specific, str) else list(specific or DEFAULT_SPECIFIC)
        return Selector(frozenset(names), True, False)
    raise ValueError(
        f"unknown view type {type!r}: use delta, instant, streaming_parse, specific, original, all, typed or partial"
    )


class _Cursor:
    """A cursor over the log that yields what its selector selects."""

    __slots__ = (
        "__weakref__",
        "_after",
        "_derived",
        "_engine",
        "_entries",
        "_everything",
        "_id",
        "_index",
        "_items",
        "_log",
        "_names",
        "_owner",
        "_pairs",
        "_parse_errors",
        "_pending",
        "_ready",
    )

    def __init__(
        self, owner: object, engine: Engine, selector: Selector, after: int | None = None, entries: bool = False
    ) -> None:
        self._owner = owner  # the response: a live view keeps it (and its connection) alive
        self._engine = engine
        self._log = log = engine.log
        self._items = log.flat
        self._names = selector.names
        self._pairs = selector.pairs
        self._parse_errors = selector.parse_errors
        self._everything = selector.everything
        self._index = 0
        self._id = 0
        self._after = -1 if after is None else int(after)
        self._entries = entries
        self._pending: BaseException | None = None
        self._derived: list[Any] | None = None  # the derived prefix, once a dropped event was read
        self._ready: list[Any] = []  # values gathered but not yielded yet, the next one last
        log.register(self)

    def _next_ready(self) -> Any:
        """The next selected value, or `WAIT` when the view must wait for more. Raises
        StopIteration at the end and the stored error where it stands."""
        if self._after >= 0 or self._entries:
            return self._next_counted()
        if self._pending is not None:
            raise self._pending
        ready = self._ready
        if ready:
            return ready.pop()
        items = self._items
        # What there is to yield now, gathered in Rust (`collect_ready`) up to the first entry
        # that needs Python (an error, an `original_delta` to decode, a dropped instant event),
        # which the code below handles: no Python step per entry read or skipped.
        ready, i = collect_ready(
            items, self._index, self._names, self._everything, self._parse_errors, self._pairs, DROPPED
        )
        self._index = i
        if ready:
            self._ready = ready
            return ready.pop()
        if i < len(items):
            event = items[i]
            value = items[i + 1]
            self._index = i + 2
            if event == "error":
                if self._pairs and (self._everything or "error" in self._names):
                    self._pending = value
                    return (event, value)
                raise value
            if event == PARSE_ERROR and event not in self._names:
                raise value
            if event == ORIGINAL_DELTA:  # logged as JSON text
                value = payload(event, value, i + 1)
            elif value is DROPPED:  # an instant event every reader had passed (_replay.py)
                value = self._resolve(i + 1)
            return (event, value) if self._pairs else value
        if self._log.finished and i >= len(items):
            raise StopIteration
        self._log.release()  # read all there is: what every reader passed can go
        return WAIT

    def _resolve(self, pos: int) -> Any:
        """The instant event at flat index `pos`, dropped from the live log (see `_replay.py`)."""
        derived = self._derived
        if derived is None or len(derived) <= pos:
            derived = self._derived = self._log.derived_prefix(self._items)
        return derived[pos]

    def _next_counted(self) -> Any:
        """`_next_ready` that counts public entries (ids) for `after` and for entries."""
        if self._pending is not None:
            raise self._pending
        items = self._items
        names = self._names
        everything = self._everything
        after = self._after
        i = self._index
        eid = self._id
        n = len(items)
        try:
            while i < n:
                event = items[i]
                i += 2
                if event[0] == "_":
                    if self._parse_errors and event == PARSE_ERROR:
                        raise items[i - 1]
                    continue
                this = eid
                eid += 1
                if event == "error":
                    value = items[i - 1]
                    if self._pairs and (everything or "error" in names) and this > after:
                        self._pending = StopIteration() if self._entries else value
                        return (this, event, value) if self._entries else (event, value)
                    raise value
                if this > after and (everything or event in names):
                    value = items[i - 1]
                    if event == ORIGINAL_DELTA:  # logged as JSON text
                        value = payload(event, value, i - 1)
                    elif value is DROPPED:  # an instant event every reader had passed (_replay.py)
                        value = self._resolve(i - 1)
                    if self._entries:
                        return (this, event, value)
                    return (event, value) if self._pairs else value
        finally:
            self._index = i
            self._id = eid
        if self._log.finished and i >= len(items):
            raise StopIteration
        self._log.release()  # read all there is: what every reader passed can go
        return WAIT


class AsyncView(_Cursor):
    """An async view (`Response.get_async_generator()`)."""

    __slots__ = ()

    def __iter__(self) -> NoReturn:
        """`for x in` an async view: a `TypeError` saying what to write instead."""
        raise TypeError(_ASYNC_IN_SYNC_FOR)

    def __aiter__(self) -> AsyncView:
        return self

    async def __anext__(self) -> Any:
        while True:
            try:
                value = self._next_ready()
            except StopIteration:
                raise StopAsyncIteration from None
            if value is not WAIT:
                return value
            await self._engine.advance(self._index)

    async def aclose(self) -> None:
        """Stop this view (nothing to release; the response goes on for the others)."""
        self._pending = StopAsyncIteration()


class SyncView(_Cursor):
    """A sync view (`Response.get_generator()`)."""

    __slots__ = ()

    def __aiter__(self) -> NoReturn:
        """`async for x in` a sync view: a `TypeError` saying what to write instead."""
        raise TypeError(_SYNC_IN_ASYNC_FOR)

    def __iter__(self) -> SyncView:
        return self

    def __next__(self) -> Any:
        while True:
            value = self._next_ready()
            if value is not WAIT:
                return value
            self._engine.advance_sync(self._index)

    def close(self) -> None:
        """Stop this view (nothing to release; the response goes on for the others)."""
        self._pending = StopIteration()


class AsyncEntries(AsyncView):
    """`(id, event, value)` for every public entry (`Response.aiter_entries()`)."""

    __slots__ = ()


class SyncEntries(SyncView):
    """`(id, event, value)` for every public entry (`Response.iter_entries()`)."""

    __slots__ = ()


class _PartialCursor(_Cursor):
    """Typed output (#10): folds instant and typed events into a `PartialValue` and yields it
    when the log has nothing more for now (at most once per network read) and the throttle
    allows; the last one, at the end, is the final data. Combined with `AsyncView` or
    `SyncView`, whose iteration calls this `_next_ready`."""

    __slots__ = ("_partial", "_throttle")

    def __init__(
        self, owner: object, engine: Engine, selector: Selector, after: int | None = None, *, throttle: float = 0.0
    ) -> None:
        super().__init__(owner, engine, selector, after)
        self._partial = PartialValue()
        self._throttle = Throttle(throttle)

    def _next_ready(self) -> Any:
        partial = self._partial
        while True:
            try:
                item = super()._next_ready()
            except StopIteration:
                if partial.changed:
                    return partial.value
                raise
            if item is WAIT:
                if partial.changed and self._throttle.due():
                    self._throttle.mark()
                    return partial.value
                return WAIT
            fold_partial(partial, item)


class AsyncPartialView(_PartialCursor, AsyncView):
    """`type="partial"` (`Response.get_async_generator()`)."""

    __slots__ = ()


class SyncPartialView(_PartialCursor, SyncView):
    """`type="partial"` (`Response.get_generator()`)."""

    __slots__ = ()
