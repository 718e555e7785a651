"""A user's program, written against the public API only, checked by `basedpyright` (strict) and
`mypy --strict` (tests/test_newcomer_typing.py and .ci/run). It is type-checked, not run.

`assert_type` pins what the API promises; a line ending in `# type: ignore[...]` /
`# pyright: ignore[...]` must be an error (both checkers report an ignore that is not needed,
so the line fails the check the day the API stops catching the mistake).

`consume()` checks the `Response` views typed by their `type=` literal and `Meta` from the getters.
"""

from __future__ import annotations

from typing import Any, Literal

from typing_extensions import assert_type

from instantjson import (
    Frame,
    FramingError,
    InstantEvent,
    InstantParser,
    Meta,
    NDJSONDecoder,
    ParseError,
    Response,
    SSEDecoder,
    Usage,
)


def parse_live(chunks: list[str]) -> object:
    parser = InstantParser(lenient=True, paths=["title", "steps[*].owner"], max_number_length=None)
    events = parser.feed(chunks[0])
    assert_type(events, list[InstantEvent])
    for event in events + parser.finish():
        assert_type(event.path, str)
        assert_type(event.keys, tuple[str | int, ...])
        assert_type(event.event_type, Literal["delta", "done"])
        assert_type(event.delta, str | None)
        assert_type(event.is_complete, bool)
        _ = event.is_compelte  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType, reportUnknownVariableType]
    InstantParser(max_depth="deep")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    return parser.value


def frames(body: bytes) -> list[str]:
    out: list[str] = []
    decoder = SSEDecoder(max_frame_size=1 << 20)
    try:
        received = decoder.feed(body) + decoder.finish()
    except FramingError as error:
        assert_type(error.kind, str)
        assert_type(error.offset, int)
        assert_type(error.limit, int | None)
        return out
    for frame in received:
        assert_type(frame, Frame)
        assert_type(frame.event, str | None)
        out.append(frame.data)
    NDJSONDecoder().feed("text")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    return out


def report(error: ParseError) -> str:
    assert_type(error.kind, str)
    assert_type(error.line, int)
    return f"{error.path} at {error.line}:{error.column}"


def tokens(meta: Meta) -> int:
    assert_type(meta["finish_reason"], Literal["stop", "length", "tool_calls", "content_filter", "error"] | None)
    usage = meta["usage"]
    if usage is None:
        return 0
    assert_type(usage, Usage)
    _ = meta["finsh_reason"]  # type: ignore[typeddict-item]  # pyright: ignore[reportGeneralTypeIssues, reportUnknownVariableType]
    return (usage["input_tokens"] or 0) + (usage["output_tokens"] or 0)


async def consume(response: Response) -> None:
    async for piece in response.get_async_generator(type="delta"):
        assert_type(piece, str)
    async for event in response.get_async_generator(type="instant"):
        assert_type(event, InstantEvent)
        _ = event.is_compelte  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType, reportUnknownVariableType]
    async for event in response.get_async_generator(type="streaming_parse"):
        assert_type(event, InstantEvent)
    async for name, value in response.get_async_generator(type="specific", specific=["delta", "meta"]):
        assert_type(name, str)
        assert_type(value, Any)
    async for payload in response.get_async_generator(type="original"):
        assert_type(payload, dict[str, Any])
    for piece in response.get_generator(type="delta"):
        assert_type(piece, str)
    for event in response.get_generator(type="instant"):
        assert_type(event, InstantEvent)
    for _piece in response.get_async_generator():  # type: ignore[attr-defined]  # pyright: ignore[reportGeneralTypeIssues, reportUnknownVariableType]
        pass
    meta = await response.async_get_meta()
    assert_type(meta, Meta | None)
    if meta is not None:
        finish: Literal["stop", "length", "tool_calls", "content_filter", "error"] | None = meta["finish_reason"]
        assert_type(finish, Literal["stop", "length", "tool_calls", "content_filter", "error"] | None)
    assert_type(response.get_meta(), Meta | None)
