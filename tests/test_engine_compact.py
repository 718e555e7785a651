"""The compact replay log: a finished response keeps its events in a compact form (DESIGN.md
section 7), and a consumer that attaches after the end gets exactly what a live consumer got,
in every view type, with the same ids.

Live consumers of every view read while the stream arrives (they hold the log's flat list of the
time); after the end the log is compacted (text deltas in one buffer, payloads zlib-compressed,
instant events dropped) and late consumers replay it, the instant events re-derived by running
the pipeline again. Each test compares value by value: InstantEvents field by field, errors by
type and message. Memory: the bench's method (tracemalloc, responses held by the caller).
"""

from __future__ import annotations

import gc
import json
import tracemalloc
from typing import Any

import anyio
import pytest
from pydantic import BaseModel

from instantjson import TypedEvent
from instantjson._agent import Agent
from instantjson._core import InstantEvent
from instantjson._response import Response
from instantjson.testing import MockLLMServer
from tests.providers._harness import PROVIDERS, all_cases, decoded_payloads, model_on

VIEW_TYPES = ("delta", "instant", "specific", "original", "all")
ANSWER = json.dumps(
    {"title": "Compact", "summary": "Offsets into one buffer, \u00e9t\u00e9 \U0001f600", "steps": ["a", "bb", 3, None]}
)
TOOLS = [{"id": "call_1", "name": "weather", "arguments": json.dumps({"city": "Paris", "days": [1, 2]})}]


def key(value: Any) -> Any:
    """A comparable form of a yielded value (InstantEvent and TypedEvent fields; an error's type and text)."""
    if isinstance(value, TypedEvent):
        dumped = value.value.model_dump() if hasattr(value.value, "model_dump") else value.value
        return ("TypedEvent", value.path, dumped, value.raw, key(value.error), value.is_valid)
    if isinstance(value, InstantEvent):
        return ("InstantEvent", value.path, value.event_type, value.delta, value.value, value.keys)
    if isinstance(value, BaseException):
        return (type(value).__name__, str(value))
    if isinstance(value, tuple):
        return tuple(key(v) for v in value)  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
    return value


async def read_view(response: Response, kind: str, after: int | None = None) -> list[Any]:
    out: list[Any] = []
    try:
        async for item in response.get_async_generator(type=kind, after=after):  # pyright: ignore[reportArgumentType]
            out.append(key(item))  # noqa: PERF401 (keep what came before an error)
    except Exception as exc:
        out.append(("raised", key(exc)))
    return out


async def read_entries(response: Response, after: int | None = None) -> list[Any]:
    return [key(entry) for entry in [e async for e in response.aiter_entries(after)]]


async def everything(response: Response) -> dict[str, Any]:
    """Every view type, `after=` at a few places, and the entries."""
    got: dict[str, Any] = {}

    async def one(name: str, coro: Any) -> None:
        got[name] = await coro

    async with anyio.create_task_group() as tg:
        for kind in VIEW_TYPES:
            tg.start_soon(one, kind, read_view(response, kind))
            for after in (0, 3, 10):
                tg.start_soon(one, f"{kind} after {after}", read_view(response, kind, after))
        tg.start_soon(one, "entries", read_entries(response))
        tg.start_soon(one, "entries after 5", read_entries(response, 5))
    return got


def assert_compacted(response: Response) -> None:
    log = response._log  # pyright: ignore[reportPrivateUsage]
    assert log.finished
    assert log._compact is not None and log._flat is None  # pyright: ignore[reportPrivateUsage]


def getters(response: Response) -> tuple[Any, ...]:
    out: list[Any] = []
    for getter in (response.get_text, response.get_data, response.get_meta):
        try:
            out.append(getter())
        except Exception as exc:
            out.append(key(exc))
        out.append(key(getter(partial=True)))
    return tuple(out)


SCENARIOS: dict[str, dict[str, Any]] = {
    "json": {"answer": ANSWER},
    "reasoning": {"answer": ANSWER, "reasoning": "First think, then answer."},
    "tools": {"answer": "", "tool_calls": TOOLS},
    "not-json": {"answer": "plain text, {not json"},
    "inband-error": {"answer": ANSWER, "fault": "inband_error", "fault_after": 6},
    "cut": {"answer": ANSWER, "fault": "cut", "fault_after": 6},
}


