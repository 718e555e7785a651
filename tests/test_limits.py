"""Limits (issue 5): each one is a clear `ParseError` / `FramingError` with a kind, a position and a
message, from `feed()` (in any chunking) and from `loads`, and each default is documented.

| limit | where | default | error |
|---|---|---|---|
| nesting depth | `InstantParser(max_depth=)`, `loads(max_depth=)` | 512 | `ParseError` kind `depth_limit` |
| one number's length (characters) | `InstantParser(max_number_length=)` | 4096 | `number_too_long` |
| one string's length (UTF-8 bytes; keys too) | `InstantParser(max_string_length=)` | 16 MiB | `string_too_long` |
| total input (bytes) | `InstantParser(max_input_size=)` | 64 MiB | `input_too_large` |
| one SSE event's data / one line | `SSEDecoder`/`NDJSONDecoder(max_frame_size=)` | 16 MiB | `FramingError` |

None means no limit. Known gaps are `xfail(strict=True)` tests: they start passing (and so failing) once fixed.
"""

from __future__ import annotations

import inspect
import sys
from typing import Any

import pytest

from instantjson import FramingError, InstantParser, NDJSONDecoder, ParseError, SSEDecoder, loads, parse_partial

MIB = 1024 * 1024


def _feed_all(chunks: list[Any], **options: Any) -> Any:
    p = InstantParser(**options)
    for c in chunks:
        p.feed(c)
    p.finish()
    return p.value


def _error(chunks: list[Any], **options: Any) -> ParseError:
    p = InstantParser(**options)
    with pytest.raises(ParseError) as info:
        for c in chunks:
            p.feed(c)
        p.finish()
    e = info.value
    # the parser stays failed, and what came before is still there
    with pytest.raises(ParseError) as again:
        p.feed("1")
    assert (again.value.kind, again.value.offset, str(again.value)) == (e.kind, e.offset, str(e))
    p.snapshot()
    return e


def _chunkings(text: str) -> list[list[str]]:
    """One feed, two halves, and token-sized pieces."""
    half = len(text) // 2
    return [[text], [text[:half], text[half:]], [text[i : i + 7] for i in range(0, len(text), 7)]]


def _position(e: ParseError) -> tuple[int, int, int, str]:
    return (e.offset, e.line, e.column, e.path)


# --------------------------------------------------------------------------------------------
# the defaults, and where they are documented


def test_defaults_in_signatures() -> None:
    params = inspect.signature(InstantParser).parameters
    assert params["max_depth"].default == 512
    assert params["max_number_length"].default == 4096
    assert params["max_string_length"].default == 16 * 1024 * 1024
    assert params["max_input_size"].default == 64 * 1024 * 1024
    assert inspect.signature(loads).parameters["max_depth"].default == 512
    assert inspect.signature(parse_partial).parameters["max_depth"].default == 512


def test_defaults_documented() -> None:
    doc = InstantParser.__doc__ or ""
    for name in ("max_depth", "max_string_length", "max_number_length", "max_input_size"):
        assert name in doc, name
    for cls in (SSEDecoder, NDJSONDecoder):
        assert "max_frame_size" in (cls.__doc__ or "") or cls is NDJSONDecoder


def test_frame_size_default_in_signature() -> None:
    for cls in (SSEDecoder, NDJSONDecoder):
        assert inspect.signature(cls).parameters["max_frame_size"].default == 16 * MIB


# --------------------------------------------------------------------------------------------
# nesting depth


@pytest.mark.parametrize("lenient", [False, True])
def test_depth_512_by_default(lenient: bool) -> None:
    ok = "[" * 512 + "]" * 512
    assert _feed_all([ok], lenient=lenient) is not None
    assert loads(ok, lenient=lenient) is not None
    deep = "[" * 513 + "]" * 513
    for chunks in _chunkings(deep):
        e = _error(chunks, lenient=lenient)
        assert e.kind == "depth_limit"
        assert _position(e) == (512, 1, 513, "[0]" * 512)
        assert str(e).startswith("nesting deeper than 512 levels at line 1 column 513 (in [0][0]")
    with pytest.raises(ParseError) as info:
        loads(deep, lenient=lenient)
    assert (info.value.kind, info.value.offset) == ("depth_limit", 512)


