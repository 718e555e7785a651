"""Issue 13, point by point, on recorded streams (../shared/recorded-streams) or streams rebuilt
from a provider's documented shape: each test here failed before the fix it names.

1. Anthropic tool input that arrives whole in `content_block_start` (programmatic tool calling).
2. An Anthropic message that arrives whole in `message_start`, then `message_stop`.
3. `delta.content` as a list of typed parts (Mistral): text and thinking.
4. A second `message_start` with another id while a message is open: an error.
5. Gemini blocked prompt: finish_reason `content_filter`, still an error event.
6. Tool-call arguments keep the provider's own text (UTF-8 stays UTF-8, an escape stays an escape).
Plus the unknown-shape rule (an `extra {"unknown"}` event and one `UnknownPayloadWarning`) and
the Azure OpenAI request."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from instantjson import AzureOpenAI, UnknownPayloadWarning
from instantjson._agent import Agent
from instantjson._exceptions import ProviderStreamError
from instantjson._providers import get_provider
from instantjson._providers._base import Prompt
from instantjson._response import Response
from instantjson.testing import MockLLMServer
from tests.conftest_response import chunked
from tests.providers._corpus import Stream, corpus_streams, require_corpus
from tests.providers._harness import PROVIDERS, collect, model_on, summarize_items

LOCAL = Path(__file__).resolve().parents[1] / "fixtures"


def _stream(ident: str) -> Stream:
    require_corpus()
    return next(s for s in corpus_streams() if s.id == ident)


def _run(stream: Stream) -> tuple[list[tuple[str, Any]], BaseException | None]:
    return collect(Response.from_stream(iter(chunked(stream.body, (1, 7), 11)), provider=stream.provider))


def _completed(items: list[tuple[str, Any]], path: str) -> list[Any]:
    return [v.value for e, v in items if e == "instant" and v.is_complete and v.path == path]


def test_1_anthropic_tool_input_whole_in_content_block_start() -> None:
    items, error = _run(_stream("vercel-ai/anthropic/anthropic-programmatic-tool-calling.1#1"))
    assert error is None
    got = summarize_items(items, error)
    [call] = got["tool_calls"]
    assert (call["id"], call["name"], call["arguments_json"]) == (
        "toolu_019jKkXz4jAdwHweHBw92CVY",
        "rollDie",
        {"player": "player1"},
    )
    assert _completed(items, "$tool_calls[0].arguments") == [{"player": "player1"}]
    message = dict(items)["original_done"]
    assert message["tool_calls"][0]["caller"] == {
        "type": "code_execution_20250825",
        "tool_id": "srvtoolu_01MzSrFWsmzBdcoQkGWLyRjK",
    }
    # the server-side code execution that made the call is kept, with its streamed input
    [server_tool] = [v["server_tool_use"] for e, v in items if e == "extra" and "server_tool_use" in v]
    assert server_tool["name"] == "code_execution" and "asyncio.run(main())" in server_tool["input"]["code"]
    assert got["finish_reason"] == "tool_calls"


def test_2_anthropic_message_whole_in_message_start() -> None:
    stream = _stream("vercel-ai/anthropic/anthropic-programmatic-tool-calling.1#2")
    assert stream.body.count(b"event: ") == 2  # message_start (content and stop_reason filled), message_stop
    items, error = _run(stream)
    assert error is None
    got = summarize_items(items, error)
    assert [(c["id"], c["arguments_json"]) for c in got["tool_calls"]] == [
        ("toolu_015dGLMbwBKv1ZRQr6KdJzeH", {"player": "player2"})
    ]
    assert (got["finish_reason"], got["raw_finish_reason"]) == ("tool_calls", "tool_use")
    assert _completed(items, "$tool_calls[0].arguments") == [{"player": "player2"}]


def test_3_mistral_content_parts() -> None:
    items, error = _run(_stream("vercel-ai/mistral/mistral-reasoning"))
    got = summarize_items(items, error)
    assert got["reasoning"] == "The user is asking for 2+2. This is basic arithmetic. 2+2=4."
    assert got["text"] == "2 + 2 = 4"
    assert got["unknown"] == []


def test_3_an_unknown_content_part_is_kept_and_warned_once() -> None:
    chunks = [
        {"id": "x", "model": "m", "choices": [{"index": 0, "delta": {"content": [{"type": "text", "text": "Hi"}]}}]},
        {"id": "x", "choices": [{"index": 0, "delta": {"content": [{"type": "audio_clip", "data": "AAA"}]}}]},
        {"id": "x", "choices": [{"index": 0, "delta": {"content": [{"type": "hologram"}]}}]},
        {"id": "x", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
    ]
    body = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks).encode() + b"data: [DONE]\n\n"
    with pytest.warns(UnknownPayloadWarning, match="does not know") as caught:
        items = list(Response.from_stream(body, provider="mistral").get_generator(type="all"))
    assert len(caught) == 1  # once per response
    unknown = [v["unknown"] for e, v in items if e == "extra" and "unknown" in v]
    assert unknown == [
        {"where": "choices[0].delta.content[]", "value": {"type": "audio_clip", "data": "AAA"}},
        {"where": "choices[0].delta.content[]", "value": {"type": "hologram"}},
    ]
    assert dict(items)["done"] == "Hi"


def test_3_an_unknown_delta_field_is_kept() -> None:
    chunk = {"id": "x", "choices": [{"index": 0, "delta": {"content": "a", "audio": {"data": "UklG"}}}]}
    end = {"id": "x", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    with pytest.warns(UnknownPayloadWarning):
        items = list(Response.from_stream([chunk, end], provider="openai").get_generator(type="all"))
    assert ("extra", {"unknown": {"where": "choices[0].delta.audio", "value": {"data": "UklG"}}}) in items
    assert dict(items)["done"] == "a"


def test_4_a_spliced_second_message_is_an_error() -> None:
    items, error = _run(_stream("vercel-ai/anthropic/spliced-message-start"))
    assert isinstance(error, ProviderStreamError) and error.code == "spliced_message"
    assert "msg_second" in str(error) and "msg_first" in str(error)
    metas = [v for e, v in items if e == "meta"]
    assert [m["id"] for m in metas] == ["msg_first"] and metas[0]["finish_reason"] == "error"
    assert not any(e == "tool_calls" and v["id"] == "toolu_second" for e, v in items)
    # the same id again (a proxy repeating message_start) is not an error
    items, error = _run(_stream("vercel-ai/anthropic/duplicate-message-start"))
    assert error is None and dict(items)["done"] == "Hello, World!"


def test_5_gemini_blocked_prompt_is_content_filter_and_an_error() -> None:
    body = (LOCAL / "gemini" / "prompt_blocked.txt").read_bytes()
    response = Response.from_stream(body, provider="gemini")
    items, error = collect(response)
    assert isinstance(error, ProviderStreamError) and error.code == "PROHIBITED_CONTENT"
    meta = dict(items)["meta"]
    assert (meta["finish_reason"], meta["raw_finish_reason"]) == (
        "content_filter",
        "promptFeedback.blockReason=PROHIBITED_CONTENT",
    )
    assert items[-1] == ("error", error)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_6_object_arguments_keep_utf8_everywhere(provider: str) -> None:
    calls = [{"name": "weather", "arguments": {"city": "Zürich", "note": "caf\u00e9 \u2603"}}]
    with MockLLMServer(answer="", tool_calls=calls, chunk=(1, 4)) as server:
        items, error = collect(Agent(model_on(server, provider)).input("x").get_response())
        assert error is None
    [call] = summarize_items(items, error)["tool_calls"]
    assert "Zürich" in call["arguments"] and "\\u" not in call["arguments"]
    assert call["arguments_json"] == calls[0]["arguments"]


def test_6_the_providers_own_argument_text_is_kept_byte_for_byte() -> None:
    # OpenAI's models may write an escape themselves: `{"city":"Z\u00fcrich"}` is their text, kept as is
    own = '{"city":"Z\\u00fcrich"}'
    chunks = [
        {
            "id": "c",
            "choices": [
                {
                    "index": 0,
                    "delta": {
                        "tool_calls": [{"index": 0, "id": "call_1", "function": {"name": "w", "arguments": own[:9]}}]
                    },
                }
            ],
        },
        {
            "id": "c",
            "choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "function": {"arguments": own[9:]}}]}}],
        },
        {"id": "c", "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]},
    ]
    body = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks).encode() + b"data: [DONE]\n\n"
    items, error = collect(Response.from_stream(body, provider="openai"))
    [call] = summarize_items(items, error)["tool_calls"]
    assert call["arguments"] == own
    assert dict(items)["original_done"]["tool_calls"][0]["function"]["arguments"] == own
    assert _completed(items, "$tool_calls[0].arguments") == [{"city": "Zürich"}]


def test_azure_openai_request() -> None:
    model = AzureOpenAI(
        endpoint="https://res.openai.azure.com/", deployment="gpt-4o mini", api_version="2024-10-21", api_key="k-1"
    )
    spec = model.build_request(Prompt(input="hi", schema={"type": "object"}))
    assert (
        spec.url
        == "https://res.openai.azure.com/openai/deployments/gpt-4o%20mini/chat/completions?api-version=2024-10-21"
    )
    assert spec.headers["api-key"] == "k-1" and "Authorization" not in spec.headers
    assert spec.json["response_format"]["type"] == "json_schema" and spec.json["stream"] is True
    assert "k-1" not in repr(spec) and "k-1" not in repr(model)
    assert get_provider("azure").adapter is get_provider("openai").adapter


def test_azure_openai_needs_an_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AZURE_OPENAI_ENDPOINT", raising=False)
    with pytest.raises(ValueError, match="endpoint"):
        AzureOpenAI(deployment="d")
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://e.openai.azure.com")
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "env-key")
    spec = AzureOpenAI(deployment="d").build_request(Prompt(input="hi"))
    assert spec.url.startswith("https://e.openai.azure.com/openai/deployments/d/chat/completions?api-version=")
    assert spec.headers["api-key"] == "env-key"


def test_anthropic_compaction_and_fallback_blocks_are_kept() -> None:
    items, error = _run(_stream("anthropic-sdk-python/compaction_response"))
    assert error is None
    [block] = [v["content_block"] for e, v in items if e == "extra" and "content_block" in v]
    assert block["type"] == "compaction" and block["content"] == "Earlier conversation summarized."
    assert block["encrypted_content"].startswith("EpwB")
    assert dict(items)["original_done"]["content_blocks"][0] == block
    items, error = _run(_stream("anthropic-sdk-python/fallback_response"))
    [block] = [v["content_block"] for e, v in items if e == "extra" and "content_block" in v]
    assert block["type"] == "fallback" and block["to"] == {"model": "claude-sonnet-4-5"}


def test_anthropic_refusal_details_are_kept() -> None:
    # anthropic-sdk-python tests/lib/streaming/test_messages.py::assert_refusal_response (at 009b0353)
    items, error = _run(_stream("anthropic-sdk-python/refusal_response"))
    assert error is None
    [details] = [v["stop_details"] for e, v in items if e == "extra" and "stop_details" in v]
    assert details["type"] == "refusal" and details["category"] == "cyber"
    assert details["explanation"] == "This request was refused due to policy."
    meta = dict(items)["meta"]
    assert (meta["finish_reason"], meta["raw_finish_reason"]) == ("content_filter", "refusal")


def test_perplexity_citations_are_kept_once() -> None:
    items, error = _run(_stream("vercel-ai/perplexity/perplexity-citations"))
    assert error is None
    citations = [v["citations"] for e, v in items if e == "extra" and "citations" in v]
    assert len(citations) == 1 and "https://en.wikipedia.org/wiki/San_Francisco" in citations[0]
