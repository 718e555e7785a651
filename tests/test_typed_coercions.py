"""Typed output: the lenient coercions (one test per rule, each off with strict=True), the JSON
Schema checker against pydantic, the dict spec's leaf types, and the partial value."""

from __future__ import annotations

import copy
import json
import random
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter

from instantjson import InstantParser
from instantjson._typed import TypedTracker, compile_plan, fold_partial
from instantjson._typed_partial import PartialValue, Throttle
from tests._shared import random_chunks
from tests._typed_reference import track


class Item(BaseModel):
    name: str
    qty: int
    price: float
    ok: bool


class Order(BaseModel):
    items: list[Item]
    notes: list[str]


ORDER_SCHEMA = Order.model_json_schema()
ORDER_SPEC = {
    "items": [{"name": (str, "N"), "qty": (int, "Q"), "price": (float, "P"), "ok": (bool, "OK")}],
    "notes": [str],
}
SPECS = {"model": Order, "schema": ORDER_SCHEMA, "dict_spec": ORDER_SPEC}


def root(spec: Any, value: Any, *, strict: bool = False) -> Any:
    typed, _ = track(spec, random_chunks(json.dumps(value), 11, max_len=4), strict=strict)
    return typed[-1]


def as_json(value: Any) -> Any:
    return TypeAdapter(Any).dump_python(value, mode="json")


def order(**item: Any) -> dict[str, Any]:
    base = {"name": "pen", "qty": 2, "price": 1.5, "ok": True}
    return {"items": [{**base, **item}], "notes": ["n"]}


# one test per rule: (what the model wrote, what it becomes)
RULES = {
    "int_from_string": (order(qty="5"), order(qty=5)),
    "int_from_whole_float": (order(qty=5.0), order(qty=5)),
    "float_from_string": (order(price="2.25"), order(price=2.25)),
    "bool_from_string": (order(ok="false"), order(ok=False)),
    "string_from_number": (order(name=42), order(name="42")),
    "one_object_for_a_list": (
        {"items": {"name": "pen", "qty": 2, "price": 1.5, "ok": True}, "notes": ["n"]},
        order(),
    ),
    "one_scalar_for_a_list": ({**order(), "notes": "just one"}, {**order(), "notes": ["just one"]}),
}


@pytest.mark.parametrize("kind", list(SPECS))
@pytest.mark.parametrize("rule", list(RULES))
def test_coercion_rule_and_strict_turns_it_off(kind: str, rule: str) -> None:
    wrote, becomes = RULES[rule]
    lax = root(SPECS[kind], wrote)
    assert lax.is_valid, lax.error
    assert as_json(lax.value) == becomes
    assert lax.raw == wrote  # raw stays the JSON as written
    strict = root(SPECS[kind], wrote, strict=True)
    assert not strict.is_valid
    assert strict.error is not None and strict.error.errors
    exact = root(SPECS[kind], becomes, strict=True)  # strict still takes well-typed values
    assert exact.is_valid and as_json(exact.value) == becomes


def test_one_object_for_a_list_events_describe_the_coerced_shape() -> None:
    wrote = {"items": {"name": "pen", "qty": "2", "price": 1.5, "ok": True}, "notes": []}
    typed, _ = track(Order, [json.dumps(wrote)])
    paths = [t.path for t in typed]
    assert paths[:6] == ["items[0].name", "items[0].qty", "items[0].price", "items[0].ok", "items[0]", "items"]
    assert typed[4].value == Item(name="pen", qty=2, price=1.5, ok=True)
    assert typed[4].wildcard_path == "items[*]"
    assert typed[5].value == [typed[4].value]


def test_not_taken_rules_stay_errors() -> None:
    # BAML rounds floats, reads fractions and currency, and drops invalid list items; we do not
    for qty in (2.5, "1/2", "$1,000", "two"):
        event = root(Order, order(qty=qty))
        assert not event.is_valid, qty


@pytest.mark.parametrize("seed", range(6))
def test_json_schema_checker_agrees_with_pydantic(seed: int) -> None:
    rng = random.Random(seed)
    choices: dict[str, list[Any]] = {
        "name": ["a", 3, None, True, 2.5, ["x"]],
        "qty": [1, "2", 3.0, 3.5, "x", True, None, "7 "],
        "price": [1, 1.5, "2.5", "nan?", None, False],
        "ok": [True, "yes", "no", "maybe", 1, 0, 2, None],
    }
    for _ in range(40):
        item = {k: rng.choice(v) for k, v in choices.items()}
        if rng.random() < 0.2:
            del item[rng.choice(list(item))]
        value = {"items": [item], "notes": ["n"]}
        by_model = root(Order, value)
        by_schema = root(ORDER_SCHEMA, value)
        assert by_schema.is_valid == by_model.is_valid, (value, by_model.error, by_schema.error)
        if by_model.is_valid:
            assert by_schema.value == as_json(by_model.value)
        else:
            assert {e["type"] for e in by_schema.error.errors} <= {  # type: ignore[union-attr]
                e["type"]
                for e in by_model.error.errors  # type: ignore[union-attr]
            } | {"string_type", "int_type", "float_type", "bool_type"}


