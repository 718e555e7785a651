"""Pipeline: bytes or payloads in, normalized log entries out (sans-IO, synchronous).

One pipeline per response, driven by the response's single puller:

    network read --(Rust SSEDecoder/NDJSONDecoder)--> frames --(provider adapter)--> items
                                                                   |
                               each `delta` text --(InstantParser(lenient=True))--> ("instant", event)

Every step returns the log entries it made laid flat, `[event0, value0, event1, value1, ...]`
(`Entries`), the replay log's own layout: no tuple per entry is kept, and the log appends them
in one step.

The instant parser therefore runs once per response, whatever the number of consumers, and
its events sit in the log right after the `delta` that produced them, so `type="all"` shows
them in order. At the end, the parser's `finish()` events (a lenient completion) come before
`done`. If the parser fails (the answer is not JSON even by lenient rules), the text stream
goes on: the failure is logged as a private `_parse_error` item that only instant views and
`async_get_data()` raise.

Plain Chat Completions chunks (text only, nearly every chunk of a Chat Completions stream) skip
the payload's dict: the Rust decoder recognizes them (`rust/py/src/plain.rs`) and hands over
their text, which `adapter.feed_plain` turns into the same items `feed` would. Once the adapter
makes nothing of such a chunk but its payload and text (`plain_texts_only`: after the first
chunk named the id and model), each run of them becomes log entries in one Rust call, the
instant parser's events included (`_core.plain_chat_entries`). tests/test_plain_chat.py checks
that every path gives the same entries on the recorded corpus and on generated chunks.

A response whose server answered a stream request with a plain JSON body (a non-streaming
reply, or `{"error": ...}` under HTTP 200) is read whole and fed as one payload.

Tool-call arguments stream through instant parsers too: one `InstantParser(lenient=True,
prefix=("$tool_calls", i, "arguments"))` per call (by the normalized `index` of its `tool_calls`
fragments), so instant views also show `$tool_calls[0].arguments.city` filling in. They are
finished at `done` (a call that sent no arguments counts as `{}`; a call the adapter reported
in `extra {"incomplete_tool_calls"}` is not completed, so no done event claims its value).
Arguments that are not JSON only stop that call's events: they never fail the answer's data.

Typed output (#10, `_typed.py`): with an output spec attached (`attach_output`), the main
parser's events also go through a `TypedTracker`, and its `("typed", TypedEvent)` items follow
the instant events that completed them; with `on_invalid="abort"` the first invalid value ends
the stream with its `OutputValidationError` (the response then closes the request).

The final value and the partial snapshot are computed here, in the puller's thread, when the
stream ends, so getters in other threads never touch the parser.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from ._core import InstantParser, NDJSONDecoder, SSEDecoder, loads, plain_chat_entries
from ._exceptions import FramingError, ParseError, ProviderStreamError
from ._parts import PARSE_ERROR, Entries, Item, payload_as_text

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from ._core import Frame
    from ._providers import ProviderAdapter
    from ._schema import CompiledOutput
    from ._typed import TypedTracker

__all__ = ["Pipeline"]

_MAX_JSON_BODY = 64 * 1024 * 1024


_SPLIT_AT = 8 * 1024 * 1024
"""Past this many bytes since the last frame boundary seen, chunks are fed in two parts (see
`feed_bytes`); half the decoders' default frame limit (16 MiB)."""


def _last_boundary(chunk: bytes, ndjson: bool) -> int:
    """The offset just after the last frame terminator in `chunk` (0 if none)."""
    if ndjson:
        return chunk.rfind(b"\n") + 1
    best = 0
    for terminator in (b"\n\n", b"\r\n\r\n", b"\r\r"):
        i = chunk.rfind(terminator)
        if i >= 0:
            best = max(best, i + len(terminator))
    return best


_PLAIN = frozenset({"original_delta", "reasoning_delta", "reasoning_done", "original_done", "meta"})
"""Events `_absorb` passes through untouched."""


_DERIVED = frozenset({"instant", "typed", PARSE_ERROR})


