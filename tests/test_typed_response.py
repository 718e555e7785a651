"""Typed output end to end: Agent.output() over MockLLMServer and recorded streams, the typed
and partial views, the validated getters, on_invalid="event" and "abort"."""

from __future__ import annotations

import copy
import json
import os
import time
from pathlib import Path
from typing import Any, Literal

import anyio
import pytest
from pydantic import BaseModel

from instantjson import Agent, OpenAICompatible, OutputValidationError, Response, TypedEvent
from instantjson.testing import MockLLMServer
from tests._shared import SHARED
from tests._typed_reference import expected_events, track
from tests.conftest_response import anyio_backend, model_for  # noqa: F401
from tests.test_typed_coercions import assert_grows, jsonish


class Step(BaseModel):
    step: str
    owner: str
    eta_days: int


class Plan(BaseModel):
    title: str
    summary: str
    steps: list[Step]


SHARED_DIRS = [SHARED, SHARED.parent.parent / "shared"]


def plan_value(n: int, bad_at: int | None = None) -> dict[str, Any]:
    return {
        "title": "Growth plan",
        "summary": "Three cheap experiments to lift weekly sign-ups.",
        "steps": [
            {
                "step": f"Step {i}: do the thing \u00e9t\u00e9",
                "owner": "Growth",
                "eta_days": "soon" if i == bad_at else i,
            }
            for i in range(n)
        ],
    }


def typed_response(server: MockLLMServer, spec: Any = Plan, **kwargs: Any) -> Response:
    return Agent(model_for(server)).input("plan").output(spec, **kwargs).get_response()


@pytest.mark.anyio
async def test_typed_view_getters_and_reference() -> None:
    value = plan_value(12)
    answer = json.dumps(value, ensure_ascii=False, indent=2)
    async with MockLLMServer(answer=answer, chunk=(1, 6)) as server:
        response = typed_response(server)
        typed = [ev async for ev in response.get_async_generator(type="typed")]
        plan = await response.async_get_data()
        raw = await response.async_get_data(raw=True)
    assert all(isinstance(ev, TypedEvent) for ev in typed)
    expected = expected_events(Plan, value)
    assert [(ev.keys, ev.value) for ev in typed] == [(e.keys, e.value) for e in expected]
    assert isinstance(plan, Plan) and plan == Plan.model_validate(value)
    assert raw == value
    assert await response.async_get_data_object() == plan  # the alias
    # the typed events sit right after the instant events that completed them
    items = list(response.events)
    for i, (event, item) in enumerate(items):
        if event == "typed" and item.keys:
            before = [v for e, v in items[:i] if e == "instant" and v.event_type == "done"]
            assert item.keys in [v.keys for v in before[-4:]]


def test_sync_typed_view_and_second_consumer() -> None:
    value = plan_value(3)
    with MockLLMServer(answer=json.dumps(value), chunk=(2, 5)) as server:
        response = typed_response(server)
        first = list(response.get_generator(type="typed"))
        # a replay after the end: the finished log was compacted, so the typed events are derived
        # again (the same events, validated again once for this late reader)
        second = list(response.get_generator(type="typed"))
        assert [ev.path for ev in first][-5:] == ["steps[2].owner", "steps[2].eta_days", "steps[2]", "steps", ""]
        assert [(ev.path, ev.raw, ev.value, ev.is_valid) for ev in first] == [
            (ev.path, ev.raw, ev.value, ev.is_valid) for ev in second
        ]
        assert response.get_data() == Plan.model_validate(value)
        assert len(server.requests) == 1


@pytest.mark.anyio
async def test_on_invalid_event_goes_on_and_getter_raises() -> None:
    value = plan_value(4, bad_at=1)
    async with MockLLMServer(answer=json.dumps(value), chunk=(1, 8)) as server:
        response = typed_response(server)
        typed = [ev async for ev in response.get_async_generator(type="typed")]
        with pytest.raises(OutputValidationError) as info:
            await response.async_get_data()
        partial = await response.async_get_data(partial=True)
        raw = await response.async_get_data(raw=True)
        text = await response.async_get_text()
    bad = [ev for ev in typed if not ev.is_valid]
    assert [ev.path for ev in bad] == ["steps[1].eta_days", "steps[1]", "steps", ""]
    assert bad[0].error is not None and bad[0].error.errors[0]["type"] == "int_parsing"
    assert typed[-1].keys == ()
    assert info.value.path == "" and [e["loc"] for e in info.value.errors] == [("steps", 1, "eta_days")]
    assert raw == value and json.loads(text) == value
    # partial=True: what validated (valid items as models, the invalid one as it came)
    assert partial["steps"][0] == Step.model_validate(value["steps"][0])
    assert partial["steps"][1] == value["steps"][1]


