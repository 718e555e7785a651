"""Typed streaming: each value the output schema names, validated once, the moment it completes.

Sans-IO. A `TypedTracker` is fed the instant parser's events (only `done` events matter) and
returns the `TypedEvent`s of the values that just completed, in document order:

```python
plan = compile_plan(Plan)                  # a pydantic model, a type, a JSON Schema or a dict spec
tracker = TypedTracker(plan)
for chunk in chunks:
    events = parser.feed(chunk)
    typed = tracker.feed(events)           # TypedEvents of the values these events completed
    if tracker.root_may_close and not tracker.root_done and parser.done:
        typed += tracker.finish_root(parser.value)
```

(`root_may_close`: the parser's `done` is worth asking; after `parser.finish()`, ask it anyway.
Only done events matter: a list whose only event is a delta need not be fed.)

A *plan* (`Node` tree, one node per schema position) says which values are *named* (every model
field, every list item, every typed dict value, the root) and how to validate each. Each named
value is validated once, at its done event; a container is validated with its named children
replaced by their already-validated results (a child model instance is accepted as it is), so
the total cost is O(answer), never a re-validation per chunk. A container whose child is
invalid is invalid too, with the child's errors (their `loc` prefixed with the child's key),
without being validated again.

Plans come from `_typed_pydantic.py` (pydantic types; pydantic is imported there only) and
`_typed_schema.py` (JSON Schema and the seed's dict spec, with a small checker, no pydantic).

Lenient coercions (unless `strict=True`): pydantic's lax mode for scalars (`"5"` for an int,
`"true"` for a bool, ...), a number where a string is expected becomes its JSON text, and one
value where a list is expected becomes a one-item list: the typed events then describe the
coerced shape (`steps[0].step` for a raw `{"steps": {"step": ...}}`), while `raw` stays the JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from ._exceptions import OutputValidationError

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "LEAF",
    "LIST",
    "MAP",
    "OBJECT",
    "Invalid",
    "Node",
    "TypedEvent",
    "TypedPlan",
    "TypedTracker",
    "compile_plan",
    "format_path",
]

LEAF: Final = 0
OBJECT: Final = 1
LIST: Final = 2
MAP: Final = 3


class Invalid(Exception):
    """Raised by a node's validator: `errors` are pydantic-style error dicts (`type`, `loc`
    relative to the node, `msg`, `input`); `cause` the pydantic `ValidationError`, if any."""

    def __init__(self, errors: list[dict[str, Any]], cause: BaseException | None = None) -> None:
        super().__init__(errors)
        self.errors = errors
        self.cause = cause


@dataclass(eq=False)
class Node:
    """One schema position. `validate(value)` returns the validated value or raises `Invalid`.

    `kind`: LEAF (validated whole: a scalar, or a container the plan does not look into),
    OBJECT (`fields`: JSON key -> child node, the named children), LIST (`item`), MAP (`item`,
    for every key). `raw_input`: the parent must pass this child's raw JSON, not its validated
    value (its validator transforms its raw input: a before/wrap/plain validator). `whole`: this
    container is validated from its raw JSON (a model `before`/`wrap` validator sees the input).
    `single_to_list`: a LIST that accepts one value as a one-item list (lenient)."""

    kind: int
    validate: Callable[[Any], Any]
    fields: dict[str, Node] = field(default_factory=dict[str, "Node"])
    item: Node | None = None
    raw_input: bool = False
    whole: bool = False
    single_to_list: bool = False
    locations: dict[str, _Where] = field(default_factory=dict[str, "_Where"], repr=False)
    """On a plan's root: where each wildcard path lands (filled by the trackers, shared by every
    response of the plan)."""


@dataclass(frozen=True)
class TypedPlan:
    """A compiled output spec: the root `Node`, whether the output was a pydantic model or type
    (`typed`: `async_get_data()` then returns the validated object), and `strict`."""

    root: Node
    typed: bool
    strict: bool = False


class TypedEvent(NamedTuple):
    """A value the output schema names, complete and validated (frozen; a named tuple).

    `path`, `keys`, `wildcard_path` locate it as in `InstantEvent` (the root: `""`, `()`);
    `value` is the validated value (a model instance for a model, converted scalars) or None
    when invalid; `raw` the JSON value as parsed; `error` None or the `OutputValidationError`
    for this value (its `errors` are pydantic's)."""

    path: str
    keys: tuple[str | int, ...]
    wildcard_path: str
    value: Any
    raw: Any
    error: OutputValidationError | None = None

    @property
    def is_valid(self) -> bool:
        """True when the value validated (`error is None`)."""
        return self.error is None


def compile_plan(spec: Any, *, strict: bool = False) -> TypedPlan:
    """The plan of an output spec: a pydantic model class, any type `pydantic.TypeAdapter`
    takes, a JSON Schema dict or the seed's dict spec."""
    if isinstance(spec, TypedPlan):
        return spec
    if isinstance(spec, dict):
        from ._schema import is_json_schema
        from ._typed_schema import plan_from_schema, plan_from_spec

        if is_json_schema(spec):  # pyright: ignore[reportUnknownArgumentType]
            return TypedPlan(plan_from_schema(spec, strict=strict), typed=False, strict=strict)  # pyright: ignore[reportUnknownArgumentType]
        return TypedPlan(plan_from_spec(spec, strict=strict), typed=False, strict=strict)
    if isinstance(spec, list) and not isinstance(spec, type):
        from ._typed_schema import plan_from_spec

        return TypedPlan(plan_from_spec(spec, strict=strict), typed=False, strict=strict)
    global _plan_from_type  # imported on first use (it imports pydantic)
    if _plan_from_type is None:
        from ._typed_pydantic import plan_from_type as _plan_from_type
    return TypedPlan(_plan_from_type(spec, strict=strict), typed=True, strict=strict)


_plan_from_type: Callable[..., Node] | None = None


_SIMPLE_KEY_CHARS: Final = frozenset('.[]"')


def format_path(keys: tuple[str | int, ...]) -> str:
    """The dot path of `keys`, written as the parser writes it (`steps[0].owner`, `["a.b"]`)."""
    parts: list[str] = []
    for key in keys:
        if isinstance(key, int):
            parts.append(f"[{key}]")
        elif key == "" or not _SIMPLE_KEY_CHARS.isdisjoint(key):
            parts.append("[" + json.dumps(key, ensure_ascii=False) + "]")
        else:
            parts.append("." + key if parts else key)
    return "".join(parts)


def _wildcard(keys: tuple[str | int, ...]) -> str:
    return format_path(tuple(-1 if isinstance(k, int) else k for k in keys)).replace("[-1]", "[*]")


class _Where:
    """Where a raw path lands in the plan: the node (None: not a named value), the positions
    where a coercion inserted an implicit index 0 (single value -> one-item list), the path's
    depth, and `leaf`: a plain leaf (validated alone, its result taken by its container)."""

    __slots__ = ("depth", "inserts", "leaf", "node")

    def __init__(self, node: Node | None, inserts: tuple[int, ...], depth: int) -> None:
        self.node = node
        self.inserts = inserts
        self.depth = depth
        self.leaf = node is not None and node.kind == LEAF and not node.raw_input and not inserts


class TypedTracker:
    """Turns the instant events of one answer into `TypedEvent`s (see the module docs).

    `feed(events)` returns the typed events of the named values these events completed;
    `finish_root(value)` the root's (once the root closed: the parser's `done`). Errors stay in
    the events; `errors` lists every invalid value's error in order.

    `root_may_close` is False while the root cannot have closed: the last completed value was
    nested deeper than the root's children, whose container must complete (a done event) before
    the root can. A caller asks the parser's `done` only when it is True (at a `finish()`, always).

    Done events come in post-order (every child before its container), so the results of the
    named values not yet taken by their container form a stack: a container takes the entries
    one level deeper than itself from its top. No per-container dict, no path slicing."""

    __slots__ = ("_stack", "_where", "errors", "plan", "root_done", "root_event", "root_may_close")

    def __init__(self, plan: TypedPlan) -> None:
        self.plan = plan
        self._where = plan.root.locations  # the plan's own: the same for every response
        # (depth, key, value for the container, error) of completed named values
        self._stack: list[tuple[int, str | int, Any, Invalid | None]] = []
        self.errors: list[OutputValidationError] = []
        self.root_done = False
        self.root_event: TypedEvent | None = None
        self.root_may_close = True  # an empty root closes with no event before it

    def _locate(self, keys: tuple[str | int, ...], wildcard: str) -> _Where:
        node: Node | None = self.plan.root
        inserts: list[int] = []
        for position, key in enumerate(keys):
            if node is None:
                break
            kind = node.kind
            if kind == OBJECT:
                node = node.fields.get(key) if isinstance(key, str) else None
            elif kind == LIST:
                if isinstance(key, int):
                    node = node.item
                elif node.single_to_list and node.item is not None and node.item.kind in (OBJECT, MAP):
                    inserts.append(position)
                    item = node.item
                    node = item.fields.get(key) if item.kind == OBJECT else item.item
                else:
                    node = None
            elif kind == MAP:
                node = node.item if isinstance(key, str) else None
            else:
                node = None
        where = _Where(node, tuple(inserts), len(keys))
        if len(self._where) < 4096:  # shared by the plan's responses: bounded (a map's keys are many)
            self._where[wildcard] = where
        return where

    def feed(self, events: list[Any]) -> list[TypedEvent]:
        """The typed events of the named values these instant events completed (a list; only
        done events matter: a caller may skip a list whose only event is a delta)."""
        out: list[TypedEvent] = []
        try:
            [ev] = events  # most feeds bring one event: no loop (a third of the cost)
        except ValueError:
            for ev in events:
                if ev.is_complete:
                    self._done(ev, out)
            return out
        if ev.is_complete:
            self._done(ev, out)
        return out

    def _done(self, ev: Any, out: list[TypedEvent]) -> None:
        wildcard = ev.wildcard_path
        where = self._where.get(wildcard)
        if where is None:
            where = self._locate(ev.keys, wildcard)
        self.root_may_close = where.depth <= 1
        if where.leaf:  # the common case, inlined
            keys = ev.keys
            raw = ev.value
            try:
                value = where.node.validate(raw)  # pyright: ignore[reportOptionalMemberAccess]
            except Invalid as exc:
                self._invalid(where.node, keys, ev.path, wildcard, raw, exc, out)  # pyright: ignore[reportArgumentType]
            else:
                self._stack.append((where.depth, keys[-1], value, None))
                out.append(_new_event(TypedEvent, (ev.path, keys, wildcard, value, raw, None)))
            return
        node = where.node
        if node is None:
            return
        if where.inserts:
            typed_keys = list(ev.keys)
            for shift, position in enumerate(where.inserts):
                typed_keys.insert(position + shift, 0)
            tkeys = tuple(typed_keys)
            self._complete(node, tkeys, format_path(tkeys), _wildcard(tkeys), ev.value, out)
        else:
            self._complete(node, ev.keys, ev.path, wildcard, ev.value, out)

    def finish_root(self, value: Any) -> list[TypedEvent]:
        """The root's typed event (call once, when the root has closed)."""
        if self.root_done:
            return []
        self.root_done = True
        out: list[TypedEvent] = []
        self._complete(self.plan.root, (), "", "", value, out)
        self.root_event = out[-1]
        return out

    def _take_children(self, depth: int) -> list[tuple[int, str | int, Any, Invalid | None]]:
        stack = self._stack
        i = len(stack)
        deeper = False  # entries below a child (not taken by a named container): dropped
        child = depth + 1
        while i:
            d = stack[i - 1][0]
            if d <= depth:
                break
            if d != child:
                deeper = True
            i -= 1
        children = stack[i:]
        del stack[i:]
        if deeper:
            return [c for c in children if c[0] == child]
        return children

    def _complete(
        self,
        node: Node,
        keys: tuple[str | int, ...],
        path: str,
        wildcard: str,
        raw: Any,
        out: list[TypedEvent],
    ) -> None:
        kind = node.kind
        depth = len(keys)
        single = kind == LIST and node.single_to_list and raw is not None and not isinstance(raw, list)
        if single and node.item is not None:
            # one value where a list is expected: complete its implicit item first
            item_keys = (*keys, 0)
            self._complete(node.item, item_keys, format_path(item_keys), _wildcard(item_keys), raw, out)
            value, error = self._validate_container(node, [raw], self._take_children(depth))
        elif kind == LEAF:
            try:
                value, error = node.validate(raw), None
            except Invalid as exc:
                value, error = None, exc
        else:
            value, error = self._validate_container(node, raw, self._take_children(depth))
        if error is not None:
            self._invalid(node, keys, path, wildcard, raw, error, out)
            return
        if keys:
            self._stack.append((depth, keys[-1], raw if node.raw_input else value, None))
        out.append(_new_event(TypedEvent, (path, keys, wildcard, value, raw, None)))

    def _invalid(
        self,
        node: Node,
        keys: tuple[str | int, ...],
        path: str,
        wildcard: str,
        raw: Any,
        error: Invalid,
        out: list[TypedEvent],
    ) -> None:
        if keys:
            self._stack.append((len(keys), keys[-1], raw, error))
        exc = OutputValidationError.from_errors(path, raw, error.errors)
        if error.cause is not None:
            exc.__cause__ = error.cause
        self.errors.append(exc)
        out.append(_new_event(TypedEvent, (path, keys, wildcard, None, raw, exc)))

    def _validate_container(
        self, node: Node, raw: Any, children: list[tuple[int, str | int, Any, Invalid | None]]
    ) -> tuple[Any, Invalid | None]:
        if children:
            failed: list[dict[str, Any]] = []
            for _, key, _, child_error in children:
                if child_error is not None:
                    failed += [{**e, "loc": (key, *e.get("loc", ()))} for e in child_error.errors]
            if failed:
                return None, Invalid(failed)
        substituted: Any = raw
        if children and not node.whole:
            if isinstance(raw, list):
                substituted = list(raw)  # pyright: ignore[reportUnknownArgumentType]
                n = len(substituted)
                for _, index, child_value, _ in children:
                    if isinstance(index, int) and index < n:
                        substituted[index] = child_value
            elif isinstance(raw, dict):
                substituted = dict(raw)  # pyright: ignore[reportUnknownArgumentType]
                for _, key, child_value, _ in children:
                    substituted[key] = child_value
        try:
            return node.validate(substituted), None
        except Invalid as exc:
            return None, exc


_new_event: Any = tuple.__new__
"""Builds a `TypedEvent` from its six fields without the named tuple's Python `__new__`."""


def final_data(tracker: TypedTracker, raw: Any) -> Any:
    """What `async_get_data()` returns for a typed output: the root's validated value, or its
    `OutputValidationError` (every error, each `loc` from the root) raised. No root event (no
    text, a failed parse): the raw value."""
    event = tracker.root_event
    if event is None:
        return raw
    if event.error is not None:
        raise event.error
    return event.value


def fold_partial(partial: Any, item: tuple[str, Any]) -> None:
    """Fold one log item (`("instant", InstantEvent)` or `("typed", TypedEvent)`) into a
    `PartialValue`; tool-call argument events (under `$tool_calls`) are not the answer's."""
    event, value = item
    if event == "typed":
        partial.apply_typed(value)
    elif event == "instant" and not (value.keys and value.keys[0] == "$tool_calls"):
        partial.apply_instant(value)


def partial_data(snapshot: Any, items: Any) -> Any:
    """`async_get_data(partial=True)` for a typed output: the parser's snapshot (jsonriver
    rules) with every completed valid value replaced by its validated form (`items`: the log)."""
    import copy

    from ._typed_partial import PartialValue

    partial = PartialValue.from_value(copy.deepcopy(snapshot))
    for event, value in items:
        if event == "typed":
            partial.apply_typed(value)
    return partial.value
