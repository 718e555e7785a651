"""The normalized event vocabulary of a response (DESIGN.md section 3).

Every provider adapter turns its wire payloads into the same `(event, value)` tuples:

| event            | value                                                                       |
|------------------|-----------------------------------------------------------------------------|
| `original_delta` | each raw provider payload, decoded (a dict)                                 |
| `reasoning_delta`| reasoning text (never empty)                                                |
| `delta`          | answer text (never empty)                                                   |
| `tool_calls`     | `{"index", "id", "name", "arguments_delta"}` (id/name may be None later)    |
| `extra`          | provider extras: `{"refusal": ...}`, `{"reasoning_details": [...]}`, ...    |
| `done`           | the full answer text                                                        |
| `reasoning_done` | the full reasoning text (once)                                              |
| `original_done`  | the assembled final message                                                 |
| `meta`           | `{"id", "model", "finish_reason", "raw_finish_reason", "usage"}`            |
| `error`          | the exception; every consumer raises it                                     |
| `instant`        | an `InstantEvent` of the response's instant parser (in `type="all"` views)  |

End order: `done`, `reasoning_done`, `original_done`, `meta`. A failed stream ends with
`meta` (finish_reason `"error"`) then `error`, with no `done*` events.

The tuples are plain tuples on purpose: they are what users pattern-match on, they cost one
allocation, and they carry deltas only (views build snapshots; no growing copies per event).
"""

from __future__ import annotations

from typing import Any, Final, Literal, TypedDict

__all__ = [
    "END_EVENTS",
    "EVENT_NAMES",
    "FINISH_REASONS",
    "Entries",
    "EventName",
    "FinishReason",
    "Item",
    "Meta",
    "Usage",
    "empty_usage",
    "payload_as_text",
]

EventName = Literal[
    "original_delta",
    "reasoning_delta",
    "delta",
    "tool_calls",
    "extra",
    "done",
    "reasoning_done",
    "original_done",
    "meta",
    "error",
    "instant",
]
"""The public event names (`instant` appears only in the log and in `type="all"` views)."""

EVENT_NAMES: Final[frozenset[str]] = frozenset(
    {
        "original_delta",
        "reasoning_delta",
        "delta",
        "tool_calls",
        "extra",
        "done",
        "reasoning_done",
        "original_done",
        "meta",
        "error",
        "instant",
    }
)

END_EVENTS: Final[tuple[str, ...]] = ("done", "reasoning_done", "original_done", "meta")
"""The events that close a successful stream, in this order."""

PARSE_ERROR: Final = "_parse_error"
"""Internal log marker: the instant parser failed here (only instant views and `async_get_data()` see it)."""

FinishReason = Literal["stop", "length", "tool_calls", "content_filter", "error"]
FINISH_REASONS: Final[frozenset[str]] = frozenset({"stop", "length", "tool_calls", "content_filter", "error"})


class Usage(TypedDict):
    """Token counts, normalized across providers; a count the provider did not report is None."""

    input_tokens: int | None
    """Tokens of the prompt (cached ones included)."""
    output_tokens: int | None
    """Tokens the model generated (reasoning included)."""
    total_tokens: int | None
    reasoning_tokens: int | None
    """Of `output_tokens`, those spent on reasoning."""
    cached_input_tokens: int | None
    """Of `input_tokens`, those read from the provider's prompt cache."""


class Meta(TypedDict):
    """The `meta` event's value and what `async_get_meta()` returns once a response has ended.

    `finish_reason` is normalized (`"stop"`, `"length"`, `"tool_calls"`, `"content_filter"`, or
    `"error"` when the stream failed); `raw_finish_reason` is the provider's own word for it.
    `usage` is None when the provider sent no counts.
    """

    id: str | None
    model: str | None
    finish_reason: FinishReason | None
    raw_finish_reason: str | None
    usage: Usage | None


Item = tuple[str, Any]
"""One log entry: `(event, value)`."""

Entries = list[Any]
"""Log entries laid flat, `[event0, value0, event1, value1, ...]`: what the pipeline makes and
the replay log stores (no tuple per entry; see `_replay.py`)."""

USAGE_KEYS: Final[tuple[str, ...]] = (
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "reasoning_tokens",
    "cached_input_tokens",
)


def empty_usage() -> dict[str, int | None]:
    """A normalized usage dict with every count unknown (None)."""
    return dict.fromkeys(USAGE_KEYS)


def payload_as_text(items: list[Item], payload: object, text: str) -> list[Item]:
    """`items` of one frame, with its `original_delta` (the decoded `payload`, first) replaced by
    the frame's JSON `text`: the replay log keeps payloads as text (`_replay.py`)."""
    if items and items[0][1] is payload and items[0][0] == "original_delta":
        items[0] = ("original_delta", text)
    return items
