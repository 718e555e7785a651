"""The live partial value of `type="partial"` views, and the throttle they use (sans-IO).

`PartialValue` folds instant events into one Python value, in place: a string's deltas make it
grow, a done event sets a number, a literal or an empty container, and a typed event replaces a
completed named value by its validated form (a model instance, a converted scalar). Nothing is
rebuilt from the text, and a value never disappears: keys appear once their value has started
(a string as its text so far, a container with its first complete child), numbers and literals
once complete (the jsonriver rules of `snapshot()`); a completed value is replaced once, by its
validated form; the root's typed event makes the value the final data.

An open string is not copied on every delta: its event is kept, and `value` reads its text once
per read (views read it at most once per network read and per `throttle` seconds).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["PartialValue", "Throttle"]

_MISSING: Any = object()


class PartialValue:
    """The partial value of one answer, updated in place by its events (see the module docs)."""

    __slots__ = ("_open", "_root", "changed")

    def __init__(self) -> None:
        self._root: Any = _MISSING
        self._open: Any = None  # the last delta event of the string being written
        self.changed = False

    @classmethod
    def from_value(cls, value: Any) -> PartialValue:
        """A partial value that starts from `value` (None: nothing yet), to update in place."""
        partial = cls()
        if value is not None:
            partial._root = value
        return partial

    def _container(self, keys: tuple[str | int, ...]) -> Any:
        """The container that holds `keys[-1]`, created as needed; None when the shape differs."""
        if self._root is _MISSING:
            self._root = [] if isinstance(keys[0], int) else {}
        node = self._root
        for depth in range(len(keys) - 1):
            key = keys[depth]
            nxt: Any = [] if isinstance(keys[depth + 1], int) else {}
            if isinstance(node, dict) and isinstance(key, str):
                child = node.get(key, _MISSING)  # pyright: ignore[reportUnknownMemberType]
                if child is _MISSING:
                    node[key] = child = nxt
            elif isinstance(node, list) and isinstance(key, int):
                if key < len(node):  # pyright: ignore[reportUnknownArgumentType]
                    child = node[key]
                elif key == len(node):  # pyright: ignore[reportUnknownArgumentType]
                    node.append(nxt)  # pyright: ignore[reportUnknownMemberType]
                    child = nxt
                else:
                    return None
            else:
                return None
            node = child
        return node

    def _set(self, keys: tuple[str | int, ...], value: Any, *, replace: bool) -> None:
        if not keys:
            self._root = value
            return
        parent = self._container(keys)
        key = keys[-1]
        if isinstance(parent, dict) and isinstance(key, str):
            if replace or key not in parent:
                parent[key] = value
        elif isinstance(parent, list) and isinstance(key, int):
            if key < len(parent):  # pyright: ignore[reportUnknownArgumentType]
                if replace:
                    parent[key] = value
            elif key == len(parent):  # pyright: ignore[reportUnknownArgumentType]
                parent.append(value)  # pyright: ignore[reportUnknownMemberType]

    def apply_instant(self, ev: Any) -> None:
        """Fold one `InstantEvent` in."""
        self.changed = True
        if ev.event_type == "delta":
            opened = self._open
            if opened is not None and opened.keys != ev.keys:
                self._set(opened.keys, opened.value, replace=True)
            self._open = ev
            return
        opened = self._open
        if opened is not None:
            self._open = None
            if opened.keys != ev.keys:
                self._set(opened.keys, opened.value, replace=True)
        value = ev.value
        # a container that already holds its children stays the same object
        self._set(ev.keys, value, replace=not isinstance(value, (dict, list)))

    def apply_typed(self, ev: Any) -> None:
        """Replace a completed value by its validated form (invalid values stay as JSON)."""
        if ev.error is None:
            self.changed = True
            self._set(ev.keys, ev.value, replace=True)

    @property
    def value(self) -> Any:
        """The value so far (None before anything started); the same object, updated in place."""
        opened = self._open
        if opened is not None:
            self._set(opened.keys, opened.value, replace=True)
        self.changed = False
        return None if self._root is _MISSING else self._root


class Throttle:
    """At most one yield per `interval` seconds: `due()` says whether one may happen now,
    `mark()` records that one did. `interval=0` never holds back."""

    __slots__ = ("_clock", "_last", "interval")

    def __init__(self, interval: float = 0.0, clock: Callable[[], float] = time.monotonic) -> None:
        if interval < 0:
            raise ValueError("throttle must be >= 0 seconds")
        self.interval = float(interval)
        self._clock = clock
        self._last = -float("inf")

    def due(self) -> bool:
        """True when `interval` seconds have passed since the last `mark()`."""
        return self.interval <= 0 or self._clock() - self._last >= self.interval

    def mark(self) -> None:
        """Record a yield now."""
        if self.interval > 0:
            self._last = self._clock()
