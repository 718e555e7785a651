"""Plans for a JSON Schema dict and the seed's dict spec, with a small checker (no pydantic).

pydantic cannot build a validator from a JSON Schema, so this checks the subset that LLM
structured outputs use (OpenAI's strict mode, Gemini's and Anthropic's schemas): `type` (a name
or a list of names), `properties`, `required`, `additionalProperties` (`false` or a schema),
`items`, `enum`, `const`, `anyOf`/`oneOf` (any branch), `nullable`, `$ref` into `$defs` or
`definitions`. Other keywords (`minimum`, `pattern`, `format`, ...) are not checked.

Errors are dicts shaped like pydantic's (`type`, `loc`, `msg`, `input`), with pydantic's error
type names (`int_parsing`, `missing`, `extra_forbidden`, `enum`, ...).

Lax (default) coercions, as pydantic's lax mode does them: an integer from a string of one
(`"5"`), from a whole float (`5.0`) or from a boolean, a number from a numeric string or a
boolean, a boolean from `"true"`, `"false"`, `"yes"`, `"no"`, `"on"`, `"off"`, `"1"`, `"0"`,
`"t"`, `"f"`, `"y"`, `"n"` (any case) or from 0 and 1; plus a number where a string is
expected becomes its JSON text and one value where an array is expected becomes a one-item
array. `strict=True`: none of them.

The seed's dict spec (`{"title": (str, "Title"), "steps": [{"step": (str, "Step")}]}`) is
compiled to its JSON Schema (`_schema.spec_to_schema`) and checked the same way: every key it
names is required and every leaf type is checked (a key the model left out is a `missing` error
at its path, as pydantic reports it). For a key that may be absent, give a pydantic model or a
JSON Schema whose `required` leaves it out.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any, Final

from ._typed import LEAF, LIST, MAP, OBJECT, Invalid, Node

__all__ = ["check", "plan_from_schema", "plan_from_spec"]

_TRUE: Final = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE: Final = frozenset({"0", "off", "f", "false", "n", "no"})
_INT_PARSING: Final = "Input should be a valid integer, unable to parse string as an integer"
_FLOAT_PARSING: Final = "Input should be a valid number, unable to parse string as a number"
_BOOL_PARSING: Final = "Input should be a valid boolean, unable to interpret input"
_Errors = list[dict[str, Any]]


def plan_from_schema(schema: Mapping[str, Any], *, strict: bool = False) -> Node:
    """The plan (root `Node`) of a JSON Schema."""
    return _Planner(schema, strict=strict).node(schema)


def plan_from_spec(spec: Any, *, strict: bool = False) -> Node:
    """The plan of the seed's dict spec (every key required, leaf types checked)."""
    from ._schema import spec_to_schema

    schema = spec_to_schema(spec)
    return _Planner(schema, strict=strict).node(schema)


def _error(kind: str, loc: tuple[Any, ...], msg: str, value: Any) -> dict[str, Any]:
    return {"type": kind, "loc": loc, "msg": msg, "input": value}


