"""Event semantics (DESIGN 2.1), checked against an independent reference.

For every JSONTestSuite `y_` file and a corpus of realistic model answers, fed whole, in random
chunks and one character (or byte) at a time:
- the done events are exactly the reference's: one per value, children before their container,
  document order, the root excluded, values type-exact (so they rebuild json.loads' value);
- `path`, `keys`, `wildcard_path` and `indexes` agree with a path formatter written here from the
  DESIGN rules;
- a string gets deltas then one done, the deltas are never empty and add up to the done value,
  `value` on a delta is the text so far, `""` gets only a done, one open string yields at most
  one delta per feed(), `is_complete == (event_type == "done")`.
Then `paths=` filtering and `deltas=False`, and a few targeted cases.
"""

from __future__ import annotations

import gc
import json
import random
import sys
import weakref
from typing import TYPE_CHECKING, Any

import pytest

from instantjson import InstantEvent, InstantParser
from tests._shared import (
    byte_chunks,
    canon,
    char_chunks,
    check_against_reference,
    check_event_stream,
    corpus,
    format_path,
    param_or_skip,
    random_chunks,
    run_chunks,
    suite_files,
    wildcard_of,
)

if TYPE_CHECKING:
    from pathlib import Path

Y_FILES = suite_files("y_")
CORPUS = corpus()


def _check_all_feedings(text: str) -> None:
    data = text.encode("utf-8")
    feedings: list[tuple[str, list[Any], bool]] = [
        ("whole_str", [text], True),
        ("chars", char_chunks(text), True),
        ("random_str", random_chunks(text, 7), True),
        ("whole_bytes", [data], False),
        ("bytewise", byte_chunks(data), False),
        ("random_bytes", random_chunks(data, 11, max_len=5), False),
    ]
    for name, chunks, str_feeds in feedings:
        run = run_chunks(InstantParser(), chunks)
        try:
            check_event_stream(run, str_feeds=str_feeds)
            check_against_reference(run, text)
        except AssertionError as e:
            raise AssertionError(f"[{name}] {e}") from e


@pytest.mark.parametrize("path", param_or_skip(Y_FILES, "JSONTestSuite y_", ids=lambda p: p.stem))
def test_events_y_file(path: Path) -> None:
    _check_all_feedings(path.read_bytes().decode("utf-8"))


@pytest.mark.parametrize(("name", "text"), CORPUS, ids=[n for n, _ in CORPUS])
def test_events_corpus(name: str, text: str) -> None:
    _check_all_feedings(text)


@pytest.mark.parametrize(("name", "text"), CORPUS, ids=[n for n, _ in CORPUS])
def test_root_children_rebuild_value(name: str, text: str) -> None:
    """The done values of the root's direct children are json.loads' children."""
    run = run_chunks(InstantParser(), random_chunks(text, 3))
    root = json.loads(text)
    children = {e.keys[0]: e.value for e in run.events if e.event_type == "done" and len(e.keys) == 1}
    if isinstance(root, dict):
        assert canon(children) == canon(root)  # duplicate keys: the last done wins, as in json.loads
    elif isinstance(root, list):
        assert canon([children[i] for i in range(len(root))]) == canon(root)
        assert sorted(children) == list(range(len(root)))
    else:
        assert children == {}


# ---------------------------------------------------------------------------------- paths= / deltas=


def _tup(e: InstantEvent) -> tuple[Any, ...]:
    return (e.event_type, e.path, e.delta, canon(e.value))


ANSWER = dict(CORPUS)["answer_compact"]
ODD = dict(CORPUS)["odd_keys"]


