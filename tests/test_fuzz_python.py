"""Property-based fuzzing of the Python API (issue 5): arbitrary bytes and text, cut anywhere.

- `InstantParser`, strict and lenient, with and without deltas, fed `bytes` or `str` chunks:
  no exception but `ParseError`; every chunking gives the outcome of one feed (the same error
  kind and position, the same done events, the same text per path); a failed parser stays failed
  (`feed()`/`finish()` raise the same error, `snapshot()` still works, `value` raises); a lenient
  `finish()` never raises once a container root has started.
- `SSEDecoder` / `NDJSONDecoder`: no exception but `FramingError`; any chunking gives the frames
  of one feed; a frame over `max_frame_size` raises `FramingError` in every chunking.
- `loads` agrees with `json.loads` on generated valid JSON (exact types), and on JSON-like text it
  accepts exactly what `json.loads` accepts, except where DESIGN.md 2.2 says otherwise.

Bounded: the whole file runs in well under 30 s (`HYPOTHESIS_PROFILE=thorough` runs longer).
The Rust core has its own fuzzing (rust/fuzz, rust/core/tests/fuzz_bounded.rs).
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from instantjson import FramingError, InstantParser, NDJSONDecoder, ParseError, SSEDecoder, loads, parse_partial
from tests._shared import canon


def _examples(n: int) -> int:
    """`n` examples under the default profile, scaled up with the profile's (`thorough`: x20)."""
    return max(1, n * settings().max_examples // 100)


# --------------------------------------------------------------------------------------------
# inputs

_JSON_TOKENS = [
    "{", "}", "[", "]", ",", ":", '"', '"a"', '"k": ', "\\", "\\u", "\\ud83d", "\\ude00", "\\u00e9", "\\n", '\\"',
    "0", "1", "9", "-", ".", "e", "E+", "1e400", "-0", "123456789012345678901", "0.5", "true", "false", "null",
    "tru", "nul", " ", "\n", "\r\n", "\t", "'", "'a'", "//", "/*", "*/", "NaN", "Infinity", "-Infinity", "True",
    "None", "```json\n", "```", "Here is the JSON: ", "key", "é", "😀", "\u2028", "\x00", "\x1f", "\x7f",
    # lenient repairs (docs/readme-parts/repair.md): sets, implied objects, # comments, (1), split arrays
    "#", "# c\n", "(", ")", "(1)", "{'a', 'b'}", '["k": ', "], [", "New York", "1,000", "...",
]  # fmt: skip
_json_like_text = st.lists(
    st.one_of(st.sampled_from(_JSON_TOKENS), st.characters(), st.sampled_from(["\ud800", "\udfff"])), max_size=40
).map("".join)
_BYTE_TOKENS = [t.encode("utf-8", "surrogatepass") for t in _JSON_TOKENS] + [
    b"\xf0\x9f",
    b"\x80",
    b"\xc3",
    b"\xff",
    b"\xed\xa0\x80",
]
_json_like_bytes = st.one_of(
    st.lists(st.one_of(st.sampled_from(_BYTE_TOKENS), st.binary(max_size=2)), max_size=40).map(b"".join),
    st.binary(max_size=120),
)


def _cuts(n: int) -> st.SearchStrategy[list[int]]:
    return st.lists(st.integers(0, n), max_size=12).map(sorted)


def _chunks(data: Any, cuts: list[int]) -> list[Any]:
    out, last = [], 0
    for c in [*cuts, len(data)]:
        out.append(data[last:c])
        last = c
    return out


# --------------------------------------------------------------------------------------------
# the parser


def _error_key(e: ParseError) -> tuple[Any, ...]:
    return (type(e), e.kind, e.offset, e.line, e.column, e.path, str(e))


class _Outcome:
    """What feeding the chunks then finish() produced: merged events, the error, the final state."""

    def __init__(self, chunks: list[Any], **options: Any) -> None:
        self.parser = p = InstantParser(**options)
        self.events: list[Any] = []
        self.error: ParseError | None = None
        self.finish_started = False
        lenient = options.get("lenient", False)
        deltas = options.get("deltas", True)
        try:
            for c in chunks:
                self._take(p.feed(c), deltas)
            snapshot = p.snapshot()
            self.finish_started = True
            root_started = isinstance(snapshot, (dict, list))
            try:
                self._take(p.finish(), deltas)
            except ParseError:
                # DESIGN 2.2: a lenient finish() completes whatever container was open.
                assert not (lenient and root_started), "lenient finish() raised after a container root started"
                raise
        except ParseError as e:
            self.error = e
            self._take(e.events, deltas)
            self._check_failed(e)
        else:
            if p.done:
                p.value  # noqa: B018 (must not raise)
        self.snapshot = p.snapshot()

    def _take(self, events: list[Any], deltas: bool) -> None:
        for e in events:
            assert e.event_type in ("delta", "done")
            if e.event_type == "delta":
                assert deltas, "a delta event with deltas=False"
                assert isinstance(e.delta, str) and e.delta, "empty delta"
                assert isinstance(e.value, str) and e.value.endswith(e.delta)
                last = self.events[-1] if self.events else None
                if last is not None and last[0] == "delta" and last[1] == e.path:
                    self.events[-1] = ("delta", e.path, last[2] + e.delta)
                    continue
                self.events.append(("delta", e.path, e.delta))
            else:
                assert e.delta is None and e.is_complete
                self.events.append(("done", e.path, canon(e.value)))

    def _check_failed(self, e: ParseError) -> None:
        """After an error the parser is failed: the same error again, snapshot() still works."""
        p = self.parser
        assert isinstance(e.kind, str) and e.kind and e.offset >= 0 and e.line >= 1 and e.column >= 1
        for again in (lambda: p.feed("[1]"), lambda: p.feed(b"{}"), p.finish):
            with pytest.raises(ParseError) as info:
                again()
            assert _error_key(info.value) == _error_key(e)
        with pytest.raises(ParseError):
            p.value  # noqa: B018
        p.snapshot()


def _same(a: _Outcome, b: _Outcome) -> None:
    ea = None if a.error is None else _error_key(a.error)
    eb = None if b.error is None else _error_key(b.error)
    assert ea == eb
    assert a.events == b.events
    assert canon(a.snapshot) == canon(b.snapshot)


# A UTF-8 byte order mark at the start is handled differently when a chunk boundary falls inside it
# or invalid UTF-8 follows it in the same chunk: a known core bug (rust/core/tests/fuzz_bounded.rs,
# bom_is_chunking_free). These inputs are still fed (no crash allowed) but not compared.
def _bom_start(data: bytes | str) -> bool:
    return data[:1] in (b"\xef", "\ufeff")


@settings(max_examples=_examples(250))
@given(data=_json_like_bytes, cuts=st.data(), lenient=st.booleans(), deltas=st.booleans())
@example(data=b'{"a": "\xe2\x82', cuts=None, lenient=True, deltas=True)
@example(data=b"[1, 2", cuts=None, lenient=True, deltas=False)
def test_parser_bytes_any_chunking(data: bytes, cuts: Any, lenient: bool, deltas: bool) -> None:
    positions = [] if cuts is None else cuts.draw(_cuts(len(data)))
    whole = _Outcome([data], lenient=lenient, deltas=deltas)
    split = _Outcome(_chunks(data, positions), lenient=lenient, deltas=deltas)
    bytewise = _Outcome([data[i : i + 1] for i in range(len(data))], lenient=lenient, deltas=deltas)
    if not _bom_start(data):
        _same(whole, split)
        _same(whole, bytewise)


@settings(max_examples=_examples(250))
@given(text=_json_like_text, cuts=st.data(), lenient=st.booleans())
def test_parser_str_any_chunking(text: str, cuts: Any, lenient: bool) -> None:
    positions = cuts.draw(_cuts(len(text)))
    whole = _Outcome([text], lenient=lenient)
    split = _Outcome(_chunks(text, positions), lenient=lenient)
    if not _bom_start(text):
        _same(whole, split)
    if "\ud800" not in text and "\udfff" not in text:
        # str and UTF-8 bytes are the same stream
        as_bytes = _Outcome(_chunks(text.encode(), positions), lenient=lenient)
        if not _bom_start(text):
            _same(whole, as_bytes)


@settings(max_examples=_examples(150))
@given(text=_json_like_text, lenient=st.booleans())
def test_one_shot_helpers_agree_with_the_parser(text: str, lenient: bool) -> None:
    """`loads` (feed + finish) and `parse_partial` (feed + snapshot) raise only ParseError, and
    agree with a parser fed the same text."""
    fed = _Outcome([text], lenient=lenient, deltas=False)
    try:
        value = loads(text, lenient=lenient)
    except ParseError as e:
        assert fed.error is not None, f"loads raised {e}, the parser accepted"
        assert (e.kind, e.offset) == (fed.error.kind, fed.error.offset)
    else:
        assert fed.error is None, f"loads accepted, the parser raised {fed.error}"
        assert canon(value) == canon(fed.parser.value)
    p = InstantParser(lenient=lenient, deltas=False)
    try:
        p.feed(text)
    except ParseError as e:
        with pytest.raises(ParseError) as info:
            parse_partial(text, lenient=lenient)
        assert (info.value.kind, info.value.offset) == (e.kind, e.offset)
    else:
        assert canon(parse_partial(text, lenient=lenient)) == canon(p.snapshot())


# --------------------------------------------------------------------------------------------
# framing

_STREAM_TOKENS = [
    b"data", b"data: ", b"data:", b"event: ", b"id: ", b"id", b"retry: ", b":", b": ping", b" ", b"\n", b"\r", b"\r\n",
    b"\n\n", b"\xef\xbb\xbf", b"\xe2\x82\xac", b"\xf0\x9f", b"\x80", b"\x00", b"12", b"99999999999999999999999",
    b'{"a": [1]}', b'{"choices":[{"delta":{"content":"Hi"}}]}', b"[DONE]", b'"str"', b"{", b"\t",
]  # fmt: skip
_stream = st.one_of(
    st.lists(st.one_of(st.sampled_from(_STREAM_TOKENS), st.binary(max_size=1)), max_size=50).map(b"".join),
    st.binary(max_size=120),
)


def _frame_key(f: Any) -> tuple[Any, ...]:
    error = None if f.error is None else (type(f.error).__name__, f.error.kind, f.error.offset)
    return (f.event, f.data, f.id, f.retry, canon(f.value), error)


def _decode(cls: Any, chunks: list[bytes], **kw: Any) -> tuple[list[Any], str | None]:
    decoder = cls(**kw)
    frames: list[Any] = []
    try:
        for c in chunks:
            frames += [_frame_key(f) for f in decoder.feed(c)]
        frames += [_frame_key(f) for f in decoder.finish()]
    except FramingError as e:
        # a failed decoder stays failed
        with pytest.raises(FramingError):
            decoder.feed(b"data: x\n\n")
        return frames, str(e)
    return frames, None


@settings(max_examples=_examples(200))
@given(body=_stream, cuts=st.data(), ndjson=st.booleans())
def test_framing_any_chunking(body: bytes, cuts: Any, ndjson: bool) -> None:
    cls = NDJSONDecoder if ndjson else SSEDecoder
    whole = _decode(cls, [body])
    assert whole[1] is None, "default limits cannot be reached here"
    assert _decode(cls, _chunks(body, cuts.draw(_cuts(len(body))))) == whole
    assert _decode(cls, [body[i : i + 1] for i in range(len(body))]) == whole
    for frame in whole[0]:
        # JSON's whitespace only: Python's str.lstrip() also strips \x1c-\x1f, which the decoder
        # (rightly) does not skip, so such a payload does not look like JSON to it
        if frame[1].lstrip(" \t\r\n")[:1] in ("{", "[", '"') and frame[1] != "[DONE]":
            # a payload that looks like JSON is decoded, or carries its ParseError
            assert (frame[4] == canon(None)) == (frame[5] is not None)


@settings(max_examples=_examples(150))
@given(body=_stream, cuts=st.data(), ndjson=st.booleans(), limit=st.integers(0, 40))
def test_oversize_frames_raise_in_every_chunking(body: bytes, cuts: Any, ndjson: bool, limit: int) -> None:
    cls = NDJSONDecoder if ndjson else SSEDecoder
    whole_frames, whole_error = _decode(cls, [body], max_frame_size=limit)
    split_frames, split_error = _decode(cls, _chunks(body, cuts.draw(_cuts(len(body)))), max_frame_size=limit)
    assert (whole_error is None) == (split_error is None)
    if whole_error is None:
        assert split_frames == whole_frames
        for frame in whole_frames:
            assert len(frame[1].encode()) <= limit or "\ufffd" in frame[1]
    else:
        assert f"frame larger than {limit} bytes" in whole_error
        assert whole_error == split_error  # the same offset: "... at byte N"
        # the frames returned before the failing call are a prefix of the unlimited decode
        unlimited, _ = _decode(cls, [body])
        assert split_frames == unlimited[: len(split_frames)]


# --------------------------------------------------------------------------------------------
# loads vs json.loads

_tricky = st.sampled_from(['"', "\\", "/", "\n", "\t", "\x00", "\x1f", "\x7f", "\u2028", "é", "😀", "\ufffd"])
_text = st.text(st.one_of(_tricky, st.characters(blacklist_categories=("Cs",))), max_size=10)
_json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        _text,
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(_text, inner, max_size=5)),
    max_leaves=30,
)
_dumps = st.sampled_from(
    [{"ensure_ascii": True}, {"ensure_ascii": False}, {"ensure_ascii": False, "indent": 2}, {"separators": (",", ":")}]
)


