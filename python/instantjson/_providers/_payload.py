"""Typed accessors for decoded provider payloads (JSON objects of unknown shape).

A payload is a `Mapping[str, Any]` (what `json.loads` gives: any key may hold any JSON value).
These helpers read one field with the type the adapter needs and return None (or an empty
sequence) when the value has another type, so adapters never index a value they have not
checked and the type checker knows what each value is.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, TypeAlias, cast

__all__ = ["Obj", "as_int", "as_list", "as_obj", "as_str", "objs", "text_of"]

Obj: TypeAlias = Mapping[str, Any]
"""A decoded JSON object."""


def as_obj(value: object) -> Obj | None:
    """`value` when it is a JSON object, else None."""
    return cast("Obj", value) if isinstance(value, dict) else None


def as_list(value: object) -> list[Any]:
    """`value` when it is a JSON array, else an empty list."""
    return cast("list[Any]", value) if isinstance(value, list) else []


def objs(value: object) -> Iterator[Obj]:
    """The JSON objects in `value` when it is an array (other elements are skipped)."""
    if isinstance(value, list):
        for element in cast("list[object]", value):
            if isinstance(element, dict):
                yield cast("Obj", element)


def as_str(value: object) -> str | None:
    """`value` when it is a non-empty string, else None."""
    return value if isinstance(value, str) and value else None


def text_of(value: object) -> str:
    """`value` when it is a string, else `""`."""
    return value if isinstance(value, str) else ""


def as_int(value: object) -> int | None:
    """An int count from a payload value, or None (bools and junk are not counts)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None