class _Checker:
    """Checks a value against a schema (deep), returning the coerced value."""

    def __init__(self, root: Mapping[str, Any], *, strict: bool) -> None:
        self.root = root
        self.strict = strict

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        seen = 0
        while "$ref" in schema and seen < 64:
            ref = schema["$ref"]
            target: Any = self.root
            if not isinstance(ref, str) or not ref.startswith("#"):
                return {}
            for part in ref.lstrip("#").strip("/").split("/"):
                if not part:
                    continue
                part = part.replace("~1", "/").replace("~0", "~")
                target = target.get(part) if isinstance(target, Mapping) else None
            if not isinstance(target, Mapping):
                return {}
            schema = target  # pyright: ignore[reportUnknownVariableType]
            seen += 1
        return schema

    def check(self, schema: Mapping[str, Any], value: Any, loc: tuple[Any, ...], errors: _Errors) -> Any:
        schema = self.resolve(schema)
        branches = schema.get("anyOf") or schema.get("oneOf")
        if isinstance(branches, list) and branches:
            if value is None and schema.get("nullable"):
                return None
            best: list[dict[str, Any]] | None = None
            for branch in branches:  # pyright: ignore[reportUnknownVariableType]
                attempt: list[dict[str, Any]] = []
                result = self.check(branch, value, loc, attempt)  # pyright: ignore[reportUnknownArgumentType]
                if not attempt:
                    return self._keywords(schema, result, loc, errors)
                if best is None or len(attempt) < len(best):
                    best = attempt
            errors += best or []
            return value
        return self._keywords(schema, self._typed(schema, value, loc, errors), loc, errors)

    def _keywords(
        self, schema: Mapping[str, Any], value: Any, loc: tuple[Any, ...], errors: list[dict[str, Any]]
    ) -> Any:
        if "enum" in schema and isinstance(schema["enum"], list):
            if not any(e == value and (type(e) is bool) == (type(value) is bool) for e in schema["enum"]):  # pyright: ignore[reportUnknownVariableType]
                options = ", ".join(json.dumps(e) for e in schema["enum"])  # pyright: ignore[reportUnknownVariableType]
                errors.append(_error("enum", loc, f"Input should be {options}", value))
        if "const" in schema and value != schema["const"]:
            errors.append(_error("literal_error", loc, f"Input should be {json.dumps(schema['const'])}", value))
        return value

    def _types(self, schema: Mapping[str, Any]) -> list[str]:
        kind = schema.get("type")
        if isinstance(kind, str):
            names = [kind]
        elif isinstance(kind, list):
            names = [k for k in kind if isinstance(k, str)]  # pyright: ignore[reportUnknownVariableType]
        else:
            names = []
            if "properties" in schema or "additionalProperties" in schema:
                names = ["object"]
            elif "items" in schema:
                names = ["array"]
        if names and schema.get("nullable") is True and "null" not in names:
            names.append("null")
        return names

    def _typed(self, schema: Mapping[str, Any], value: Any, loc: tuple[Any, ...], errors: _Errors) -> Any:
        names = self._types(schema)
        if not names:
            return value
        if value is None and "null" in names:
            return None
        first: list[dict[str, Any]] | None = None
        for name in names:
            if name == "null":
                continue
            attempt: list[dict[str, Any]] = []
            result = self._one(name, schema, value, loc, attempt)
            if not attempt:
                return result
            if first is None:
                first = attempt
        if first is None:
            first = [_error("none_required", loc, "Input should be None", value)]
        errors += first
        return value

    def _one(
        self, name: str, schema: Mapping[str, Any], value: Any, loc: tuple[Any, ...], errors: list[dict[str, Any]]
    ) -> Any:
        strict = self.strict
        if name == "string":
            if isinstance(value, str):
                return value
            if not strict and type(value) in (int, float):
                return json.dumps(value)
            errors.append(_error("string_type", loc, "Input should be a valid string", value))
        elif name == "integer":
            if type(value) is int:
                return value
            if not strict:
                if type(value) is bool:
                    return int(value)
                if type(value) is float and math.isfinite(value) and value.is_integer():
                    return int(value)
                if isinstance(value, str):
                    try:
                        return int(value.strip())
                    except ValueError:
                        pass
                    errors.append(
                        _error(
                            "int_parsing",
                            loc,
                            _INT_PARSING,
                            value,
                        )
                    )
                    return value
            errors.append(_error("int_type", loc, "Input should be a valid integer", value))
        elif name == "number":
            if type(value) in (int, float):
                return value
            if not strict and type(value) is bool:
                return float(value)
            if not strict and isinstance(value, str):
                try:
                    number = float(value.strip())
                except ValueError:
                    pass
                else:
                    if math.isfinite(number):
                        return number
                errors.append(
                    _error(
                        "float_parsing",
                        loc,
                        _FLOAT_PARSING,
                        value,
                    )
                )
                return value
            errors.append(_error("float_type", loc, "Input should be a valid number", value))
        elif name == "boolean":
            if type(value) is bool:
                return value
            if not strict:
                if isinstance(value, str) and value.strip().lower() in _TRUE:
                    return True
                if isinstance(value, str) and value.strip().lower() in _FALSE:
                    return False
                if type(value) is int and value in (0, 1):
                    return bool(value)
                if isinstance(value, str):
                    errors.append(_error("bool_parsing", loc, _BOOL_PARSING, value))
                    return value
            errors.append(_error("bool_type", loc, "Input should be a valid boolean", value))
        elif name == "array":
            if not isinstance(value, list):
                if strict or value is None:
                    errors.append(_error("list_type", loc, "Input should be a valid list", value))
                    return value
                value = [value]
            items = schema.get("items")
            if isinstance(items, Mapping):
                return [self.check(items, item, (*loc, i), errors) for i, item in enumerate(value)]  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
            return value  # pyright: ignore[reportUnknownVariableType]
        elif name == "object":
            if not isinstance(value, dict):
                errors.append(_error("dict_type", loc, "Input should be a valid dictionary", value))
                return value
            return self._object(schema, value, loc, errors, deep=True)  # pyright: ignore[reportUnknownArgumentType]
        elif name == "null":
            if value is not None:
                errors.append(_error("none_required", loc, "Input should be None", value))
        return value

    def _object(
        self,
        schema: Mapping[str, Any],
        value: dict[str, Any],
        loc: tuple[Any, ...],
        errors: list[dict[str, Any]],
        *,
        deep: bool,
    ) -> dict[str, Any]:
        properties: Mapping[str, Any] = schema.get("properties") or {}
        out: dict[str, Any] = {}
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            sub = properties.get(key)
            if sub is not None:
                out[key] = self.check(sub, item, (*loc, key), errors) if deep else item
            elif extra is False:
                errors.append(_error("extra_forbidden", (*loc, key), "Extra inputs are not permitted", item))
            elif isinstance(extra, Mapping):
                out[key] = self.check(extra, item, (*loc, key), errors) if deep or properties else item  # pyright: ignore[reportUnknownArgumentType]
            else:
                out[key] = item
        missing = [key for key in schema.get("required") or () if key not in value]
        errors += [_error("missing", (*loc, key), "Field required", value) for key in missing]
        return out


