"""The frame decoders seen from Python: frames, decoded payloads, errors, limits."""

from __future__ import annotations

import gc
import json

import pytest

from instantjson import FramingError, NDJSONDecoder, ParseError, SSEDecoder

BODY = (
    b": keep-alive\r\n"
    b"event: delta\r\n"
    b'data: {"choices": [{"delta": {"content": "caf\\u00e9 \xf0\x9f\x9a\x80"}}]}\r\n\r\n'
    b"data: line one\r\ndata: line two\r\n\r\n"
    b"data: [DONE]"  # no final blank line: finish() dispatches it
)


def decode_sse(body: bytes, size: int) -> list[tuple[str | None, str, object]]:
    d = SSEDecoder()
    frames = []
    for i in range(0, len(body), size):
        frames += d.feed(body[i : i + size])
    frames += d.finish()
    return [(f.event, f.data, f.value) for f in frames]


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64, len(BODY)])
def test_sse_any_chunking_same_frames(size: int) -> None:
    frames = decode_sse(BODY, size)
    payload = BODY.split(b"data: ", 1)[1].split(b"\r\n", 1)[0]
    assert frames == [
        ("delta", payload.decode(), json.loads(payload)),
        (None, "line one\nline two", None),
        (None, "[DONE]", None),
    ]


def test_payload_errors_are_reported_not_raised() -> None:
    done, bad = SSEDecoder().feed(b"data: [DONE]\n\ndata: {bad\n\n")
    assert done.value is None and done.error is None
    assert bad.value is None and isinstance(bad.error, ParseError) and bad.error.kind == "expected_key"


def _json_or_none(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        return None


@pytest.mark.parametrize("decoder", [SSEDecoder, NDJSONDecoder])
def test_payload_decoder_is_reused_cleanly_across_frames(decoder: type[SSEDecoder] | type[NDJSONDecoder]) -> None:
    """One decoder parses every payload of a stream: a broken payload, a truncated one, and
    payloads of different shapes must not leak into the next frame's value."""
    payloads = [
        '{"choices": [{"delta": {"content": "a"}}]}',
        '{"choices": [{"delta": {"con',  # broken off inside a key
        '{"bad": tru}',
        '["x", {"y": [1, 2.5, null]}]',
        '"just a string"',
        '{"choices": [{"delta": {"content": "b"}, "index": 0}]}',
    ]
    sep = "\n\n" if decoder is SSEDecoder else "\n"
    prefix = "data: " if decoder is SSEDecoder else ""
    body = "".join(prefix + p + sep for p in payloads).encode()
    frames = decoder().feed(body)
    assert [f.data for f in frames] == payloads
    for f, p in zip(frames, payloads, strict=True):
        want = _json_or_none(p)
        if want is None:
            assert f.value is None and isinstance(f.error, ParseError)
        else:
            assert f.error is None and f.value == want
    # the keys every payload repeats are made once per stream: the same str objects
    first, last = frames[0].value, frames[-1].value
    assert next(iter(first)) is next(iter(last))
    assert next(iter(first["choices"][0])) is next(iter(last["choices"][0]))


def test_payload_containers_are_not_tracked_by_the_cycle_collector() -> None:
    (frame,) = SSEDecoder().feed(b'data: {"choices": [{"delta": {"content": "x"}}], "n": [1]}\n\n')
    value = frame.value
    assert value == {"choices": [{"delta": {"content": "x"}}], "n": [1]}
    for container in (value, value["choices"], value["choices"][0], value["choices"][0]["delta"], value["n"]):
        assert not gc.is_tracked(container)


def test_frame_size_limit() -> None:
    d = SSEDecoder(max_frame_size=16)
    with pytest.raises(FramingError, match="larger than 16"):
        d.feed(b"data: " + b"x" * 32 + b"\n\n")
    with pytest.raises(FramingError):
        d.feed(b"data: 1\n\n")  # a failed decoder stays failed


def test_ndjson_lines() -> None:
    d = NDJSONDecoder()
    body = b'{"a": 1}\r\n\n  \n{"b": [true, null]}'
    frames = [f for i in range(len(body)) for f in d.feed(body[i : i + 1])] + d.finish()
    assert [(f.event, f.value) for f in frames] == [(None, {"a": 1}), (None, {"b": [True, None]})]
