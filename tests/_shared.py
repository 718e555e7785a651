"""Helpers shared by the parser tests: the shared data folder, exact value comparison, chunking,
an independent reference for paths, done events and snapshots, and a corpus of model answers.

Nothing here imports instantjson: the references are written from DESIGN.md section 2 alone, so
they can disagree with the parser.
"""

from __future__ import annotations

import json
import math
import os
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

REPO = Path(__file__).resolve().parents[1]
# CI clones the repo with shared/ beside it.
SHARED = REPO.parent / "shared"
CONFORMANCE = SHARED / "conformance"
SUITE_DIR = CONFORMANCE / "JSONTestSuite" / "test_parsing"


# Under CI (`CI=true`, as .ci/run sets it) missing shared data FAILS the tests that need it: a
# clone without ../shared must not pass with half the suite skipped. Locally it skips them.
SHARED_REQUIRED = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")
MISSING_MARK = "shared_missing"
"""The marker of a placeholder parameter that stands for missing shared data (see conftest.py)."""


def missing_shared(what: str) -> NoReturn:
    """Stop a test that needs shared data that is not there: fail under CI, skip otherwise."""
    message = f"shared test data missing: {what} (expected beside the repo at {SHARED})"
    if SHARED_REQUIRED:
        pytest.fail(message + "; CI=true requires it", pytrace=False)
    pytest.skip(message)


def missing_param(what: str, arity: int = 1) -> Any:
    """One placeholder parameter (of `arity` None values) for a parametrized test whose shared
    data is missing: it skips locally and fails under CI (conftest.py calls `missing_shared`)."""
    return pytest.param(*([None] * arity), marks=getattr(pytest.mark, MISSING_MARK)(what), id="missing")


def shared_path(*parts: str) -> Path | None:
    """The path under shared/conformance, or None when it is missing (the caller skips)."""
    p = CONFORMANCE.joinpath(*parts)
    return p if p.exists() else None


def skip_if_missing(p: Path | None, what: str) -> Path:
    if p is None:
        missing_shared(f"conformance data ({what})")
    return p


def suite_files(prefix: str) -> list[Path]:
    """JSONTestSuite files starting with `prefix` (`y_`, `n_`, `i_`); empty when shared/ is missing."""
    if not SUITE_DIR.is_dir():
        return []
    return sorted(p for p in SUITE_DIR.iterdir() if p.name.startswith(prefix) and p.suffix == ".json")


def load_cases(*parts: str) -> list[dict[str, Any]]:
    p = shared_path(*parts)
    if p is None:
        return []
    return json.loads(p.read_text(encoding="utf-8"))


def param_or_skip(items: list[Any], what: str, ids: Any = None, arity: int = 1) -> list[Any]:
    """Parametrize values, or one placeholder param (of `arity` values) when the shared data is
    missing: skipped locally, a failure under CI."""
    if items:
        return [pytest.param(*(i if isinstance(i, tuple) else (i,)), id=ids(i) if ids else None) for i in items]
    return [missing_param(what, arity)]


# --------------------------------------------------------------------------------------------
# exact comparison: 1, 1.0 and True differ; NaN equals NaN; -0.0 differs from 0.0; dict order counts


def _canon_atom(v: Any) -> Any:
    t = type(v)
    if v is None:
        return ("null",)
    if t is bool:
        return ("bool", v)
    if t is int:
        return ("int", v)
    if t is float:
        if math.isnan(v):
            return ("float", "nan")
        if math.isinf(v):
            return ("float", repr(v))
        return ("float", v.hex())
    if t is str:
        return ("str", v)
    return ("other", t.__name__, repr(v))


