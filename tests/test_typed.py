"""Typed streaming, sans-IO: the TypedTracker against pydantic's own validation of the final value."""

from __future__ import annotations

import dataclasses
import json
import random
import subprocess
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Literal, Optional

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, field_validator, model_validator
from typing_extensions import NotRequired, TypedDict

import instantjson
from instantjson import InstantParser, OutputValidationError, TypedEvent
from instantjson._typed import LIST, OBJECT, Node, TypedTracker, compile_plan, format_path
from tests._shared import random_chunks
from tests._typed_reference import error_keys, expected_events, track


class Step(BaseModel):
    step: str
    owner: str
    eta_days: int


class Plan(BaseModel):
    title: str
    summary: str
    steps: list[Step]


class Color(Enum):
    RED = "red"
    BLUE = "blue"


class Tag(TypedDict):
    name: str
    weight: NotRequired[float]


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Node_(BaseModel):
    label: str
    children: list[Node_] = []


class Rich(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    name: str = Field(alias="Name", min_length=2)
    color: Color
    kind: Literal["a", "b"]
    maybe: Optional[Step] = None  # noqa: UP045 - the Optional spelling is part of what is tested
    scores: dict[str, int]
    tags: list[Tag]
    points: list[Point]
    pair: tuple[int, int]
    tree: Node_
    ratio: Annotated[float, Field(ge=0, le=1)]


def plan_answer(rng: random.Random, n: int, bad: float = 0.0) -> dict[str, Any]:
    def eta() -> Any:
        if rng.random() < bad:
            return rng.choice(["soon", None, [1], {"d": 1}])
        return rng.choice([rng.randint(0, 90), str(rng.randint(0, 9)), 4.0])

    return {
        "title": "Growth plan \u2014 Q3 \U0001f4c8",
        "summary": "cheap experiments, caf\u00e9 \u65e5\u672c",
        "steps": [
            {"step": f'Step {i} "quoted"', "owner": rng.choice(["Zo\u00eb", "Ana"]), "eta_days": eta()}
            for i in range(n)
        ],
    }


RICH_VALUE: dict[str, Any] = {
    "Name": "Widget",
    "color": "blue",
    "kind": "b",
    "maybe": {"step": "s", "owner": "o", "eta_days": "2"},
    "scores": {"a.b": 1, "": "2", "x[0]": 3},
    "tags": [{"name": "t", "weight": 1}, {"name": "u"}],
    "points": [{"x": 1, "y": "2"}],
    "pair": [1, 2],
    "tree": {"label": "root", "children": [{"label": "a", "children": [{"label": "b"}]}]},
    "ratio": 0.5,
}


def assert_matches_reference(tp: Any, value: Any, typed: list[TypedEvent]) -> None:
    expected = expected_events(tp, value)
    assert [t.keys for t in typed] == [e.keys for e in expected]
    for got, exp in zip(typed, expected, strict=True):
        assert got.path == format_path(got.keys)
        assert got.is_valid == exp.valid, (got.path, got.error, exp.errors)
        if exp.valid:
            assert got.value == exp.value, got.path
            assert type(got.value) is type(exp.value)
        else:
            assert isinstance(got.error, OutputValidationError)
            assert got.error.path == got.path
            assert got.value is None
            # the tracker reports the children's errors without re-validating: a subset of pydantic's
            assert error_keys(got.error.errors) <= error_keys(exp.errors), got.path
            assert got.error.errors


@pytest.mark.parametrize("n", [0, 1, 3, 50])
def test_plan_events_equal_pydantic(n: int) -> None:
    value = plan_answer(random.Random(n), n)
    text = json.dumps(value, ensure_ascii=False, indent=1)
    typed, _ = track(Plan, random_chunks(text, n))
    assert_matches_reference(Plan, value, typed)
    assert typed[-1].keys == () and typed[-1].value == Plan.model_validate(value)
    assert sum(1 for t in typed if len(t.keys) == 2) == n  # one event per item


class Shaped(BaseModel):
    """Scalars of plain types whose validation is not the identity: the tracker must not skip it."""

    padded: Annotated[str, StringConstraints(strip_whitespace=True)]
    short: str = Field(min_length=2)
    positive: Annotated[int, Field(gt=0)]
    ratio: Annotated[float, Field(le=1)]
    upper: Annotated[str, StringConstraints(to_upper=True)]
    flag: bool
    plain: Annotated[str, Field(description="a description only")]


@pytest.mark.parametrize(
    "value",
    [
        {"padded": " x ", "short": "a", "positive": 0, "ratio": 2.5, "upper": "ab", "flag": True, "plain": "p"},
        {"padded": "x", "short": "ab", "positive": 3, "ratio": 0.5, "upper": "AB", "flag": False, "plain": "p"},
    ],
)
def test_constrained_scalars_equal_pydantic(value: dict[str, Any]) -> None:
    typed, _ = track(Shaped, random_chunks(json.dumps(value), 5))
    assert_matches_reference(Shaped, value, typed)
    by_path = {t.path: t for t in typed}
    assert by_path["padded"].value == "x" and by_path["upper"].value == "AB"
    assert by_path["short"].is_valid == (len(value["short"]) >= 2)
    assert by_path["positive"].is_valid == (value["positive"] > 0)


def test_rich_types_equal_pydantic() -> None:
    text = json.dumps(RICH_VALUE)
    typed, _ = track(Rich, random_chunks(text, 7))
    assert_matches_reference(Rich, RICH_VALUE, typed)
    by_path = {t.path: t for t in typed}
    assert by_path["color"].value is Color.BLUE
    assert by_path['scores[""]'].value == 2
    assert by_path['scores["a.b"]'].raw == 1
    assert by_path["points[0]"].value == Point(1, 2)
    assert by_path["tree.children[0].children[0]"].value == Node_(label="b")
    assert by_path["maybe"].value == Step(step="s", owner="o", eta_days=2)
    assert "pair[0]" not in by_path  # a fixed tuple is validated whole


@pytest.mark.parametrize(
    ("tp", "value"),
    [
        (list[Step], [{"step": "a", "owner": "b", "eta_days": 1}, {"step": "c", "owner": "d", "eta_days": "x"}]),
        (dict[str, list[int]], {"a": [1, "2"], "b": []}),
        (list[Tag], [{"name": "n", "weight": "0.5"}, {"weight": 1}]),
        (list[Point], [{"x": 1, "y": 2}, {"x": "no"}]),
        (Optional[Plan], {"title": "t", "summary": "s", "steps": []}),  # noqa: UP045
    ],
)
def test_types_a_type_adapter_takes(tp: Any, value: Any) -> None:
    typed, _ = track(tp, random_chunks(json.dumps(value), 3))
    assert_matches_reference(tp, value, typed)


@settings(max_examples=60)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(0, 8),
    bad=st.sampled_from([0.0, 0.3]),
    cuts=st.lists(st.integers(1, 12), min_size=1, max_size=40),
    indent=st.sampled_from([None, 0, 2]),
)
def test_every_chunking_same_events_at_their_done(seed: int, n: int, bad: float, cuts: list[int], indent: Any) -> None:
    value = plan_answer(random.Random(seed), n, bad)
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    chunks: list[str] = []
    i = 0
    k = 0
    while i < len(text):
        size = cuts[k % len(cuts)]
        chunks.append(text[i : i + size])
        i += size
        k += 1
    typed, batches = track(Plan, chunks)
    assert_matches_reference(Plan, value, typed)
    whole, _ = track(Plan, [text])
    assert [(t.keys, t.raw, t.value, t.is_valid) for t in typed] == [
        (t.keys, t.raw, t.value, t.is_valid) for t in whole
    ]
    # each typed event comes in the feed whose done event completed its value (the root when it closes)
    for dones, got in batches:
        named = [k for k in got if k != ()]
        assert named == [k for k in dones if k in set(named)]
        assert set(named) <= set(dones)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=150)
