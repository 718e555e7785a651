"""Ready to paste into `python/instantjson/_response.py` (issue 14, "the types leak Any"): the
overloads that type each view by its `type=` literal, and `Meta` for the meta getters.

Apply:
1. imports: `from typing import overload` and `from ._core import InstantEvent` (at runtime it is
   only needed for the annotations: under `if TYPE_CHECKING:` is fine), and
   `from ._parts import Meta` (next to `PARSE_ERROR, Item`).
2. replace `get_async_generator` and `get_generator` in `class Response` with the overloads and
   implementations below (the bodies are the current ones, unchanged);
3. change the four meta signatures: `_meta(self, partial: bool) -> Meta | None`,
   `async_get_meta(...) -> Meta | None`, `get_meta(...) -> Meta | None`, and in `_meta` return
   `cast("Meta", dict(flat[2 * i + 1]))`;
4. move tests/pending/typing/user_program_views.py's function into tests/typing/user_program.py;
   `pytest tests/test_newcomer_typing.py` checks it with basedpyright strict and mypy --strict.

This file is not imported by anything; it type-checks on its own (`basedpyright
docs/pending/response_overloads.py`) against a stand-in class with the same signatures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, overload

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator, Sequence

    from instantjson import InstantEvent, Meta

ViewType = Literal["delta", "instant", "streaming_parse", "specific", "original", "all"]


class Response:  # a stand-in: paste the methods below into the real class
    # ------------------------------------------------------------------ views
    @overload
    def get_async_generator(self, type: Literal["delta"] = "delta", specific: None = None) -> AsyncIterator[str]: ...
    @overload
    def get_async_generator(
        self, type: Literal["instant", "streaming_parse"], specific: None = None
    ) -> AsyncIterator[InstantEvent]: ...
    @overload
    def get_async_generator(
        self, type: Literal["specific"], specific: str | Sequence[str] | None = None
    ) -> AsyncIterator[tuple[str, Any]]: ...
    @overload
    def get_async_generator(
        self, type: Literal["original"], specific: None = None
    ) -> AsyncIterator[dict[str, Any]]: ...
    @overload
    def get_async_generator(self, type: Literal["all"], specific: None = None) -> AsyncIterator[tuple[str, Any]]: ...
    def get_async_generator(
        self, type: ViewType = "delta", specific: str | Sequence[str] | None = None
    ) -> AsyncIterator[Any]:
        """Replay the response from its first event, live: see the class docstring for `type`.

        `type="delta"` yields the answer's text pieces (`str`); `"instant"` / `"streaming_parse"`
        the parser's `InstantEvent`s; `"specific"` `(event, value)` tuples of the `specific`
        names; `"original"` the provider's raw payloads (dicts); `"all"` every `(event, value)`.

        The view is a plain async iterator (not an async generator): leaving it with `break` needs
        no `aclose()` and leaves nothing for the garbage collector, on asyncio and trio alike."""
        # the current body: return _AsyncView(self, *_selector(type, specific), type == "all")
        raise NotImplementedError

    @overload
    def get_generator(self, type: Literal["delta"] = "delta", specific: None = None) -> Iterator[str]: ...
    @overload
    def get_generator(
        self, type: Literal["instant", "streaming_parse"], specific: None = None
    ) -> Iterator[InstantEvent]: ...
    @overload
    def get_generator(
        self, type: Literal["specific"], specific: str | Sequence[str] | None = None
    ) -> Iterator[tuple[str, Any]]: ...
    @overload
    def get_generator(self, type: Literal["original"], specific: None = None) -> Iterator[dict[str, Any]]: ...
    @overload
    def get_generator(self, type: Literal["all"], specific: None = None) -> Iterator[tuple[str, Any]]: ...
    def get_generator(self, type: ViewType = "delta", specific: str | Sequence[str] | None = None) -> Iterator[Any]:
        """Sync twin of `get_async_generator()`; works from plain code and inside a running loop
        (where it blocks that loop while it waits: prefer the async view there)."""
        raise NotImplementedError  # the current body: return _SyncView(self, *_selector(type, specific), type == "all")

    # ------------------------------------------------------------------ meta getters
    async def async_get_meta(self, *, partial: bool = False) -> Meta | None:
        """`{"id", "model", "finish_reason", "raw_finish_reason", "usage"}` (waits for the end).
        `partial=True`: once ended, the meta if it came (None if not), instead of raising."""
        raise NotImplementedError  # unchanged body

    def get_meta(self, *, partial: bool = False) -> Meta | None:
        """Sync twin of `async_get_meta()`."""
        raise NotImplementedError  # unchanged body
