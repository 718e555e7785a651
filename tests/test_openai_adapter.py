"""The Chat Completions adapter against the recorded streams of shared/provider-streams/fixtures/openai_chat.

Each recording goes through the Rust SSEDecoder and the adapter, whole and in 1-7 byte pieces,
and the assembled result (text, reasoning, refusal, tool calls rebuilt from the *fragments*,
usage, finish reasons) must equal the fixture's expected.json.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from instantjson._core import SSEDecoder
from instantjson._exceptions import ProviderStreamError, StreamIncompleteError
from instantjson._providers.openai import ChatCompletionsAdapter, normalize_openai_usage
from instantjson._response import Response
from tests._shared import missing_param, missing_shared
from tests.conftest_response import chunked
from tests.providers._harness import FIXTURES

if TYPE_CHECKING:
    from pathlib import Path

    from instantjson._parts import Item

CASES = sorted((FIXTURES / "openai_chat").glob("*.txt"))
CASE_PARAMS = [pytest.param(p, id=p.stem) for p in CASES] or [missing_param("provider-streams/fixtures/openai_chat")]


def run_adapter(chunks: list[bytes]) -> list[Item]:
    decoder = SSEDecoder()
    adapter = ChatCompletionsAdapter()
    items: list[Item] = []
    for chunk in chunks:
        for frame in decoder.feed(chunk):
            if frame.value is not None:
                items += adapter.feed(frame.event, frame.value)
            else:
                assert frame.error is None or frame.data in adapter.markers, frame.error
                items += adapter.feed_text(frame.event, frame.data)
    for frame in decoder.finish():
        items += adapter.feed_text(frame.event, frame.data)
    items += adapter.finish()
    return items


def summarize(items: list[Item]) -> dict[str, Any]:
    """Rebuild the answer from the streamed events alone, in the expected.json vocabulary."""
    calls: dict[int, dict[str, Any]] = {}
    refusal: list[str] = []
    for event, value in items:
        if event == "tool_calls":
            call = calls.setdefault(value["index"], {"id": None, "name": None, "arguments": ""})
            call["id"] = call["id"] or value["id"]
            call["name"] = call["name"] or value["name"]
            call["arguments"] += value["arguments_delta"]
        elif event == "extra" and "refusal" in value:
            refusal.append(value["refusal"])
    names = [
        event
        for event, _ in items
        if event not in ("original_delta", "delta", "reasoning_delta", "tool_calls", "extra")
    ]
    meta = next(value for event, value in items if event == "meta")
    return {
        "text": "".join(v for e, v in items if e == "delta"),
        "reasoning": "".join(v for e, v in items if e == "reasoning_delta"),
        "refusal": "".join(refusal) or None,
        "tool_calls": [calls[i] for i in sorted(calls)],
        "usage": meta["usage"],
        "finish_reason": meta["finish_reason"],
        "raw_finish_reason": meta["raw_finish_reason"],
        "ends": names,
        "originals": sum(1 for e, _ in items if e == "original_delta"),
        "done": dict(items)["done"],
        "original_done": dict(items)["original_done"],
    }


def expected_of(path: Path) -> dict[str, Any]:
    return json.loads(path.with_suffix(".expected.json").read_text())


def frames_in(data: bytes) -> int:
    return sum(1 for line in data.splitlines() if line.startswith(b"data: {"))


@pytest.mark.parametrize("path", CASE_PARAMS)
@pytest.mark.parametrize("split", ["whole", "1-7 bytes", "1 byte"])
def test_recorded_stream(path: Path, split: str) -> None:
    data = path.read_bytes()
    chunks = {"whole": [data], "1-7 bytes": chunked(data, (1, 7), seed=7), "1 byte": chunked(data, (1, 1), 0)}[split]
    got = summarize(run_adapter(chunks))
    want = expected_of(path)
    assert got["text"] == want["text"]
    assert got["reasoning"] == want["reasoning"]
    assert got["refusal"] == want["refusal"]
    assert got["tool_calls"] == [{k: c[k] for k in ("id", "name", "arguments")} for c in want["tool_calls"]]
    assert got["usage"] == want["usage"]
    assert got["finish_reason"] == want["finish_reason"]
    assert got["raw_finish_reason"] == want["raw_finish_reason"]
    assert got["ends"] == ["done", "reasoning_done", "original_done", "meta"]
    assert got["originals"] == frames_in(data)
    assert got["done"] == want["text"]
    message = got["original_done"]
    assert message["content"] == want["text"]
    assert [json.loads(c["function"]["arguments"]) for c in message["tool_calls"]] == [
        c["arguments_json"] for c in want["tool_calls"]
    ]


@pytest.mark.parametrize("path", CASE_PARAMS)
def test_recorded_stream_through_response(path: Path) -> None:
    """The same recordings through Response.from_stream (framing + adapter + parser + log)."""
    data = path.read_bytes()
    want = expected_of(path)
    response = Response.from_stream(chunked(data, (1, 7), seed=3), provider="openai")
    assert response.get_text() == want["text"]
    meta = response.get_meta()
    assert meta is not None
    assert meta["usage"] == want["usage"]
    assert meta["finish_reason"] == want["finish_reason"]
    assert [v for v in response.get_generator("original")][-1]["content"] == want["text"]


def test_stream_cut_before_done_is_incomplete() -> None:
    if not CASES:
        missing_shared("provider-streams/fixtures/openai_chat")
    data = (FIX := CASES[0].parent / "text_basic.txt").read_bytes()
    cut = data[: data.index(b"data: [DONE]")]
    items = run_adapter([cut])
    assert items[-2][0] == "meta" and items[-2][1]["finish_reason"] == "error"
    assert isinstance(items[-1][1], StreamIncompleteError)
    assert "".join(v for e, v in items if e == "delta") == expected_of(FIX)["text"]
    assert not any(e == "done" for e, _ in items)


def _chunk(delta: dict[str, Any] | None = None, finish: str | None = None, **extra: Any) -> bytes:
    payload: dict[str, Any] = {"id": "c1", "model": "m", **extra}
    if delta is not None or finish is not None:
        payload["choices"] = [{"index": 0, "delta": delta or {}, "finish_reason": finish}]
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


def test_inband_error_frame_keeps_text() -> None:
    body = _chunk({"content": "Hel"}) + _chunk({"content": "lo"})
    body += b'data: {"error": {"message": "overloaded", "type": "server_error", "code": "overloaded"}}\n\n'
    items = run_adapter([body])
    error = items[-1][1]
    assert isinstance(error, ProviderStreamError) and not isinstance(error, StreamIncompleteError)
    assert (error.message, error.code, error.provider) == ("overloaded", "overloaded", "openai")
    assert items[-2] == (
        "meta",
        {"id": "c1", "model": "m", "finish_reason": "error", "raw_finish_reason": None, "usage": None},
    )
    assert [v for e, v in items if e == "delta"] == ["Hel", "lo"]


def test_vllm_object_error_and_openrouter_finish_error() -> None:
    items = run_adapter([b'data: {"object": "error", "message": "bad things", "type": "BadRequestError"}\n\n'])
    assert isinstance(items[-1][1], ProviderStreamError) and items[-1][1].message == "bad things"
    items = run_adapter([_chunk({"content": "x"}, "error"), b"data: [DONE]\n\n"])
    assert isinstance(items[-1][1], ProviderStreamError) and items[-2][1]["raw_finish_reason"] == "error"


def test_done_without_finish_reason_is_incomplete() -> None:
    items = run_adapter([_chunk({"content": "x"}), b"data: [DONE]\n\n"])
    assert isinstance(items[-1][1], StreamIncompleteError)


def test_repeated_index_zero_with_new_id_is_a_new_call() -> None:
    body = b"".join(
        [
            _chunk({"tool_calls": [{"index": 0, "id": "a", "function": {"name": "f", "arguments": '{"x":'}}]}),
            _chunk({"tool_calls": [{"index": 0, "function": {"name": "", "arguments": "1}"}}]}),
            _chunk({"tool_calls": [{"index": 0, "id": "b", "function": {"name": "g", "arguments": "{}"}}]}),
            _chunk({}, "tool_calls"),
            b"data: [DONE]\n\n",
        ]
    )
    got = summarize(run_adapter([body]))
    assert got["tool_calls"] == [
        {"id": "a", "name": "f", "arguments": '{"x":1}'},
        {"id": "b", "name": "g", "arguments": "{}"},
    ]


def test_late_name_and_empty_arguments() -> None:
    body = b"".join(
        [
            _chunk({"tool_calls": [{"index": 0, "id": "a", "function": {"arguments": ""}}]}),
            _chunk({"tool_calls": [{"index": 0, "function": {"name": "ping"}}]}),
            _chunk({}, "tool_calls"),
            b"data: [DONE]\n\n",
        ]
    )
    items = run_adapter([body])
    assert summarize(items)["tool_calls"] == [{"id": "a", "name": "ping", "arguments": ""}]
    assert dict(items)["original_done"]["tool_calls"][0]["function"] == {"name": "ping", "arguments": "{}"}


def test_reasoning_spellings_taken_once() -> None:
    details = [{"type": "reasoning.text", "text": "think", "format": "x", "index": 0}]
    body = b"".join(
        [
            _chunk({"reasoning": "think", "reasoning_details": details}),
            _chunk({"reasoning_details": [{"type": "reasoning.summary", "summary": " more"}]}),
            _chunk({"reasoning_content": " done"}),
            _chunk({"content": "ok"}, "stop"),
            b"data: [DONE]\n\n",
        ]
    )
    items = run_adapter([body])
    assert [v for e, v in items if e == "reasoning_delta"] == ["think", " more", " done"]
    assert dict(items)["reasoning_done"] == "think more done"
    assert [v for e, v in items if e == "extra"][0] == {"reasoning_details": details}


def test_usage_last_non_null_wins_never_summed() -> None:
    def usage(p: int, c: int) -> dict[str, int]:
        return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}

    body = b"".join(
        [
            _chunk({"content": "a"}, usage=usage(5, 1)),
            _chunk({"content": "b"}, usage=usage(5, 2)),
            _chunk({}, "length", usage=None),
            b"data: [DONE]\n\n",
        ]
    )
    meta = dict(run_adapter([body]))["meta"]
    assert meta["usage"] == {
        "input_tokens": 5,
        "output_tokens": 2,
        "total_tokens": 7,
        "reasoning_tokens": None,
        "cached_input_tokens": None,
    }
    assert meta["finish_reason"] == "length"


def test_usage_normalization_rules() -> None:
    xai = {
        "prompt_tokens": 10,
        "completion_tokens": 2,
        "total_tokens": 20,
        "completion_tokens_details": {"reasoning_tokens": 8},
    }
    assert normalize_openai_usage(xai)["output_tokens"] == 10
    openai = {
        "prompt_tokens": 10,
        "completion_tokens": 10,
        "total_tokens": 20,
        "completion_tokens_details": {"reasoning_tokens": 8},
        "prompt_tokens_details": {"cached_tokens": 4},
    }
    assert normalize_openai_usage(openai) == {
        "input_tokens": 10,
        "output_tokens": 10,
        "total_tokens": 20,
        "reasoning_tokens": 8,
        "cached_input_tokens": 4,
    }
