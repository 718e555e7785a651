"""`Response.from_stream(source, provider=...)` for every provider and every source kind: raw bytes
(whole, str, sync and async iterables of pieces), decoded payload dicts (sync and async), and the
chunk objects of the official `openai` and `anthropic` SDKs (sync and async clients, the raw event
streams and Anthropic's `MessageStream` helper), each normalized to the fixtures' expected.json."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import anthropic
import anyio
import openai
import pydantic
import pytest

from instantjson._exceptions import ProviderStreamError, StreamIncompleteError
from instantjson._response import Response
from instantjson.testing import MockLLMServer
from tests._shared import missing_param
from tests.conftest_response import anyio_backend, chunked
from tests.providers._harness import (
    Case,
    acollect,
    all_cases,
    check_against_expected,
    collect,
    decoded_payloads,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

__all__ = ["anyio_backend"]

CASES = all_cases()
PARAMS = [pytest.param(case, id=case.id) for case in CASES]


def _cases(provider: str, *, success: bool = True) -> list[Any]:
    return [
        pytest.param(c, id=c.id)
        for c in CASES
        if c.provider == provider and c.origin == "shared" and (not success or c.expected["error"] is None)
    ] or [missing_param(f"provider-streams/fixtures ({provider})")]


@pytest.mark.parametrize("case", PARAMS)
def test_decoded_payloads(case: Case) -> None:
    response = Response.from_stream(decoded_payloads(case), provider=case.provider)
    items, error = collect(response)
    check_against_expected(items, error, case.expected, payloads=True)


@pytest.mark.anyio
@pytest.mark.parametrize("case", PARAMS)
async def test_async_decoded_payloads(case: Case) -> None:
    async def payloads() -> AsyncIterator[dict[str, Any]]:
        for payload in decoded_payloads(case):
            yield payload

    items, error = await acollect(Response.from_stream(payloads(), provider=case.provider))
    check_against_expected(items, error, case.expected, payloads=True)


@pytest.mark.parametrize("case", PARAMS)
def test_str_bytearray_and_memoryview(case: Case) -> None:
    for source in (
        case.body.decode("utf-8"),
        bytearray(case.body),
        [memoryview(p) for p in chunked(case.body, (1, 7), 9)],
    ):
        items, error = collect(Response.from_stream(source, provider=case.provider))
        check_against_expected(items, error, case.expected)


# ------------------------------------------------------------------------------------ SDK objects
def _openai(server: MockLLMServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url + "/v1", api_key="sk-test", max_retries=0)


def _anthropic(server: MockLLMServer) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=server.url, api_key="sk-ant-test", max_retries=0)


MESSAGES: Any = [{"role": "user", "content": "x"}]


@pytest.mark.parametrize("case", _cases("openai"))
def test_openai_sdk_chat_chunks(case: Case) -> None:
    with MockLLMServer(raw=case.body, chunk=(1, 7)) as server:
        stream = _openai(server).chat.completions.create(model="m", messages=MESSAGES, stream=True)
        items, error = collect(Response.from_stream(stream, provider="openai"))
        check_against_expected(items, error, case.expected, payloads=True)
        assert server.wait_idle(5)


@pytest.mark.parametrize("case", _cases("openai-responses"))
def test_openai_sdk_responses_events(case: Case) -> None:
    with MockLLMServer(raw=case.body, chunk=(1, 7)) as server:
        stream = _openai(server).responses.create(model="m", input="x", stream=True)
        items, error = collect(Response.from_stream(stream, provider="openai-responses"))
        check_against_expected(items, error, case.expected, payloads=True)


@pytest.mark.parametrize("case", _cases("anthropic"))
def test_anthropic_sdk_raw_events_and_message_stream(case: Case) -> None:
    with MockLLMServer(raw=case.body, chunk=(1, 7)) as server:
        client = _anthropic(server)
        stream = client.messages.create(model="m", max_tokens=10, messages=MESSAGES, stream=True)
        items, error = collect(Response.from_stream(stream, provider="anthropic"))
        check_against_expected(items, error, case.expected, payloads=True)
        # the MessageStream helper yields its own `text`/`thinking`/`input_json` events beside the
        # raw ones: they are ignored, so nothing is counted twice
        with client.messages.stream(model="m", max_tokens=10, messages=MESSAGES) as helper:
            items, error = collect(Response.from_stream(helper, provider="anthropic"))
        check_against_expected(items, error, case.expected, payloads=True)


@pytest.mark.anyio
async def test_async_sdk_clients(anyio_backend: str) -> None:
    if anyio_backend == "trio":
        # Known gap (reported): the response closes a payload source as soon as the provider's
        # terminal event arrives; the SDKs' nested async generators are then left unexhausted,
        # which trio reports as ResourceWarnings (asyncio finalizes them silently).
        pytest.skip("SDK async streams closed early leave generators trio warns about")
    answer = '{"city": "Paris", "days": [1, 2]}'
    async with MockLLMServer(answer=answer, reasoning="Plan.", chunk=(1, 5)) as server:
        client = openai.AsyncOpenAI(base_url=server.url + "/v1", api_key="k", max_retries=0)
        chat = await client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
        response = Response.from_stream(chat, provider="openai")
        assert await response.async_get_data() == json.loads(answer)
        events = await client.responses.create(model="m", input="x", stream=True)
        response = Response.from_stream(events, provider="openai-responses")
        assert await response.async_get_data() == json.loads(answer)
        assert [v async for v in response.get_async_generator(type="specific", specific=["reasoning_done"])] == [
            ("reasoning_done", "Plan.")
        ]
        await client.close()
        claude = anthropic.AsyncAnthropic(base_url=server.url, api_key="k", max_retries=0)
        raw = await claude.messages.create(model="m", max_tokens=10, messages=MESSAGES, stream=True)
        response = Response.from_stream(raw, provider="anthropic")
        assert await response.async_get_text() == answer
        meta = await response.async_get_meta()
        assert meta is not None and meta["finish_reason"] == "stop" and meta["id"] == "msg_mock"
        await claude.close()


def test_sdk_stream_error_keeps_text() -> None:
    """The SDK raises its own error on `event: error` before we see the payload: that exception is
    the response's error (as any failing source's), and the text before it stays."""
    with MockLLMServer(answer="Hello there, world", fault="inband_error", fault_after=6, chunk=(1, 3)) as server:
        stream = _anthropic(server).messages.create(model="m", max_tokens=10, messages=MESSAGES, stream=True)
        response = Response.from_stream(stream, provider="anthropic")
        with pytest.raises(anthropic.APIStatusError):
            response.get_text()
        partial = response.get_text(partial=True)
        assert partial and "Hello there, world".startswith(partial)
        assert response.get_meta(partial=True)["finish_reason"] == "error"  # type: ignore[index]
    with MockLLMServer(answer="Hello there, world", fault="inband_error", fault_after=6, chunk=(1, 3)) as server:
        raw = b"".join(server_body(server))
        response = Response.from_stream(raw, provider="anthropic")  # the same bytes, decoded by us
        with pytest.raises(ProviderStreamError) as info:
            response.get_text()
        assert info.value.code == "overloaded_error" and info.value.provider == "anthropic"
        assert response.get_text(partial=True) == partial


def server_body(server: MockLLMServer) -> list[bytes]:
    import httpx

    body = {"model": "m", "max_tokens": 10, "messages": MESSAGES, "stream": True}
    with httpx.stream("POST", server.url + "/v1/messages", json=body) as reply:
        return list(reply.iter_bytes())


# ------------------------------------------------------------------------------------ misc
def test_provider_names_and_aliases() -> None:
    body = b'{"model":"m","message":{"role":"assistant","content":"hi"},"done":true,"done_reason":"stop"}\n'
    for name in ("ollama", "OLLAMA"):
        assert Response.from_stream(body, provider=name).get_text() == "hi"
    with pytest.raises(
        ValueError, match="known: anthropic, azure-openai, gemini, normalized, ollama, openai, openai-responses"
    ):
        Response.from_stream(body, provider="cohere")
    payload = {"type": "response.completed", "response": {"status": "completed", "output": []}}
    assert Response.from_stream([payload], provider="openai_responses").get_meta()["finish_reason"] == "stop"  # type: ignore[index]


def test_payload_source_without_terminal_marker_is_incomplete() -> None:
    events = [
        {"type": "message_start", "message": {"id": "m1", "model": "c", "usage": {"input_tokens": 3}}},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "partial"}},
    ]
    response = Response.from_stream(events, provider="anthropic")
    with pytest.raises(StreamIncompleteError):
        response.get_text()
    assert response.get_text(partial=True) == "partial"


def test_output_model_with_another_provider() -> None:
    class City(pydantic.BaseModel):
        city: str
        days: list[int]

    chunks = [
        {"candidates": [{"content": {"parts": [{"text": piece}], "role": "model"}, "index": 0}]}
        for piece in ['{"city": "Pa', 'ris", "days"', ": [1, 2]}"]
    ]
    chunks[-1]["candidates"][0]["finishReason"] = "STOP"
    response = Response.from_stream(chunks, provider="gemini", output=City)
    assert response.get_data_object() == City(city="Paris", days=[1, 2])
    paths = [e.path for e in response.get_generator(type="instant") if e.is_complete]
    assert paths == ["city", "days[0]", "days[1]", "days"]


@pytest.mark.anyio
async def test_async_iterable_of_ndjson_lines_with_a_slow_source() -> None:
    lines = [
        b'{"model":"m","message":{"role":"assistant","content":"","thinking":"hm"},"done":false}\n',
        b'{"model":"m","message":{"role":"assistant","content":"ok"},"done":false}\n',
        b'{"model":"m","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","eval_count":2}\n',
    ]

    async def body() -> AsyncIterator[bytes]:
        for line in lines:
            await anyio.sleep(0.001)
            yield line

    response = Response.from_stream(body(), provider="ollama")
    assert [v async for v in response.get_async_generator(type="specific", specific=["reasoning_delta", "delta"])] == [
        ("reasoning_delta", "hm"),
        ("delta", "ok"),
    ]
    meta = await response.async_get_meta()
    assert meta is not None and meta["usage"]["output_tokens"] == 2 and meta["usage"]["input_tokens"] is None


def test_dialect_names_pick_the_chat_completions_reader() -> None:
    """Every dialect name in the README's providers table is a `provider=` name of from_stream."""
    body = (
        b'data: {"id":"x","choices":[{"index":0,"delta":{"content":[{"type":"text","text":"ok"}]}}]}\n\n'
        b'data: {"id":"x","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n'
        b"data: [DONE]\n\n"
    )
    names = ("mistral", "azure", "Azure_OpenAI", "deepseek", "xai", "groq", "openrouter", "vllm", "lmstudio")
    names += ("llama.cpp", "llama_cpp")
    for name in names:
        assert Response.from_stream(body, provider=name).get_text() == "ok", name
