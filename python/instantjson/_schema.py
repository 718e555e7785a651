"""Output specs: what `Agent.output()` accepts, compiled to a JSON Schema and a prompt instruction.

Three spellings are accepted:

* the seed's dict spec: leaves are `(type, "description")` tuples (or a bare type), a nested
  dict is an object, a one-element list `[spec]` is an array of `spec`:
  `{"title": (str, "Title"), "steps": [{"step": (str, "Step")}]}`. Types are Python types
  (`str`, `int`, `float`, `bool`, `list`, `dict`, `None`), their names (`"str"`,
  `"integer"`, ...) or pydantic model classes; an unknown name becomes an unconstrained value
  with the name in its description, and any other leaf (`datetime`, a set, `object()`) is a
  `TypeError` naming its path when the spec is given.
* a pydantic model class, or any type a `pydantic.TypeAdapter` takes (`list[Step]`, a
  `TypedDict`, a dataclass); pydantic is optional: it is never imported unless you pass one.
  `async_get_data()` then returns the validated object.
* a JSON Schema dict (recognised by a string `type`, `$schema`, `properties`, `$defs`, ...).

Each becomes a typed-output plan too (`_typed.py`): the `type="typed"` view's events, the
validated `async_get_data()`, `on_invalid` and `strict`.

The instruction asks for one JSON value and shows the schema; with `structured="native"` the
schema also goes into the provider's structured-output parameter.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal

if TYPE_CHECKING:
    from ._typed import TypedPlan

__all__ = ["CompiledOutput", "compile_output", "is_json_schema"]

_TYPE_NAMES: Final[dict[Any, str]] = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    list: "array",
    dict: "object",
    None: "null",
    type(None): "null",
    "str": "string",
    "string": "string",
    "int": "integer",
    "integer": "integer",
    "float": "number",
    "number": "number",
    "bool": "boolean",
    "boolean": "boolean",
    "list": "array",
    "array": "array",
    "dict": "object",
    "object": "object",
    "null": "null",
    "none": "null",
}

_SCHEMA_KEYS: Final = frozenset(
    {"$schema", "$defs", "definitions", "properties", "items", "anyOf", "oneOf", "allOf", "$ref", "enum", "const"}
)


@dataclass(frozen=True)
class CompiledOutput:
    """An output spec ready for a request: `schema` (JSON Schema), `instruction` (prompt text),
    `name` (for `response_format`) and `model` (the pydantic class, when one was given).
    Typed output (`_typed.py`): `spec` (what `output()` got), `on_invalid`, `strict`, and
    `plan()`, the validation plan, compiled on first use and kept."""

    schema: dict[str, Any]
    instruction: str
    name: str = "output"
    model: Any = None
    spec: Any = None
    on_invalid: Literal["event", "abort"] = "event"
    strict: bool = False
    _plan: list[TypedPlan] = field(default_factory=list["TypedPlan"], repr=False, compare=False)

    def plan(self) -> TypedPlan:
        """The typed-output plan of `spec` (pydantic is imported only for a Python type)."""
        if not self._plan:
            from ._typed import compile_plan

            self._plan.append(compile_plan(self.spec if self.spec is not None else self.schema, strict=self.strict))
        return self._plan[0]

    def validate(self, data: Any) -> Any:
        """The pydantic instance for `data` (requires a model spec)."""
        if self.model is None:
            raise TypeError("async_get_data_object() needs an output() given as a pydantic model class")
        return self.model.model_validate(data)


def is_json_schema(spec: Mapping[str, Any]) -> bool:
    """True when a dict reads as a JSON Schema rather than a dict spec: it has a string `type`
    or a schema keyword, and no Python type or tuple anywhere (a dict spec's leaves are
    `(type, "description")` tuples or types, so `{"items": [{"name": (str, "N")}]}` is a spec)."""
    if _has_python(spec, 0):
        return False
    return isinstance(spec.get("type"), str) or any(key in spec for key in _SCHEMA_KEYS)


def _has_python(value: Any, depth: int) -> bool:
    if isinstance(value, (tuple, type)) or depth > 64:
        return True
    if isinstance(value, Mapping):
        return any(_has_python(v, depth + 1) for v in value.values())  # pyright: ignore[reportUnknownVariableType]
    if isinstance(value, list):
        return any(_has_python(v, depth + 1) for v in value)  # pyright: ignore[reportUnknownVariableType]
    return False


def _is_pydantic_model(spec: Any) -> bool:
    return isinstance(spec, type) and hasattr(spec, "model_json_schema") and hasattr(spec, "model_validate")


def compile_output(
    spec: Any, *, on_invalid: Literal["event", "abort"] = "event", strict: bool = False
) -> CompiledOutput:
    """Compile a dict spec, a pydantic model class, any type a `pydantic.TypeAdapter` takes, or
    a JSON Schema (see the module docs). `on_invalid` and `strict`: see `Agent.output()`."""
    if on_invalid not in ("event", "abort"):
        raise ValueError(f'on_invalid must be "event" or "abort", not {on_invalid!r}')
    if isinstance(spec, CompiledOutput):
        return spec
    typed = {"on_invalid": on_invalid, "strict": strict}
    if _is_pydantic_model(spec):
        schema: dict[str, Any] = spec.model_json_schema()
        name = _schema_name(getattr(spec, "__name__", "output"))
        return CompiledOutput(schema, _instruction(schema), name, spec, spec, **typed)  # pyright: ignore[reportArgumentType]
    if isinstance(spec, Mapping):
        if is_json_schema(spec):  # pyright: ignore[reportUnknownArgumentType]
            schema = dict(spec)  # pyright: ignore[reportUnknownArgumentType]
            name = _schema_name(str(schema.get("title", "output")))
            return CompiledOutput(schema, _instruction(schema), name, None, schema, **typed)  # pyright: ignore[reportArgumentType]
        schema = spec_to_schema(spec)
        return CompiledOutput(schema, _instruction(schema), "output", None, dict(spec), **typed)  # pyright: ignore[reportArgumentType, reportUnknownArgumentType]
    if isinstance(spec, list):
        schema = spec_to_schema(spec)
        return CompiledOutput(schema, _instruction(schema), "output", None, spec, **typed)  # pyright: ignore[reportArgumentType]
    if _is_type_like(spec):  # list[Step], a TypedDict, a dataclass, int, ...: pydantic's TypeAdapter
        from pydantic import TypeAdapter

        schema = TypeAdapter(spec).json_schema()
        name = _schema_name(getattr(spec, "__name__", "output"))
        return CompiledOutput(schema, _instruction(schema), name, None, spec, **typed)  # pyright: ignore[reportArgumentType]
    raise TypeError(
        "output() takes a dict spec, a pydantic model class, a type (list[Step], a TypedDict, a dataclass) "
        f"or a JSON Schema, not {type(spec).__name__}"
    )


def _is_type_like(spec: Any) -> bool:
    """A class or a typing construct (`list[Step]`, `Optional[X]`, `Annotated[...]`)."""
    from typing import get_origin

    return isinstance(spec, type) or get_origin(spec) is not None


def _at(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def spec_to_schema(spec: Any, path: str = "") -> dict[str, Any]:
    """The JSON Schema of a dict spec (recursive). A leaf that is not `str`, `int`, `float`,
    `bool`, `list`, `dict`, `None`, a type name (`"integer"`), a `(type, "description")` tuple,
    a nested dict, a list, or a pydantic model class (`datetime`, a set, `object()`) raises
    `TypeError` naming its path, when the spec is given (not as `a <object object at 0x...>` in
    the prompt)."""
    if isinstance(spec, Mapping):
        properties = {str(key): spec_to_schema(value, _at(path, key)) for key, value in spec.items()}  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
        return {"type": "object", "properties": properties, "required": list(properties)}
    if isinstance(spec, list):
        items: Sequence[Any] = spec  # pyright: ignore[reportUnknownVariableType]
        if len(items) == 0:
            return {"type": "array"}
        if len(items) == 1:
            return {"type": "array", "items": spec_to_schema(items[0], f"{path}[]")}
        return {"type": "array", "items": {"anyOf": [spec_to_schema(item, f"{path}[]") for item in items]}}
    if isinstance(spec, tuple):
        parts: tuple[Any, ...] = spec  # pyright: ignore[reportUnknownVariableType]
        if not parts:
            return {}
        schema = spec_to_schema(parts[0], path)
        if len(parts) > 1 and parts[1] is not None:
            description = str(parts[1])
            extra = schema.get("description")
            schema["description"] = f"{extra}; {description}" if extra else description
        return schema
    if _is_pydantic_model(spec):
        return spec.model_json_schema()
    key = spec.lower() if isinstance(spec, str) else spec
    try:
        name = _TYPE_NAMES.get(key)
    except TypeError:  # unhashable
        name = None
    if name is not None:
        return {"type": name}
    if isinstance(spec, str):  # an unknown type name: shown to the model as is
        return {"description": f"a {spec}"}
    raise TypeError(
        f"output spec at {path or '$'}: unsupported {type(spec).__name__} {spec!r}; use str, int, float, bool, "
        "(type, 'description'), a dict, a one-item list, or a pydantic model"
    )


def _schema_name(name: str) -> str:
    cleaned = "".join(ch if ch.isalnum() or ch in "_-" else "_" for ch in name)[:64]
    return cleaned or "output"


def _instruction(schema: Mapping[str, Any]) -> str:
    text = json.dumps(schema, ensure_ascii=False, indent=1)
    return (
        "Answer with one JSON value only: no prose before or after it, no code fence. "
        "It must match this JSON Schema (each field's description says what to put in it):\n" + text
    )
