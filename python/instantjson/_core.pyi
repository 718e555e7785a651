"""Type stub for the Rust extension `instantjson._core` (hand-written; kept in step with rust/py)."""

from collections.abc import Callable, Sequence
from typing import Any, Final, Literal, TypeAlias, final

from ._exceptions import ParseError

__all__ = [
    "Frame",
    "InstantEvent",
    "InstantParser",
    "NDJSONDecoder",
    "PayloadTexts",
    "SSEDecoder",
    "__version__",
    "build_profile",
    "collect_ready",
    "loads",
    "parse_partial",
    "plain_chat_entries",
    "sort_entries",
]

__version__: Final[str]
build_profile: Final[str]

_EventType: TypeAlias = Literal["delta", "done"]

@final
class InstantEvent:
    """One instant event: a value at `path` grew (`"delta"`) or is complete (`"done"`).

    Values are shared with the parser's result: treat containers as read-only.
    """

    __match_args__ = ("event_type", "path", "value")
    @property
    def path(self) -> str:
        """Dot path: `title`, `steps[0].owner`, `[2].x` under a root list, `["a.b"]` for odd keys."""
    @property
    def keys(self) -> tuple[str | int, ...]:
        """The same path as a tuple of keys and indexes."""
    @property
    def wildcard_path(self) -> str:
        """`path` with every index written `[*]`: `steps[*].owner`."""
    @property
    def indexes(self) -> tuple[int, ...]:
        """The indexes in `path`, in order."""
    @property
    def event_type(self) -> _EventType:
        """`"delta"` (a string grew) or `"done"` (the value is complete)."""
    @property
    def is_complete(self) -> bool:
        """`event_type == "done"`."""
    @property
    def delta(self) -> str | None:
        """On a string's delta: the new text (never empty). On done: None."""
    @property
    def value(self) -> Any:
        """On a delta: the string so far. On done: the complete value."""
    @property
    def repaired(self) -> bool:
        """Lenient: True on the done event of a value a repair rule changed (a guess: distrust it)."""
    def to_dict(self) -> dict[str, Any]:
        """The event as a plain dict (what `python -m instantjson parse` prints)."""
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class InstantParser:
    """Incremental JSON parser that emits instant path events. One parser per stream."""

    def __new__(
        cls,
        lenient: bool = False,
        max_depth: int = 512,
        paths: Sequence[str] | None = None,
        deltas: bool = True,
        *,
        prefix: Sequence[str | int] | None = None,
        max_string_length: int | None = 16777216,
        max_number_length: int | None = 4096,
        max_input_size: int | None = 67108864,
    ) -> InstantParser: ...
    def feed(self, chunk: str | bytes | bytearray | memoryview) -> list[InstantEvent]:
        """Parse the next piece of the stream and return the events it completed.

        Once nothing else holds a returned list, a later call may refill that same list object
        (no allocation per token); a list that is kept never changes.
        """
    def finish(self) -> list[InstantEvent]:
        """Mark the end of input. Strict: an open value is a ParseError. Lenient: it is completed."""
    def snapshot(self) -> Any:
        """The partial value so far (jsonriver rules); None before anything has started."""
    @property
    def value(self) -> Any:
        """The final value; ParseError until the root has closed (or a lenient finish() completed it)."""
    @property
    def truncated(self) -> bool:
        """True when a lenient finish() had to complete an unfinished input."""
    @property
    def trailing(self) -> str:
        """Lenient: the text after the root value (not parsed)."""
    @property
    def repairs(self) -> int:
        """Lenient: how many repairs were made so far (each repaired value's done has `repaired`)."""
    @property
    def repair_rules(self) -> list[str]:
        """Lenient: the names of the repair rules used so far (docs: the repair rules)."""
    @property
    def done(self) -> bool:
        """True once the root value has closed or finish() was called."""
    @property
    def lenient(self) -> bool: ...

def loads(text: str | bytes | bytearray | memoryview, lenient: bool = False, max_depth: int = 512) -> Any:
    """Parse a whole JSON text (a fast path with no events)."""

def parse_partial(text: str | bytes | bytearray | memoryview, lenient: bool = False, max_depth: int = 512) -> Any:
    """Feed the whole text and return `snapshot()`: the value as far as it goes."""

