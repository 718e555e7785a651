"""Errors and limits (DESIGN 2.4).

`ParseError(ValueError)` carries `kind`, `offset` (characters), 1-based `line` and `column`, and
`path` (where the parser was); its message reads `... at line L column C (in <path>)`. Positions
are computed here from the text (a marker shows where the offending character is) and checked for
multi-line input and for non-ASCII text (accents, CJK, an emoji: one character each) before the
error, fed as str and as bytes, whole and in pieces.
"""

from __future__ import annotations

import sys

import pytest

import instantjson
from instantjson import InstantParser, ParseError

MARK = "\u29bf"  # stands where the error is; removed from the input


def _where(template: str) -> tuple[str, int, int, int]:
    off = template.index(MARK)
    text = template.replace(MARK, "")
    line = text.count("\n", 0, off) + 1
    column = off - (text.rfind("\n", 0, off) + 1) + 1
    return text, off, line, column


def _fail(chunks: list[str | bytes], lenient: bool = False) -> tuple[InstantParser, ParseError]:
    p = InstantParser(lenient=lenient)
    try:
        for c in chunks:
            p.feed(c)
        p.finish()
    except ParseError as e:
        return p, e
    raise AssertionError(f"no ParseError for {chunks!r}")


# (template, path where the parser was; None where the contract leaves it open, e.g. inside a token)
POSITIONED = [
    ('{"a": 1 ' + MARK + '"b": 2}', ""),
    ('{"a" ' + MARK + "1}", None),
    ('{"a": 1' + MARK + "]", ""),
    ("[1, " + MARK + "x]", None),
    ("{} " + MARK + "x", ""),
    ('["ab' + MARK + '\n"]', None),
    ('{"steps": [\n  {"step": "a"},\n  {"step": "b"},\n  {"step": "c" ' + MARK + '"owner": "x"}\n]}', "steps[2]"),
    ('{\n  "title": "Caf\u00e9 \u65e5\u672c\u8a9e \U0001f600",\n  "b": [1, 2 ' + MARK + "3]\n}", "b"),
    ('{"t\u00e9": {"\u65e5": [true, ' + MARK + "}]}}", None),
    ('{"a.b": [{"x": 1, ' + MARK + "]}]}", '["a.b"][0]'),
    ('[\n\n  "\U0001f680\U0001f680",\n  {"k": null ' + MARK + "x}]", "[1]"),
    ('{"a": [1, 2], "b": {"c": [3, {"d": 4}]}' + MARK + "]", ""),
    ('{"a": [1, 2], "b": {"c": [3, {"d": 4} ' + MARK + "}]}}", "b.c"),
]


@pytest.mark.parametrize(("template", "path"), POSITIONED, ids=lambda v: repr(v)[:50])
@pytest.mark.parametrize("feeding", ["str", "bytes", "str_pieces", "bytewise"])
def test_error_position(template: str, path: str | None, feeding: str) -> None:
    text, off, line, column = _where(template)
    data = text.encode("utf-8")
    chunks: list[str | bytes] = {
        "str": [text],
        "bytes": [data],
        "str_pieces": [text[i : i + 3] for i in range(0, len(text), 3)],
        "bytewise": [data[i : i + 1] for i in range(len(data))],
    }[feeding]
    _, e = _fail(chunks)
    assert isinstance(e, ValueError)
    assert isinstance(e.kind, str) and e.kind
    assert (e.offset, e.line, e.column) == (off, line, column), str(e)
    assert f"line {line} column {column}" in str(e)
    if path is not None:
        assert e.path == path, str(e)
        if path:
            assert f"(in {path})" in str(e)
    with pytest.raises(ParseError) as again:
        instantjson.loads(text)
    assert (again.value.offset, again.value.line, again.value.column) == (off, line, column)


def test_design_example_message() -> None:
    text, off, line, column = _where(
        '{"title": "x",\n "steps": [{"step": "a"}, {"step": "b"},\n{"step": "c" ' + MARK + '"owner": "d"}]}'
    )
    assert (line, column) == (3, 14)
    _, e = _fail([text])
    assert "at line 3 column 14 (in steps[2])" in str(e), str(e)
    assert (e.offset, e.path) == (off, "steps[2]")


def test_error_is_sticky() -> None:
    p = InstantParser()
    p.feed('{"title": "Hello", "n": 1, "list": [1, "a')
    with pytest.raises(ParseError) as first:
        p.feed('b", 2 x')
    for _ in range(2):
        with pytest.raises(ParseError) as again:
            p.feed(", 3]}")
        assert (again.value.kind, again.value.offset) == (first.value.kind, first.value.offset)
    with pytest.raises(ParseError):
        p.finish()
    with pytest.raises(ParseError):
        _ = p.value
    # everything parsed before the error is still there
    assert p.snapshot() == {"title": "Hello", "n": 1, "list": [1, "ab", 2]}