@pytest.mark.anyio
async def test_on_invalid_abort_closes_the_request() -> None:
    n = 60
    value = plan_value(n, bad_at=2)
    answer = json.dumps(value)
    delay = 0.004
    async with MockLLMServer(answer=answer, chunk=(3, 6), delay=delay) as server:
        frames = len(server.pieces)
        assert frames * delay > 2.0  # the whole answer would take this long
        response = typed_response(server, on_invalid="abort")
        got: dict[str, list[Any]] = {"a": [], "b": []}
        errors: dict[str, BaseException] = {}

        async def consume(name: str) -> None:
            try:
                async for ev in response.get_async_generator(type="typed"):
                    got[name].append(ev)
            except OutputValidationError as exc:
                errors[name] = exc

        started = time.monotonic()
        async with anyio.create_task_group() as tg:
            tg.start_soon(consume, "a")
            tg.start_soon(consume, "b")
        elapsed = time.monotonic() - started
        closed = await anyio.to_thread.run_sync(server.wait_idle, 2.0)
        text = await response.async_get_text(partial=True)
    assert closed  # the server saw the connection closed...
    assert elapsed < frames * delay / 2  # ...long before the answer's end
    assert len(text) < len(answer) / 2
    assert got["a"] == got["b"] and errors["a"] is errors["b"]
    assert got["a"][-1].path == "steps[2].eta_days" and not got["a"][-1].is_valid
    assert all(ev.is_valid for ev in got["a"][:-1])
    error = errors["a"]
    assert isinstance(error, OutputValidationError) and error.path == "steps[2].eta_days" and error.raw == "soon"
    with pytest.raises(OutputValidationError):
        await response.async_get_data()
    meta = await response.async_get_meta(partial=True)
    assert meta is not None and meta["finish_reason"] == "error"


@pytest.mark.anyio
async def test_partial_view_monotonic_last_is_final() -> None:
    value = plan_value(8)
    async with MockLLMServer(answer=json.dumps(value), chunk=(1, 4), delay=0.001) as server:
        response = typed_response(server)
        shots = [copy.deepcopy(jsonish(v)) async for v in response.get_async_generator(type="partial")]
        late = [v async for v in response.get_async_generator(type="partial")]  # a late consumer: the final value
        final = await response.async_get_data()
        throttled = [v async for v in response.get_async_generator(type="partial", throttle=10.0)]
    assert len(shots) > 3
    for before, after in zip(shots, shots[1:], strict=False):
        assert_grows(before, after)
    assert shots[-1] == value
    assert len(late) == 1 and late[0] == final and isinstance(final, Plan)
    assert len(throttled) == 1 and throttled[0] == final


@pytest.mark.anyio
async def test_partial_view_yields_once_per_network_read() -> None:
    value = plan_value(5)
    async with MockLLMServer(answer=json.dumps(value), chunk=(2, 6), delay=0.002) as server:
        response = typed_response(server)
        count = 0
        started = time.monotonic()
        async for _ in response.get_async_generator(type="partial", throttle=0.05):
            count += 1
        elapsed = time.monotonic() - started
        reads = sum(1 for event, _ in response.events if event == "original_delta")
    assert 2 <= count <= elapsed / 0.05 + 2  # at most one per throttle period, plus the final value
    assert count < reads


@pytest.mark.parametrize("spec_kind", ["model", "type", "schema", "dict_spec"])
def test_output_spellings(spec_kind: str) -> None:
    value = plan_value(2)
    specs: dict[str, Any] = {
        "model": Plan,
        "type": list[Step],
        "schema": Plan.model_json_schema(),
        "dict_spec": {
            "title": (str, "T"),
            "summary": (str, "S"),
            "steps": [{"step": (str, "s"), "eta_days": (int, "d")}],
        },
    }
    answer_value: Any = value["steps"] if spec_kind == "type" else value
    with MockLLMServer(answer=json.dumps(answer_value), chunk=(1, 9)) as server:
        response = typed_response(server, specs[spec_kind])
        typed = list(response.get_generator(type="typed"))
        data = response.get_data()
        body = server.requests[0].json
    assert typed[-1].keys == () and typed[-1].is_valid
    if spec_kind == "type":
        assert data == [Step.model_validate(s) for s in value["steps"]]
        assert "eta_days" in json.dumps(body)  # the schema went into the prompt
    elif spec_kind == "model":
        assert data == Plan.model_validate(value)
    else:
        assert data == value  # the checked JSON