def canon(v: Any) -> Any:
    """A comparable form of a JSON value that keeps the exact Python types: a flat tuple of
    tokens, built and compared without recursion (values can be 100,000 levels deep)."""
    if type(v) not in (list, dict):
        return _canon_atom(v)
    out: list[Any] = []
    stack: list[Any] = [v]
    while stack:
        x = stack.pop()
        t = type(x)
        if t is _Close:
            out.append(x.token)
        elif t is list:
            out.append("[")
            stack.append(_CLOSE_LIST)
            stack.extend(reversed(x))
        elif t is dict:
            out.append("{")
            stack.append(_CLOSE_DICT)
            for k, item in reversed(list(x.items())):
                stack.append(item)
                stack.append(_Key(k))
        elif t is _Key:
            out.append(("key", x.key) if type(x.key) is str else ("badkey", repr(x.key)))
        else:
            out.append(_canon_atom(x))
    return tuple(out)


class _Close:
    def __init__(self, token: str) -> None:
        self.token = token


class _Key:
    def __init__(self, key: Any) -> None:
        self.key = key


_CLOSE_LIST = _Close("]")
_CLOSE_DICT = _Close("}")


def exact_eq(a: Any, b: Any) -> bool:
    return canon(a) == canon(b)


def assert_exact(actual: Any, expected: Any, msg: str = "") -> None:
    if not exact_eq(actual, expected):
        raise AssertionError(f"{msg}\n  actual:   {short(actual)}\n  expected: {short(expected)}")


def short(v: Any, n: int = 400) -> str:
    try:
        r = repr(v)
    except RecursionError:  # pragma: no cover - very deep values
        r = f"<{type(v).__name__} too deep to repr>"
    return r if len(r) <= n else r[:n] + f"... ({len(r)} chars)"


def from_conformance(v: Any) -> Any:
    """Decode the conformance files' `{"$float": "NaN"}` encoding of non-finite numbers."""
    if isinstance(v, dict):
        if set(v) == {"$float"}:
            return float(v["$float"].replace("Infinity", "inf"))
        return {k: from_conformance(x) for k, x in v.items()}
    if isinstance(v, list):
        return [from_conformance(x) for x in v]
    return v


def loose_canon(v: Any) -> Any:
    """Like canon() but numbers compare by value (for data written by JavaScript, where 1.0 is 1)."""
    if type(v) in (int, float):
        return ("num", float(v) if not (type(v) is int and abs(v) > 2**53) else v)
    if type(v) is list:
        return ("list", tuple(loose_canon(x) for x in v))
    if type(v) is dict:
        return ("dict", tuple(sorted((k, loose_canon(x)) for k, x in v.items())))
    return canon(v)


# --------------------------------------------------------------------------------------------
# paths, written independently from DESIGN.md 2.1

_NEEDS_QUOTES = re.compile(r'[.\[\]"]')


def format_path(keys: Sequence[str | int]) -> str:
    """`title`, `steps[0].owner`, `[2].x`, `["a.b"]` (a key that is empty or holds . [ ] " is JSON-quoted)."""
    out: list[str] = []
    for k in keys:
        if type(k) is int:
            out.append(f"[{k}]")
        elif k == "" or _NEEDS_QUOTES.search(k):
            out.append("[" + json.dumps(k, ensure_ascii=False) + "]")
        else:
            out.append(("." if out else "") + k)
    return "".join(out)


def wildcard_of(keys: Sequence[str | int]) -> str:
    out: list[str] = []
    for k in keys:
        if type(k) is int:
            out.append("[*]")
        elif k == "" or _NEEDS_QUOTES.search(k):
            out.append("[" + json.dumps(k, ensure_ascii=False) + "]")
        else:
            out.append(("." if out else "") + k)
    return "".join(out)


_DECODER = json.JSONDecoder()


def path_agrees(path: str, keys: Sequence[str | int], wildcard: bool = False) -> bool:
    """`path` is `keys` written by the DESIGN rules. A quoted key may use any JSON escaping of the
    key (`\\b` or `\\u0008`): it must decode back to the key."""
    i = 0
    first = True
    for k in keys:
        if type(k) is int:
            seg = "[*]" if wildcard else f"[{k}]"
            if not path.startswith(seg, i):
                return False
            i += len(seg)
        elif k == "" or _NEEDS_QUOTES.search(k):
            if not path.startswith('["', i):
                return False
            try:
                decoded, end = _DECODER.raw_decode(path, i + 1)
            except ValueError:
                return False
            if decoded != k or not path.startswith("]", end):
                return False
            i = end + 1
        else:
            seg = k if first else "." + k
            if not path.startswith(seg, i):
                return False
            i += len(seg)
        first = False
    return i == len(path)


