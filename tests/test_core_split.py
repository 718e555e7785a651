"""Split invariance (DESIGN 2.1, STYLE 9): every chunking of the same text gives the same done
events, the same per-path concatenation of deltas, and the value json.loads gives.

Property-based: any JSON value (unicode including astral characters, characters that json.dumps
escapes, big ints, floats), dumped with ensure_ascii True and False and with or without indent,
cut anywhere, fed as str chunks and as bytes chunks cut at arbitrary byte positions (inside UTF-8
sequences, escapes and surrogate pairs). Plus exhaustive two- and three-way splits of a small
document that packs every hard case.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from instantjson import InstantParser
from tests._shared import assert_exact, canon, check_against_reference, check_event_stream, cut, run_chunks

# text: any code point but lone surrogates (json.dumps(ensure_ascii=False) could not encode those
# to UTF-8), weighted towards what makes parsers trip: quotes, backslashes, controls, astral chars.
_tricky = st.sampled_from(
    ['"', "\\", "/", "\n", "\t", "\x00", "\x1f", "\x7f", "\u2028", "\u00e9", "\U0001f600", "\ufffd"]
)
_char = st.one_of(_tricky, st.characters(blacklist_categories=("Cs",)))
_text = st.text(_char, max_size=12)
_keys = st.one_of(_text, st.sampled_from(["", "a.b", "x[0]", 'q"', "steps", "]", "["]))

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=False, allow_infinity=False),
    _text,
)
json_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(_keys, inner, max_size=5),
    ),
    max_leaves=25,
)

_dump_opts = st.sampled_from(
    [
        {"ensure_ascii": True},
        {"ensure_ascii": False},
        {"ensure_ascii": False, "indent": 2},
        {"ensure_ascii": True, "indent": 1, "separators": (",", ": ")},
        {"ensure_ascii": False, "separators": (",", ":")},
    ]
)


def _summary(run: Any) -> tuple[list[Any], dict[str, str]]:
    return run.dones(), run.delta_text()


def _check_split(text: str, cuts: list[int], byte_cuts: list[int]) -> None:
    whole = run_chunks(InstantParser(), [text])
    check_event_stream(whole)
    check_against_reference(whole, text)
    want = _summary(whole)
    expected = json.loads(text)

    chunked = run_chunks(InstantParser(), cut(text, cuts))
    check_event_stream(chunked)
    assert _summary(chunked) == want, f"str chunks {cut(text, cuts)!r}"
    assert_exact(chunked.parser.value, expected)

    data = text.encode("utf-8")
    bchunks = cut(data, byte_cuts)
    bytewise = run_chunks(InstantParser(), bchunks)
    check_event_stream(bytewise, str_feeds=False)
    assert _summary(bytewise) == want, f"bytes chunks {bchunks!r}"
    assert_exact(bytewise.parser.value, expected)


@st.composite
def _documents(draw: st.DrawFn) -> tuple[str, list[int], list[int]]:
    value = draw(json_values)
    text = json.dumps(value, **draw(_dump_opts))
    n = len(text)
    nb = len(text.encode("utf-8"))
    cuts = sorted(draw(st.sets(st.integers(1, max(1, n - 1)), max_size=min(n, 40))))
    byte_cuts = sorted(draw(st.sets(st.integers(1, max(1, nb - 1)), max_size=min(nb, 40))))
    return text, cuts, byte_cuts


@given(_documents())
@example(('{"a": "\\ud83d\\ude00\\u00e9"}', list(range(1, 26)), list(range(1, 26))))
@example(('["\u00e9\U0001f600", 12, -0.0, 1e-7]', [3, 4, 9, 10, 18], [3, 4, 5, 6, 7, 8, 12]))
def test_split_invariance(doc: tuple[str, list[int], list[int]]) -> None:
    _check_split(*doc)


@given(json_values, st.integers(1, 9), st.integers(0, 2**32))
def test_split_invariance_every_n_chars(value: Any, n: int, seed: int) -> None:
    """Fixed-size chunks, the shape of real token streams, with a small chunk size."""
    text = json.dumps(value, ensure_ascii=seed % 2 == 0)
    cuts = list(range(n, len(text), n))
    nb = len(text.encode("utf-8"))
    _check_split(text, cuts, list(range(n, nb, n)))


HARD = '{"k\\"\u00e9": ["a\\\\b\\u00e9\\ud83d\\ude00\U0001f680\u65e5", -12.5e+3, 0, true, null, {}, [""]], "": 1E2}'


def test_every_two_way_split() -> None:
    want = _summary(run_chunks(InstantParser(), [HARD]))
    for text in (HARD,):
        for i in range(1, len(text)):
            run = run_chunks(InstantParser(), [text[:i], text[i:]])
            check_event_stream(run)
            assert _summary(run) == want, i
        data = text.encode("utf-8")
        for i in range(1, len(data)):
            run = run_chunks(InstantParser(), [data[:i], data[i:]])
            assert _summary(run) == want, i
            assert_exact(run.parser.value, json.loads(text))


def test_every_three_way_split_of_a_small_document() -> None:
    text = '["\\u00e9\\ud83d\\ude00", "\U0001f600", 1.5]'
    data = text.encode("utf-8")
    want = _summary(run_chunks(InstantParser(), [text]))
    for i, j in itertools.combinations(range(1, len(data)), 2):
        run = run_chunks(InstantParser(), [data[:i], data[i:j], data[j:]])
        assert _summary(run) == want, (i, j)
    for i, j in itertools.combinations(range(1, len(text)), 2):
        run = run_chunks(InstantParser(), [text[:i], text[i:j], text[j:]])
        assert _summary(run) == want, (i, j)
        assert canon(run.parser.value) == canon(json.loads(text))


def test_mixed_str_and_bytes_chunks() -> None:
    """str and bytes chunks may alternate in one stream (a str chunk never splits a character)."""
    text = HARD
    want = _summary(run_chunks(InstantParser(), [text]))
    chunks: list[Any] = []
    for k, i in enumerate(range(0, len(text), 3)):
        piece = text[i : i + 3]
        chunks.append(piece.encode("utf-8") if k % 2 else piece)
    assert _summary(run_chunks(InstantParser(), chunks)) == want
