"""`loads()` parses a whole text in one pass (no events) and, when that pass gives up, runs the
streaming parser for the error. Checked here: on every input its outcome is the streaming
parser's (the same value, type-exactly, or the same error: kind, message, offset, line, column,
path), and numbers are exactly what `json.loads` (Python's `int()` and `float()`) makes.
"""

from __future__ import annotations

import gc
import json
import math
import random
import struct
import sys
import weakref
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import instantjson
from instantjson import InstantParser, ParseError
from tests._shared import SHARED, assert_exact, param_or_skip, suite_files

BENCH_DOCS = [SHARED / "benchdata" / n for n in ("twitter.json", "citm_catalog.json", "canada.json")]


def _outcome(fn: Any) -> tuple[str, Any]:
    try:
        return "value", fn()
    except ParseError as e:
        return "error", (e.kind, str(e), e.offset, e.line, e.column, e.path)


def _streamed(data: str | bytes, max_depth: int = 512) -> tuple[str, Any]:
    def run() -> Any:
        p = InstantParser(deltas=False, max_depth=max_depth)
        p.feed(data)
        p.finish()
        return p.value

    return _outcome(run)


def _same(data: str | bytes, max_depth: int = 512) -> None:
    want = _streamed(data, max_depth)
    got = _outcome(lambda: instantjson.loads(data, max_depth=max_depth))
    assert got[0] == want[0], (data[:200], got, want)
    if want[0] == "value":
        assert_exact(got[1], want[1], "loads() and the streaming parser build different values")
    else:
        assert got[1] == want[1]


def _both(data: bytes) -> None:
    _same(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    _same(text)


@pytest.mark.parametrize(
    "path",
    param_or_skip(suite_files("y_") + suite_files("n_") + suite_files("i_"), "JSONTestSuite", ids=lambda p: p.stem),
)
def test_suite_file_same_as_streaming(path: Any) -> None:
    _both(path.read_bytes())


@pytest.mark.parametrize(
    "path", param_or_skip([p for p in BENCH_DOCS if p.exists()], "benchdata", ids=lambda p: p.name)
)
def test_benchmark_document(path: Any) -> None:
    data = path.read_bytes()
    want = json.loads(data)
    assert_exact(instantjson.loads(data), want, "bytes")
    assert_exact(instantjson.loads(data.decode("utf-8")), want, "str")


BAD = [
    b"",
    b" ",
    b"[1,]",
    b'{"a":1,}',
    b"01",
    b"1.",
    b"-",
    b"1e",
    b"[1 2]",
    b'"\\ud800"',
    b'"\\ud800\\u0041"',
    b'"\\udc00"',
    b'"a\nb"',
    b'"\\x"',
    b"tru",
    b"truex",
    b"[",
    b'{"a" 1}',
    b"1 2",
    b'"abc',
    b"{1:2}",
    b"+1",
    b".5",
    b'"\\u12"',
    b'"\xff"',
    b'["\xc3"]',
    b'{"a":\n [1,\n  {"b": x}]}',
    b"\xef\xbb\xbf",
    b"[1]]",
    b"1" * 4097,
    b"[" + b"1" * 5000 + b"]",
    b"-1e+",
    b"[-]",
    b'{"k":"v"  ,  }',
]


@pytest.mark.parametrize("data", BAD, ids=range(len(BAD)))
def test_invalid_same_error(data: bytes) -> None:
    _both(data)


GOOD = [
    b"\xef\xbb\xbf[1]",
    b'  {"a": [true, false, null], "b": {"c": "\\u00e9\\ud83d\\ude00\\n\\t\\"\\\\\\/"}, "a": 2}  ',
    b'["caf\xc3\xa9", "\xe6\x95\xb0\xe6\x8d\xae", "\xf0\x9f\x9a\x80", "x\\u0000y"]',
    b"[0, -0, 0.0, -0.0, 1e5, 1E-5, 1.5e+3, 123456789012345678, -123456789012345678]",
    b"[9223372036854775807, -9223372036854775808, 9223372036854775808, -9223372036854775809]",
    b"[1234567890123456789012345678901234567890, -1e400, 1e400, 5e-324, 1e-400]",
    b'{"":"", "a.b": {}, "[x]": []}',
    b"1" * 4096,
]


@pytest.mark.parametrize("data", GOOD, ids=range(len(GOOD)))
def test_valid_same_value(data: bytes) -> None:
    _both(data)
    assert_exact(instantjson.loads(data), json.loads(data.decode("utf-8-sig")))


def test_depth() -> None:
    for n in (511, 512, 513, 1100):
        _both(b"[" * n + b"]" * n)
        _both(b'{"a":' * n + b"1" + b"}" * n)
    # deeper than the one-pass parse recurses: the streaming parser builds it
    for n in (1023, 1024, 1025, 3000):
        _same(b"[" * n + b"]" * n, max_depth=5000)
        _same(b"[" * n + b"]" * n, max_depth=n)


def test_int_beyond_python_digits() -> None:
    limit = sys.get_int_max_str_digits()
    if limit == 0:
        pytest.skip("no int digit limit in this interpreter")
    _both(b"[" + b"7" * (limit + 1) + b"]")
    _both(b"[" + b"7" * limit + b"]")


def test_str_with_lone_surrogate() -> None:
    _same('["a\ud800b"]')


def test_lenient_is_streaming() -> None:
    text = "Sure: ```json\n{'a': [1, 2,], b: True}\n```"
    assert instantjson.loads(text, lenient=True) == {"a": [1, 2], "b": True}


def _float_texts(rng: random.Random) -> list[str]:
    out = [
        "5e-324",
        "4.9406564584124654e-324",
        "2.4703282292062327e-324",
        "2.4703282292062328e-324",
        "2.2250738585072011e-308",
        "2.2250738585072012e-308",
        "1.7976931348623157e308",
        "1.7976931348623158e308",
        "1.7976931348623159e308",
        "9007199254740993.0",
        "9007199254740992.9999999999999999999",
        "1.00000000000000011102230246251565404236316680908203125",
        "1.00000000000000011102230246251565404236316680908203124",
        "1.00000000000000011102230246251565404236316680908203126",
        "0.1",
        "0.30000000000000004",
        "123456789012345678901234567890e-10",
        "0." + "0" * 400 + "1e400",
        "1" + "0" * 400 + "e-400",
        "-0.0",
        "1e-7",
        "1e22",
        "1e23",
        "8.98846567431158e307",
    ]
    for _ in range(3000):
        bits = rng.getrandbits(64)
        f = struct.unpack("<d", struct.pack("<Q", bits))[0]
        if math.isfinite(f):
            out.append(repr(f))
            out.append(f"{f:.25e}")
    for _ in range(3000):
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 40)))
        digits = digits.lstrip("0") or "0"
        point = rng.randint(0, len(digits))
        text = digits[:point] + ("." + digits[point:] if point < len(digits) else "")
        if text.startswith("."):
            text = "0" + text
        if rng.random() < 0.6:
            text += f"e{rng.randint(-340, 330)}"
        out.append(("-" if rng.random() < 0.5 else "") + text)
    return out