@pytest.mark.anyio
@pytest.mark.parametrize("scenario", list(SCENARIOS))
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_late_consumers_get_what_live_consumers_got(provider: str, scenario: str) -> None:
    with MockLLMServer(chunk=(1, 5), seed=3, **SCENARIOS[scenario]) as server:
        response = Agent(model_on(server, provider)).input("plan").get_response()
        live = await everything(response)
        await response.async_get_text(partial=True)  # views stop at an error item; the log ends after
        assert_compacted(response)
        live_getters = getters(response)
        late = await everything(response)
        assert late == live
        assert getters(response) == live_getters
        assert [key(item) for item in response.events if item[0][0] != "_"] == [
            x
            for x in live["all"]
            if x[0] != "raised"  # the view raises after its ("error", exc)
        ]
        if scenario == "json":
            assert any(k[0] == "instant" for k in live["all"])  # the derived events are there
            assert response.get_data() == json.loads(ANSWER)
        assert server.requests and len(server.requests) == 1


@pytest.mark.filterwarnings("ignore::instantjson.UnknownPayloadWarning")
@pytest.mark.parametrize("case", all_cases(), ids=lambda c: c.id)
def test_recorded_streams_replay_identically_after_compaction(case: Any) -> None:
    """Every recorded and hand-written provider stream, as bytes and as decoded payloads (a
    payload source: the compaction checks that JSON gives the payloads back)."""
    for source in (case.body, decoded_payloads(case)):
        response = Response.from_stream(source, provider=case.provider)
        live = response.get_generator(type="all")  # created before the first read: the live list
        first = drain(live)
        entries = drain(response.iter_entries())  # after the end: the rebuilt list
        assert_compacted(response)
        assert drain(response.get_generator(type="all")) == first
        assert [(e, v) for _, e, v in entries if e != "raised"] == [x for x in first if x[0] != "raised"]
        for after in (0, 2, 7):
            assert (
                drain(response.iter_entries(after=after)) == [e for e in entries if e[0] == "raised" or e[0] > after]
                or entries[-1][1] == "error"
            )  # after= past an error: the view raises (as before)


def drain(view: Any) -> list[Any]:
    out: list[Any] = []
    try:
        for item in view:
            out.append(key(item))  # noqa: PERF401 (keep what came before an error)
    except Exception as exc:
        out.append(("raised", key(exc)))
    return out


def test_payloads_that_json_would_change_are_kept_as_they_are() -> None:
    """A payload source's objects that are not plain JSON (a tuple, an int key) are replayed as
    they came, not as JSON would give them back."""
    chunk = {"choices": [{"index": 0, "delta": {"content": '{"a": 1}'}, "finish_reason": "stop"}], "x": (1, 2)}
    odd = {"choices": [], 7: "int key"}
    cycle: dict[str, Any] = {"choices": []}
    cycle["self"] = cycle
    for payloads in ([chunk, odd], [cycle, chunk]):
        response = Response.from_stream(payloads, provider="openai")
        live = list(response.get_generator(type="original"))
        assert_compacted(response)
        late = list(response.get_generator(type="original"))
        assert late[:2] == payloads[:2] or late[0] is cycle
        assert [id(x) for x in late[:2]] == [id(x) for x in payloads[:2]]  # the very objects
        assert len(late) == len(live) == 3


def test_a_view_that_started_live_finishes_on_its_list_across_the_compaction() -> None:
    with MockLLMServer(answer=ANSWER, chunk=(1, 4), seed=2, delay=0.005) as server:  # not in one read
        response = Agent(model_on(server, "openai")).input("plan").get_response()
        views = {kind: response.get_generator(type=kind) for kind in VIEW_TYPES}  # pyright: ignore[reportArgumentType]
        heads = {kind: [key(next(view))] for kind, view in views.items()}
        assert not response._log.finished  # pyright: ignore[reportPrivateUsage]
        response.get_text()  # to the end: the log compacts under the live views
        assert_compacted(response)
        for kind, view in views.items():
            rest = heads[kind] + [key(item) for item in view]
            assert rest == [key(item) for item in response.get_generator(type=kind)]  # pyright: ignore[reportArgumentType]


