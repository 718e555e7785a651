"""The five wire formats of MockLLMServer, read back by the five models: one scripted answer gives
the same normalized events whichever provider serves it; every fault becomes the same exception
type with the provider's own code and message; provider extras (signatures, encrypted reasoning)
survive in `extra` and `original_done`."""

from __future__ import annotations

import json
from typing import Any

import anyio
import httpx
import pytest

from instantjson._agent import Agent
from instantjson._exceptions import ParseError, ProviderStatusError, ProviderStreamError, StreamIncompleteError
from instantjson.testing import INBAND_MESSAGE, MockLLMServer
from instantjson.testing._server import _MESSAGES  # pyright: ignore[reportPrivateUsage]
from instantjson.testing._wire.anthropic import MOCK_SIGNATURE
from instantjson.testing._wire.gemini import MOCK_THOUGHT_SIGNATURE
from tests.conftest_response import SEED_ANSWER, SEED_ANSWER_VALUE, SEED_OUTPUT, anyio_backend
from tests.providers._harness import PROVIDERS, acollect, collect, model_on, summarize_items

__all__ = ["anyio_backend"]

CALLS = [{"name": "get_weather", "arguments": {"city": "Paris", "days": [1, 2]}}, {"name": "now", "arguments": "{}"}]
INBAND_CODE = {
    "openai": "overloaded",
    "openai-responses": "server_error",
    "anthropic": "overloaded_error",
    "ollama": None,
    "gemini": "UNAVAILABLE",
}


@pytest.mark.anyio
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_same_answer_from_every_provider(provider: str) -> None:
    async with MockLLMServer(answer=SEED_ANSWER, reasoning="Think first.", chunk=(1, 6)) as server:
        response = Agent(model_on(server, provider)).input("x").output(SEED_OUTPUT).get_response()
        items, error = await acollect(response)
        assert error is None
        got = summarize_items(items, None)
        assert (got["text"], got["reasoning"], got["tool_calls"]) == (SEED_ANSWER, "Think first.", [])
        assert got["finish_reason"] == "stop"
        usage = got["usage"]
        assert (
            usage["input_tokens"]
            and usage["output_tokens"]
            and usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
        )
        assert await response.async_get_data() == SEED_ANSWER_VALUE
        instant = [(e.path, e.value) for e in response.get_generator(type="instant") if e.is_complete]
        assert instant[-1] == ("steps", SEED_ANSWER_VALUE["steps"])
        assert server.wait_idle(5)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_tool_calls_from_every_provider(provider: str) -> None:
    with MockLLMServer(answer="", tool_calls=CALLS, chunk=(1, 4)) as server:
        response = Agent(model_on(server, provider)).input("x").get_response()
        items, error = collect(response)
        assert error is None
        got = summarize_items(items, None)
        assert [(c["name"], c["arguments_json"]) for c in got["tool_calls"]] == [
            ("get_weather", {"city": "Paris", "days": [1, 2]}),
            ("now", {}),
        ]
        assert all(c["id"] for c in got["tool_calls"]) and got["finish_reason"] == "tool_calls"
        # arguments stream through the instant parser under $tool_calls[i].arguments
        instant = list(response.get_generator(type="instant"))
        dones = [(e.path, e.value) for e in instant if e.is_complete]
        assert ("$tool_calls[0].arguments.city", "Paris") in dones
        assert ("$tool_calls[0].arguments.days[1]", 2) in dones
        assert ("$tool_calls[0].arguments", {"city": "Paris", "days": [1, 2]}) in dones
        assert ("$tool_calls[1].arguments", {}) in dones
        if provider in ("openai", "openai-responses", "anthropic"):  # fragment APIs: the city fills in
            assert any(not e.is_complete and e.path == "$tool_calls[0].arguments.city" for e in instant)
        assert response.get_data() is None  # no answer text
        message = dict(items)["original_done"]
        assert [json.loads(c["function"]["arguments"]) for c in message["tool_calls"]] == [CALLS[0]["arguments"], {}]


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("status", [401, 429, 500])
def test_http_errors_carry_the_providers_message(provider: str, status: int) -> None:
    fault: Any = f"http_{status}"
    with MockLLMServer(answer=SEED_ANSWER, fault=fault) as server:
        items, error = collect(Agent(model_on(server, provider)).input("x").get_response())
        assert type(error) is ProviderStatusError
        assert (error.status_code, error.message, error.provider) == (status, _MESSAGES[status], provider)
        assert [e for e, _ in items] == ["meta", "error"]


