"""Lenient mode (DESIGN 2.2): what models actually write.

Cases from `lenient/json_repair.json` are selected one by one: json_repair is a repair tool that
guesses, our lenient mode accepts a fixed list of deviations. IN scope (the DESIGN 2.2 list):
fences and prose before the root, text after the root (kept in `trailing`), single-quoted strings,
unquoted keys, trailing commas, `//` and `/* */` comments, True/False/None, raw control characters
in strings, `\\'` escapes, and truncated input completed at finish() (`truncated` is True).
The repairs beyond that list (missing commas and quotes, unquoted values, loose numbers,
placeholders, tuples, mismatched closers, ...) and every other json_repair and BAML case, with the
cases we decline and why, are tested in test_core_repair.py (docs/readme-parts/repair.md).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import pytest

from instantjson import InstantParser, ParseError
from tests._shared import (
    assert_exact,
    canon,
    check_event_stream,
    corpus,
    corpus_objects,
    load_cases,
    missing_shared,
    param_or_skip,
    random_chunks,
    reference_completion,
    reference_dones,
    reference_snapshot,
    run_chunks,
    suite_files,
)

if TYPE_CHECKING:
    from pathlib import Path

REPAIR = load_cases("lenient", "json_repair.json")

# (input -> why it is in scope). Selected by input text so that a change to the data file shows.
IN_SCOPE: dict[str, str] = {
    '{"key": ""': "truncated",
    'Here is your JSON: {"key": "value': "prose before + truncated string",
    '{"key": "val\\n123,`key2:value2`"}': "valid",
    '{"key": "val\\': "truncated: incomplete escape dropped (stream_stable=True)",
    '{"key": "val\\n': "truncated after an escape",
    '{"key": "val\\n123,`key2:value2': "truncated string",
    "[": "truncated",
    "[1, 2, 3,": "truncated after a comma",
    '{"employees":["John", "Anna",': "truncated",
    '{"employees":["John", "Anna", "Peter': "truncated string",
    '{"key1": {"key2": [1, 2, 3': "truncated: a whole number at finish() is kept",
    '{ "key": "value" /* comment': "truncated inside a block comment",
    "[105,12": "truncated: a whole number at finish() is kept",
    '{"': "truncated key dropped",
    '{"name": "John", "age": 30, "city": "New York': "truncated string",
    '{"name": "John", "age": 30, "city": "New': "truncated string",
    '{"foo": "\\"bar\\""': "truncated after escapes",
    '{"key": "```json"': "a fence inside a string is text",
    '{"response": "```json{}"': "a fence inside a string is text",
    'Here is your JSON:\n{"text": "a\\n b c, floof: a\\n ... a b (c), floof: \\n a", "id": 8}': "prose before",
    'Here is your JSON:\n{"text": "literal } and ]"}\nAdditional explanation.': "prose before, text after",
    "stringbeforeobject {}": "prose before",
    '````{ "key": "value" }```': "fence before, text after",
    '{    "a": "",    "b": [ { "c": 1} ] \n}```': "text after",
    "Based on the information extracted, here is the filled JSON output: ```json { 'a': 'b' } ```": (
        "prose, fence, single quotes"
    ),
    "[]{}": "text after the root",
    '{"key": "value"}, []': "text after the root",
    "{'text': 'words{words in brackets}more words'}": "single quotes",
    "{\"key\": 'value'}": "single quotes",
    "{'': 1}": "single-quoted empty key",
    '{ "key": { "key2": "value2" // comment }, "key3": "value3" }': "line comment eats the rest: truncated",
    '{ "key": { "key2": "value2" // comment\n}, "key3": "value3" }': "line comment",
    '{ "key": { "key2": "value2" /* comment */ }, "key3": "value3" }': "block comment",
    '{ "key": "value", "key2": 1, "key3": True }': "True",
    "[1, 2, '...', 3]": "single quotes",
    '{"key": "value\\nvalue"}': "escapes",
    '{"key\t_": "value"}': "raw control character in a key",
    '{"key": "\\u0076\\u0061\\u006C\\u0075\\u0065"}': "unicode escapes",
    '{"key": "valu\\\'e"}': "\\' escape",
    '{ "key": "\\\\{1,2\\\\} \\\\{3\\\\}" }': "escaped backslashes",
    '{"name": "John", "age": 30, "city": "New York"}': "valid",
    '{"key": 12345678901234567890}': "valid, big int",
}


def _selected() -> list[tuple[dict[str, Any], str]]:
    out = []
    for c in REPAIR:
        if c["outcome"] != "value" or c["input"] not in IN_SCOPE:
            continue
        if c["options"].get("stream_stable") is False:
            continue  # the dangling-backslash variant (see the module docstring)
        out.append((c, IN_SCOPE[c["input"]]))
    return out


SELECTED = _selected()


def test_selection_is_not_empty() -> None:
    if not REPAIR:
        missing_shared("lenient/json_repair.json")
    found = {c["input"] for c, _ in SELECTED}
    assert set(IN_SCOPE) - found == set(), "a selected json_repair case is gone from the data file"


def _lenient(chunks: list[Any]) -> InstantParser:
    p = InstantParser(lenient=True)
    for c in chunks:
        p.feed(c)
    p.finish()
    return p


@pytest.mark.parametrize(
    ("case", "why"),
    param_or_skip(SELECTED, "lenient/json_repair.json", ids=lambda t: f"{t[1]}:{t[0]['input'][:30]!r}", arity=2),
)
def test_json_repair_case(case: dict[str, Any], why: str) -> None:
    text = case["input"]
    expected = case["expected"]
    for name, chunks in [("whole", [text]), ("chunks", random_chunks(text, 3, 4)), ("chars", list(text))]:
        p = _lenient(chunks)
        assert_exact(p.value, expected, f"{name}: {why}")
        assert p.done
        # whatever follows the root is kept verbatim and is a suffix of the input
        assert text.endswith(p.trailing), (p.trailing, text)
        if "truncated" in why:
            assert p.truncated is True
        elif "valid" in why or "quotes" in why:
            assert p.truncated is False


@pytest.mark.parametrize(
    ("text", "value", "trailing"),
    [
        ('Sure! Here it is:\n```json\n{"a": [1, 2]}\n```\nAnything else?', {"a": [1, 2]}, "\n```\nAnything else?"),
        ('{"a": 1} and that is all.', {"a": 1}, " and that is all."),
        ("[1, 2] [3]", [1, 2], " [3]"),
        ('```\n["x"]\n```', ["x"], "\n```"),
        ('{"a": 1}', {"a": 1}, ""),
    ],
)
def test_trailing_text_is_kept(text: str, value: Any, trailing: str) -> None:
    for chunks in ([text], list(text)):
        p = _lenient(chunks)
        assert_exact(p.value, value)
        assert p.trailing == trailing
        assert p.truncated is False


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("{'a': 'it\\'s', \"b\": 'x\"y'}", {"a": "it's", "b": 'x"y'}),
        ("{title: 'T', steps: [{step: 'a', eta_days: 2,},],}", {"title": "T", "steps": [{"step": "a", "eta_days": 2}]}),
        ('{"a": [1, 2, ], "b": {"c": 3, }, }', {"a": [1, 2], "b": {"c": 3}}),
        ('// lead\n{"a": /* mid */ 1, // tail\n "b": 2 /* end */}', {"a": 1, "b": 2}),
        ('{"t": True, "f": False, "n": None}', {"t": True, "f": False, "n": None}),
        ('{"s": "line1\nline2\ttab\x01"}', {"s": "line1\nline2\ttab\x01"}),
        ('{"s": "don\\\'t \\q"}', {"s": "don't q"}),
    ],
)
def test_lenient_features(text: str, value: Any) -> None:
    for chunks in ([text], list(text), random_chunks(text.encode("utf-8"), 5, 3)):
        p = _lenient(chunks)
        assert_exact(p.value, value)
        assert p.truncated is False
    with pytest.raises(ParseError):
        strict = InstantParser()
        strict.feed(text)
        strict.finish()


@pytest.mark.parametrize("text", ['{"a": NaN, "b": Infinity, "c": -Infinity}', "[NaN, -Infinity, 1]"])
def test_lenient_non_finite(text: str) -> None:
    p = _lenient([text])
    want = json.loads(text)  # Python's json accepts these
    assert_exact(p.value, want)
    p2 = _lenient(list(text))
    assert_exact(p2.value, want)


def test_lenient_events_close_everything_on_truncation() -> None:
    p = InstantParser(lenient=True)
    events = p.feed('Here: {"title": "Gro')
    assert [(e.event_type, e.path, e.delta) for e in events] == [("delta", "title", "Gro")]
    events = p.feed('wth", "steps": [{"step": "a"}, {"step": "b')
    events = p.finish()
    assert [(e.event_type, e.path) for e in events] == [
        ("done", "steps[1].step"),
        ("done", "steps[1]"),
        ("done", "steps"),
    ]
    assert p.value == {"title": "Growth", "steps": [{"step": "a"}, {"step": "b"}]}
    assert p.truncated is True and p.done


def test_lenient_invalid_utf8_becomes_replacement_char() -> None:
    data = b'{"a": "x\xffy\xe6\x97", "b": "\xc0\xaf"}'
    want = json.loads(data.decode("utf-8", "replace"))
    for chunks in ([data], [data[i : i + 1] for i in range(len(data))]):
        p = _lenient(chunks)
        assert_exact(p.value, want)


# ------------------------------------------------------------------------------------ y_ files

Y_FILES = suite_files("y_")


@pytest.mark.parametrize("path", param_or_skip(Y_FILES, "JSONTestSuite y_", ids=lambda p: p.stem))
def test_lenient_accepts_y_file(path: Path) -> None:
    data = path.read_bytes()
    text = data.decode("utf-8")
    expected = json.loads(text)
    for chunks in ([data], [text], random_chunks(data, 2, 3)):
        p = _lenient(chunks)
        assert_exact(p.value, expected)
        assert p.truncated is False
        assert p.trailing.strip() == ""


INVALID_UTF8 = []
for _p in suite_files("i_") + suite_files("n_"):
    _b = _p.read_bytes()
    try:
        _b.decode("utf-8")
    except UnicodeDecodeError:
        try:
            _v = json.loads(_b.decode("utf-8", "replace"))
        except ValueError:
            continue
        if not _b.startswith((b"\xff\xfe", b"\xfe\xff")) and _b[:1] in (b"[", b"{"):
            INVALID_UTF8.append(_p)


def _collapse_fffd(v: Any) -> Any:
    """Runs of U+FFFD as one: DESIGN says "U+FFFD" without saying how many per bad sequence."""
    if isinstance(v, str):
        return re.sub("\ufffd+", "\ufffd", v)
    if isinstance(v, list):
        return [_collapse_fffd(x) for x in v]
    if isinstance(v, dict):
        return {_collapse_fffd(k): _collapse_fffd(x) for k, x in v.items()}
    return v


@pytest.mark.parametrize("path", param_or_skip(INVALID_UTF8, "JSONTestSuite invalid UTF-8", ids=lambda p: p.stem))
def test_invalid_utf8_files(path: Path) -> None:
    """Invalid UTF-8 is an error in strict mode and U+FFFD in lenient mode, whole or byte by byte
    (the same value both ways). The count of U+FFFD per bad sequence is not in the contract, so
    runs are collapsed before comparing with Python's `errors="replace"`."""
    data = path.read_bytes()
    with pytest.raises(ParseError):
        strict = InstantParser()
        strict.feed(data)
        strict.finish()
    want = json.loads(data.decode("utf-8", "replace"))
    whole = _lenient([data]).value
    assert_exact(_collapse_fffd(whole), _collapse_fffd(want))
    assert_exact(_lenient([data[i : i + 1] for i in range(len(data))]).value, whole)