@pytest.mark.parametrize(
    ("text", "paths"),
    [
        (ANSWER, ["title", "steps[*].owner"]),
        (ANSWER, ["steps[1].owner", "confidence"]),
        (ANSWER, ["steps[*]", "steps", "summary"]),
        (ANSWER, ["meta.a.b", 'meta["a.b"]', 'meta[""]', 'meta["x[0]"]']),
        (ANSWER, ["steps[*].blockers[*]", "risks[2]"]),
        (ANSWER, ["nothing.matches"]),
        (ODD, ['["a.b"]["c[0]"]', '["x[0]"][*]["y.z"]', '["x[0]"][0]']),
        (dict(CORPUS)["root_list"], ["[*]", "[2].x[*].y"]),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 40 else None,
)
def test_paths_filter(text: str, paths: list[str]) -> None:
    chunks = random_chunks(text, 5)
    full = run_chunks(InstantParser(), chunks)
    filtered = run_chunks(InstantParser(paths=paths), chunks)
    want = [_tup(e) for e in full.events if e.path in paths or e.wildcard_path in paths]
    got = [_tup(e) for e in filtered.events]
    assert got == want
    # everything is still parsed
    assert canon(filtered.parser.value) == canon(json.loads(text))
    # and the snapshot is whole mid-stream too
    half = len(text) // 2
    p1, p2 = InstantParser(), InstantParser(paths=paths)
    p1.feed(text[:half])
    p2.feed(text[:half])
    assert canon(p2.snapshot()) == canon(p1.snapshot())


def test_paths_filter_concrete_and_wildcard_matches_something() -> None:
    """Guard against a vacuous filter test: the wildcard and the concrete path both select events."""
    run = run_chunks(InstantParser(paths=["steps[*].owner", "title"]), [ANSWER])
    owners = [e for e in run.events if e.event_type == "done" and e.wildcard_path == "steps[*].owner"]
    assert len(owners) == len(json.loads(ANSWER)["steps"])
    assert any(e.path == "title" for e in run.events)


@pytest.mark.parametrize(("name", "text"), CORPUS, ids=[n for n, _ in CORPUS])
def test_deltas_false_gives_the_dones(name: str, text: str) -> None:
    chunks = random_chunks(text, 9)
    full = run_chunks(InstantParser(), chunks)
    quiet = run_chunks(InstantParser(deltas=False), chunks)
    check_event_stream(quiet, deltas=False)
    assert [_tup(e) for e in quiet.events] == [_tup(e) for e in full.events if e.event_type == "done"]
    assert canon(quiet.parser.value) == canon(full.parser.value)


# ----------------------------------------------------------------------------------- targeted cases


def test_string_deltas_then_one_done() -> None:
    p = InstantParser()
    e1 = p.feed('{"title": "Gro')
    e2 = p.feed('wth plan", "n": 1')
    e3 = p.feed("}")
    assert [(e.event_type, e.path, e.delta, e.value) for e in e1] == [("delta", "title", "Gro", "Gro")]
    assert [(e.event_type, e.path, e.delta, e.value) for e in e2] == [
        ("delta", "title", "wth plan", "Growth plan"),
        ("done", "title", None, "Growth plan"),
    ]
    # the number ends at the delimiter; the root gets no event
    assert [(e.event_type, e.path, e.value) for e in e3] == [("done", "n", 1)]
    assert p.done
    assert p.value == {"title": "Growth plan", "n": 1}
    assert p.finish() == []


def test_empty_string_gets_only_a_done() -> None:
    p = InstantParser()
    events = p.feed('["", "x"]')
    assert [(e.event_type, e.path, e.value) for e in events] == [
        ("done", "[0]", ""),
        ("delta", "[1]", "x"),
        ("done", "[1]", "x"),
    ]


def test_number_split_across_feeds_is_one_number() -> None:
    p = InstantParser()
    assert p.feed("[12") == []
    assert p.feed("34") == []
    events = p.feed(",5.")
    assert [(e.path, e.value) for e in events] == [("[0]", 1234)]
    assert p.feed("25e1") == []
    events = p.feed("]")
    assert [(e.path, canon(e.value)) for e in events] == [("[1]", canon(52.5))]  # the root gets none
    assert canon(p.value) == canon([1234, 52.5])


def test_top_level_number_completes_at_finish() -> None:
    p = InstantParser()
    assert p.feed("-12") == []
    assert not p.done
    assert p.finish() == []  # the root gets no event
    assert p.done
    assert p.value == -12 and type(p.value) is int


def test_literals_done_when_the_token_ends() -> None:
    p = InstantParser()
    assert p.feed("[tr") == []
    events = p.feed("ue")
    assert [(e.path, e.value) for e in events] == [("[0]", True)]
    events = p.feed(",nul")
    assert events == []
    events = p.feed("l]")
    assert [(e.path, e.value) for e in events] == [("[1]", None)]


def test_containers_done_after_children() -> None:
    text = '{"a": {"b": [1, {"c": "d"}]}, "e": []}'
    run = run_chunks(InstantParser(), [text])
    assert [e.path for e in run.events if e.event_type == "done"] == [
        "a.b[0]",
        "a.b[1].c",
        "a.b[1]",
        "a.b",
        "a",
        "e",
    ]


def test_one_delta_per_open_string_per_feed() -> None:
    """Escapes, a surrogate pair and multi-byte text inside one feed still make one coalesced delta."""
    text = '{"s": "a\\nb\\u00e9c\\ud83d\\ude00d\\"e caf\u00e9 \u65e5\u672c \U0001f600 end"}'
    for chunk in (text, text.encode("utf-8")):
        p = InstantParser()
        events = p.feed(chunk)
        assert [e.event_type for e in events] == ["delta", "done"]
        assert events[0].delta == json.loads(text)["s"]


@pytest.mark.parametrize(
    "text", ["caf\u00e9", "\u65e5\u672c", "\U0001f600 x", "\u00ff\u0100", "a\ud800b", "\udfff", "x\ud83d\U0001f600"]
)
def test_str_chunks_of_every_width_and_lone_surrogates(text: str) -> None:
    """A str chunk's text reaches the events whatever its storage width (1, 2 or 4 bytes a
    character), and a lone surrogate, which UTF-8 cannot hold, becomes U+FFFD in the delta too
    (a delta may be the chunk's own str object only when the text is exactly the chunk)."""
    want = "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)
    p = InstantParser()
    p.feed('{"s": "')
    deltas = [e.delta for e in p.feed(text)]
    assert deltas == [want]
    assert p.snapshot() == {"s": want}
    p.feed('"}')
    assert p.value == {"s": want}


def test_str_chunks_are_not_given_a_utf8_copy() -> None:
    """Feeding a non-ASCII str does not make CPython attach a UTF-8 copy to it (which would
    double the memory of every token a response keeps for its replay)."""
    chunk = "".join(["caf\u00e9 \u65e5\u672c \U0001f600 "] * 20)
    size = sys.getsizeof(chunk)
    p = InstantParser()
    p.feed('["')
    p.feed(chunk)
    assert sys.getsizeof(chunk) == size


def test_split_escapes_are_held_back() -> None:
    p = InstantParser()
    assert [e.delta for e in p.feed('["ab\\')] == ["ab"]
    assert p.feed("u00") == []
    assert [e.delta for e in p.feed("e9\\ud83d")] == ["\u00e9"]  # the high surrogate waits
    assert [e.delta for e in p.feed("\\ude00x")] == ["\U0001f600x"]
    assert p.snapshot() == ["ab\u00e9\U0001f600x"]


def test_split_utf8_is_held_back() -> None:
    data = '{"k": "caf\u00e9\U0001f600"}'.encode()
    i = data.index("\u00e9".encode()) + 1
    p = InstantParser()
    assert [e.delta for e in p.feed(data[:i])] == ["caf"]  # 'é' cut after its first byte
    assert [e.delta for e in p.feed(data[i : i + 3])] == ["\u00e9"]  # the emoji cut after 2 of 4 bytes
    assert p.snapshot() == {"k": "caf\u00e9"}
    events = p.feed(data[i + 3 :])
    assert [(e.event_type, e.delta) for e in events] == [("delta", "\U0001f600"), ("done", None)]


def test_root_string_gets_no_event() -> None:
    p = InstantParser()
    assert p.feed('"abc') == []
    assert p.snapshot() == "abc"
    assert p.feed('def"') == []
    assert p.value == "abcdef"


def test_path_formats() -> None:
    text = '{"a.b": {"": [{"x[0]": {"q\\"": 1, "ok": 2}}]}, "t": [[3]]}'
    run = run_chunks(InstantParser(), [text])
    got = [(e.path, e.wildcard_path, e.keys, e.indexes) for e in run.events if e.event_type == "done"]
    assert got == [
        ('["a.b"][""][0]["x[0]"]["q\\""]', '["a.b"][""][*]["x[0]"]["q\\""]', ("a.b", "", 0, "x[0]", 'q"'), (0,)),
        ('["a.b"][""][0]["x[0]"].ok', '["a.b"][""][*]["x[0]"].ok', ("a.b", "", 0, "x[0]", "ok"), (0,)),
        ('["a.b"][""][0]["x[0]"]', '["a.b"][""][*]["x[0]"]', ("a.b", "", 0, "x[0]"), (0,)),
        ('["a.b"][""][0]', '["a.b"][""][*]', ("a.b", "", 0), (0,)),
        ('["a.b"][""]', '["a.b"][""]', ("a.b", ""), ()),
        ('["a.b"]', '["a.b"]', ("a.b",), ()),
        ("t[0][0]", "t[*][*]", ("t", 0, 0), (0, 0)),
        ("t[0]", "t[*]", ("t", 0), (0,)),
        ("t", "t", ("t",), ()),
    ]
    for path, wild, keys, _ in got:
        assert format_path(keys) == path and wildcard_of(keys) == wild  # the reference agrees


def test_root_list_paths() -> None:
    run = run_chunks(InstantParser(), ['[0, {"x": "y"}, [true]]'])
    assert [e.path for e in run.events if e.event_type == "done"] == ["[0]", "[1].x", "[1]", "[2][0]", "[2]"]


def test_event_is_frozen_and_comparable() -> None:
    text = '{"a": "bc", "d": [1]}'
    a = run_chunks(InstantParser(), [text]).events
    b = run_chunks(InstantParser(), [text]).events
    assert a == b
    assert [hash(e) for e in a[:2]] == [hash(e) for e in b[:2]]  # strings only: containers are unhashable
    assert a[0] != a[1]
    with pytest.raises(AttributeError):
        a[0].path = "x"  # type: ignore[misc]


def test_event_match_args() -> None:
    """The stub declares `__match_args__ = ("event_type", "path", "value")`."""
    (event,) = [e for e in InstantParser().feed('{"a": "bc"}') if e.event_type == "done"]
    assert InstantEvent.__match_args__ == ("event_type", "path", "value")
    match event:
        case InstantEvent("done", "a", value):
            assert value == "bc"
        case _:
            pytest.fail(f"match_args do not match: {event!r}")


def test_no_events_before_the_root_and_after_done() -> None:
    p = InstantParser()
    assert p.feed("   \n\t ") == []
    assert p.snapshot() is None
    assert not p.done
    events = p.feed('{"a": 1}')
    assert [(e.event_type, e.path, e.value) for e in events] == [("done", "a", 1)]
    assert p.done
    assert p.feed("  \n") == []


@pytest.mark.parametrize("max_len", [4, 9, 24])
@pytest.mark.parametrize("keep_every", [1, 2, 3, 7, 0])
def test_delta_values_whether_events_are_kept_or_dropped(keep_every: int, max_len: int) -> None:
    """A delta's `value` is the string so far, read at any time later, whichever events of the
    stream were kept and which were dropped right after their feed (the parser reuses a string's
    text buffer once no event refers to it: a kept event must never see a later string's text).
    Chunks of up to 4, 9 and 24 characters give deltas of every size the text so far is grown by
    (1-3, 4-7, 8-16 and more bytes are copied differently)."""
    text = json.dumps(
        {"a": "first string " * 9, "b": ["x" * 120, "caf\u00e9 \u65e5\u672c " * 15, "", "y"], "c": "last " * 27},
        ensure_ascii=False,
    )
    chunks = random_chunks(text, 5, max_len=max_len)
    p = InstantParser()
    kept: list[tuple[Any, str]] = []
    so_far: dict[str, str] = {}
    for i, chunk in enumerate(chunks):
        events = p.feed(chunk)
        for e in events:
            if e.event_type == "delta":
                so_far[e.path] = so_far.get(e.path, "") + e.delta
                if keep_every and i % keep_every == 0:
                    kept.append((e, so_far[e.path]))
        del events
    p.finish()
    assert keep_every == 0 or len(kept) > 5
    for event, expected in kept:
        assert event.value == expected, event.path
    assert so_far == {k: v for k, v in json.loads(text).items() if isinstance(v, str)} | {
        f"b[{i}]": v for i, v in enumerate(json.loads(text)["b"]) if v
    }


@pytest.mark.parametrize("seed", range(6))
def test_a_list_feed_returned_never_changes_while_anyone_holds_it(seed: int) -> None:
    """`feed()` refills a list it returned before once nobody else holds it (so a token costs
    no list allocation). A list the caller keeps, as a name, inside another object, through an
    iterator not yet read, or after changing it, keeps exactly what it had; and every call's
    events are those of a parser whose lists are all kept."""
    rng = random.Random(seed)
    text = CORPUS[seed % len(CORPUS)][1]
    chunks = random_chunks(text, seed, max_len=4)
    expected = run_chunks(InstantParser(), chunks).per_feed
    p = InstantParser()
    kept: list[tuple[list[Any], list[Any]]] = []
    iterators: list[tuple[Any, list[Any]]] = []
    held: tuple[list[Any], list[Any]] | None = None
    names_checked = 0
    for i, chunk in enumerate(chunks):
        events = p.feed(chunk)
        assert [(e.event_type, e.path, e.value) for e in events] == [
            (e.event_type, e.path, e.value) for e in expected[i]
        ]
        fate = rng.random()
        if fate < 0.15:
            kept.append((events, list(events)))
        elif fate < 0.2:
            events.append(i)
            kept.append((events, list(events)))
        elif fate < 0.25:
            events.extend(range(20))
            kept.append((events, list(events)))
        elif fate < 0.3:
            iterators.append((iter(events), list(events)))
        elif fate < 0.5:
            # Held by a name only, until a later chunk's list replaces it: unchanged till then.
            if held is not None:
                assert all(a is b for a, b in zip(*held, strict=True))
                names_checked += 1
            held = (events, list(events))
        del events
    p.finish()
    assert names_checked > 0
    assert len(kept) > 3
    for lst, items in kept:
        assert len(lst) == len(items)
        assert all(a is b for a, b in zip(lst, items, strict=True))
    for it, items in iterators:
        assert all(a is b for a, b in zip(it, items, strict=True))


def test_a_dropped_list_s_items_are_reused_only_when_nobody_else_holds_them() -> None:
    """When `feed()` refills a list, an event only that list held is kept alive for a later
    event; anything else in it (an event someone holds, an object the caller added) is released
    as usual: held events keep their values, added objects are finalized exactly once."""
    finalized: list[int] = []

    class Marker:
        def __init__(self, i: int) -> None:
            self.i = i

        def __del__(self) -> None:
            finalized.append(self.i)

    text = CORPUS[0][1]
    chunks = random_chunks(text, 3, max_len=3)
    p = InstantParser()
    held: list[tuple[Any, tuple[Any, ...]]] = []
    markers = 0
    for i, chunk in enumerate(chunks):
        events = p.feed(chunk)
        if events and i % 3 == 0:
            e = events[0]
            held.append((e, (e.event_type, e.path, e.delta, e.value)))
        if len(events) <= 5 and i % 4 == 0:
            events += [Marker(i), {"only": [i]}]
            markers += 1
        del events
    p.finish()
    del p
    gc.collect()
    assert markers > 5
    assert len(held) > 5
    assert sorted(finalized) == sorted(set(finalized))
    assert len(finalized) == markers
    for e, fields in held:
        assert (e.event_type, e.path, e.delta, e.value) == fields


def test_many_parsers_giving_back_more_events_than_are_kept() -> None:
    """Events that refilled lists give back are kept for later events up to a limit; past it
    (many parsers each giving back a full list before any makes a new event) they are released.
    Every parser still reads its stream exactly as a fresh parser does."""
    text = "[1, 2, 3, 4, 5, 6, 7]"
    parsers = [InstantParser() for _ in range(40)]
    firsts = [p.feed(text[:-2]) for p in parsers]
    assert all(len(events) == 6 for events in firsts)
    del firsts
    for p in parsers:
        assert p.feed(" ") == []  # refills the list of 6 events, which nobody holds any more
    for p in parsers:
        events = p.feed("7]")
        assert [(e.event_type, e.path, e.value) for e in events] == [("done", "[6]", 7)]
        assert p.value == [1, 2, 3, 4, 5, 6, 7]
    again = [(e.event_type, e.path, e.value) for e in InstantParser().feed(text)]
    assert again == [("done", f"[{i}]", i + 1) for i in range(7)]


def test_a_list_given_back_holding_the_parser_is_collected() -> None:
    """The parser keeps the lists it may refill; one the caller filled with a reference back to
    the parser and dropped is a cycle that the cycle collector frees."""

    class Marker:
        pass

    p = InstantParser()
    events = p.feed('{"a": "x')
    marker = Marker()
    gone = weakref.ref(marker)
    events += [p, marker]
    del events, marker, p
    gc.collect()
    assert gone() is None