class Pipeline:
    """Frames, adapter and instant parser of one response."""

    derived = _DERIVED
    """The events this pipeline derives from the others (see `derive`)."""

    def __init__(self, adapter: ProviderAdapter, framing: Literal["sse", "ndjson"] = "sse") -> None:
        self.adapter = adapter
        self.parser = InstantParser(lenient=True)
        self.parse_error: ParseError | None = None
        self._decoder: SSEDecoder | NDJSONDecoder = (
            SSEDecoder(plain_chat=adapter.plain_chat) if framing == "sse" else NDJSONDecoder()
        )
        self._json_body: bytearray | None = None
        self.error: BaseException | None = None
        self.final_value: Any = None
        self.snapshot: Any = None
        self._fed = False
        self._tools: dict[Any, _ToolParser] = {}
        self._ndjson = framing == "ndjson"
        self._since_boundary = 0  # an upper bound of the bytes the decoder holds for its next frame
        self.typed: TypedTracker | None = None  # typed output (#10)
        self._output: CompiledOutput | None = None
        self._abort_invalid = False
        self._replaying = False  # derive(): the log's own base events follow an abort
        self.payloads_verbatim = True  # every payload decoded from JSON text (not given as objects)

    def attach_output(self, output: CompiledOutput) -> None:
        """Typed output (#10): validate the answer's named values as they complete."""
        from ._typed import TypedTracker

        self.typed = TypedTracker(output.plan())
        self._output = output
        self._abort_invalid = output.on_invalid == "abort"

    def _feed_typed(self, events: list[Any], out: Entries, final: bool = False) -> bool:
        """Typed output (#10): append the typed events these instant events completed (the root
        once the parser is done; `final`: after its finish()). True when an invalid value
        aborted the stream."""
        tracker = self.typed
        assert tracker is not None
        # no tracker call for a read that completed nothing (one delta: most reads)
        typed = tracker.feed(events) if events and (len(events) > 1 or events[0].is_complete) else []
        if (tracker.root_may_close or final) and not tracker.root_done and self.parser.done:
            typed += tracker.finish_root(self.parser.value)
        for event in typed:
            out += ("typed", event)
            if event.error is not None and self._abort_invalid:
                if not self._replaying:  # replaying: the error items the abort made are in the log
                    self._absorb(self.adapter.fail(event.error) or [("error", event.error)], out)
                return True
        return False

    @property
    def ended(self) -> bool:
        return self.adapter.ended

    def use_json_body(self) -> None:
        """The server sent `application/json` instead of a stream: read it whole at the end."""
        self._json_body = bytearray()

    def feed_bytes(self, chunk: bytes) -> Entries:
        """One piece of the body (over HTTP, everything one network read brought)."""
        adapter = self.adapter
        if adapter.ended:
            return []
        if self._json_body is not None:
            self._json_body += chunk
            if len(self._json_body) > _MAX_JSON_BODY:
                return self.fail(ProviderStreamError("the JSON body is too large", provider=adapter.provider))
            return []
        since = self._since_boundary + len(chunk)
        if since <= _SPLIT_AT:
            self._since_boundary = since
            return self._feed_frames(chunk)
        # Far into a frame (or far since we last looked for a frame's end): feed up to the last
        # frame boundary of this chunk first, so that a frame too large for the decoder, which
        # fails the whole feed(), cannot take the complete frames before it with it.
        cut = _last_boundary(chunk, self._ndjson)
        if cut <= 0:
            self._since_boundary = since
            return self._feed_frames(chunk)
        out = self._feed_frames(chunk[:cut])
        self._since_boundary = len(chunk) - cut
        if not adapter.ended and cut < len(chunk):
            out += self._feed_frames(chunk[cut:])
        return out

    def _feed_frames(self, chunk: bytes) -> Entries:
        adapter = self.adapter
        out: Entries = []
        absorb = self._absorb
        feed = adapter.feed
        try:
            frames = self._decoder.feed(chunk)
        except FramingError as exc:  # a frame over the size limit: the end of this stream
            absorb(adapter.fail(exc), out)
            return out
        i, n = 0, len(frames)
        while i < n:
            frame = frames[i]
            i += 1
            value = frame.value
            if value is not None:
                if isinstance(value, dict):
                    items = feed(frame.event, value)  # pyright: ignore[reportUnknownArgumentType]
                    absorb(payload_as_text(items, value, frame.data), out)
            elif (text := frame.text) is not None:  # a plain chat chunk: its text alone
                if adapter.plain_texts_only:  # this one and those after, at once
                    i = self._plain_run(frames, i - 1, out)  # an abort ends the adapter: no more runs
                    continue
                absorb(adapter.feed_plain(frame.event, frame.data, text), out)
            elif frame.error is not None and frame.data.strip() not in adapter.markers:
                absorb(adapter.fail(frame.error), out)
            else:
                absorb(adapter.feed_text(frame.event, frame.data), out)
            if adapter.ended:
                break
        return out

    def _plain_run(self, frames: list[Frame], start: int, out: Entries) -> int:
        """The plain chat chunks of `frames` from `start` on, while the adapter makes only their
        text of them (`plain_texts_only`): the same entries `_absorb` makes of `feed_plain()`'s
        items, made in one Rust call (`plain_chat_entries`; tests/test_plain_chat.py compares
        both). With typed output the call stops after a chunk whose events the tracker must see,
        which `_feed_typed` gets here, as in `_absorb`. Returns the index of the first frame
        after those taken."""
        parse = self.parser.feed if self.parse_error is None else None
        typed = self.typed
        done_of = None  # the tracker's question "is the root done?", asked in Rust (see _feed_typed)
        if typed is not None and typed.root_may_close and not typed.root_done:
            done_of = self.parser
        entries, texts, error, end, stopped = plain_chat_entries(frames, start, parse, typed is not None, done_of)
        out += entries
        if texts:
            self.adapter.take_plain_texts(texts)
            self._fed = True
        if error is not None:
            self.parse_error = error
        if stopped is not None:
            self._feed_typed(stopped, out)
        return end

    def feed_payload(self, payload: Mapping[str, Any]) -> Entries:
        """One decoded provider payload (from an SDK or a list)."""
        if self.adapter.ended:
            return []
        self.payloads_verbatim = False
        out: Entries = []
        self._absorb(self.adapter.feed(None, payload), out)
        return out

    def derive(self, base: Iterable[Item]) -> Entries:
        """The derived events again, in place among the base events (every event but
        `derived`) of a finished log: the same code as the live run (`_absorb`), with fresh
        parsers configured the same way, each fed once per item as live, so the result equals
        what the live log held, event for event (the replay log's compaction relies on it)."""
        fresh = Pipeline(self.adapter, "ndjson" if self._ndjson else "sse")
        if self._output is not None:  # typed output (#10): the typed events come back too
            fresh.attach_output(self._output)
        fresh._replaying = True  # pyright: ignore[reportPrivateUsage]
        out: Entries = []
        fresh._absorb(base, out)  # pyright: ignore[reportPrivateUsage]
        return out

    def end(self, *, by_contract: bool = False) -> Entries:
        """The source ended. `by_contract`: it has no terminal marker (a list of payloads)."""
        if self.adapter.ended:
            return []
        out: Entries = []
        if self._json_body is not None:
            body, self._json_body = bytes(self._json_body), None
            try:
                payload: Any = loads(body)
            except ValueError:
                payload = None
            if not isinstance(payload, dict):
                text = body[:300].decode("utf-8", "replace")
                return self.fail(ProviderStreamError(f"expected a stream, got: {text}", provider=self.adapter.provider))
            self._absorb(self.adapter.feed(None, payload), out)  # pyright: ignore[reportUnknownArgumentType]
            self._absorb(self.adapter.complete(), out)
            return out
        if not by_contract:
            for frame in self._decoder.finish():
                if frame.value is not None and isinstance(frame.value, dict):
                    self._absorb(self.adapter.feed(frame.event, frame.value), out)  # pyright: ignore[reportUnknownArgumentType]
                elif frame.text is not None:
                    self._absorb(self.adapter.feed_plain(frame.event, frame.data, frame.text), out)
                elif frame.error is not None and frame.data.strip() not in self.adapter.markers:
                    # a last frame without its blank line whose JSON does not parse: the body
                    # was cut in the middle of it (a close-delimited body cut mid-event). It is
                    # dropped, as WHATWG drops an unterminated event, and `finish()` below
                    # reports the stream as incomplete.
                    continue
                elif frame.value is None:
                    self._absorb(self.adapter.feed_text(frame.event, frame.data), out)
        self._absorb(self.adapter.complete() if by_contract else self.adapter.finish(), out)
        return out

    def fail(self, exc: BaseException) -> Entries:
        """A failure outside the adapter (transport error, failed request)."""
        out: Entries = []
        self._absorb(self.adapter.fail(exc), out)
        return out

    @property
    def has_tool_calls(self) -> bool:
        """Whether the answer carried tool calls (an answer without text is then no error)."""
        return bool(self._tools)

    def _absorb(self, items: Iterable[Item], out: Entries) -> None:
        # The hot path: per streamed chunk, usually `original_delta` then one `delta`. Items are
        # laid flat into `out` (`out += item`: no copy of the tuple kept), the parser's events go
        # in without an intermediate list, and the common events are tested first (a frozenset
        # lookup for the pass-through ones costs less than a chain of comparisons).
        for item in items:
            event = item[0]
            if event == "delta":
                out += item
                self._fed = True
                if self.parse_error is None:
                    try:
                        events = self.parser.feed(item[1])
                    except ParseError as exc:
                        self.parse_error = exc
                        out += (PARSE_ERROR, exc)
                    else:
                        for ev in events:  # usually 0 or 1: a plain loop beats a comprehension or zip
                            out += ("instant", ev)
                        if self.typed is not None and self._feed_typed(events, out) and not self._replaying:
                            return  # typed output (#10): aborted; the rest of this read is dropped
            elif event in _PLAIN:
                out += item
            elif event == "tool_calls":
                out += item
                self._feed_tool(item[1], out)
            else:
                if event == "extra" and "incomplete_tool_calls" in item[1]:
                    for index in item[1]["incomplete_tool_calls"]:
                        tool = self._tools.get(index)
                        if tool is not None:
                            tool.failed = True
                elif event == "done":
                    if self._finish_parser(out) and not self._replaying:  # typed output (#10): aborted
                        return
                    self._finish_tools(out)
                elif event == "error":
                    self.error = item[1]
                    self._keep_snapshot()
                out += item

    def _feed_tool(self, fragment: Any, out: Entries) -> None:
        index = fragment.get("index")
        tool = self._tools.get(index)
        if tool is None:
            tool = self._tools[index] = _ToolParser(index)
        delta = fragment.get("arguments_delta")
        if delta and not tool.failed:
            tool.fed = True
            try:
                events = tool.parser.feed(delta)
            except ParseError:
                tool.failed = True
            else:
                for ev in events:
                    out += ("instant", ev)

    def _finish_tools(self, out: Entries) -> None:
        for tool in self._tools.values():
            if tool.failed:
                continue
            try:
                events = [] if tool.fed else tool.parser.feed("{}")
                events += tool.parser.finish()
            except ParseError:
                tool.failed = True
            else:
                for ev in events:
                    out += ("instant", ev)

    def _finish_parser(self, out: Entries) -> bool:
        """Finish the main parser; True when a typed output aborted the stream (#10)."""
        aborted = False
        if self.parse_error is None and self._fed:  # no text at all (a tool-call answer): data is None
            try:
                events = self.parser.finish()
                for ev in events:
                    out += ("instant", ev)
                self.final_value = self.parser.value
            except ParseError as exc:
                self.parse_error = exc
                out += (PARSE_ERROR, exc)
            else:
                aborted = self.typed is not None and self._feed_typed(events, out, final=True)  # typed output (#10)
        self._keep_snapshot()
        return aborted

    def _keep_snapshot(self) -> None:
        try:
            snapshot = self.parser.snapshot()
        except ParseError:  # pragma: no cover - snapshot() does not raise by contract
            snapshot = None
        final = self.final_value
        # a finished parse: the snapshot is the final value; keep one copy, not two
        self.snapshot = final if final is not None and snapshot == final else snapshot


class _ToolParser:
    """The instant parser of one tool call's arguments."""

    __slots__ = ("fed", "failed", "parser")

    def __init__(self, index: Any) -> None:
        self.parser = InstantParser(lenient=True, prefix=("$tool_calls", index, "arguments"))
        self.fed = False
        self.failed = False