# ----------------------------------------------------------------- truncation at every prefix

OBJECTS = [(n, t) for n, t in corpus_objects() if n != "duplicate_keys"]


@pytest.mark.parametrize(("name", "text"), OBJECTS, ids=[n for n, _ in OBJECTS])
def test_finish_completes_every_prefix(name: str, text: str) -> None:
    """Once the root has started, a lenient finish() never raises; the completed value is the
    snapshot with the pending whole number kept and incomplete keys/literals/escapes dropped; the
    done events are exactly those of the completed value (so every open path got its done)."""
    start = min(i for i in (text.find("{"), text.find("[")) if i >= 0)
    step = max(1, len(text) // 250)
    for i in [*range(start + 1, len(text), step), len(text)]:
        prefix = text[:i]
        p = InstantParser(lenient=True)
        run = run_chunks(p, random_chunks(prefix, i, 7))
        has, want, held = reference_completion(prefix)
        assert has
        complete = reference_snapshot(prefix)[2]
        check_event_stream(run)
        assert p.done
        assert p.truncated is (not complete), prefix[-40:]
        if held:
            continue  # a lone high surrogate at the cut: its fate is not specified
        assert_exact(p.value, want, f"lenient finish() of {prefix[-60:]!r}")
        ref, _ = reference_dones(json.dumps(want))
        got = [(e.keys, canon(e.value)) for e in run.events if e.event_type == "done"]
        assert got == [(k, canon(v)) for k, v in ref], f"dones after finish() of {prefix[-60:]!r}"


@pytest.mark.parametrize(("name", "text"), corpus(), ids=[n for n, _ in corpus()])
def test_lenient_equals_strict_on_valid_json(name: str, text: str) -> None:
    a = run_chunks(InstantParser(lenient=True), random_chunks(text, 4))
    b = run_chunks(InstantParser(), random_chunks(text, 4))
    assert a.dones() == b.dones()
    assert a.delta_text() == b.delta_text()
    assert canon(a.parser.value) == canon(b.parser.value)
    assert a.parser.lenient is True and b.parser.lenient is False
