"""Numbered events of a response: `(id, event, value)`, where `id` is the event's 0-based position in
the sequence that `response.get_async_generator(type="all")` yields (private `_` markers excluded).

Every encoder of `instantjson.web` reads a response through `_entries()` alone, so that a later
engine method (`Response.aiter_entries(after=None)`) can replace its body without touching them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator

    from .._response import Response

__all__ = ["Entry", "_entries"]

Entry = tuple[int, str, Any]


async def _entries(response: Response, after: int | None = None) -> AsyncGenerator[Entry, None]:
    """Replay `response` from its first event, live, numbered; skip the ids `<= after`.

    A failed response ends with `(id, "error", exc)` and the iterator then stops (it does not
    raise): the error is an event of the stream like the others. The replay comes from the
    response's log, so resuming never sends a new upstream request."""
    index = -1
    error: BaseException | None = None
    try:
        async for event, value in response.get_async_generator(type="all"):
            index += 1
            if event == "error":
                error = value
            if after is not None and index <= after:
                continue
            yield index, event, value
    except Exception as exc:  # the view raises the error it has just yielded: the end
        if exc is not error and (after is None or index + 1 > after):
            yield index + 1, "error", exc