def plain_chat_entries(
    frames: list[Frame],
    start: int,
    parse: Callable[[str], list[InstantEvent]] | None,
    typed: bool = False,
    done_of: InstantParser | None = None,
) -> tuple[list[Any], list[str], ParseError | None, int, list[InstantEvent] | None]:
    """The log entries of the run of plain Chat Completions chunks in `frames` from `start` on,
    laid flat: `"original_delta"` and the chunk's JSON text, then for a non-empty text `"delta"`
    and the text and `"instant"` and each event `parse(text)` returns (a `ParseError` is logged
    as `"_parse_error"` and stops the calls). With `typed`, the run stops after a chunk whose
    events a typed tracker must see (more than one, a complete one, or `done_of.done` true).
    Returns the entries, the run's non-empty texts, the `ParseError` (or None), the index of
    the first frame not taken and the events that stopped the run (or None)."""

def collect_ready(
    flat: list[Any],
    start: int,
    names: frozenset[str],
    everything: bool,
    parse_errors: bool,
    pairs: bool,
    dropped: object,
) -> tuple[list[Any], int]:
    """What a view yields from a replay log's flat list at and after `start`, up to the first
    entry it handles itself (an error, a `_parse_error` with `parse_errors`, a selected
    `original_delta`, a selected `dropped` value), at most 256: the values (or `(event, value)`
    with `pairs`) in reverse order, and the index where the scan stopped."""

def sort_entries(
    flat: list[Any], code_of: Callable[[str], int]
) -> tuple[bytes, list[str] | None, tuple[str, bytes], list[Any], list[Any]]:
    """Sort the items of a replay log's flat list by `code_of(event)` (0, 1: text deltas; 2:
    payloads; 3: kept as they are; 255: dropped): the codes, the text deltas (None when one is not
    a `str`) with their lengths as an `array` typecode and bytes, the payloads, and the kept
    items laid flat."""

@final
class Frame:
    """One decoded frame of an SSE or NDJSON stream."""

    @property
    def event(self) -> str | None:
        """The SSE `event:` field (None when absent, and for NDJSON)."""
    @property
    def data(self) -> str:
        """The raw payload text (SSE data lines joined with newlines; one NDJSON line)."""
    @property
    def id(self) -> str | None: ...
    @property
    def retry(self) -> int | None: ...
    @property
    def value(self) -> Any:
        """The payload decoded as JSON; None when `data` is not JSON (`[DONE]`) or failed to parse."""
    @property
    def error(self) -> Exception | None:
        """The ParseError when the payload looked like JSON but was not."""
    @property
    def text(self) -> str | None:
        """`SSEDecoder(plain_chat=True)`: the text of a plain Chat Completions chunk (`value` is
        then None), else None."""

@final
class SSEDecoder:
    """WHATWG event-stream decoder: feed network chunks, get complete frames. With
    `plain_chat=True`, a Chat Completions chunk that carries only text comes as `Frame.text`
    (its `value` None, its dict never built): what instantjson's own pipeline uses."""

    def __new__(cls, *, max_frame_size: int = 16777216, plain_chat: bool = False) -> SSEDecoder: ...
    def feed(self, chunk: bytes | bytearray | memoryview) -> list[Frame]: ...
    def finish(self) -> list[Frame]:
        """End of body: dispatch a last frame that lacked its blank line."""

@final
class NDJSONDecoder:
    """Newline-delimited JSON decoder: one frame per non-blank line."""

    def __new__(cls, *, max_frame_size: int = 16777216) -> NDJSONDecoder: ...
    def feed(self, chunk: bytes | bytearray | memoryview) -> list[Frame]: ...
    def finish(self) -> list[Frame]: ...

@final
class PayloadTexts:
    """The JSON texts of one response's payloads, each kept as its difference from a reference
    text (private to the replay log)."""

    def __new__(cls) -> PayloadTexts: ...
    def absorb(self, pairs: list[Any], base: int, event: str) -> int:
        """Take the `str` values after `event` in the flat `pairs` (appended at `base`)."""
    def at(self, pos: int) -> str:
        """The text whose slot is at flat position `pos`."""
    def text(self, k: int) -> str: ...
    def __len__(self) -> int: ...
    @property
    def nbytes(self) -> int: ...
    def export(self) -> bytes: ...
    @staticmethod
    def load(data: bytes) -> PayloadTexts: ...