def check(schema: Mapping[str, Any], value: Any, *, strict: bool = False) -> Any:
    """The value checked (and coerced, unless strict) against a JSON Schema; raises `Invalid`."""
    errors: list[dict[str, Any]] = []
    result = _Checker(schema, strict=strict).check(schema, value, (), errors)
    if errors:
        raise Invalid(errors)
    return result


class _Planner:
    def __init__(self, root: Mapping[str, Any], *, strict: bool) -> None:
        self.checker = _Checker(root, strict=strict)
        self.strict = strict
        self.seen: dict[int, Node] = {}

    def node(self, schema: Mapping[str, Any]) -> Node:
        checker = self.checker
        schema = checker.resolve(schema)
        seen = self.seen.get(id(schema))
        if seen is not None:
            return seen
        branches = schema.get("anyOf") or schema.get("oneOf")
        nullable = bool(schema.get("nullable"))
        shape = schema
        if isinstance(branches, list):
            others = [b for b in branches if not (isinstance(b, Mapping) and b.get("type") == "null")]  # pyright: ignore[reportUnknownVariableType]
            if len(others) == 1 and isinstance(others[0], Mapping):
                shape = checker.resolve(others[0])  # pyright: ignore[reportUnknownArgumentType]
                nullable = nullable or len(others) < len(branches)  # pyright: ignore[reportUnknownArgumentType]
            else:
                shape = {}
        names = [n for n in checker._types(shape) if n != "null"]  # pyright: ignore[reportPrivateUsage]
        nullable = nullable or "null" in checker._types(shape)  # pyright: ignore[reportPrivateUsage]
        kind = LEAF
        if names == ["object"] and (
            isinstance(shape.get("properties"), Mapping) or isinstance(shape.get("additionalProperties"), Mapping)
        ):
            kind = OBJECT if shape.get("properties") else MAP
        elif names == ["array"] and isinstance(shape.get("items"), Mapping) and not branches:
            kind = LIST
        node = Node(kind, self._validator(schema, shape, kind, nullable))
        self.seen[id(schema)] = node
        if kind == OBJECT:
            for key, sub in shape["properties"].items():
                if isinstance(sub, Mapping):
                    node.fields[key] = self.node(sub)  # pyright: ignore[reportUnknownArgumentType]
        elif kind == MAP:
            node.item = self.node(shape["additionalProperties"])
        elif kind == LIST:
            node.item = self.node(shape["items"])
            node.single_to_list = not self.strict
        return node

    def _validator(self, schema: Mapping[str, Any], shape: Mapping[str, Any], kind: int, nullable: bool) -> Any:
        checker = self.checker
        if kind == LEAF:

            def validate_leaf(value: Any) -> Any:
                errors: list[dict[str, Any]] = []
                result = checker.check(schema, value, (), errors)
                if errors:
                    raise Invalid(errors)
                return result

            return validate_leaf

        def validate_container(value: Any) -> Any:
            # the named children are validated already (an invalid child never gets here)
            if value is None and nullable:
                return None
            errors: list[dict[str, Any]] = []
            if kind == LIST:
                if not isinstance(value, list):
                    raise Invalid([_error("list_type", (), "Input should be a valid list", value)])
                result: Any = value
            elif not isinstance(value, dict):
                raise Invalid([_error("dict_type", (), "Input should be a valid dictionary", value)])
            else:
                result = checker._object(shape, value, (), errors, deep=False)  # pyright: ignore[reportPrivateUsage, reportUnknownArgumentType]
            result = checker._keywords(shape, result, (), errors)  # pyright: ignore[reportPrivateUsage]
            if errors:
                raise Invalid(errors)
            return result

        return validate_container
