"""The part of tests/typing/user_program.py that needs the `Response` overloads of
docs/pending/response_overloads.py (typed views by `type=`, `Meta` from the getters). Once they
are in `_response.py`, move these functions into tests/typing/user_program.py (same checks:
basedpyright strict and mypy --strict, tests/test_newcomer_typing.py)."""

from __future__ import annotations

from typing import Any, Literal

from typing_extensions import assert_type

from instantjson import InstantEvent, Meta, Response


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
    for _piece in response.get_async_generator():  # type: ignore[attr-defined]  # pyright: ignore[reportGeneralTypeIssues]
        pass
    meta = await response.async_get_meta()
    assert_type(meta, Meta | None)
    if meta is not None:
        finish: Literal["stop", "length", "tool_calls", "content_filter", "error"] | None = meta["finish_reason"]
        assert_type(finish, Literal["stop", "length", "tool_calls", "content_filter", "error"] | None)
    assert_type(response.get_meta(), Meta | None)
