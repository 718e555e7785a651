"""The seed's playbook runs unchanged, but for its settings lines, against each of the five
providers served by MockLLMServer at their real paths: the same TEXT_STREAM, STRUCTURED_STREAM
and FINAL_DATA whichever model answers."""

from __future__ import annotations

import json

import pytest

import instantjson
from instantjson.testing import MockLLMServer
from tests.conftest_response import SEED_ANSWER, SEED_ANSWER_VALUE
from tests.test_seed import SEED_CODE, expected_structured, run_seed, sections

# provider key of the settings -> (base_url suffix, path the request must reach)
SETTINGS = {
    "OpenAICompatible": ("/v1", "/v1/chat/completions"),
    "OpenAIResponses": ("/v1", "/v1/responses"),
    "Anthropic": ("", "/v1/messages"),
    "Ollama": ("", "/api/chat"),
    "Gemini": ("", "/v1beta/models/mock-model:streamGenerateContent?alt=sse"),
}


def seed_code_for(provider_key: str) -> str:
    """The seed with only its settings line changed (the provider key)."""
    code = SEED_CODE.replace('"OpenAICompatible",', f'"{provider_key}",', 1)
    if not hasattr(instantjson, "Agently"):  # the public export is the lead's (see test_seed.py)
        code = code.replace("from instantjson import Agently", "from instantjson._agent import Agently", 1)
    assert code.count("\n") == SEED_CODE.count("\n")
    return code


@pytest.mark.parametrize("provider_key", list(SETTINGS))
def test_seed_runs_against_each_provider(provider_key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    suffix, path = SETTINGS[provider_key]
    monkeypatch.setattr("tests.test_seed.SEED_CODE", seed_code_for(provider_key))
    with MockLLMServer(answer=SEED_ANSWER, reasoning="First, the title.", chunk=(1, 8)) as server:
        namespace = run_seed(server.url + suffix)
        printed = sections(namespace["printed"])
        answer = json.loads(SEED_ANSWER)
        assert printed["text"] == SEED_ANSWER
        assert printed["structured"].split("\n") == expected_structured(answer)
        assert printed["final"] == str(answer) == str(SEED_ANSWER_VALUE)
        assert [r.path for r in server.requests] == [path]
        assert server.wait_idle(5)

        # the second seed page's sync snippets, on the same agent
        response = namespace["agent"].input("again").output({"title": (str, "Title")}).get_response()
        assert "".join(response.result.get_generator(type="delta")) == SEED_ANSWER
        picked = list(
            response.result.get_generator(type="specific", specific=["reasoning_delta", "tool_calls", "done"])
        )
        assert "".join(v for e, v in picked if e == "reasoning_delta") == "First, the title."
        assert picked[-1] == ("done", SEED_ANSWER)
        meta = response.get_meta()
        assert meta is not None and meta["finish_reason"] == "stop"
        assert meta["usage"]["input_tokens"] and meta["usage"]["output_tokens"]
        assert len(server.requests) == 2
