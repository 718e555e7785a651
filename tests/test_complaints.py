"""Each bug of ../shared/provider-streams/user_complaints.md, shown absent here. The test names
carry the issue numbers; each builds the stream the complaint describes and checks the
normalized result."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest

from instantjson._agent import Agent
from instantjson._exceptions import ProviderStreamError, StreamIncompleteError
from instantjson._providers import OpenAICompatible
from instantjson._providers.openai import ChatCompletionsAdapter
from instantjson._response import Response
from tests.providers._harness import collect, summarize_items


def sse(*payloads: Any, done: bool = True, events: bool = False) -> bytes:
    out = []
    for p in payloads:
        head = f"event: {p['type']}\n" if events else ""
        out.append(f"{head}data: {json.dumps(p)}\n\n")
    if done:
        out.append("data: [DONE]\n\n")
    return "".join(out).encode()


def chunk(delta: dict[str, Any] | None = None, finish: str | None = None, **extra: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {"id": "c", "object": "chat.completion.chunk", "model": "m", **extra}
    if delta is not None or finish is not None:
        payload["choices"] = [{"index": 0, "delta": delta or {}, "finish_reason": finish}]
    return payload


def tc(index: int, call_id: str | None = None, name: str | None = None, args: Any = None) -> dict[str, Any]:
    call: dict[str, Any] = {"index": index, "function": {}}
    if call_id is not None:
        call["id"] = call_id
        call["type"] = "function"
    if name is not None:
        call["function"]["name"] = name
    if args is not None or name is not None:
        call["function"]["arguments"] = args
    return call


def run(
    body: bytes | list[Any], provider: str = "openai"
) -> tuple[dict[str, Any], list[tuple[str, Any]], BaseException | None]:
    items, error = collect(Response.from_stream(body, provider=provider))
    return summarize_items(items, error), items, error


def calls_of(got: dict[str, Any]) -> list[tuple[Any, Any, Any]]:
    return [(c["id"], c["name"], c["arguments"]) for c in got["tool_calls"]]


# -------------------------------------------------------------------- 1. tool-call fragments
def test_litellm_7621_groq_whole_parallel_calls_are_not_fused() -> None:
    cities = ["San Francisco", "Tokyo", "Paris"]
    body = sse(
        *[
            chunk({"tool_calls": [tc(i, f"id{i}", "get_weather", json.dumps({"location": c}))]})
            for i, c in enumerate(cities)
        ],
        chunk({}, "tool_calls"),
    )
    got, _, _ = run(body)
    assert [json.loads(c["arguments"]) for c in got["tool_calls"]] == [{"location": c} for c in cities]


def test_litellm_33678_index_zero_for_every_call() -> None:
    body = sse(
        chunk({"tool_calls": [tc(0, "call_a", "f", '{"x": 1}')]}),
        chunk({"tool_calls": [tc(0, "call_b", "g", '{"y": 2}')]}),
        chunk({}, "tool_calls"),
    )
    got, _, _ = run(body)
    assert calls_of(got) == [("call_a", "f", '{"x": 1}'), ("call_b", "g", '{"y": 2}')]
    ollama = [
        {
            "message": {
                "role": "assistant",
                "content": "",
                "tool_calls": [{"function": {"index": 0, "name": "f", "arguments": {"x": 1}}}],
            },
            "done": False,
        },
        {
            "message": {
                "role": "assistant",
                "content": "",
                "tool_calls": [{"function": {"index": 0, "name": "g", "arguments": {"y": 2}}}],
            },
            "done": False,
        },
        {"message": {"role": "assistant", "content": ""}, "done": True, "done_reason": "stop"},
    ]
    got, _, _ = run(b"".join(json.dumps(o).encode() + b"\n" for o in ollama), "ollama")
    assert [(c["name"], c["arguments"]) for c in got["tool_calls"]] == [("f", '{"x":1}'), ("g", '{"y":2}')]
    assert got["finish_reason"] == "tool_calls"  # litellm PR #37792: not "stop"
    assert len({c["id"] for c in got["tool_calls"]}) == 2


def test_litellm_39796_ids_and_names_of_parallel_calls_kept() -> None:
    body = sse(
        chunk({"tool_calls": [tc(0, "call_1", "a", ""), tc(1, "call_2", "b", "")]}),
        chunk({"tool_calls": [tc(1, args='{"q": 2}'), tc(0, args='{"q": 1}')]}),
        chunk({}, "tool_calls"),
    )
    got, items, _ = run(body)
    assert calls_of(got) == [("call_1", "a", '{"q": 1}'), ("call_2", "b", '{"q": 2}')]
    message = dict(items)["original_done"]
    assert [(c["id"], c["function"]["name"]) for c in message["tool_calls"]] == [("call_1", "a"), ("call_2", "b")]


def test_litellm_21337_responses_parallel_calls_get_distinct_indexes() -> None:
    events = [
        {
            "type": "response.output_item.added",
            "output_index": i,
            "item": {"type": "function_call", "id": f"fc_{i}", "call_id": f"call_{i}", "name": "f", "arguments": ""},
        }
        for i in range(2)
    ]
    events += [
        {"type": "response.function_call_arguments.delta", "output_index": i, "delta": f'{{"n": {i}}}'}
        for i in range(2)
    ]
    events.append({"type": "response.completed", "response": {"status": "completed", "output": []}})
    got, items, _ = run(sse(*events, done=False, events=True), "openai-responses")
    assert calls_of(got) == [("call_0", "f", '{"n": 0}'), ("call_1", "f", '{"n": 1}')]
    assert sorted({v["index"] for e, v in items if e == "tool_calls"}) == [0, 1]


def test_langchain_35281_parallel_claude_calls_are_not_concatenated() -> None:
    events = [
        {
            "type": "message_start",
            "message": {"id": "m", "model": "c", "usage": {"input_tokens": 1, "output_tokens": 1}},
        }
    ]
    for i, name in ((1, "get_weather"), (2, "get_time")):
        events.append(
            {
                "type": "content_block_start",
                "index": i,
                "content_block": {"type": "tool_use", "id": f"toolu_{i}", "name": name, "input": {}},
            }
        )
        events.append(
            {"type": "content_block_delta", "index": i, "delta": {"type": "input_json_delta", "partial_json": "{}"}}
        )
        events.append({"type": "content_block_stop", "index": i})
    events += [
        {"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 9}},
        {"type": "message_stop"},
    ]
    got, _, _ = run(sse(*events, done=False, events=True), "anthropic")
    assert calls_of(got) == [("toolu_1", "get_weather", "{}"), ("toolu_2", "get_time", "{}")]


def test_vercel_14722_and_opencode_6649_name_in_a_later_fragment() -> None:
    body = sse(
        chunk({"tool_calls": [tc(0, "call_1", args="")]}),
        chunk({"tool_calls": [{"index": 0, "function": {"name": "lookup", "arguments": '{"a":'}}]}),
        chunk({"tool_calls": [{"index": 0, "function": {"name": "", "arguments": "1}"}}]}),
        chunk({}, "tool_calls"),
    )
    got, _, error = run(body)
    assert error is None and calls_of(got) == [("call_1", "lookup", '{"a":1}')]


@pytest.mark.parametrize("args", ["", None, "{}"])
def test_vercel_6687_and_pydantic_ai_1654_no_argument_tools(args: Any) -> None:
    body = sse(chunk({"tool_calls": [tc(0, "call_1", "ping", args)]}), chunk({}, "tool_calls"))
    got, items, error = run(body)
    assert error is None and got["tool_calls"][0]["arguments_json"] == {}
    assert dict(items)["original_done"]["tool_calls"][0]["function"]["arguments"] == "{}"
    dones = [v for e, v in items if e == "instant" and v.is_complete]
    assert [(v.path, v.value) for v in dones] == [("$tool_calls[0].arguments", {})]  # the call is complete


# -------------------------------------------------------------------- 2. usage
def test_litellm_11915_and_vllm_7299_usage_is_requested_and_read() -> None:
    body = (
        OpenAICompatible(model="m", base_url="http://x/v1")
        .build_request(Agent(OpenAICompatible(model="m")).input("x").prompt())
        .json
    )
    assert body["stream_options"] == {"include_usage": True}
    usage = {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}
    got, _, _ = run(sse(chunk({"content": "hi"}), chunk({}, "stop"), {"id": "c", "choices": [], "usage": usage}))
    assert got["usage"]["total_tokens"] == 7


def test_litellm_9657_and_12233_null_usage_chunks_do_not_erase_usage() -> None:
    usage = {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}
    body = sse(chunk({"content": "hi"}, usage=None), chunk({}, "stop", usage=usage), chunk({"content": ""}, usage=None))
    got, items, _ = run(body)
    assert got["usage"]["input_tokens"] == 5
    assert [v["usage"] for e, v in items if e == "original_delta"][1] == usage  # the raw usage stays visible


def test_vercel_3268_groq_x_groq_usage_and_no_nan() -> None:
    body = sse(
        chunk(
            {"content": "ok"},
            "stop",
            x_groq={"usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4, "queue_time": 0.01}},
        )
    )
    got, _, _ = run(body)
    assert got["usage"]["total_tokens"] == 4
    got, _, _ = run(sse(chunk({"content": "ok"}, "stop")))
    assert got["usage"] is None  # no usage in the stream: unknown, never NaN or zeros


def test_pydantic_ai_2770_anthropic_usage_not_doubled() -> None:
    start = {"input_tokens": 43, "cache_creation_input_tokens": 10, "cache_read_input_tokens": 100, "output_tokens": 1}
    events = [
        {"type": "message_start", "message": {"id": "m", "model": "c", "usage": start}},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "x"}},
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn"},
            "usage": {**start, "output_tokens": 50, "output_tokens_details": {"thinking_tokens": 20}},
        },
        {"type": "message_stop"},
    ]
    got, _, _ = run(events, "anthropic")
    assert got["usage"] == {
        "input_tokens": 153,
        "output_tokens": 50,
        "total_tokens": 203,
        "reasoning_tokens": 20,
        "cached_input_tokens": 100,
    }


def test_pydantic_ai_2918_reasoning_tokens_counted_once() -> None:
    usage = {
        "prompt_tokens": 10,
        "completion_tokens": 30,
        "total_tokens": 40,
        "completion_tokens_details": {"reasoning_tokens": 20},
    }
    got, _, _ = run(sse(chunk({"content": "x"}, "stop", usage=usage)))
    assert (got["usage"]["output_tokens"], got["usage"]["reasoning_tokens"]) == (30, 20)


def test_pydantic_ai_1736_gemini_usage_not_multiplied_by_chunk_count() -> None:
    chunks = [
        {
            "candidates": [
                {"content": {"parts": [{"text": t}]}, "index": 0, **({"finishReason": "STOP"} if t == "c" else {})}
            ],
            "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": n, "totalTokenCount": 10 + n},
        }
        for n, t in enumerate("abc", 1)
    ]
    got, _, _ = run(chunks, "gemini")
    assert got["usage"] == {
        "input_tokens": 10,
        "output_tokens": 3,
        "total_tokens": 13,
        "reasoning_tokens": None,
        "cached_input_tokens": None,
    }


# -------------------------------------------------------------------- 3. reasoning
@pytest.mark.parametrize(
    ("issue", "delta"),
    [
        ("litellm_8799_vercel_11682_reasoning_content", {"reasoning_content": "think"}),
        ("litellm_16155_20246_reasoning", {"reasoning": "think"}),
        ("litellm_8631_openrouter_details", {"reasoning_details": [{"type": "reasoning.text", "text": "think"}]}),
        (
            "openrouter_both_spellings_once",
            {"reasoning": "think", "reasoning_details": [{"type": "reasoning.text", "text": "think"}]},
        ),
    ],
)
def test_reasoning_spellings(issue: str, delta: dict[str, Any]) -> None:
    got, items, _ = run(sse(chunk(delta), chunk({"content": "answer"}, "stop")))
    assert got["reasoning"] == "think", issue
    assert dict(items)["original_done"]["reasoning"] == "think"  # braintrust#1883: kept in the aggregate


def test_pydantic_ai_5618_3481_gemini_thoughts_and_signatures() -> None:
    chunks = [
        {"candidates": [{"content": {"parts": [{"text": "pondering", "thought": True}]}, "index": 0}]},
        {"candidates": [{"content": {"parts": [{"text": "Hello", "thoughtSignature": "sig1"}]}, "index": 0}]},
        {
            "candidates": [
                {"content": {"parts": [{"text": "", "thoughtSignature": "sig2"}]}, "index": 0, "finishReason": "STOP"}
            ]
        },
    ]
    got, items, _ = run(chunks, "gemini")
    assert (got["text"], got["reasoning"]) == ("Hello", "pondering")
    parts = dict(items)["original_done"]["parts"]
    assert parts == [
        {"text": "pondering", "thought": True},
        {"text": "Hello", "thoughtSignature": "sig1"},
        {"text": "", "thoughtSignature": "sig2"},
    ]


def test_pydantic_ai_3748_thinking_signature_kept() -> None:
    events = [
        {"type": "message_start", "message": {"id": "m", "model": "c", "usage": {"input_tokens": 1}}},
        {
            "type": "content_block_start",
            "index": 0,
            "content_block": {"type": "thinking", "thinking": "", "signature": ""},
        },
        {"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "hm"}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": "SIG"}},
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 3}},
        {"type": "message_stop"},
    ]
    _, items, _ = run(events, "anthropic")
    assert ("extra", {"signature": "SIG", "index": 0}) in items
    assert dict(items)["original_done"]["content_blocks"] == [
        {"type": "thinking", "thinking": "hm", "signature": "SIG"}
    ]


# -------------------------------------------------------------------- 4. finish reasons
def test_litellm_21041_22900_gemini_stop_with_function_calls_is_tool_calls() -> None:
    chunks = [
        {
            "candidates": [
                {
                    "content": {"parts": [{"functionCall": {"name": "f", "args": {"a": 1}}, "thoughtSignature": "s"}]},
                    "index": 0,
                }
            ]
        },
        {"candidates": [{"content": {"parts": [{"text": ""}]}, "index": 0, "finishReason": "STOP"}]},
    ]
    got, _, _ = run(chunks, "gemini")
    assert (got["finish_reason"], got["raw_finish_reason"]) == ("tool_calls", "STOP")  # also ai-sdk-provider PR #288


def test_litellm_2195_only_the_last_finish_reason_counts() -> None:
    chunks = [
        {"candidates": [{"content": {"parts": [{"text": "a"}]}, "index": 0, "finishReason": "STOP"}]},
        {"candidates": [{"content": {"parts": [{"text": "b"}]}, "index": 0, "finishReason": "MAX_TOKENS"}]},
    ]
    got, _, _ = run(chunks, "gemini")
    assert (got["text"], got["finish_reason"]) == ("ab", "length")


def test_litellm_12481_ollama_tool_calls_finish() -> None:
    lines = [
        {
            "message": {
                "role": "assistant",
                "content": "",
                "tool_calls": [{"id": "call_x", "function": {"name": "f", "arguments": {}}}],
            },
            "done": False,
        },
        {"message": {"role": "assistant", "content": ""}, "done": True, "done_reason": "stop"},
    ]
    got, _, _ = run(lines, "ollama")
    assert got["finish_reason"] == "tool_calls"


# -------------------------------------------------------------------- 5. mid-stream errors
def test_marinara_2659_anthropic_event_error_is_not_success() -> None:
    events = [
        {"type": "message_start", "message": {"id": "m", "model": "c", "usage": {"input_tokens": 1}}},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "partial"}},
        {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
    ]
    got, _, error = run(sse(*events, done=False, events=True), "anthropic")
    assert isinstance(error, ProviderStreamError) and error.code == "overloaded_error"
    assert (got["text"], got["finish_reason"]) == ("partial", "error")


@pytest.mark.parametrize(
    "frame",
    [
        {"error": {"message": "boom", "type": "server_error", "code": "x"}},  # OpenAI / SGLang
        {"object": "error", "message": "boom", "type": "BadRequestError", "code": 400},  # vLLM
    ],
)
def test_goose_8031_error_chunks_end_as_errors(frame: dict[str, Any]) -> None:
    got, _, error = run(sse(chunk({"content": "so far"}), frame, done=False))
    assert isinstance(error, ProviderStreamError) and error.message == "boom"
    assert (got["text"], got["finish_reason"]) == ("so far", "error")


def test_litellm_32159_anthropic_cut_without_message_stop() -> None:
    events = [
        {"type": "message_start", "message": {"id": "m", "model": "c", "usage": {"input_tokens": 1}}},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "cut"}},
    ]
    got, _, error = run(sse(*events, done=False, events=True), "anthropic")
    assert isinstance(error, StreamIncompleteError) and got["text"] == "cut"


@pytest.mark.parametrize("provider", ["openai", "openai-responses", "ollama", "gemini"])
def test_opencode_40061_eof_without_finish_frame_is_an_error(provider: str) -> None:
    bodies = {
        "openai": sse(chunk({"content": "cut"}), done=False),
        "openai-responses": sse(
            {"type": "response.output_text.delta", "output_index": 0, "content_index": 0, "delta": "cut"},
            done=False,
            events=True,
        ),
        "ollama": b'{"message":{"role":"assistant","content":"cut"},"done":false}\n',
        "gemini": sse({"candidates": [{"content": {"parts": [{"text": "cut"}]}, "index": 0}]}, done=False),
    }
    got, _, error = run(bodies[provider], provider)
    assert isinstance(error, StreamIncompleteError)
    assert (got["text"], got["finish_reason"]) == ("cut", "error")


# -------------------------------------------------------------------- 6. per-chunk overhead
def _feed_calls(n: int) -> int:
    """Python and C function calls made while feeding `n` text chunks and ending."""
    payloads = [chunk({"content": "tok "}) for _ in range(n)] + [chunk({}, "stop")]
    calls = 0

    def count(frame: object, event: str, arg: object) -> None:
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1

    adapter = ChatCompletionsAdapter()
    sys.setprofile(count)
    try:
        for payload in payloads:
            adapter.feed(None, payload)
        adapter.complete()
    finally:
        sys.setprofile(None)
    return calls


def test_litellm_21698_22346_per_chunk_cost_does_not_grow_with_length() -> None:
    """No rebuild from all chunks, no per-chunk work that grows with the text: the calls made per
    chunk are the same for 2000 and 16000 chunks (counted, not timed: timings belong in
    benches/, where the pipeline's throughput is measured against its peers)."""
    small = _feed_calls(2000)
    large = _feed_calls(16000)
    per_chunk_small = small / 2000
    per_chunk_large = large / 16000
    assert abs(per_chunk_large - per_chunk_small) < 0.05, (per_chunk_small, per_chunk_large)
    assert per_chunk_large < 25  # a handful of calls per text chunk


def test_litellm_28720_onyx_14937_events_carry_deltas_not_snapshots() -> None:
    body = sse(*[chunk({"content": "ab"}) for _ in range(50)], chunk({}, "stop"))
    _, items, _ = run(body)
    assert {v for e, v in items if e == "delta"} == {"ab"}  # each event is its piece, nothing grows
    assert sum(1 for e, _ in items if e == "original_delta") == 51  # one decoded dict per payload, no copies
