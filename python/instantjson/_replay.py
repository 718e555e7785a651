"""ReplayLog: the append-only record of one response that every consumer replays.

Sans-IO and synchronous: no event loop, no awaiting. The response's single puller appends
(`extend`, then `finish`); any number of readers, in any task, loop or thread, read by index
from 0, so a consumer attached late replays everything and consumers never compete for items
(the trap of `MemoryObjectReceiveStream.clone()`, where each item goes to one receiver).

Storage: one flat list, `[event0, value0, event1, value1, ...]`, not a list of `(event, value)`
tuples. A tuple that holds a dict (every `original_delta`) or any object of a class the cycle
collector knows (an `InstantEvent`) stays tracked by that collector for as long as it lives,
and a 100 KB answer keeps ~43,000 of them: each full collection then walks them all, and
their growth is what triggers full collections (each one also walks every object of the
program: ~60 ms with the openai SDK imported). The flat list is one tracked object whatever
the stream's length; the payloads in it are untracked by the core, the texts are strings.
Views read the flat list in place (`flat`); `items` and indexing give `(event, value)` tuples,
built on access.

Thread safety: appends happen under a `threading.Lock`, each as a single `list.extend` of a
prepared list (atomic under the GIL, so a reader never sees an event without its value);
readers take no lock. `len()` and indexing of a list are atomic, and the writer always appends
the items *before* it sets `finished`, so a reader that sees `finished` and then re-reads
`len()` has seen everything.

The log is unbounded by default (the whole stream stays in memory, as vercel's `teeStream()`
does); `max_parts` bounds it, and an append past the bound raises `ReplayOverflowError`.

Payloads as text. An `original_delta` payload that the pipeline decoded from a frame is logged
as that frame's JSON text, not as the dict: a chat-completion chunk's dict takes about 900
bytes, its text about 200, and a 2 KB answer streams 450 of them, so 1,000 live responses
would hold 400 MB of dicts. The texts go into the log's `PayloadTexts` (Rust, `_core`), which
keeps each text as the bytes that differ from a reference text (consecutive chunks repeat all
their bytes but a few: a chat chunk keeps under 20 of its ~180 bytes, plus 16 bytes of
columns, with no Python object per text); the flat list's slot holds the store, which finds the text by the
slot's flat position. Every read of the log decodes a payload again (`payload()`, the core's
`loads`): views, `items`, `last()`. Each reader therefore gets a dict of its own, equal to the
one the adapter saw. Payloads given as objects (an SDK's chunks, a list) are logged as they are.

Compaction (a finished response is lean; DESIGN.md section 7). When the log finishes, it keeps
only its *base* events, in a compact form (`_Compact`): the text deltas (`delta`,
`reasoning_delta`) as one str and an array of their lengths, the `original_delta` payloads
as the store's bytes, zlib-compressed (their columns repeat), or as one zlib-compressed JSON
array when they were given as objects, and the few other events as they are. The *derived* events (the parser's
`instant` events and its private `_parse_error` marker) are dropped: a reader attached after
the end gets them again from the `deriver` (the response's pipeline), which runs the same
code over the base events in order, with fresh parsers configured the same way and fed once
per delta, so the sequence is identical, event for event, with the same ids. A reader that
held the flat list before the end keeps it (nothing mutates it); a new reader gets a rebuilt
flat list, shared by the readers that hold it at the time and dropped when the last one is
done (a weak reference). For a 2 KB answer of 450 chunks the log keeps about 10 KiB instead
of about 500 KiB.

Instant events that every reader has passed (live). While the stream runs, the log also holds
one `InstantEvent` per text delta (about 40 KiB for a live 2 KB answer, the most of what it
holds), kept only for a reader that might attach later. So each view's cursor registers with the
log (`register`, a weak reference), and before each append, and whenever a cursor has read
everything and waits (`release`), the instant events before the lowest index of the live
cursors are replaced by the `DROPPED` marker (with no cursor at all, every
instant event so far: `async_get_data()` needs none). Ids and positions do not change. A reader
that meets `DROPPED` (a view attached later, `items`) gets the events of the prefix again from
`derived_prefix()`: the deriver run over the base events up to an append boundary past every
dropped entry, the same derivation as after compaction, so the same events at the same places;
the result is shared by the readers holding it (a weak reference).
"""

