"""Response views, getters and output specs; the instant events equal the parser's own events for
the same text, whatever the chunking the server used."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pydantic
import pytest

from instantjson._agent import Agent
from instantjson._core import InstantEvent, InstantParser
from instantjson._exceptions import ParseError, StreamIncompleteError
from instantjson._response import Response
from instantjson._schema import compile_output
from instantjson.testing import MockLLMServer
from tests.conftest_response import SEED_ANSWER, SEED_ANSWER_VALUE, SEED_OUTPUT, anyio_backend, model_for

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

__all__ = ["anyio_backend"]


def key(event: InstantEvent) -> tuple[Any, ...]:
    return (event.event_type, event.path, event.keys, event.delta, json.dumps(event.value, sort_keys=True))


def parser_events(pieces: list[str]) -> list[InstantEvent]:
    parser = InstantParser(lenient=True)
    events: list[InstantEvent] = []
    for piece in pieces:
        events += parser.feed(piece)
    return events + parser.finish()


@pytest.mark.anyio
@pytest.mark.parametrize("chunk", [(1, 1), (1, 8), (40, 400)])
async def test_instant_events_equal_the_parsers_for_the_same_text(chunk: tuple[int, int]) -> None:
    prose = "Sure! Here it is:\n```json\n" + SEED_ANSWER + "\n```\nAnything else?"
    async with MockLLMServer(answer=prose, chunk=chunk, seed=5) as server:
        response = Agent(model_for(server)).input("x").output(SEED_OUTPUT).get_response()
        got = [item async for item in response.get_async_generator(type="instant")]
        # exactly what the parser gives when fed the same pieces as the server streamed
        assert [key(e) for e in got] == [key(e) for e in parser_events(list(server.pieces))]
        # and, whatever the chunking: the same dones, the same text per path, as one whole feed
        whole = parser_events([prose])
        assert [key(e) for e in got if e.is_complete] == [key(e) for e in whole if e.is_complete]
        per_path: dict[str, str] = {}
        for e in got:
            if not e.is_complete:
                per_path[e.path] = per_path.get(e.path, "") + (e.delta or "")
        assert per_path == {
            p: "".join(e.delta or "" for e in whole if e.path == p and not e.is_complete) for p in per_path
        }
        assert [x async for x in response.get_async_generator(type="streaming_parse")] == got
        assert await response.async_get_data() == SEED_ANSWER_VALUE


def test_all_view_interleaves_instant_events_after_their_delta() -> None:
    with MockLLMServer(answer=SEED_ANSWER) as server:
        response = Agent(model_for(server)).input("x").get_response()
        parser = InstantParser(lenient=True)
        expected: list[tuple[str, Any]] = []
        items = list(response.get_generator(type="all"))
        for event, value in items:
            if event == "delta":
                expected.append((event, value))
                expected += [("instant", key(e)) for e in parser.feed(value)]
            elif event == "done":
                expected += [("instant", key(e)) for e in parser.finish()]
            if event not in ("delta", "instant"):
                expected.append((event, value))
        assert [(e, key(v) if e == "instant" else v) for e, v in items] == expected
        assert response.result is response


def test_views_select_their_events() -> None:
    with MockLLMServer(answer=SEED_ANSWER, reasoning="Thinking it over.") as server:
        response = Agent(model_for(server)).input("x").get_response()
        assert "".join(response.get_generator()) == SEED_ANSWER
        originals = list(response.get_generator(type="original"))
        assert all(isinstance(o, dict) for o in originals)
        assert originals[-1]["content"] == SEED_ANSWER and originals[-1]["reasoning"] == "Thinking it over."
        default = list(response.get_generator(type="specific"))
        assert {e for e, _ in default} == {"reasoning_delta", "delta", "reasoning_done", "done"}
        assert list(response.get_generator(type="specific", specific="meta"))[0][0] == "meta"
        ends = [
            e
            for e, _ in response.get_generator(type="all")
            if e not in ("original_delta", "delta", "reasoning_delta", "instant")
        ]
        assert ends == ["done", "reasoning_done", "original_done", "meta"]
        with pytest.raises(ValueError, match="unknown view type"):
            response.get_generator(type="nonsense")  # type: ignore[arg-type]
        assert response.get_meta() == {
            "id": "chatcmpl-mock",
            "model": "mock-model",
            "finish_reason": "stop",
            "raw_finish_reason": "stop",
            "usage": response.get_meta()["usage"],
        }  # type: ignore[index]


def test_output_specs_and_native_structured_output() -> None:
    class Step(pydantic.BaseModel):
        step: str
        owner: str

    class Plan(pydantic.BaseModel):
        title: str
        summary: str
        steps: list[Step]

    with MockLLMServer(answer=SEED_ANSWER) as server:
        agent = Agent(model_for(server, structured="native"))
        response = agent.input("x").output(Plan).get_response()
        plan = response.get_data_object()
        assert isinstance(plan, Plan) and plan.model_dump() == SEED_ANSWER_VALUE
        body = server.requests[0].json
        assert body["response_format"]["type"] == "json_schema"
        assert body["response_format"]["json_schema"]["name"] == "Plan"
        assert body["response_format"]["json_schema"]["schema"] == Plan.model_json_schema()

        schema = {"type": "object", "properties": {"title": {"type": "string"}}}
        agent.input("y").output(schema).get_response().get_data()
        assert server.requests[1].json["response_format"]["json_schema"]["schema"] == schema
        agent.input("z").get_response().get_text()
        assert "response_format" not in server.requests[2].json  # output() is per request


def test_dict_spec_compiles_to_json_schema() -> None:
    compiled = compile_output(SEED_OUTPUT)
    assert compiled.schema == {
        "type": "object",
        "properties": {
            "title": {"type": "string", "description": "Title"},
            "summary": {"type": "string", "description": "One-line summary"},
            "steps": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "step": {"type": "string", "description": "Step"},
                        "owner": {"type": "string", "description": "Owner role"},
                    },
                    "required": ["step", "owner"],
                },
            },
        },
        "required": ["title", "summary", "steps"],
    }
    assert json.dumps(compiled.schema, indent=1) in compiled.instruction
    assert compile_output({"n": (int, "Count"), "ok": "bool", "tags": [str]}).schema["properties"] == {
        "n": {"type": "integer", "description": "Count"},
        "ok": {"type": "boolean"},
        "tags": {"type": "array", "items": {"type": "string"}},
    }
    with pytest.raises(TypeError):
        compile_output(42)


def test_from_stream_payloads_and_bytes() -> None:
    text = '{"a": [1, 2], "b": "x"}'
    payloads = [{"id": "1", "model": "m", "choices": [{"index": 0, "delta": {"content": c}}]} for c in text]
    payloads.append({"id": "1", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    response = Response.from_stream(iter(payloads))  # a (blocking-style) iterator of payloads: no [DONE]
    assert response.get_data() == {"a": [1, 2], "b": "x"}
    assert response.get_meta()["finish_reason"] == "stop"  # type: ignore[index]

    wire = b"".join(b"data: " + json.dumps(p).encode() + b"\n\n" for p in payloads)
    assert Response.from_stream(wire + b"data: [DONE]\n\n").get_text() == text
    incomplete = Response.from_stream(wire)
    with pytest.raises(StreamIncompleteError):
        incomplete.get_text()
    assert incomplete.get_text(partial=True) == text


@pytest.mark.anyio
async def test_from_stream_async_iterable_of_sdk_like_chunks() -> None:
    class Chunk(pydantic.BaseModel):
        id: str
        model: str
        choices: list[dict[str, Any]]

    async def chunks() -> AsyncIterator[Chunk]:
        for piece in ['{"k": ', '"v"}']:
            yield Chunk(id="1", model="m", choices=[{"index": 0, "delta": {"content": piece}}])
        yield Chunk(id="1", model="m", choices=[{"index": 0, "delta": {}, "finish_reason": "stop"}])

    response = Response.from_stream(chunks(), output={"k": (str, "K")})
    assert [e.path async for e in response.get_async_generator(type="instant") if e.is_complete] == ["k"]
    assert await response.async_get_data() == {"k": "v"}


def test_answer_that_is_not_json() -> None:
    with MockLLMServer(answer="No JSON here, sorry.") as server:
        response = Agent(model_for(server)).input("x").get_response()
        assert response.get_text() == "No JSON here, sorry."
        with pytest.raises(ParseError):
            response.get_data()
        with pytest.raises(ParseError):
            list(response.get_generator(type="instant"))
        assert "".join(response.get_generator(type="delta")) == "No JSON here, sorry."


def test_truncated_json_answer_is_completed_leniently() -> None:
    with MockLLMServer(answer='{"title": "Half', chunk=(1, 3)) as server:
        response = Agent(model_for(server)).input("x").get_response()
        assert response.get_data() == {"title": "Half"}
        dones = [(e.path, e.value) for e in response.get_generator(type="instant") if e.is_complete]
        assert dones == [("title", "Half")]


def test_tool_calls_from_the_mock() -> None:
    calls = [{"name": "weather", "arguments": {"city": "Paris"}}, {"name": "time", "arguments": "{}"}]
    with MockLLMServer(answer="", tool_calls=calls) as server:
        response = Agent(model_for(server)).input("x").get_response()
        fragments = list(response.get_generator(type="specific", specific=["tool_calls"]))
        assert [v["name"] for _, v in fragments if v["name"]] == ["weather", "time"]
        message = list(response.get_generator(type="original"))[-1]
        assert [json.loads(c["function"]["arguments"]) for c in message["tool_calls"]] == [{"city": "Paris"}, {}]
        assert response.get_meta()["finish_reason"] == "tool_calls"  # type: ignore[index]
        assert response.get_data() is None  # no text, no data
