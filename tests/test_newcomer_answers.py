"""Issue 14: answers that are not what was asked for. A prose answer's `ParseError` says the text
is available (`get_text()`); an empty answer and a whitespace one are the same error
(`kind="empty"`), `get_data(partial=True)` None for both; a dict spec with a leaf that is not a
JSON type (`datetime`, a set, `object()`) is a `TypeError` naming its path when given."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from instantjson import Agent, OpenAICompatible, OutputValidationError, ParseError
from instantjson.testing import MockLLMServer


def _response(server: MockLLMServer, spec: Any = None) -> Any:
    agent = Agent(OpenAICompatible(base_url=server.url + "/v1", model="m", api_key="x", retries=0, timeout=5.0))
    agent = agent.input("x")
    if spec is not None:
        agent = agent.output(spec)
    return agent.get_response()


def test_prose_answer_error_says_the_text_is_available() -> None:
    with MockLLMServer(answer="Sure! Here is a plan: grow.") as server:
        response = _response(server, {"title": (str, "Title")})
        with pytest.raises(ParseError) as info:
            response.get_data()
        assert "get_text()" in str(info.value) and info.value.line == 1 and info.value.kind != "empty"
        assert isinstance(info.value.__cause__, ParseError)
        assert response.get_text() == "Sure! Here is a plan: grow."


@pytest.mark.parametrize("answer", ["", "   \n  "])
def test_empty_answer_is_an_error_both_ways(answer: str) -> None:
    with MockLLMServer(answer=answer) as server:
        response = _response(server, {"title": (str, "Title")})
        with pytest.raises(ParseError) as info:
            response.get_data()
        assert info.value.kind == "empty" and "empty" in str(info.value)
        assert response.get_data(partial=True) is None


@pytest.mark.parametrize("bad", [datetime.datetime, {1, 2}, object()])
def test_unsupported_spec_values_are_a_type_error(bad: Any) -> None:
    with pytest.raises(TypeError, match="output spec at when: unsupported"):
        Agent(OpenAICompatible(base_url="http://127.0.0.1:9/v1", model="m", api_key="x")).output({"when": bad})


def test_a_pydantic_model_in_a_dict_spec_may_hold_a_datetime() -> None:
    pydantic = pytest.importorskip("pydantic")
    event = pydantic.create_model("Event", when=(datetime.datetime, ...))
    agent = Agent(OpenAICompatible(base_url="http://127.0.0.1:9/v1", model="m", api_key="x"))
    agent.output({"event": event})  # no TypeError: pydantic's own schema
    agent.output(event)


def test_missing_required_keys_are_reported() -> None:
    spec = {"title": (str, "Title"), "steps": [{"step": (str, "Step")}]}
    with MockLLMServer(answer='{"title": "x"}') as server:
        response = _response(server, spec)
        with pytest.raises(OutputValidationError) as info:
            response.get_data()
        assert [(e["type"], e["loc"]) for e in info.value.errors] == [("missing", ("steps",))]
        assert "steps: Field required" in str(info.value) and "get_data(raw=True)" in str(info.value)
        assert response.get_data(raw=True) == {"title": "x"}  # what arrived stays available
        assert response.get_data(partial=True) == {"title": "x"}