from __future__ import annotations

import json
import threading
import weakref
import zlib
from array import array
from collections.abc import Sequence
from functools import partial
from itertools import chain
from typing import TYPE_CHECKING, Any, Protocol, overload

from ._core import PayloadTexts, loads, sort_entries
from ._exceptions import ReplayOverflowError

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from ._parts import Entries, Item

__all__ = ["DROPPED", "Deriver", "ItemsView", "ReplayLog", "payload"]


class Deriver(Protocol):
    """What re-derives a finished log's derived events (the response's pipeline)."""

    @property
    def derived(self) -> frozenset[str]:
        """The names of the events `derive` makes (they are dropped at compaction)."""
        ...

    @property
    def payloads_verbatim(self) -> bool:
        """True when every `original_delta` payload was decoded from JSON text by the core (so
        JSON encodes it back exactly); False makes compaction check the round trip."""
        ...

    def derive(self, base: Iterable[Item]) -> Entries:
        """The base events with the derived events in place, as the live log had them, laid
        flat (`[event0, value0, ...]`)."""
        ...


ORIGINAL_DELTA = "original_delta"
INSTANT = "instant"


class _Dropped:
    """The type of `DROPPED`."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<instant event dropped from the live log: ReplayLog.derived_prefix() gives it>"


DROPPED: Any = _Dropped()
"""What a live log holds in place of an instant event that every reader has passed (see the
module docs): a reader that meets it gets the event from `ReplayLog.derived_prefix()`."""


class _Reader(Protocol):
    """What the log reads of a registered reader (a view's cursor): the flat index of the next
    entry it will read."""

    _index: int


def payload(event: str, value: Any, pos: int) -> Any:
    """The value of the log entry at flat index `pos` as readers see it: an `original_delta`
    logged as JSON text decoded (see the module docs), anything else as it is."""
    if event == ORIGINAL_DELTA:
        kind = type(value)
        if kind is str:
            return loads(value)
        if kind is PayloadTexts:
            return loads(value.at(pos))
    return value


class _Stored:
    """A compacted log's payload texts: `PayloadTexts.export()`, zlib-compressed."""

    __slots__ = ("data",)

    def __init__(self, texts: PayloadTexts) -> None:
        self.data = zlib.compress(texts.export(), 1)

    def texts(self) -> Iterator[str]:
        store = PayloadTexts.load(zlib.decompress(self.data))
        return map(store.text, range(len(store)))


class _Flat(list[Any]):
    """A rebuilt flat list (a list that a weak reference can point to)."""

    __slots__ = ("__weakref__",)


_DELTA, _REASONING, _ORIGINAL, _OTHER = 0, 1, 2, 3
_TEXT_CODES: dict[str, int] = {"delta": _DELTA, "reasoning_delta": _REASONING}
_SKIP = 255  # a derived event: not kept
_SKIPPED = bytes([_SKIP])


def _code(event: str, derived: frozenset[str], texts: bool = True) -> int:
    """The kind of an event for `sort_entries` (`texts=False`: text deltas are kept as they are)."""
    code = _TEXT_CODES.get(event)
    if code is not None:
        return code if texts else _OTHER
    if event == "original_delta":
        return _ORIGINAL
    return _SKIP if event in derived else _OTHER


class _Compact:
    """The base events of a finished log, compact (see the module docs)."""

    __slots__ = ("_cache", "count", "deriver", "kinds", "lengths", "others", "payloads", "text")

    def __init__(self, flat: list[Any], deriver: Deriver | None) -> None:
        derived = deriver.derived if deriver is not None else frozenset[str]()
        # One pass in Rust sorts the items by kind (`sort_entries`): a Python loop over the
        # 66,000 entries of a 100 KB answer costs many times more.
        code_of = partial(_code, derived=derived)
        codes, texts, lengths, payloads, others = sort_entries(flat, code_of)
        if texts is None:  # a text that is not a str (not the adapters' contract): kept as it is
            codes, texts, lengths, payloads, others = sort_entries(flat, partial(_code, derived=derived, texts=False))
            assert texts is not None
        store = payloads[0] if payloads and type(payloads[0]) is PayloadTexts else None
        if store is not None and payloads.count(store) == len(payloads) == len(store):
            packed: _Stored | bytes | list[Any] = _Stored(store)  # the usual case: frames' texts
        else:  # given objects (or, never in practice, both kinds): as they are, or as JSON
            where = [2 * i + 1 for i, c in enumerate(codes) if c == _ORIGINAL]
            given = [v.at(pos) if type(v) is PayloadTexts else v for v, pos in zip(payloads, where, strict=True)]
            packed = _pack(given, deriver is not None and deriver.payloads_verbatim)
        kinds = codes.translate(None, _SKIPPED)
        self.count = len(flat) >> 1
        self.deriver = deriver
        self.kinds = zlib.compress(kinds)  # a few repeating patterns: ~1/20 of a byte per item
        text = "".join(texts)
        done = _last(others, "done")
        self.text = done if done == text else text  # no reasoning: the answer text, kept once
        # the length of each text, in the smallest array that holds the longest
        typecode, packed_lengths = lengths
        self.lengths = (typecode, zlib.compress(packed_lengths))
        self.payloads = packed
        self.others = others
        self._cache: weakref.ref[_Flat] | None = None

    def base(self) -> Iterator[Item]:
        """The base events, in order."""
        packed = self.payloads
        payloads: Iterator[Any]
        if isinstance(packed, _Stored):
            payloads = packed.texts()  # texts, decoded by each reader as live
        elif isinstance(packed, bytes):
            payloads = iter(loads(zlib.decompress(packed)))
        else:
            payloads = iter(packed)
        others = iter(self.others)
        text = self.text
        typecode, packed_lengths = self.lengths
        lengths = iter(array(typecode, zlib.decompress(packed_lengths)))
        start = 0
        for code in zlib.decompress(self.kinds):
            if code == _DELTA or code == _REASONING:
                end = start + next(lengths)
                yield ("delta" if code == _DELTA else "reasoning_delta", text[start:end])
                start = end
            elif code == _ORIGINAL:
                yield ("original_delta", next(payloads))
            else:
                yield (next(others), next(others))

    def flat(self) -> list[Any]:
        """The whole flat list, rebuilt (shared while a reader holds it)."""
        ref = self._cache
        flat = ref() if ref is not None else None
        if flat is None:
            deriver = self.deriver
            base = self.base()
            flat = _Flat(deriver.derive(base) if deriver is not None else chain.from_iterable(base))
            self._cache = weakref.ref(flat)
        return flat

    def last(self, event: str) -> Any:
        """The value of the last `event` among the kept-as-is events (None if none)."""
        return _last(self.others, event)


def _last(flat: list[Any], event: str) -> Any:
    for i in range(len(flat) - 2, -1, -2):
        if flat[i] == event:
            return payload(event, flat[i + 1], i + 1)
    return None


def _pack(payloads: list[Any], verbatim: bool) -> bytes | list[Any]:
    """The payloads as one zlib-compressed JSON array, or as they are when JSON would not give
    them back exactly (a payload source's objects that are not plain JSON values)."""
    if not payloads:
        return payloads
    if all(type(p) is str for p in payloads):  # JSON texts only (a mixed log's)
        return zlib.compress(f"[{','.join(payloads)}]".encode(), 1)
    decoded = [loads(p) if type(p) is str else p for p in payloads]
    try:
        # check_circular=False: twice as fast; a cycle (only possible in given objects) raises
        # RecursionError, caught below
        text = json.dumps(decoded, ensure_ascii=False, separators=(",", ":"), check_circular=False).encode()
        if not verbatim and loads(text) != decoded:
            return decoded
    except (TypeError, ValueError, RecursionError):
        return decoded
    return zlib.compress(text, 1)


class ItemsView(Sequence["Item"]):
    """A live, read-only view of a log as `(event, value)` tuples (built on access)."""

    __slots__ = ("_derived", "_flat", "_log")

    def __init__(self, flat: list[Any], log: ReplayLog | None = None) -> None:
        self._flat = flat
        self._log = log
        self._derived: list[Any] | None = None  # the derived prefix, once a dropped event was read

    def _value(self, event: str, value: Any, pos: int) -> Any:
        if value is DROPPED:
            derived = self._derived
            if derived is None or len(derived) <= pos:
                assert self._log is not None  # only a log's own live list holds DROPPED
                derived = self._derived = self._log.derived_prefix(self._flat)
            return derived[pos]
        return payload(event, value, pos)

    def __len__(self) -> int:
        return len(self._flat) >> 1

    @overload
    def __getitem__(self, index: int) -> Item: ...
    @overload
    def __getitem__(self, index: slice) -> list[Item]: ...
    def __getitem__(self, index: int | slice) -> Item | list[Item]:
        flat = self._flat
        if isinstance(index, slice):
            n = len(flat) & ~1
            pairs = zip(flat[0:n:2], flat[1:n:2], range(1, n, 2), strict=True)
            value = self._value
            return [(e, value(e, v, p)) for e, v, p in pairs][index]
        n = len(flat) >> 1
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError("log index out of range")
        event = flat[2 * index]
        return (event, self._value(event, flat[2 * index + 1], 2 * index + 1))

    def __iter__(self) -> Iterator[Item]:
        flat = self._flat
        n = len(flat) & ~1
        pairs = zip(flat[0:n:2], flat[1:n:2], range(1, n, 2), strict=True)
        value = self._value
        return ((e, value(e, v, p)) for e, v, p in pairs)

    def __repr__(self) -> str:
        return f"ItemsView({list(self)!r})"


class ReplayLog:
    """Append-only `(event, value)` items plus an end marker and the stored terminal error."""

    __slots__ = (
        "_compact",
        "_derived",
        "_deriver",
        "_drop_end",
        "_dropped_to",
        "_error",
        "_finished",
        "_flat",
        "_lock",
        "_max_parts",
        "_readers",
        "_texts",
    )

    def __init__(self, max_parts: int | None = None, deriver: Deriver | None = None) -> None:
        self._flat: list[Any] | None = []
        self._compact: _Compact | None = None
        self._finished = False
        self._error: BaseException | None = None
        self._lock = threading.Lock()
        self._max_parts = max_parts
        self._deriver = deriver
        self._texts = PayloadTexts()  # the payload texts (see the module docs)
        self._readers: list[weakref.ref[_Reader]] = []  # the live readers (see `register`)
        self._dropped_to = 0  # instant events before this flat index may be DROPPED
        self._drop_end = 0  # an append boundary past every DROPPED entry
        self._derived: weakref.ref[_Flat] | None = None  # the last `derived_prefix()`, shared

    def __len__(self) -> int:
        """The number of items."""
        flat = self._flat
        if flat is not None:
            return len(flat) >> 1
        compact = self._compact
        assert compact is not None  # set before `_flat` is cleared
        return compact.count

    def __getitem__(self, index: int) -> Item:
        return self.items[index]

    def __repr__(self) -> str:
        state = "finished" if self._finished else "open"
        return f"<ReplayLog {len(self)} items, {state}>"

    @property
    def flat(self) -> list[Any]:
        """The live flat list `[event0, value0, event1, value1, ...]` (read it, never mutate it);
        its length is always even. Once the log is finished and compacted, a list rebuilt from
        the compact form (the same entries)."""
        flat = self._flat
        if flat is not None:
            return flat
        compact = self._compact
        assert compact is not None  # set before `_flat` is cleared
        return compact.flat()

    @property
    def items(self) -> ItemsView:
        """The items as `(event, value)` tuples: a live read-only sequence."""
        return ItemsView(self.flat, self)

    def last(self, event: str) -> Any:
        """The value of the last item named `event` (None if none), without rebuilding a
        compacted log when `event` is one of the events it keeps as they are."""
        compact = self._compact
        if compact is not None and event not in _TEXT_CODES and event != "original_delta":
            return compact.last(event)
        if event == INSTANT:
            items = self.items
            for k in range(len(items) - 1, -1, -1):
                if items[k][0] == INSTANT:
                    return items[k][1]
            return None
        return _last(self.flat, event)

    @property
    def finished(self) -> bool:
        """True once the stream ended, successfully or not; nothing is appended after."""
        return self._finished

    @property
    def error(self) -> BaseException | None:
        """The error that ended the stream, or None."""
        return self._error

    def extend(self, items: Iterable[Item]) -> None:
        """Append items (in order). Raises `ReplayOverflowError` past `max_parts`."""
        if not self.extend_open(list(chain.from_iterable(items))):
            raise RuntimeError("the replay log is finished; nothing can be appended")

    def extend_open(self, pairs: Entries) -> bool:
        """Append entries laid flat (`[event0, value0, ...]`, the pipeline's output; the log
        takes the list over), unless the log has finished (then drop them and return False):
        for a writer that may race with a `finish()` from another thread (a close). Raises
        `ReplayOverflowError` past `max_parts`."""
        if len(pairs) & 1:
            raise ValueError("log entries come in (event, value) pairs")
        with self._lock:
            if self._finished:
                return False
            flat = self._flat
            assert flat is not None  # only a finished log is compacted
            self._texts.absorb(pairs, len(flat), ORIGINAL_DELTA)  # payload texts: into the store
            if self._deriver is not None:
                self._drop_passed(flat)
            flat.extend(pairs)
            if self._max_parts is not None and len(flat) > 2 * self._max_parts:
                del flat[2 * self._max_parts :]
                raise ReplayOverflowError(f"the response produced more than max_parts={self._max_parts} events")
            return True

    def register(self, reader: _Reader) -> None:
        """A reader of the live flat list (a view's cursor) that reads on from `reader._index`:
        the instant events before the lowest such index of the live readers are dropped from
        the live list (see `_drop_passed`)."""
        with self._lock:
            if not self._finished:
                self._readers.append(weakref.ref(reader))

    def release(self) -> None:
        """A reader has read all there is and waits: drop what every reader has passed now
        rather than at the next append (the last append's events would otherwise stay until
        the end: at a load's peak, every live response holds them)."""
        if self._deriver is None or self._finished:
            return
        with self._lock:
            flat = self._flat
            if not self._finished and flat is not None:
                self._drop_passed(flat)

    def _drop_passed(self, flat: list[Any]) -> None:
        """Replace with `DROPPED` the instant events that every live reader has passed (under
        the lock, before an append). A live 2 KB answer otherwise holds ~40 KiB of them, one
        object per text delta, kept only for a reader that might come later: such a reader
        gets them again from `derived_prefix()`, the same events the compaction re-derives."""
        end = len(flat)
        low = end
        readers = self._readers
        alive = 0
        for ref in readers:
            reader = ref()
            if reader is not None:
                alive += 1
                index = reader._index  # pyright: ignore[reportPrivateUsage]
                if index < low:
                    low = index
        if alive < len(readers):
            self._readers = [ref for ref in readers if ref() is not None]
        start = self._dropped_to
        if low <= start:
            return
        slots = [i + 1 for i in range(start, low, 2) if flat[i] == INSTANT]
        if slots:
            self._drop_end = end  # first: a reader in another thread that meets DROPPED derives far enough
        for i in slots:
            flat[i] = DROPPED
        self._dropped_to = low

    def derived_prefix(self, flat: list[Any]) -> list[Any]:
        """The live flat list `flat` up to past its last `DROPPED` entry, with the derived events
        made again by the deriver (the same events, in the same places: see the module docs)."""
        ref = self._derived
        cached = ref() if ref is not None else None
        end = self._drop_end
        if cached is not None and len(cached) >= end:
            return cached
        deriver = self._deriver
        assert deriver is not None  # nothing is dropped without one
        derived = deriver.derived
        base = [(e, v) for e, v in zip(flat[0:end:2], flat[1:end:2], strict=True) if e not in derived]
        out = _Flat(deriver.derive(base))
        if len(out) != end:  # pragma: no cover - the derivation's contract
            raise RuntimeError("instantjson: internal error: the derived events differ from the live ones")
        self._derived = weakref.ref(out)
        return out

    def finish(self, error: BaseException | None = None) -> None:
        """Mark the end. With `error`, append `("error", error)` first (unless it is already there)."""
        with self._lock:
            if self._finished:
                return
            flat = self._flat
            assert flat is not None
            if error is not None:
                if len(flat) < 2 or flat[-2] != "error" or flat[-1] is not error:
                    flat.extend(("error", error))
                self._error = error
            self._finished = True
            self._readers = []
        # Nothing is appended after `finished`: compact outside the lock. Readers take no lock:
        # `_compact` is set before `_flat` is cleared, and a reader that took the flat list
        # before keeps reading it (it is never mutated again).
        if self._max_parts is None:  # a bounded log may have been cut in the middle of a step
            self._compact = _Compact(flat, self._deriver)
            self._flat = None
