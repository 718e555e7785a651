"""Issue 14, pending: answers that are not what was asked for. Fixes in `_pipeline.py` /
`_response.py` (engine branch) and `_schema.py` (typed streaming branch).

Proposed fixes:
- `_pipeline.py`, when the instant parser fails on the answer: the `ParseError` message ends with
  `"; the answer's text is available: get_text() / async_get_text()"` (same kind, offset, line,
  column, path; the parser's own error chained as `__cause__`).
- `_pipeline.py`: an answer that is empty or only whitespace is one error in both cases:
  `ParseError("the answer is empty: no JSON value", kind="empty")` from `get_data()` (today an
  empty answer returns `None` silently and whitespace raises); `get_data(partial=True)` returns None.
- `_schema.py`, `compile_output(spec)`: a spec value that is not `str`, `int`, `float`, `bool`,
  a `(type, "description")` tuple, a dict spec, a one-item list spec, a pydantic model class or a
  JSON Schema raises `TypeError(f"output spec at {path}: unsupported {type(value).__name__}
  {value!r}; use str, int, float, bool, (type, 'description'), a dict, a one-item list, or a
  pydantic model")` (today `datetime`, `set`, `object()` are accepted and the prompt gets
  `a <object object at 0x...>`).
- `_response.py` / `_schema.py`: `get_data()` with a dict spec checks the required keys of the
  spec are present in the final value and raises `ParseError(kind="missing_keys")` naming them
  (values are checked by the typed streaming branch).
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from instantjson import Agent, OpenAICompatible, ParseError
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
        assert "get_text()" in str(info.value)
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


def test_missing_required_keys_are_reported() -> None:
    with MockLLMServer(answer='{"title": "x"}') as server:
        response = _response(server, {"title": (str, "Title"), "steps": [{"step": (str, "Step")}]})
        with pytest.raises(ParseError) as info:
            response.get_data()
        assert info.value.kind == "missing_keys" and "steps" in str(info.value)