@settings(max_examples=_examples(300))
@given(value=_json_values, opts=_dumps, as_bytes=st.booleans())
def test_loads_equals_json_loads_on_valid_json(value: Any, opts: dict[str, Any], as_bytes: bool) -> None:
    text = json.dumps(value, **opts)
    expected = json.loads(text)
    source: str | bytes = text.encode() if as_bytes else text
    assert canon(loads(source)) == canon(expected)
    if isinstance(expected, (dict, list)):
        assert canon(loads(source, lenient=True)) == canon(expected)


def _json_loads_verdict(text: str) -> tuple[bool, Any]:
    try:
        return True, json.loads(text)
    except ValueError:  # JSONDecodeError, and int() over 4300 digits
        return False, None
    except RecursionError:
        return False, None


def _python_only(text: str, value: Any) -> bool:
    """What json.loads accepts and DESIGN.md 2.2 rejects in strict mode: NaN and Infinity, and lone
    surrogates (`\\ud800` without its pair, the `i_` files)."""
    if any(w in text for w in ("NaN", "Infinity")):
        return True
    try:
        json.dumps(value, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return True
    return False


@settings(max_examples=_examples(300))
@given(text=_json_like_text)
@example(text='["\\ud800"]')
@example(text="[NaN]")
@example(text='{"a": 1, "a": 2}')
@example(text="1e400")
@example(text="-0")
def test_loads_accepts_what_json_loads_accepts(text: str) -> None:
    ok, expected = _json_loads_verdict(text)
    try:
        value = loads(text)
    except ParseError as e:
        assert not ok or _python_only(text, expected), f"json.loads accepts {text!r}, we raise {e}"
    else:
        assert ok, f"json.loads rejects {text!r}, we give {value!r}"
        if isinstance(expected, float) and math.isnan(expected):
            return
        if any(0xD800 <= ord(c) <= 0xDFFF for c in text):
            # a str holding lone surrogates is not Unicode text: the binding reads them as U+FFFD
            return
        assert canon(value) == canon(expected)