# --------------------------------------------------------------------------------------------
# reference done events: json.loads with the pairs kept (duplicate keys give two events)


class _Pairs(list):  # type: ignore[type-arg]
    pass


def _walk(node: Any, keys: tuple[Any, ...], out: list[tuple[tuple[Any, ...], Any]]) -> Any:
    # iterative would be nicer; recursion is fine for the depths we feed it (< 600)
    if type(node) is _Pairs:
        d: dict[str, Any] = {}
        for k, v in node:
            d[k] = _walk(v, (*keys, k), out)
        value: Any = d
    elif type(node) is list:
        value = [_walk(x, (*keys, i), out) for i, x in enumerate(node)]
    else:
        value = node
    if keys:
        out.append((keys, value))
    return value


def reference_dones(text: str | bytes) -> tuple[list[tuple[tuple[Any, ...], Any]], Any]:
    """(done events as (keys, value) in document order without the root, the root value)."""
    tree = json.loads(text, object_pairs_hook=_Pairs)
    out: list[tuple[tuple[Any, ...], Any]] = []
    root = _walk(tree, (), out)
    return out, root


# --------------------------------------------------------------------------------------------
# reference snapshot (DESIGN 2.3, the jsonriver rules) for prefixes of valid JSON text


_NUMBER_RE = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_WS = " \t\n\r"
_ESC = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


class _Eof(Exception):
    pass


@dataclass
class _PartialParser:
    """Parses a prefix of valid JSON; EOF anywhere stops with what is visible so far.

    at_finish=True models lenient finish(): a number ended by EOF counts when it is a whole
    number, an incomplete one is dropped (as are incomplete keys and literals).
    """

    s: str
    at_finish: bool = False
    i: int = 0
    root: Any = None
    has_root: bool = False
    root_closed: bool = False
    held_surrogate: bool = field(default=False)

    def ws(self) -> None:
        while self.i < len(self.s) and self.s[self.i] in _WS:
            self.i += 1
        if self.i >= len(self.s):
            raise _Eof

    def parse(self) -> None:
        try:
            self.ws()
            self.value(lambda v: self._set_root(v))
            self.root_closed = True
        except _Eof:
            pass

    def _set_root(self, v: Any) -> None:
        self.root = v
        self.has_root = True

    def value(self, attach: Any) -> None:
        c = self.s[self.i]
        if c == "{":
            d: dict[str, Any] = {}
            attach(d)
            self.i += 1
            self.ws()
            if self.s[self.i] == "}":
                self.i += 1
                return
            while True:
                self.ws()
                key = self.string_whole()
                self.ws()
                assert self.s[self.i] == ":"
                self.i += 1
                self.ws()
                self.value(lambda v, k=key: d.__setitem__(k, v))
                self.ws()
                c = self.s[self.i]
                self.i += 1
                if c == "}":
                    return
                assert c == ","
        elif c == "[":
            lst: list[Any] = []
            attach(lst)
            self.i += 1
            self.ws()
            if self.s[self.i] == "]":
                self.i += 1
                return
            while True:
                self.ws()
                self.value(lst.append)
                self.ws()
                c = self.s[self.i]
                self.i += 1
                if c == "]":
                    return
                assert c == ","
        elif c == '"':
            self.string_partial(attach)
        elif c in "tfn":
            word = {"t": "true", "f": "false", "n": "null"}[c]
            if not self.s.startswith(word, self.i):
                assert word.startswith(self.s[self.i :]), "not a prefix of valid JSON"
                raise _Eof
            self.i += len(word)
            attach({"true": True, "false": False, "null": None}[word])
        else:
            j = self.i
            while j < len(self.s) and self.s[j] in "0123456789+-.eE":
                j += 1
            token = self.s[self.i : j]
            if j >= len(self.s):
                # the number runs to EOF: complete only at finish, and only when whole
                if self.at_finish and _NUMBER_RE.fullmatch(token):
                    self.i = j
                    attach(json.loads(token))
                raise _Eof
            assert _NUMBER_RE.fullmatch(token), f"not a prefix of valid JSON: {token!r}"
            self.i = j
            attach(json.loads(token))

    def _read_escape(self) -> tuple[str, int]:
        """Decode one escape at self.i (a backslash); raise _Eof when incomplete."""
        s = self.s
        if self.i + 1 >= len(s):
            raise _Eof
        e = s[self.i + 1]
        if e != "u":
            return _ESC[e], 2
        if self.i + 6 > len(s):
            raise _Eof
        return chr(int(s[self.i + 2 : self.i + 6], 16)), 6

    def string_whole(self) -> str:
        assert self.s[self.i] == '"'
        j = self.s.find('"', self.i + 1)
        while j != -1:
            # count backslashes before j
            k = j - 1
            while self.s[k] == "\\":
                k -= 1
            if (j - 1 - k) % 2 == 0:
                break
            j = self.s.find('"', j + 1)
        if j == -1:
            raise _Eof
        text = json.loads(self.s[self.i : j + 1])
        self.i = j + 1
        return text

    def string_partial(self, attach: Any) -> None:
        self.i += 1
        buf: list[str] = []
        holder: list[Any] = []

        def visible() -> str:
            return "".join(buf)

        try:
            while True:
                if self.i >= len(self.s):
                    raise _Eof
                c = self.s[self.i]
                if c == '"':
                    self.i += 1
                    attach(visible())
                    return
                if c == "\\":
                    ch, n = self._read_escape()
                    if 0xD800 <= ord(ch) <= 0xDBFF:
                        # a high surrogate is held back until its low half arrives
                        start = self.i
                        self.i += n
                        if self.i >= len(self.s) or (self.s[self.i] == "\\" and self.i + 6 > len(self.s)):
                            self.held_surrogate = True
                            self.i = start
                            raise _Eof
                        lo, n2 = self._read_escape()
                        self.i += n2
                        buf.append((chr(ord(ch)) + lo).encode("utf-16", "surrogatepass").decode("utf-16"))
                        continue
                    buf.append(ch)
                    self.i += n
                    continue
                buf.append(c)
                self.i += 1
        except _Eof:
            holder.append(visible())
            attach(holder[0])
            raise


