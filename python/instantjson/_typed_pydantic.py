"""Plans for pydantic types: a model class, or any type a `pydantic.TypeAdapter` takes.

This module imports pydantic; it is imported only when a typed output is compiled from a
Python type, so `import instantjson` never imports pydantic.

What is named (gets a `TypedEvent`), from the type:

| type                                           | named children                            |
|------------------------------------------------|-------------------------------------------|
| a `BaseModel`, a dataclass, a `TypedDict`      | every field (by its validation alias)     |
| `list[X]`, `set[X]`, `frozenset[X]`, `tuple[X, ...]`, `Sequence[X]` | every item           |
| `dict[str, X]`, `Mapping[str, X]`              | every value                               |
| `X | None`                                     | as `X`                                    |
| anything else (scalars, enums, other unions, fixed tuples, `RootModel`) | none: validated whole |

Each node validates with `TypeAdapter(annotation)` (for a model field: its annotation with its
`Field()` constraints). A container validates with its children's validated values substituted
(a child model instance is taken as it is), except in three cases where pydantic needs the raw
input: a child whose annotation carries a `BeforeValidator`/`WrapValidator`/`PlainValidator`
is passed raw; a model field with a `mode="before"|"wrap"|"plain"` `@field_validator` is not
named (its model validates it); a model with a `mode="before"|"wrap"` `@model_validator` is
validated from its raw JSON. A model field's own event validates its annotation only: a
`@field_validator(mode="after")` and the model's config (`str_strip_whitespace`,
`str_to_lower`, ...) apply when its model is validated, so such a field's event can differ from
the field of the model's event (constraints on the field itself, `Field(min_length=...)`,
`StringConstraints(strip_whitespace=True)`, apply to both).

Strict (`strict=True`, or a model with `model_config["strict"]`): a value is validated as
pydantic validates JSON in strict mode (`validate_json(..., strict=True)`): no `"5"` for an int.
Lax (default): pydantic's lax mode, plus a number where a string is expected becomes its JSON
text, and one value where a list is expected becomes a one-item list.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import json
import types
import typing
from typing import Annotated, Any, Union, cast, get_args, get_origin

from pydantic import BaseModel, Field, RootModel, TypeAdapter, ValidationError
from pydantic.functional_validators import BeforeValidator, PlainValidator, WrapValidator
from typing_extensions import NotRequired, ReadOnly, Required, is_typeddict

from ._typed import LEAF, LIST, MAP, OBJECT, Invalid, Node

__all__ = ["plan_from_type"]

_LIST_ORIGINS: frozenset[Any] = frozenset(
    {
        list,
        set,
        frozenset,
        collections.abc.Sequence,
        collections.abc.MutableSequence,
        collections.abc.Set,
        collections.abc.MutableSet,
    }
)
_MAP_ORIGINS: frozenset[Any] = frozenset({dict, collections.abc.Mapping, collections.abc.MutableMapping})
_RAW_VALIDATORS = (BeforeValidator, WrapValidator, PlainValidator)
_TD_WRAPPERS: frozenset[Any] = frozenset({Required, NotRequired, ReadOnly})
_NONE_TYPES: frozenset[Any] = frozenset({type(None), None})

_CACHE: dict[tuple[Any, bool], Node] = {}


def plan_from_type(tp: Any, *, strict: bool = False) -> Node:
    """The plan (root `Node`) of a pydantic model class or any type a `TypeAdapter` takes."""
    try:
        cached = _CACHE.get((tp, strict))
    except TypeError:  # unhashable annotation metadata
        return _Builder(strict).node(tp, strict)
    if cached is None:
        cached = _Builder(strict).node(tp, strict)
        if len(_CACHE) < 1024:
            _CACHE[(tp, strict)] = cached
    return cached


_IDENTITY: dict[str, type] = {"str": str, "int": int, "float": float, "bool": bool}
"""Core schema types whose validation, with no constraint, returns a value of exactly that
Python type unchanged (in lax and strict mode alike)."""


def _identity_type(adapter: TypeAdapter[Any]) -> type | None:
    """The type `t` for which validating a value of exactly type `t` returns it unchanged: a
    plain `str`, `int`, `float` or `bool` schema (no constraint, no validator); else None."""
    schema: Any = adapter.core_schema
    if not isinstance(schema, dict) or set(schema) - {"type", "metadata"}:  # pyright: ignore[reportUnknownArgumentType]
        return None
    if schema.get("metadata"):  # pyright: ignore[reportUnknownMemberType]
        return None
    return _IDENTITY.get(schema["type"])  # pyright: ignore[reportUnknownArgumentType]


def _validator(adapter: TypeAdapter[Any], *, strict: bool, leaf: bool) -> Any:
    # the adapter's core validator, called directly (TypeAdapter's wrappers cost more than a
    # small value's validation); a plain scalar of its exact type is returned as pydantic would
    # return it (unchanged) without the call
    validate_python = adapter.validator.validate_python
    same = _identity_type(adapter) if leaf else None
    if strict and leaf:
        validate_json = adapter.validator.validate_json
        dumps = json.dumps

        def validate_strict(value: Any) -> Any:
            if type(value) is same:
                return value
            try:
                return validate_json(dumps(value, ensure_ascii=False), strict=True)
            except ValidationError as exc:
                raise Invalid(cast("list[dict[str, Any]]", exc.errors(include_url=False)), exc) from None

        return validate_strict

    def validate(value: Any) -> Any:
        if type(value) is same:
            return value
        try:
            return validate_python(value)
        except ValidationError as exc:
            if leaf and type(value) in (int, float) and any(e["type"] == "string_type" for e in exc.errors()):
                try:  # a number where a string is expected: its JSON text
                    return validate_python(json.dumps(value))
                except ValidationError:
                    pass
            raise Invalid(cast("list[dict[str, Any]]", exc.errors(include_url=False)), exc) from None

    return validate


class _Builder:
    def __init__(self, strict: bool) -> None:
        self.strict = strict
        self.seen: dict[tuple[Any, bool], Node] = {}

    def node(self, tp: Any, strict: bool) -> Node:
        try:
            key = (tp, strict)
            seen = self.seen.get(key)
        except TypeError:
            key, seen = None, None
        if seen is not None:
            return seen
        base: Any = tp
        metadata: tuple[Any, ...] = ()
        if get_origin(tp) is Annotated:
            base, *rest = get_args(tp)
            metadata = tuple(rest)
        raw_input = any(isinstance(m, _RAW_VALIDATORS) for m in metadata)
        origin = get_origin(base)
        if origin is Union or origin is types.UnionType:
            others = [arg for arg in get_args(base) if arg not in _NONE_TYPES]
            if len(others) == 1:  # X | None: planned as X, validated as the union
                inner = others[0]
                if get_origin(inner) is Annotated:
                    inner_args = get_args(inner)
                    raw_input = raw_input or any(isinstance(m, _RAW_VALIDATORS) for m in inner_args[1:])
                    inner = inner_args[0]
                base, origin = inner, get_origin(inner)
        kind = LEAF
        if isinstance(base, type) and issubclass(base, BaseModel) and not issubclass(base, RootModel):
            kind = OBJECT
        elif is_typeddict(base) or (isinstance(base, type) and dataclasses.is_dataclass(base)):
            kind = OBJECT
        elif origin in _LIST_ORIGINS and get_args(base):
            kind = LIST
        elif origin is tuple and len(get_args(base)) == 2 and get_args(base)[1] is Ellipsis:
            kind = LIST
        elif origin in _MAP_ORIGINS and len(get_args(base)) == 2 and get_args(base)[0] in (str, Any):
            kind = MAP
        adapter: TypeAdapter[Any] = TypeAdapter(tp)
        node = Node(kind, _validator(adapter, strict=strict, leaf=kind == LEAF), raw_input=raw_input)
        if key is not None:
            self.seen[key] = node
        if kind == OBJECT:
            self._fields(node, base, strict)
        elif kind == LIST:
            node.item = self.node(get_args(base)[0], strict)
            node.single_to_list = not strict and origin is list
        elif kind == MAP:
            node.item = self.node(get_args(base)[1], strict)
        return node

    def _fields(self, node: Node, cls: Any, strict: bool) -> None:
        config: Any = getattr(cls, "model_config", None) or getattr(cls, "__pydantic_config__", None) or {}
        strict = strict or bool(config.get("strict"))
        by_name = bool(config.get("populate_by_name") or config.get("validate_by_name"))
        decorators = getattr(cls, "__pydantic_decorators__", None)
        raw_fields: set[str] = set()
        if decorators is not None:
            for decorator in decorators.field_validators.values():
                if decorator.info.mode in ("before", "wrap", "plain"):
                    raw_fields.update(decorator.info.fields)
            node.whole = any(d.info.mode in ("before", "wrap") for d in decorators.model_validators.values())
        fields: Any = getattr(cls, "__pydantic_fields__", None)
        if fields is not None:  # a model or a pydantic dataclass
            for name, info in fields.items():
                if name in raw_fields or "*" in raw_fields:
                    continue
                alias = info.validation_alias if info.validation_alias is not None else info.alias
                if alias is not None and not isinstance(alias, str):
                    continue  # AliasPath / AliasChoices: validated with its model
                annotation: Any = info.annotation
                extra = list(info.metadata)
                if info.discriminator is not None:
                    extra.append(Field(discriminator=info.discriminator))
                if extra:
                    annotation = Annotated[(annotation, *extra)]  # pyright: ignore[reportInvalidTypeArguments]
                try:
                    child = self.node(annotation, strict)
                except Exception:  # a type pydantic validates only inside its model: no event of its own
                    continue
                node.fields[alias or name] = child
                if alias and by_name:
                    node.fields[name] = child
            return
        hints = typing.get_type_hints(cls, include_extras=True)
        if dataclasses.is_dataclass(cls):
            names = [f.name for f in dataclasses.fields(cls)]
        else:
            names = list(hints)
        for name in names:
            annotation = hints[name]
            while get_origin(annotation) in _TD_WRAPPERS:
                annotation = get_args(annotation)[0]
            node.fields[name] = self.node(annotation, strict)
