"""ReplayLog: the append-only record of one response that every consumer replays.

Sans-IO and synchronous: no event loop, no awaiting. The response's single puller appends
(`extend`, then `finish`); any number of readers, in any task, loop or thread, read by index
from 0, so a consumer attached late replays everything and consumers never compete for items
(the trap of `MemoryObjectReceiveStream.clone()`, where each item goes to one receiver).

Thread safety: appends happen under a `threading.Lock`; readers take no lock. `len()` and
indexing of a list are atomic, and the writer always appends the items *before* it sets
`finished`, so a reader that sees `finished` and then re-reads `len()` has seen everything.

The log is unbounded by default (the whole stream stays in memory, as vercel's `teeStream()`
does); `max_parts` bounds it, and an append past the bound raises `ReplayOverflowError`.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from ._exceptions import ReplayOverflowError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ._parts import Item

__all__ = ["ReplayLog"]


class ReplayLog:
    """Append-only `(event, value)` items plus an end marker and the stored terminal error."""

    __slots__ = ("_error", "_finished", "_items", "_lock", "_max_parts")

    def __init__(self, max_parts: int | None = None) -> None:
        self._items: list[Item] = []
        self._finished = False
        self._error: BaseException | None = None
        self._lock = threading.Lock()
        self._max_parts = max_parts

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index: int) -> Item:
        return self._items[index]

    def __repr__(self) -> str:
        state = "finished" if self._finished else "open"
        return f"<ReplayLog {len(self._items)} items, {state}>"

    @property
    def items(self) -> list[Item]:
        """The live list (read it, never mutate it)."""
        return self._items

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
        with self._lock:
            if self._finished:
                raise RuntimeError("the replay log is finished; nothing can be appended")
            self._items.extend(items)
            if self._max_parts is not None and len(self._items) > self._max_parts:
                del self._items[self._max_parts :]
                raise ReplayOverflowError(f"the response produced more than max_parts={self._max_parts} events")

    def extend_open(self, items: Iterable[Item]) -> bool:
        """`extend()` unless the log has finished (then drop the items and return False): for a
        writer that may race with a `finish()` from another thread (a close)."""
        with self._lock:
            if self._finished:
                return False
            self._items.extend(items)
            if self._max_parts is not None and len(self._items) > self._max_parts:
                del self._items[self._max_parts :]
                raise ReplayOverflowError(f"the response produced more than max_parts={self._max_parts} events")
            return True

    def finish(self, error: BaseException | None = None) -> None:
        """Mark the end. With `error`, append `("error", error)` first (unless it is already there)."""
        with self._lock:
            if self._finished:
                return
            if error is not None:
                if not self._items or self._items[-1] != ("error", error):
                    self._items.append(("error", error))
                self._error = error
            self._finished = True