def test_depth_limit_in_objects_and_custom() -> None:
    text = '{"a": {"b": [{"c": 1}]}}'
    assert loads(text, max_depth=4) == {"a": {"b": [{"c": 1}]}}
    with pytest.raises(ParseError) as info:
        loads(text, max_depth=3)
    e = info.value
    assert (e.kind, e.offset, e.line, e.column, e.path) == ("depth_limit", 13, 1, 14, "a.b[0]")
    assert str(e) == "nesting deeper than 3 levels at line 1 column 14 (in a.b[0])"
    assert _error([text[:14], text[14:]], max_depth=3).kind == "depth_limit"
    with pytest.raises(ParseError, match="nesting deeper than 3 levels"):
        parse_partial(text, max_depth=3)


def test_deep_nesting_never_overflows_the_stack() -> None:
    # an explicit stack: 50,000 levels parse when allowed, and 10**6 fail cleanly by default
    n = 50_000
    value = loads("[" * n + "]" * n, max_depth=n)
    depth = 0
    while value:
        value = value[0]
        depth += 1
    assert depth == n - 1
    assert _error(["[" * 1_000_000]).kind == "depth_limit"


# --------------------------------------------------------------------------------------------
# one number's length


@pytest.mark.parametrize("lenient", [False, True])
def test_number_length_4096_by_default(lenient: bool) -> None:
    wrap = "[{}]"
    assert _feed_all([wrap.format("9" * 4096)], lenient=lenient) == [int("9" * 4096)]
    assert loads(wrap.format("-" + "1" * 4095), lenient=lenient) == [-int("1" * 4095)]
    for chunks in ([wrap.format("9" * 4097)], [wrap.format("9" * 4097)[:3000], wrap.format("9" * 4097)[3000:]]):
        e = _error(chunks, lenient=lenient)
        assert e.kind == "number_too_long"
        assert e.path == "[0]" and e.line == 1
        assert "number longer than 4096 characters at line 1 column" in str(e)
    with pytest.raises(ParseError) as info:
        loads(wrap.format("1." + "5" * 4095), lenient=lenient)
    assert info.value.kind == "number_too_long"


def test_number_length_custom() -> None:
    assert _feed_all(["[12345, 1.5e3]"], max_number_length=5) == [12345, 1500.0]
    e = _error(['{"n": 123456}'], max_number_length=5)
    assert (e.kind, e.line, e.path) == ("number_too_long", 1, "n")
    assert str(e).startswith("number longer than 5 characters at line 1 column ")


def test_integer_beyond_python_digit_limit_is_a_parse_error() -> None:
    p = InstantParser(max_number_length=10_000)
    with pytest.raises(ParseError):
        p.feed("[1, " + "1" * 5000 + ", 2")
    # failed, not silently missing element [1]
    with pytest.raises(ParseError):
        p.feed(", 3]")


def test_integer_beyond_lowered_digit_limit_is_a_parse_error() -> None:
    old = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(1000)
    try:
        with pytest.raises(ParseError):
            loads("1" * 2000)
        frames = SSEDecoder().feed(b"data: [" + b"1" * 2000 + b"]\n\n")
        assert frames[0].value is None and isinstance(frames[0].error, ParseError)
    finally:
        sys.set_int_max_str_digits(old)


# --------------------------------------------------------------------------------------------
# one string's length


def test_string_length_unlimited_by_default() -> None:
    big = "x" * (2 * MIB)
    assert _feed_all(['{"a": "', big, '"}']) == {"a": big}
    assert loads('["' + big + '"]') == [big]


@pytest.mark.parametrize("lenient", [False, True])
def test_string_length_limit(lenient: bool) -> None:
    opts = {"max_string_length": 5, "lenient": lenient}
    assert _feed_all(['{"abcde": "ééx"}'], **opts) == {"abcde": "ééx"}  # 5 bytes each
    for text, path in (('{"k": "abcdef"}', "k"), ('{"k": "éé\\u00e9"}', "k"), ('{"abcdefgh": 1}', "")):
        for chunks in _chunkings(text):
            e = _error(chunks, **opts)
            assert e.kind == "string_too_long"
            assert e.path == path and e.line == 1 and e.column > 6
            assert str(e).startswith("string longer than 5 bytes at line 1 column ")


# --------------------------------------------------------------------------------------------
# total input size