def test_late_readers_share_one_rebuilt_list_while_they_hold_it() -> None:
    response = Response.from_stream(_chat_body(ANSWER))
    assert response.get_text() == ANSWER
    log = response._log  # pyright: ignore[reportPrivateUsage]
    first = log.flat
    assert log.flat is first  # shared while held
    n = len(first)
    del first
    gc.collect()
    again = log.flat
    assert len(again) == n and len(log) == n // 2


def _chat_body(answer: str) -> bytes:
    from tests._dribble import chat_body

    return chat_body(answer)


# ---------------------------------------------------------------------------- memory
def make_answer(size: int) -> str:
    """The bench's answer (benches/test_bench_memory.py): a plan of `size` bytes of JSON."""
    steps: list[dict[str, str]] = []
    value: dict[str, Any] = {"title": "Growth plan", "summary": "Cheap experiments, measured weekly.", "steps": steps}
    n = 0
    while len(json.dumps(value)) < size:
        steps.append({"step": f"Experiment {n}: test a new onboarding message", "owner": f"Team {n % 7}"})
        n += 1
    return json.dumps(value)


async def _consume(response: Response) -> Any:
    """The bench's consumers: a delta view and an instant view at once, then `async_get_data()`."""

    async def view(kind: str) -> None:
        async for _ in response.get_async_generator(type=kind):  # pyright: ignore[reportArgumentType]
            pass

    async with anyio.create_task_group() as tg:
        tg.start_soon(view, "delta")
        tg.start_soon(view, "instant")
    return await response.async_get_data()


@pytest.mark.timeout(900)
@pytest.mark.parametrize(("size", "count"), [(2_000, 10), (100_000, 2)])
def test_a_finished_response_keeps_at_most_8x_its_answer_plus_16_kib(size: int, count: int) -> None:
    """The bench's measure (benches/test_bench_memory.py), asserted: retained bytes per finished
    response held by the caller, each read by a delta view, an instant view and get_data()."""
    answer = make_answer(size)
    with MockLLMServer(answer=answer, chunk=(1, 8), seed=1) as server:
        model = model_on(server, "openai", model="m")
        anyio.run(_consume, Agent(model).input("plan").get_response())  # warm up
        gc.collect()
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            held: list[Response] = []
            for _ in range(count):
                response = Agent(model).input("plan").get_response()
                assert anyio.run(_consume, response) == json.loads(answer)
                held.append(response)
            gc.collect()
            kept = (tracemalloc.get_traced_memory()[0] - base) / count
        finally:
            tracemalloc.stop()
        # what is kept still replays: the late `all` view of one held response
        late = list(held[0].get_generator(type="all"))
        assert "".join(v for e, v in late if e == "delta") == answer
        assert sum(1 for e, _ in late if e == "instant") > 10
    utf8 = len(answer.encode())
    assert kept <= 8 * utf8 + 16 * 1024, f"{kept / 1024:.1f} KiB kept for a {utf8} B answer"


class _Step(BaseModel):
    step: str
    days: int


class _Plan(BaseModel):
    title: str
    steps: list[_Step]


_TYPED_ANSWER = json.dumps({"title": "Typed", "steps": [{"step": "a", "days": 2}, {"step": "b", "days": "x"}]})


@pytest.mark.anyio
@pytest.mark.parametrize("on_invalid", ["event", "abort"])
async def test_typed_events_are_derived_again_for_late_consumers(on_invalid: str) -> None:
    """Typed output: the typed events (and, with abort, the error that ended the stream) come back
    identical after the compaction, in every view type, `typed` included."""
    with MockLLMServer(answer=_TYPED_ANSWER, chunk=(1, 5), seed=3) as server:
        agent = Agent(model_on(server, "openai")).input("plan").output(_Plan, on_invalid=on_invalid)  # pyright: ignore[reportArgumentType]
        response = agent.get_response()
        kinds = (*VIEW_TYPES, "typed")
        got_live: dict[str, Any] = {}

        async def one(kind: str) -> None:
            got_live[kind] = await read_view(response, kind)

        async with anyio.create_task_group() as tg:
            for kind in kinds:
                tg.start_soon(one, kind)
        await response.async_get_text(partial=True)
        assert_compacted(response)
        late = {kind: await read_view(response, kind) for kind in kinds}
        assert late == got_live
        assert any(k[0] == "TypedEvent" for k in got_live["typed"])
        assert any(k[0] == "TypedEvent" and not k[5] for k in got_live["typed"])  # the invalid step