@given(
    value=_JSON,
    spec=st.sampled_from([Plan, list[Step], dict[str, Any], int]),
    cuts=st.lists(st.integers(1, 6), min_size=1, max_size=20),
    wrap=st.sampled_from(["{}", "```json\n{}\n```", "Here: {} done", "{} {{"]),
)
def test_root_may_close_whenever_the_parser_is_done(value: Any, spec: Any, cuts: list[int], wrap: str) -> None:
    """Callers ask the parser's `done` only when `root_may_close`: it must be True in every feed
    where the root closed, whatever the document, the schema and the chunking."""
    text = wrap.replace("{}", json.dumps(value, ensure_ascii=False), 1)
    chunks = [text[i : i + cuts[k % len(cuts)]] for k, i in enumerate(_offsets(text, cuts))]
    parser = InstantParser(lenient=True)
    tracker = TypedTracker(compile_plan(spec))
    was_done = False
    for chunk in chunks:
        try:
            events = parser.feed(chunk)
        except instantjson.ParseError:  # not JSON even to the lenient parser: nothing closes
            return
        if events:
            tracker.feed(events)
        if parser.done and not was_done:
            assert tracker.root_may_close, (text, chunks)
            was_done = True


def _offsets(text: str, cuts: list[int]) -> list[int]:
    out, i, k = [], 0, 0
    while i < len(text):
        out.append(i)
        i += cuts[k % len(cuts)]
        k += 1
    return out