@pytest.mark.anyio
@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize(
    ("fault", "error_type"),
    [
        ("inband_error", ProviderStreamError),
        ("cut", httpx.RemoteProtocolError),
        ("malformed", ParseError),
        ("truncated", StreamIncompleteError),
    ],
)
async def test_mid_stream_faults(provider: str, fault: Any, error_type: type[BaseException]) -> None:
    async with MockLLMServer(answer=SEED_ANSWER, fault=fault, fault_after=8, chunk=(2, 4)) as server:
        response = Agent(model_on(server, provider)).input("x").output(SEED_OUTPUT).get_response()
        with anyio.fail_after(10):
            items, error = await acollect(response)
        assert type(error) is error_type
        text = "".join(v for e, v in items if e == "delta")
        assert text and SEED_ANSWER.startswith(text)
        assert await response.async_get_text(partial=True) == text
        meta = await response.async_get_meta(partial=True)
        assert meta is not None and meta["finish_reason"] == "error"
        partial = await response.async_get_data(partial=True)
        assert isinstance(partial, dict) and SEED_ANSWER_VALUE["title"].startswith(partial.get("title", ""))
        if fault == "inband_error":
            assert isinstance(error, ProviderStreamError)
            assert (error.message, error.code, error.provider) == (INBAND_MESSAGE, INBAND_CODE[provider], provider)
        assert len(server.requests) == 1
        assert server.wait_idle(5)


@pytest.mark.parametrize("provider", ["openai", "openai-responses", "anthropic", "ollama"])
def test_non_streaming_json_reply(provider: str) -> None:
    with MockLLMServer(answer=SEED_ANSWER, reasoning="Why not.", tool_calls=CALLS[:1]) as server:
        model = model_on(server, provider, options={"stream": False})
        response = Agent(model).input("x").get_response()
        items, error = collect(response)
        assert error is None, error
        got = summarize_items(items, None)
        assert (got["text"], got["reasoning"]) == (SEED_ANSWER, "Why not.")
        assert [(c["name"], c["arguments_json"]) for c in got["tool_calls"]] == [("get_weather", CALLS[0]["arguments"])]
        assert got["finish_reason"] == "tool_calls" and got["usage"]["input_tokens"]


def test_gemini_non_streaming_and_array_endpoints() -> None:
    with MockLLMServer(answer="Hi!", tool_calls=CALLS[:1]) as server:
        body = {"contents": [{"role": "user", "parts": [{"text": "x"}]}]}
        one = httpx.post(server.url + "/v1beta/models/g:generateContent", json=body).json()
        parts = one["candidates"][0]["content"]["parts"]
        assert parts[0] == {"text": "Hi!"} and parts[1]["functionCall"]["args"] == CALLS[0]["arguments"]
        array = httpx.post(server.url + "/v1beta/models/g:streamGenerateContent", json=body).json()
        assert isinstance(array, list) and array[-1]["candidates"][0]["finishReason"] == "STOP"
        assert httpx.post(server.url + "/v1beta/models/g:countTokens", json=body).status_code == 404


def test_provider_extras_survive() -> None:
    with MockLLMServer(answer="Done.", reasoning="Hmm.", tool_calls=CALLS[:1]) as server:
        items, _ = collect(Agent(model_on(server, "anthropic")).input("x").get_response())
        assert ("extra", {"signature": MOCK_SIGNATURE, "index": 0}) in items
        blocks = dict(items)["original_done"]["content_blocks"]
        assert blocks[0] == {"type": "thinking", "thinking": "Hmm.", "signature": MOCK_SIGNATURE}
        assert blocks[2]["type"] == "tool_use" and blocks[2]["name"] == "get_weather"

        items, _ = collect(Agent(model_on(server, "gemini")).input("x").get_response())
        extras = [v for e, v in items if e == "extra"]
        assert {"thought_signature": MOCK_THOUGHT_SIGNATURE, "part": "text"} in extras
        parts = dict(items)["original_done"]["parts"]
        assert parts[0] == {"text": "Hmm.", "thought": True}
        assert parts[1] == {"text": "Done.", "thoughtSignature": MOCK_THOUGHT_SIGNATURE}
        assert parts[2]["functionCall"] == {"name": "get_weather", "args": CALLS[0]["arguments"]}

        items, _ = collect(Agent(model_on(server, "openai-responses")).input("x").get_response())
        output = dict(items)["original_done"]["output"]
        assert output[0]["type"] == "reasoning" and output[0]["encrypted_content"]
        assert any(e == "extra" and "reasoning_item" in v for e, v in items)
        call = dict(items)["original_done"]["tool_calls"][0]
        assert call["id"] == "call_mock0000" and call["item_id"] == "fc_mock0000"
