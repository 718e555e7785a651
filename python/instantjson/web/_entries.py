"""Numbered events of a response: `(id, event, value)`, where `id` is the event's 0-based position in
the sequence that `response.get_async_generator(type="all")` yields (private `_` markers excluded).

Every encoder of `instantjson.web` reads a response through `_entries()` alone: it is the
engine's `Response.aiter_entries(after)`, which skips the ids `<= after` in the log itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from .._response import Response

__all__ = ["Entry", "_entries"]

Entry = tuple[int, str, Any]


def _entries(response: Response, after: int | None = None) -> AsyncIterator[Entry]:
    """Replay `response` from its first event, live, numbered; skip the ids `<= after`.

    A failed response ends with `(id, "error", exc)` and the iterator then stops (it does not
    raise): the error is an event of the stream like the others. The replay comes from the
    response's log, so resuming never sends a new upstream request."""
    return response.aiter_entries(after)