def test_finish_on_unfinished_document_is_an_error_in_strict() -> None:
    for text in ('{"a": [1, 2', '{"a": "unterminated', "[", '{"a":', '"\\u00', "  "):
        p = InstantParser()
        p.feed(text)
        with pytest.raises(ParseError) as e:
            p.finish()
        assert e.value.offset == len(text), (text, e.value.offset)
        with pytest.raises(ParseError):
            _ = p.value
    for text in ("-", "tru", "1.", "1e+", '{"a": -'):  # an incomplete token: reported at its start or at the end
        p = InstantParser()
        p.feed(text)
        with pytest.raises(ParseError) as e:
            p.finish()
        assert len(text.rstrip("-tru1.e+")) <= e.value.offset <= len(text), (text, e.value.offset)


def test_value_before_root_closes_is_an_error() -> None:
    p = InstantParser()
    p.feed('{"a": 1')
    with pytest.raises(ParseError):
        _ = p.value


def test_empty_input_is_an_error() -> None:
    with pytest.raises(ParseError):
        instantjson.loads("")
    p = InstantParser()
    with pytest.raises(ParseError):
        p.finish()


@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_deep_nesting_is_an_error_not_a_crash(opening: str) -> None:
    text = opening * 100_000
    with pytest.raises(ParseError) as e:
        p = InstantParser()
        p.feed(text)
    assert e.value.kind == "depth_limit"
    with pytest.raises(ParseError):
        instantjson.loads(text.encode())
    with pytest.raises(ParseError):
        instantjson.parse_partial(text)


def test_max_depth_is_exact() -> None:
    assert instantjson.loads("[" * 10 + "]" * 10, max_depth=10) is not None
    with pytest.raises(ParseError) as e:
        instantjson.loads("[" * 11 + "]" * 11, max_depth=10)
    assert e.value.kind == "depth_limit"
    p = InstantParser(max_depth=3)
    p.feed('{"a": [{')
    with pytest.raises(ParseError):
        p.feed('"b": [')


@pytest.mark.parametrize("opening,closing", [("[", "]"), ('{"a":', "}")])
def test_deep_nesting_with_raised_limit_uses_an_explicit_stack(opening: str, closing: str) -> None:
    n = 100_000
    p = InstantParser(max_depth=200_000)
    p.feed(opening * n)
    snap = p.snapshot()  # a 100,000-deep partial value: building it must not recurse either
    assert isinstance(snap, (list, dict))
    with pytest.raises(ParseError):
        p.finish()  # strict: unfinished
    p = InstantParser(max_depth=200_000, deltas=False)
    events = p.feed(opening * n + "1" + closing * n)
    assert len(events) == n  # the 1 and every container but the root
    v = p.value
    depth = 0
    while isinstance(v, (list, dict)):
        v = v[0] if isinstance(v, list) else v["a"]
        depth += 1
    assert (depth, v) == (n, 1)
    p = InstantParser(max_depth=200_000, lenient=True)
    p.feed(opening * n)
    p.finish()  # lenient completes 100,000 open containers
    assert p.truncated


def test_invalid_utf8_is_an_error_in_strict() -> None:
    for data in (b'{"a": "x\xffy"}', b'["\xc0\xaf"]', b'["\xed\xa0\x80"]', b'["\xe6\x97"]'):
        with pytest.raises(ParseError):
            instantjson.loads(data)
        _, e = _fail([data[i : i + 1] for i in range(len(data))])
        assert e.kind


def test_invalid_utf8_offset_counts_characters() -> None:
    prefix = '{"k\u00e9": "\u65e5\U0001f600 '
    data = prefix.encode() + b'\xff"}'
    with pytest.raises(ParseError) as e:
        instantjson.loads(data)
    assert e.value.offset == len(prefix)
    assert e.value.column == len(prefix) + 1


def test_lenient_errors_still_raise() -> None:
    """Lenient is not 'anything goes': a broken structure inside the root is still an error
    (`[1, 2 3]` and `{"a": ]` are repairs now: docs/readme-parts/repair.md)."""
    for text in ('{"a": 1 "b" 2}', "[1, 2 :]", '{"a" 1}', '{"a": :}'):
        _, e = _fail([text], lenient=True)
        assert e.line == 1


def test_parse_error_type() -> None:
    assert issubclass(ParseError, ValueError)
    assert ParseError is instantjson.ParseError
    with pytest.raises(ValueError):
        instantjson.loads("[1,]")


def test_recursion_limit_untouched() -> None:
    before = sys.getrecursionlimit()
    instantjson.loads("[" * 500 + "]" * 500)
    assert sys.getrecursionlimit() == before
