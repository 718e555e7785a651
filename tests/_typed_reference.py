"""The reference for typed events: pydantic itself, on the final value.

`expected_events(tp, value)` walks the final JSON value beside its type, in document order
(children before their container, the root last), and validates each named value's subtree
with `pydantic.TypeAdapter` of its annotation, independently of `instantjson._typed`.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Annotated, Any, Union, get_args, get_origin

import typing_extensions
from pydantic import BaseModel, TypeAdapter, ValidationError

from instantjson import InstantParser
from instantjson._typed import TypedTracker, compile_plan


@dataclasses.dataclass
class Expected:
    keys: tuple[Any, ...]
    valid: bool
    value: Any
    errors: list[dict[str, Any]]


def _inner(tp: Any) -> Any:
    if get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    if get_origin(tp) in (Union, types.UnionType):
        others = [a for a in get_args(tp) if a is not type(None)]
        if len(others) == 1:
            return _inner(others[0])
    return tp


def _children(tp: Any, value: Any) -> list[tuple[Any, Any, Any]]:
    """(key, child annotation, child value) of the named children of `value` under `tp`."""
    base = _inner(tp)
    if isinstance(base, type) and issubclass(base, BaseModel) and isinstance(value, dict):
        by_key = {}
        for name, info in base.model_fields.items():
            alias = info.validation_alias if isinstance(info.validation_alias, str) else info.alias
            annotation = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
            by_key[alias or name] = annotation
        return [(k, by_key[k], v) for k, v in value.items() if k in by_key]
    if isinstance(base, type) and dataclasses.is_dataclass(base) and isinstance(value, dict):
        hints = typing.get_type_hints(base, include_extras=True)
        return [(k, hints[k], v) for k, v in value.items() if k in hints]
    if typing_extensions.is_typeddict(base) and isinstance(value, dict):
        hints = typing.get_type_hints(base, include_extras=True)
        for k, t in hints.items():
            while get_origin(t) in (typing_extensions.NotRequired, typing_extensions.Required):
                hints[k] = t = get_args(t)[0]
        return [(k, hints[k], v) for k, v in value.items() if k in hints]
    origin = get_origin(base)
    if origin in (list, set, frozenset) and isinstance(value, list):
        (item,) = get_args(base)
        return [(i, item, v) for i, v in enumerate(value)]
    if origin is dict and isinstance(value, dict):
        return [(k, get_args(base)[1], v) for k, v in value.items()]
    return []


def expected_events(tp: Any, value: Any) -> list[Expected]:
    out: list[Expected] = []

    def walk(t: Any, v: Any, keys: tuple[Any, ...]) -> None:
        for key, child_t, child_v in _children(t, v):
            walk(child_t, child_v, (*keys, key))
        try:
            validated = TypeAdapter(t).validate_python(v)
        except ValidationError as exc:
            out.append(Expected(keys, False, None, exc.errors(include_url=False)))
        else:
            out.append(Expected(keys, True, validated, []))

    walk(tp, value, ())
    return out


def track(spec: Any, chunks: list[str], **kwargs: Any) -> tuple[list[Any], list[list[Any]]]:
    """Feed `chunks` to a parser and a tracker: (all typed events, per-feed batches of
    (done keys, typed keys))."""
    parser = InstantParser(lenient=True)
    tracker = TypedTracker(compile_plan(spec, **kwargs))
    typed: list[Any] = []
    batches: list[list[Any]] = []
    for chunk in [*chunks, None]:
        events = parser.feed(chunk) if chunk is not None else parser.finish()
        got = tracker.feed(events)
        if not tracker.root_done and (tracker.root_may_close or chunk is None) and parser.done:  # as the pipeline
            got += tracker.finish_root(parser.value)
        typed += got
        batches.append([[e.keys for e in events if e.event_type == "done"], [t.keys for t in got]])
    return typed, batches


def error_keys(errors: list[dict[str, Any]]) -> set[tuple[str, tuple[Any, ...]]]:
    return {(e["type"], tuple(e["loc"])) for e in errors}