def test_floats_exactly_as_python() -> None:
    texts = _float_texts(random.Random(15))
    doc = "[" + ",".join(texts) + "]"
    want = json.loads(doc)
    got = instantjson.loads(doc)
    for t, g, w in zip(texts, got, want, strict=True):
        assert type(g) is type(w) and (g == w or (math.isnan(g) and math.isnan(w))), t
        if isinstance(w, float):
            assert math.copysign(1, g) == math.copysign(1, w), t
            assert g.hex() == w.hex(), t
    for t in texts[:300]:
        assert_exact(instantjson.loads(t), json.loads(t), t)


def test_ints_exactly_as_python() -> None:
    rng = random.Random(16)
    texts = [str(n) for n in (0, 2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 10**18 - 1, 10**18, 10**19, -(10**19))]
    texts += [str(rng.randint(-(10**k), 10**k)) for k in range(1, 60) for _ in range(20)]
    doc = "[" + ",".join(texts) + "]"
    assert_exact(instantjson.loads(doc), json.loads(doc))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=5), children, max_size=5),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(json_values, st.booleans())
def test_values_round_trip(value: Any, ascii: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii)
    assert_exact(instantjson.loads(text), json.loads(text))
    assert_exact(instantjson.loads(text.encode()), json.loads(text))


@settings(max_examples=400, deadline=None)
@given(json_values, st.data())
def test_damaged_text_same_as_streaming(value: Any, data: st.DataObject) -> None:
    raw = bytearray(json.dumps(value, ensure_ascii=False).encode())
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(raw)))
        what = data.draw(st.sampled_from([b"", b",", b"]", b"}", b'"', b"\\", b"\n", b"\xff", b"-", b"e", b"0"]))
        if what == b"" and at < len(raw):
            del raw[at]
        else:
            raw[at:at] = what
    _both(bytes(raw))


def test_collector_state_kept() -> None:
    """`loads` pauses the cycle collector while it builds: afterwards it is on again if it was on
    before (also after an error, and on the streaming fallback), and stays off if it was off; the
    value's lists and dicts are tracked as any others, so a cycle made from them is collected."""
    assert gc.isenabled()
    value = instantjson.loads(b'{"a": [[1, 2], [3, {"b": []}]], "c": "d"}')
    assert gc.isenabled()
    for bad in (b"[1, 2", "[1,]", b"\xff", "[" * 2000 + "]" * 2000):
        with pytest.raises(ParseError):
            instantjson.loads(bad)
        assert gc.isenabled()
    assert instantjson.loads("[" * 1500 + "]" * 1500, max_depth=2000) is not None  # the fallback
    assert gc.isenabled()
    gc.disable()
    try:
        assert instantjson.loads(b"[[1], {}]") == [[1], {}]
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert gc.is_tracked(value) and gc.is_tracked(value["a"][0]) and gc.is_tracked(value["a"][1][1])
    # A cycle made from the value is collected (a marker in it takes a weak reference).
    holder = instantjson.loads(b'{"x": {}}')

    class Marker:
        pass

    marker = Marker()
    ref = weakref.ref(marker)
    holder["x"]["self"] = holder
    holder["x"]["marker"] = marker
    del holder, marker
    gc.collect()
    assert ref() is None
