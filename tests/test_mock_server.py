"""MockLLMServer: real HTTP on 127.0.0.1, checked with the official OpenAI SDK as the client."""

from __future__ import annotations

import json

import httpx
import openai
import pytest

from instantjson._response import Response
from instantjson.testing import MockLLMServer
from tests.conftest_response import SEED_ANSWER, anyio_backend

__all__ = ["anyio_backend"]


def test_openai_sdk_streams_the_answer_in_token_sized_chunks() -> None:
    with MockLLMServer(answer=SEED_ANSWER, reasoning="Hmm.", chunk=(2, 5), seed=1) as server:
        assert server.url.startswith("http://127.0.0.1:")
        client = openai.OpenAI(base_url=server.url + "/v1", api_key="test-key", max_retries=0)
        stream = client.chat.completions.create(
            model="mock-model",
            messages=[{"role": "user", "content": "hi"}],
            stream=True,
            stream_options={"include_usage": True},
        )
        pieces = [c.choices[0].delta.content for c in stream if c.choices and c.choices[0].delta.content]
        assert "".join(pieces) == SEED_ANSWER and pieces == list(server.pieces)
        assert all(2 <= len(p) <= 5 for p in pieces[:-1])
        request = server.requests[0]
        assert (request.method, request.path) == ("POST", "/v1/chat/completions")
        assert request.headers["authorization"] == "Bearer test-key"
        assert request.json["messages"] == [{"role": "user", "content": "hi"}]


def test_non_streaming_request() -> None:
    with MockLLMServer(answer=SEED_ANSWER, tool_calls=[{"name": "f", "arguments": {"x": 1}}]) as server:
        client = openai.OpenAI(base_url=server.url + "/v1", api_key="k", max_retries=0)
        completion = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
        assert completion.choices[0].message.content == SEED_ANSWER
        assert completion.choices[0].finish_reason == "tool_calls"
        calls = completion.choices[0].message.tool_calls or []
        assert json.loads(calls[0].function.arguments) == {"x": 1}  # type: ignore[union-attr]


def test_sdk_stream_into_response_from_stream() -> None:
    with MockLLMServer(answer=SEED_ANSWER) as server:
        client = openai.OpenAI(base_url=server.url + "/v1", api_key="k", max_retries=0)
        stream = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}], stream=True)
        response = Response.from_stream(stream, provider="openai")
        assert response.get_data() == json.loads(SEED_ANSWER)


def test_sdk_sees_the_faults() -> None:
    with MockLLMServer(answer=SEED_ANSWER, fault="http_429") as server:
        client = openai.OpenAI(base_url=server.url + "/v1", api_key="k", max_retries=0)
        with pytest.raises(openai.RateLimitError):
            client.chat.completions.create(model="m", messages=[], stream=True)
    with MockLLMServer(answer=SEED_ANSWER, fault="inband_error", fault_after=3) as server:
        client = openai.OpenAI(base_url=server.url + "/v1", api_key="k", max_retries=0)
        with pytest.raises(openai.APIError, match="overloaded"):
            list(client.chat.completions.create(model="m", messages=[], stream=True))


@pytest.mark.anyio
async def test_async_with_and_separate_free_ports() -> None:
    async with MockLLMServer(answer="a") as one, MockLLMServer(answer="b") as two:
        assert one.url != two.url
        async with httpx.AsyncClient() as client:
            missing = await client.post(one.url + "/v1/nothing", json={})
            assert missing.status_code == 404
            bad = await client.post(one.url + "/v1/chat/completions", content=b"not json")
            assert bad.status_code == 400 and "error" in bad.json()
    with pytest.raises(RuntimeError):
        _ = one.url  # closed


def test_close_does_not_hang_on_a_stalled_stream() -> None:
    server = MockLLMServer(answer=SEED_ANSWER, fault="stall", fault_after=2).start()
    with (
        httpx.Client(timeout=5) as client,
        client.stream(
            "POST", server.url + "/v1/chat/completions", json={"model": "m", "messages": [], "stream": True}
        ) as response,
    ):
        raw = response.iter_raw()
        assert next(raw).startswith(b"data: ")
        server.close()  # ends the stall; the client sees the connection closed
        with pytest.raises(httpx.RemoteProtocolError):
            for _ in raw:
                pass


def test_unknown_fault_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        MockLLMServer(answer="x", fault="boom")  # type: ignore[arg-type]