def test_typed_view_needs_an_output() -> None:
    response = Response.from_stream([b'data: {"choices": []}\n\n', b"data: [DONE]\n\n"])
    with pytest.raises(TypeError, match="output"):
        response.get_generator(type="typed")
    with pytest.raises(ValueError, match="on_invalid"):
        Agent(OpenAICompatible(base_url="http://127.0.0.1:9/v1", model="m")).output(Plan, on_invalid="stop")  # type: ignore[arg-type]


class Location(BaseModel):
    city: str
    temperature: float
    units: Literal["c", "f"]


def test_recorded_openai_stream() -> None:
    # shared/ beside the repo (CI), or beside the folder of worktrees
    candidates = [base / "recorded-streams" / "openai-python" / "parse_pydantic_model.sse" for base in SHARED_DIRS]
    path = next((p for p in candidates if p.exists()), None)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"shared recorded streams missing: {candidates}")
        pytest.skip("shared recorded streams missing")
    body = Path(path).read_bytes()
    response = Response.from_stream(body, provider="openai", output=Location)
    typed = list(response.get_generator(type="typed"))
    raw = response.get_data(raw=True)
    assert [ev.path for ev in typed] == ["city", "temperature", "units", ""]
    expected = expected_events(Location, raw)
    assert [(ev.keys, ev.value) for ev in typed] == [(e.keys, e.value) for e in expected]
    assert response.get_data() == Location(city="San Francisco", temperature=61, units="f")
    again, _ = track(Location, [json.dumps(raw)])
    assert [ev.value for ev in again] == [ev.value for ev in typed]


def test_readme_example() -> None:
    """The example of docs/readme-parts/typed.md, run as written (with the mock server)."""
    readme = Path(__file__).resolve().parents[1] / "docs" / "readme-parts" / "typed.md"
    text = readme.read_text(encoding="utf-8")
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, Any] = {"__name__": "readme_example"}
    exec(compile(code, str(readme), "exec", dont_inherit=True), namespace)
    assert namespace["plan"].steps[0].owner == "Growth marketer"
    assert namespace["seen"][:2] == ["title", "summary"]


def test_sync_partial_view_and_partial_getter_after_a_cut() -> None:
    value = plan_value(6)
    answer = json.dumps(value)
    with MockLLMServer(answer=answer, chunk=(2, 5), delay=0.001) as server:
        response = typed_response(server)
        shots = [copy.deepcopy(jsonish(v)) for v in response.get_generator(type="partial")]
        assert shots[-1] == value and response.get_data() == Plan.model_validate(value)
    with MockLLMServer(answer=answer, chunk=(2, 5), fault="cut", fault_after=120) as server:
        response = typed_response(server)
        with pytest.raises(Exception):  # noqa: B017 - the transport error of a cut connection
            response.get_data()
        partial = response.get_data(partial=True)
        raw = response.get_data(raw=True, partial=True)
    # what arrived: completed steps validated, the open one as the parser's snapshot has it
    complete = [s for s in partial["steps"] if isinstance(s, Step)]
    assert complete and complete == [Step.model_validate(s) for s in value["steps"][: len(complete)]]
    assert len(raw["steps"]) >= len(complete) and raw["title"] == value["title"]


@pytest.mark.parametrize("on_invalid", ["event", "abort"])
def test_answer_invalid_only_as_a_whole(on_invalid: Literal["event", "abort"]) -> None:
    """The root is the first invalid value (missing fields), found when the answer ends."""
    with MockLLMServer(answer='{"title": "t"}', chunk=(1, 3)) as server:
        response = typed_response(server, on_invalid=on_invalid)
        events: list[TypedEvent] = []
        if on_invalid == "abort":  # the view ends with the error
            with pytest.raises(OutputValidationError):
                events.extend(response.get_generator(type="typed"))
        else:  # the view ends normally; the getter raises
            events.extend(response.get_generator(type="typed"))
        with pytest.raises(OutputValidationError) as info:
            response.get_data()
        assert [ev.path for ev in events] == ["title", ""]
        assert {e["loc"] for e in info.value.errors} == {("summary",), ("steps",)}
        assert response.get_data(raw=True, partial=True) == {"title": "t"}