def reference_snapshot(prefix: str) -> tuple[bool, Any, bool]:
    """(a value is visible, the snapshot, the root has closed) for a prefix of valid JSON (DESIGN 2.3)."""
    p = _PartialParser(prefix)
    p.parse()
    return p.has_root, p.root, p.root_closed


def reference_completion(prefix: str) -> tuple[bool, Any, bool]:
    """(a value exists, the value, a lone high surrogate was pending) of a lenient finish() on a prefix."""
    p = _PartialParser(prefix, at_finish=True)
    p.parse()
    return p.has_root, p.root, p.held_surrogate


# --------------------------------------------------------------------------------------------
# running the parser


@dataclass
class Run:
    per_feed: list[list[Any]]  # the list each feed() returned
    finish: list[Any]
    parser: Any
    chunk_ends: list[int]  # characters fed after each chunk (str feeds)

    @property
    def events(self) -> list[Any]:
        return [e for batch in self.per_feed for e in batch] + list(self.finish)

    def dones(self) -> list[tuple[str, Any]]:
        return [(e.path, canon(e.value)) for e in self.events if e.event_type == "done"]

    def delta_text(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for e in self.events:
            if e.event_type == "delta":
                out[e.path] = out.get(e.path, "") + e.delta
        return out


def run_chunks(parser: Any, chunks: Iterable[str | bytes], finish: bool = True) -> Run:
    per_feed: list[list[Any]] = []
    ends: list[int] = []
    n = 0
    for c in chunks:
        per_feed.append(list(parser.feed(c)))
        if isinstance(c, str):
            n += len(c)
        ends.append(n)
    fin = list(parser.finish()) if finish else []
    return Run(per_feed, fin, parser, ends)


def random_cuts(n: int, rng: random.Random, max_len: int = 8) -> list[int]:
    cuts = []
    i = 0
    while i < n:
        i += rng.randint(1, max_len)
        cuts.append(min(i, n))
    return cuts


def cut(data: str | bytes, ends: Sequence[int]) -> list[Any]:
    out = []
    start = 0
    for e in ends:
        out.append(data[start:e])
        start = e
    if start < len(data):
        out.append(data[start:])
    return [c for c in out if len(c)]


def random_chunks(data: str | bytes, seed: int, max_len: int = 8) -> list[Any]:
    rng = random.Random(seed)
    return cut(data, random_cuts(len(data), rng, max_len))


def byte_chunks(data: bytes) -> list[bytes]:
    return [data[i : i + 1] for i in range(len(data))]


def char_chunks(data: str) -> list[str]:
    return list(data)


# --------------------------------------------------------------------------------------------
# event invariants (DESIGN 2.1)


def check_event_stream(run: Run, *, deltas: bool = True, str_feeds: bool = True) -> None:
    """Every invariant that holds for any event stream, whatever the input."""
    pending: list[Any] = []  # deltas of the open string
    for batch in [*run.per_feed, run.finish]:
        prev = None
        for e in batch:
            keys = e.keys
            assert type(keys) is tuple, e
            assert keys != (), f"the root got an event: {e!r}"
            assert all(type(k) in (str, int) for k in keys), keys
            assert path_agrees(e.path, keys), (e.path, keys, format_path(keys))
            assert path_agrees(e.wildcard_path, keys, wildcard=True), (e.wildcard_path, keys, wildcard_of(keys))
            assert e.indexes == tuple(k for k in keys if type(k) is int), (e.indexes, keys)
            assert e.event_type in ("delta", "done"), e.event_type
            assert e.is_complete is (e.event_type == "done")
            if e.event_type == "delta":
                assert deltas, f"delta with deltas=False: {e!r}"
                assert type(e.delta) is str and e.delta != "", f"empty or non-str delta: {e!r}"
                if prev is not None and prev.event_type == "delta":
                    raise AssertionError(f"two deltas of one open string in one feed(): {prev!r}, {e!r}")
                if pending:
                    assert e.path == pending[0].path, f"delta for {e.path} while {pending[0].path} is open"
                pending.append(e)
                assert e.value == "".join(d.delta for d in pending), "delta.value is not the text so far"
            else:
                assert e.delta is None, e
                if pending:
                    assert e.path == pending[0].path, f"done for {e.path} while string {pending[0].path} is open"
                    assert type(e.value) is str, f"deltas before a non-string done: {e!r}"
                    assert "".join(d.delta for d in pending) == e.value, "deltas do not add up to the done value"
                    pending.clear()
                elif deltas and type(e.value) is str:
                    assert e.value == "", f"non-empty string done without deltas: {e!r}"
            prev = e
    assert not pending, f"a string got deltas but no done: {pending[-1]!r}"


def check_against_reference(run: Run, text: str | bytes) -> None:
    """The done events are exactly the reference's, in document order, and the value is json.loads'."""
    ref, root = reference_dones(text)
    got = [(e.keys, canon(e.value)) for e in run.events if e.event_type == "done"]
    want = [(k, canon(v)) for k, v in ref]
    if got != want:
        for i, (g, w) in enumerate(zip(got, want, strict=False)):
            if g != w:
                raise AssertionError(f"done event #{i} differs:\n  got  {short(g)}\n  want {short(w)}")
        raise AssertionError(f"{len(got)} done events, want {len(want)}")
    assert_exact(run.parser.value, root, "parser.value")


# --------------------------------------------------------------------------------------------
# a corpus of realistic model answers


def _answer(rng: random.Random, n_steps: int) -> dict[str, Any]:
    owners = ["Zoë", "José", "李雷", "Ana María", "Björn", "O'Brien", 'Dr. "Q"', "Ngozi"]
    words = "plan the rollout, then measure: latency \u2014 cost; caf\u00e9 \u65e5\u672c\u8a9e \U0001f680 done".split()
    return {
        "title": "Growth plan \u2014 Q3 \U0001f4c8",
        "summary": " ".join(rng.choice(words) for _ in range(40)) + '\nQuote: "ok"\tTab \\ back',
        "steps": [
            {
                "step": f"Step {i}: " + " ".join(rng.choice(words) for _ in range(rng.randint(3, 12))),
                "owner": rng.choice(owners),
                "eta_days": rng.randint(0, 90),
                "done": rng.random() < 0.3,
                "blockers": [] if i % 3 else [None, "none"],
            }
            for i in range(n_steps)
        ],
        "risks": ["vendor lock-in", "", "\u00e9t\u00e9 \U0001f600", "a\u0000b"],
        "confidence": 0.82,
        "budget": {"amount": -12500.5, "currency": "EUR", "exp": 1.5e-7, "big": 123456789012345678901234567890},
        "meta": {"a.b": 1, "": [], "x[0]": {}, 'say "hi"': None, "\u00fcber": True, "k\\": "v"},
    }


def corpus() -> list[tuple[str, str]]:
    """(id, JSON text) of realistic answers, in several formattings."""
    rng = random.Random(20260801)
    docs: list[tuple[str, str]] = []
    a = _answer(rng, 4)
    docs.append(("answer_compact", json.dumps(a, ensure_ascii=False, separators=(",", ":"))))
    docs.append(("answer_indent_ascii", json.dumps(a, ensure_ascii=True, indent=2)))
    docs.append(("answer_indent_utf8", json.dumps(_answer(rng, 3), ensure_ascii=False, indent=4)))
    docs.append(
        (
            "list_of_objects",
            json.dumps([{"id": i, "name": f"item {i}", "tags": ["x", "y"][: i % 3], "score": i / 7} for i in range(6)]),
        )
    )
    docs.append(("surrogate_pairs", '{"emoji": "\\ud83d\\ude00 and \\uD83D\\uDE80!", "raw": "\U0001f600\U0001f680"}'))
    docs.append(("escapes", r'{"s": "a\"b\\c\/d\b\f\n\r\t\u0000\u001f\u00e9\u20ac", "k\"ey": "v", "\u00e9": "\\"}'))
    docs.append(
        (
            "numbers",
            '{"ints": [0, -0, 1, -1, 12345678901234567890123, -99], '
            '"floats": [0.5, -0.0, 1e10, 1E-10, 2.5e+3, -12.5e+3, 3.141592653589793, 1.7976931348623157e308]}',
        )
    )
    docs.append(("literals", '[true, false, null, {"t": true, "f": false, "n": null}, [null]]'))
    docs.append(("empties", '{"a": "", "b": [], "c": {}, "d": [[], {}, ""], "e": [{"": ""}]}'))
    docs.append(("odd_keys", '{"a.b": {"c[0]": 1, "": {"\\"": 2}}, "x[0]": [{"y.z": "w"}], "plain": {"k": "v"}}'))
    docs.append(("nested_deep", '{"a": [{"b": [[{"c": ["d", {"e": "f"}]}]]}], "g": 1}'))
    docs.append(("root_list", '[1, "two", {"x": [3, {"y": "z"}]}, [], "", 4.5]'))
    docs.append(("root_string", '"Just a sentence with \\n an escape and caf\u00e9 \U0001f600"'))
    docs.append(("duplicate_keys", '{"a": 1, "b": "x", "a": "second", "b": [2]}'))
    docs.append(
        (
            "tool_call_args",
            json.dumps(
                {
                    "query": "SELECT * FROM t WHERE name = 'x' AND note LIKE \"%\\n%\"",
                    "limit": 10,
                    "filters": [{"field": "date", "op": ">=", "value": "2026-01-01"}],
                }
            ),
        )
    )
    return docs


def corpus_objects() -> list[tuple[str, str]]:
    """The corpus entries whose root is an object or an array."""
    return [(n, t) for n, t in corpus() if t.lstrip()[:1] in "{["]