def test_limits_can_be_lifted() -> None:
    """`None` lifts a limit: 32 MiB in one string is past both defaults (16 MiB a string)."""
    with pytest.raises(ParseError, match="string longer than 16777216 bytes"):
        InstantParser(deltas=False).feed(b'["' + b"x" * (16 * MIB + 1) + b'"]')
    p = InstantParser(deltas=False, max_string_length=None, max_input_size=None)
    p.feed('["')
    piece = "x" * (MIB // 2)
    for _ in range(64):
        p.feed(piece)
    p.feed('", 1]')
    p.finish()
    assert len(p.value[0]) == 32 * MIB


def test_input_size_limit() -> None:
    text = '["ab", "é"]'  # 12 bytes, 11 characters
    assert _feed_all([text], max_input_size=12) == ["ab", "é"]
    e = _error([text], max_input_size=11)
    # checked per feed(), before the chunk is parsed: the error is at the start of that chunk
    assert (e.kind, e.offset, e.line, e.column, e.path) == ("input_too_large", 0, 1, 1, "")
    assert str(e) == "input larger than 11 bytes at line 1 column 1"
    e = _error([text[:7], text[7:]], max_input_size=11)
    assert (e.kind, e.offset, e.column, e.path) == ("input_too_large", 7, 8, "[1]")
    e = _error([text.encode()[:9], text.encode()[9:]], max_input_size=11)
    assert e.kind == "input_too_large"


@pytest.mark.xfail(strict=True, reason="recommendation: loads/parse_partial take no max_input_size/max_string_length")
def test_one_shot_helpers_take_every_limit() -> None:
    with pytest.raises(ParseError):
        loads('"abcdef"', max_string_length=5)  # type: ignore[call-arg]
    with pytest.raises(ParseError):
        loads("[1, 2, 3]", max_input_size=4)  # type: ignore[call-arg]


# --------------------------------------------------------------------------------------------
# frame size


@pytest.mark.parametrize("cls", [SSEDecoder, NDJSONDecoder])
def test_frame_size_16_mib_by_default(cls: Any) -> None:
    prefix = b"data: " if cls is SSEDecoder else b""
    line = prefix + b"a" * (16 * MIB - len(prefix))
    frames = cls().feed(line + b"\n\n")
    assert len(frames) == 1 and len(frames[0].data) == 16 * MIB - len(prefix)
    decoder = cls()
    with pytest.raises(FramingError) as info:
        for i in range(0, len(line) + 1, MIB):
            decoder.feed((line + b"a")[i : i + MIB])
        decoder.feed(b"\n\n")
    assert str(info.value) == f"frame larger than {16 * MIB} bytes at byte {16 * MIB}"
    with pytest.raises(FramingError):  # failed for good
        decoder.feed(b"data: {}\n\n")


@pytest.mark.parametrize("cls", [SSEDecoder, NDJSONDecoder])
def test_frame_size_limit(cls: Any) -> None:
    body = b'data: {"a": 1}\n\ndata: 0123456789abcdef\n\n' if cls is SSEDecoder else b'{"a": 1}\n0123456789abcdef\n'
    ok = cls(max_frame_size=64).feed(body)
    assert len(ok) == 2
    # the first line fits (14 bytes / 8 bytes), the second does not (22 / 16)
    limit = 16 if cls is SSEDecoder else 10
    second = body.index(b"data: 0123" if cls is SSEDecoder else b"0123")
    for size in (1, 5, len(body)):
        decoder = cls(max_frame_size=limit)
        frames = []
        with pytest.raises(FramingError) as info:
            for i in range(0, len(body), size):
                frames += decoder.feed(body[i : i + size])
            decoder.finish()
        # the offset is the first byte beyond the limit, whatever the chunking
        assert str(info.value) == f"frame larger than {limit} bytes at byte {second + limit}"
        assert [f.value for f in frames] in ([], [{"a": 1}])


def test_sse_data_lines_count_together() -> None:
    # an event's data is limited as a whole (the joining newlines included), not line by line
    decoder = SSEDecoder(max_frame_size=10)
    with pytest.raises(FramingError, match="frame larger than 10 bytes"):
        decoder.feed(b"data: 12345\ndata: 67890\n\n")


def test_framing_error_has_kind_and_offset() -> None:
    # the line `data: 12345` passes the 4-byte limit at its 5th byte (offset 4), as the message says
    with pytest.raises(FramingError) as info:
        SSEDecoder(max_frame_size=4).feed(b"data: 12345\n\n")
    e = info.value
    assert (e.kind, e.offset, e.limit) == ("frame_too_large", 4, 4)
    assert str(e) == "frame larger than 4 bytes at byte 4"
