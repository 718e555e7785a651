"""Issue 14 (a newcomer's first hour): the errors and limits a newcomer meets in the parser and the
frame decoders say what happened and where, and the limits behave as the README says."""

from __future__ import annotations

import inspect
import pickle

import pytest

from instantjson import FramingError, InstantParser, NDJSONDecoder, ParseError, SSEDecoder

MIB = 1024 * 1024


@pytest.mark.parametrize("cls", [SSEDecoder, NDJSONDecoder])
@pytest.mark.parametrize("size", [1, 3, 1000])
def test_framing_error_has_kind_offset_and_limit(cls: type[SSEDecoder] | type[NDJSONDecoder], size: int) -> None:
    body = b"data: 0123456789abcdef\n\n" if cls is SSEDecoder else b"0123456789abcdef\n"
    decoder = cls(max_frame_size=8)
    with pytest.raises(FramingError) as info:
        for i in range(0, len(body), size):
            decoder.feed(body[i : i + size])
    e = info.value
    assert (e.kind, e.offset, e.limit) == ("frame_too_large", 8, 8)
    assert str(e) == e.message == "frame larger than 8 bytes at byte 8"
    assert isinstance(e, ValueError)


def test_framing_error_feed_after_finish() -> None:
    decoder = NDJSONDecoder()
    decoder.feed(b'{"a": 1}\n')
    decoder.finish()
    with pytest.raises(FramingError) as info:
        decoder.feed(b"{}\n")
    assert (info.value.kind, info.value.offset, info.value.limit) == ("feed_after_finish", 9, None)


def test_framing_error_pickles_with_its_fields() -> None:
    with pytest.raises(FramingError) as info:
        SSEDecoder(max_frame_size=2).feed(b"data: x\n\n")
    again = pickle.loads(pickle.dumps(info.value))
    assert (type(again), str(again), again.kind, again.offset, again.limit) == (
        FramingError,
        str(info.value),
        "frame_too_large",
        2,
        2,
    )


def test_max_number_length_none_lifts_the_limit() -> None:
    # the README: "`None` lifts a limit"; it raised TypeError for max_number_length
    number = "0." + "1" * 5000  # a float: no Python int digit limit applies
    with pytest.raises(ParseError) as info:
        InstantParser().feed(f"[{number}]")
    assert info.value.kind == "number_too_long"
    parser = InstantParser(max_number_length=None)
    parser.feed(f"[{number}]")
    assert parser.value == [float(number)]


@pytest.mark.parametrize("name", ["max_string_length", "max_number_length", "max_input_size"])
def test_every_limit_takes_none(name: str) -> None:
    parser = InstantParser(**{name: None})  # type: ignore[arg-type]
    parser.feed('{"a": "b", "n": 12}')
    assert parser.value == {"a": "b", "n": 12}


def test_limit_defaults_are_the_documented_ones() -> None:
    # docs/readme-parts/newcomer.md and the README's Reliability section: 16 MiB a string,
    # 4,096 characters a number, 64 MiB a stream
    params = inspect.signature(InstantParser).parameters
    assert params["max_string_length"].default == 16 * MIB
    assert params["max_number_length"].default == 4096
    assert params["max_input_size"].default == 64 * MIB