def test_invalid_values_carry_pydantic_error_with_path() -> None:
    value = {"title": "t", "summary": "s", "steps": [{"step": "a", "owner": "b", "eta_days": "soon"}]}
    typed, _ = track(Plan, [json.dumps(value)])
    bad = [t for t in typed if not t.is_valid]
    assert [t.path for t in bad] == ["steps[0].eta_days", "steps[0]", "steps", ""]
    leaf = bad[0].error
    assert leaf is not None and leaf.raw == "soon"
    assert leaf.errors[0]["type"] == "int_parsing" and leaf.errors[0]["loc"] == ()
    assert "steps[0].eta_days" in str(leaf)
    root = bad[-1].error
    assert root is not None and root.path == ""
    assert [e["loc"] for e in root.errors] == [("steps", 0, "eta_days")]
    assert isinstance(root, ValueError)
    assert leaf.__cause__ is not None and type(leaf.__cause__).__name__ == "ValidationError"


def test_each_value_validated_once() -> None:
    """Cost O(answer): one validator call per named value, whatever the chunking."""
    from instantjson import _typed_pydantic

    _typed_pydantic._CACHE.clear()  # a plan of its own: the counters below must not stay in the cache
    try:
        plan = compile_plan(Plan)
    finally:
        _typed_pydantic._CACHE.clear()
    calls = 0

    def count(node: Node, seen: set[int]) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        inner = node.validate

        def validate(value: Any) -> Any:
            nonlocal calls
            calls += 1
            return inner(value)

        node.validate = validate
        for child in node.fields.values():
            count(child, seen)
        if node.item is not None:
            count(node.item, seen)

    count(plan.root, set())
    text = json.dumps(plan_answer(random.Random(1), 20))
    parser = InstantParser(lenient=True)
    tracker = TypedTracker(plan)
    n = 0
    for chunk in random_chunks(text, 5, max_len=3):
        n += len(tracker.feed(parser.feed(chunk)))
    n += len(tracker.finish_root(parser.value))
    assert n == 2 + 3 * 20 + 20 + 1 + 1
    assert calls == n


class WithValidators(BaseModel):
    tags: list[str]
    code: Annotated[int, BeforeValidator(lambda v: int(str(v).strip("#")))]
    upper: str

    @field_validator("tags", mode="before")
    @classmethod
    def split(cls, v: Any) -> Any:
        return v.split(",") if isinstance(v, str) else v

    @field_validator("upper")
    @classmethod
    def shout(cls, v: str) -> str:
        return v.upper()


class Wrapped(BaseModel):
    items: list[WithValidators]

    @model_validator(mode="before")
    @classmethod
    def unwrap(cls, data: Any) -> Any:
        return {"items": data["payload"]} if isinstance(data, dict) and "payload" in data else data


def test_validators_that_need_the_raw_input() -> None:
    value = {"tags": "a,b", "code": "#7", "upper": "x"}
    typed, _ = track(WithValidators, [json.dumps(value)])
    by_path = {t.path: t for t in typed}
    assert "tags" not in by_path  # a before field validator: validated with its model
    assert by_path["code"].value == 7
    assert by_path["upper"].value == "x"  # the field's annotation; its after validator runs with the model
    assert by_path[""].value == WithValidators.model_validate(value)
    wrapped = {"payload": [value]}
    typed, _ = track(Wrapped, [json.dumps(wrapped)])
    assert typed[-1].value == Wrapped.model_validate(wrapped)


def test_root_scalar_and_root_list() -> None:
    typed, _ = track(int, ["4", "2"])
    assert [(t.path, t.value) for t in typed] == [("", 42)]
    typed, _ = track(list[int], ["[1, ", '"2"]'])
    assert [(t.path, t.value) for t in typed] == [("[0]", 1), ("[1]", 2), ("", [1, 2])]


def test_import_instantjson_does_not_import_pydantic() -> None:
    code = "import sys, instantjson; assert 'pydantic' not in sys.modules, 'pydantic imported'; print('ok')"
    env_path = str(Path(instantjson.__file__).resolve().parents[1])  # the instantjson under test
    result = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, {env_path!r}); " + code],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # a dict spec or a JSON Schema needs no pydantic either
    code2 = (
        "from instantjson._typed import compile_plan; compile_plan({'a': (int, 'A')}); "
        "compile_plan({'type': 'object', 'properties': {'a': {'type': 'integer'}}})"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, {env_path!r}); " + code2 + "; " + code],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_typed_event_is_frozen() -> None:
    typed, _ = track(int, ["1"])
    with pytest.raises(AttributeError):
        typed[0].value = 2  # type: ignore[misc]
    assert compile_plan(Plan).root.kind == OBJECT and compile_plan(list[int]).root.kind == LIST


class Opaque:
    def __init__(self, v: Any) -> None:
        self.v = v


class WithArbitrary(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    name: str
    thing: Opaque


def test_field_pydantic_validates_only_inside_its_model() -> None:
    # TypeAdapter(Opaque) cannot be built alone: the field gets no event, its model validates it
    typed, _ = track(WithArbitrary, ['{"name": "n", ', '"thing": 1}'])
    assert [t.path for t in typed] == ["name", ""]
    assert not typed[-1].is_valid  # an int is not an Opaque instance: pydantic's own verdict
    assert typed[-1].error is not None and typed[-1].error.errors[0]["loc"] == ("thing",)
