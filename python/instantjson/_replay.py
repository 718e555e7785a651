"""ReplayLog: the append-only record of one response that every consumer replays.

Sans-IO and synchronous: no event loop, no awaiting. The response's single puller appends
(`extend`, then `finish`); any number of readers, in any task, loop or thread, read by index
from 0, so a consumer attached late replays everything and consumers never compete for items
(the trap of `MemoryObjectReceiveStream.clone()`, where each item goes to one receiver).

Storage: one flat list, `[event0, value0, event1, value1, ...]`, not a list of `(event, value)`
tuples. A tuple that holds a dict (every `original_delta`) or any object of a class the cycle
collector knows (an `InstantEvent`) stays tracked by that collector for as long as it lives,
and a 100 KB answer keeps ~43,000 of them: each full collection then walks them all, and
their growth is what triggers full collections (each one also walks every object of the
program: ~60 ms with the openai SDK imported). The flat list is one tracked object whatever
the stream's length; the payloads in it are untracked by the core, the texts are strings.
Views read the flat list in place (`flat`); `items` and indexing give `(event, value)` tuples,
built on access.

Thread safety: appends happen under a `threading.Lock`, each as a single `list.extend` of a
prepared list (atomic under the GIL, so a reader never sees an event without its value);
readers take no lock. `len()` and indexing of a list are atomic, and the writer always appends
the items *before* it sets `finished`, so a reader that sees `finished` and then re-reads
`len()` has seen everything.

The log is unbounded by default (the whole stream stays in memory, as vercel's `teeStream()`
does); `max_parts` bounds it, and an append past the bound raises `ReplayOverflowError`.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from itertools import chain
from typing import TYPE_CHECKING, Any, overload

from ._exceptions import ReplayOverflowError

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from ._parts import Item

__all__ = ["ItemsView", "ReplayLog"]


class ItemsView(Sequence["Item"]):
    """A live, read-only view of a log as `(event, value)` tuples (built on access)."""

    __slots__ = ("_flat",)

    def __init__(self, flat: list[Any]) -> None:
        self._flat = flat

    def __len__(self) -> int:
        return len(self._flat) >> 1

    @overload
    def __getitem__(self, index: int) -> Item: ...
    @overload
    def __getitem__(self, index: slice) -> list[Item]: ...
    def __getitem__(self, index: int | slice) -> Item | list[Item]:
        flat = self._flat
        if isinstance(index, slice):
            pairs = list(zip(flat[0::2], flat[1::2], strict=True))
            return pairs[index]
        n = len(flat) >> 1
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError("log index out of range")
        return (flat[2 * index], flat[2 * index + 1])

    def __iter__(self) -> Iterator[Item]:
        flat = self._flat
        n = len(flat) & ~1
        return zip(flat[0:n:2], flat[1:n:2], strict=True)

    def __repr__(self) -> str:
        return f"ItemsView({list(self)!r})"


class ReplayLog:
    """Append-only `(event, value)` items plus an end marker and the stored terminal error."""

    __slots__ = ("_error", "_finished", "_flat", "_lock", "_max_parts")

    def __init__(self, max_parts: int | None = None) -> None:
        self._flat: list[Any] = []
        self._finished = False
        self._error: BaseException | None = None
        self._lock = threading.Lock()
        self._max_parts = max_parts

    def __len__(self) -> int:
        """The number of items."""
        return len(self._flat) >> 1

    def __getitem__(self, index: int) -> Item:
        return self.items[index]

    def __repr__(self) -> str:
        state = "finished" if self._finished else "open"
        return f"<ReplayLog {len(self)} items, {state}>"

    @property
    def flat(self) -> list[Any]:
        """The live flat list `[event0, value0, event1, value1, ...]` (read it, never mutate it);
        its length is always even."""
        return self._flat

    @property
    def items(self) -> ItemsView:
        """The items as `(event, value)` tuples: a live read-only sequence."""
        return ItemsView(self._flat)

    @property
    def finished(self) -> bool:
        """True once the stream ended, successfully or not; nothing is appended after."""
        return self._finished

    @property
    def error(self) -> BaseException | None:
        """The error that ended the stream, or None."""
        return self._error

    def extend(self, items: Iterable[Item]) -> None:
        """Append items (in order). Raises `ReplayOverflowError` past `max_parts`."""
        if not self.extend_open(items):
            raise RuntimeError("the replay log is finished; nothing can be appended")

    def extend_open(self, items: Iterable[Item]) -> bool:
        """`extend()` unless the log has finished (then drop the items and return False): for a
        writer that may race with a `finish()` from another thread (a close)."""
        pairs = list(chain.from_iterable(items))  # flattened first: the extend below is one step
        with self._lock:
            if self._finished:
                return False
            flat = self._flat
            flat.extend(pairs)
            if self._max_parts is not None and len(flat) > 2 * self._max_parts:
                del flat[2 * self._max_parts :]
                raise ReplayOverflowError(f"the response produced more than max_parts={self._max_parts} events")
            return True

    def finish(self, error: BaseException | None = None) -> None:
        """Mark the end. With `error`, append `("error", error)` first (unless it is already there)."""
        with self._lock:
            if self._finished:
                return
            if error is not None:
                flat = self._flat
                if len(flat) < 2 or flat[-2] != "error" or flat[-1] is not error:
                    flat.extend(("error", error))
                self._error = error
            self._finished = True