def test_schema_keywords() -> None:
    schema = {
        "type": "object",
        "properties": {
            "kind": {"enum": ["a", "b"]},
            "v": {"const": 1},
            "maybe": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "tags": {"type": "array", "items": {"$ref": "#/$defs/Tag"}},
            "n": {"type": ["integer", "null"]},
            "legacy": {"type": "string", "nullable": True},
        },
        "required": ["kind", "v"],
        "additionalProperties": False,
        "$defs": {"Tag": {"type": "object", "properties": {"t": {"type": "string"}}, "required": ["t"]}},
    }
    good = {"kind": "a", "v": 1, "maybe": None, "tags": [{"t": "x"}], "n": None, "legacy": None}
    event = root(schema, good)
    assert event.is_valid and event.value == good
    bad = {"kind": "c", "tags": [{}], "extra": 1, "n": "x"}
    event = root(schema, bad)
    assert not event.is_valid
    assert {(e["type"], e["loc"]) for e in event.error.errors} == {  # type: ignore[union-attr]
        ("missing", ("tags", 0, "t")),
        ("enum", ("kind",)),
        ("int_parsing", ("n",)),
    }  # the children's errors: the object's own (missing "v", "extra") are checked once they are valid
    event = root(schema, {"kind": "a", "tags": [], "extra": 1})
    assert {(e["type"], e["loc"]) for e in event.error.errors} == {  # type: ignore[union-attr]
        ("extra_forbidden", ("extra",)),
        ("missing", ("v",)),
    }


def test_dict_spec_checks_leaf_types_and_keys() -> None:
    spec = {"title": (str, "Title"), "steps": [{"step": (str, "Step"), "days": (int, "Days")}]}
    typed, _ = track(spec, [json.dumps({"title": "t", "steps": [{"step": "s", "days": "x"}, {"step": "u"}]})])
    by_path = {t.path: t for t in typed}
    assert not by_path["steps[1]"].is_valid  # every key the spec names is required
    assert [(e["type"], e["loc"]) for e in by_path["steps[1]"].error.errors] == [("missing", ("days",))]  # type: ignore[union-attr]
    assert not by_path["steps[0].days"].is_valid
    assert by_path["steps[0].days"].error.errors[0]["type"] == "int_parsing"  # type: ignore[union-attr]
    assert [e["loc"] for e in by_path[""].error.errors] == [("steps", 0, "days"), ("steps", 1, "days")]  # type: ignore[union-attr]


# ----------------------------------------------------------------------------- partial value


def jsonish(value: Any) -> Any:
    return as_json(value)


def assert_grows(before: Any, after: Any) -> None:
    """jsonriver monotonicity: nothing disappears, nothing changes type, strings only grow."""
    if isinstance(before, dict):
        assert isinstance(after, dict)
        for key, value in before.items():
            assert key in after
            assert_grows(value, after[key])
    elif isinstance(before, list):
        assert isinstance(after, list) and len(after) >= len(before)
        for a, b in zip(before, after, strict=False):
            assert_grows(a, b)
    elif isinstance(before, str):
        assert isinstance(after, str) and after.startswith(before)
    else:
        assert after == before


@pytest.mark.parametrize("seed", range(4))
def test_partial_value_monotonic_and_ends_equal_to_final(seed: int) -> None:
    value = {
        "items": [{"name": f"item {i} caf\u00e9", "qty": i, "price": i / 3, "ok": i % 2 == 0} for i in range(5)],
        "notes": ["", "long note " * 5],
    }
    text = json.dumps(value, ensure_ascii=False)
    parser = InstantParser(lenient=True)
    tracker = TypedTracker(compile_plan(Order))
    partial = PartialValue()
    shots: list[Any] = []
    for chunk in random_chunks(text, seed, max_len=6):
        events = parser.feed(chunk)
        typed = tracker.feed(events)
        if parser.done and not tracker.root_done:
            typed += tracker.finish_root(parser.value)
        for ev in events:
            fold_partial(partial, ("instant", ev))
        for t in typed:
            fold_partial(partial, ("typed", t))
        if partial.changed:
            shots.append(copy.deepcopy(jsonish(partial.value)))
    for before, after in zip(shots, shots[1:], strict=False):
        assert_grows(before, after)
    assert partial.value == Order.model_validate(value)
    assert shots[-1] == value


def test_throttle() -> None:
    now = [0.0]
    throttle = Throttle(0.05, clock=lambda: now[0])
    assert throttle.due()
    throttle.mark()
    now[0] = 0.04
    assert not throttle.due()
    now[0] = 0.05
    assert throttle.due()
    assert Throttle(0).due()
    with pytest.raises(ValueError, match="throttle"):
        Throttle(-1)
