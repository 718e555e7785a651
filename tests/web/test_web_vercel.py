"""`stream_response(..., protocol="vercel-ui")` against the Vercel AI SDK's own definition of the UI
Message Stream v1 (transcribed in `tests/web/_vercel.py`): headers, SSE framing, every part's
fields (strictly), the order rules, and the UI message `useChat` folds it into (text, reasoning,
tool calls, `data-instant` parts with the final values), for answers served by every provider's
wire format of the mock server, and once more folded by plain JavaScript in node."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route

from instantjson import Agent
from instantjson.testing import INBAND_MESSAGE, MockLLMServer
from instantjson.web import VercelUIEncoder, stream_response
from tests.conftest_response import SEED_ANSWER, SEED_ANSWER_VALUE, SEED_OUTPUT
from tests.providers._harness import PROVIDERS, model_on
from tests.web._harness import serve
from tests.web._vercel import HEADERS, check_order, fold_ui_message, read_ui_stream, validate_chunk

FOLD_JS = Path(__file__).with_name("fold_ui_message.mjs")
CALLS = [{"name": "get_weather", "arguments": {"city": "Paris", "days": [1, 2]}}, {"name": "now", "arguments": "{}"}]


def completed_paths(value: Any, prefix: str = "") -> dict[str, Any]:
    """Every value inside `value` by its instant path (the root excluded)."""
    out: dict[str, Any] = {}
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        path = f"{prefix}[{key}]" if isinstance(key, int) else (f"{prefix}.{key}" if prefix else key)
        out[path] = child
        out.update(completed_paths(child, path))
    return out


def run(provider: str, **mock: Any) -> tuple[httpx.Response, list[dict[str, Any]]]:
    """One answer from the mock server in `provider`'s wire format, served as vercel-ui."""
    with MockLLMServer(**{"chunk": (1, 6), **mock}) as server:
        output = SEED_OUTPUT if mock.get("answer") else None

        async def endpoint(request: Any) -> Any:
            agent = Agent(model_on(server, provider)).input("plan")
            response = (agent.output(output) if output else agent).get_response()
            return stream_response(response, request, protocol="vercel-ui", ping=0.05)

        with serve(Starlette(routes=[Route("/api/chat", endpoint, methods=["POST"])])) as url:
            reply = httpx.post(url + "/api/chat", json={"messages": []}, timeout=20)
        assert len(server.requests) == 1
    return reply, read_ui_stream(reply.text)


def node_fold(body: str) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI") == "true":
            pytest.fail("node is missing: .ci/setup.d/30-web.sh installs it")
        pytest.skip("node is not installed")
    done = subprocess.run([node, str(FOLD_JS)], input=body, capture_output=True, text=True, timeout=30, check=True)
    return json.loads(done.stdout)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_structured_answer_with_reasoning(provider: str) -> None:
    reply, chunks = run(provider, answer=SEED_ANSWER, reasoning="Think first, then answer.")
    for name, value in HEADERS.items():
        assert reply.headers[name] == value, name
    check_order(chunks)
    folded = fold_ui_message(chunks)
    parts = folded["message"]["parts"]
    assert parts[0] == {"type": "step-start"}
    assert "".join(p["text"] for p in parts if p["type"] == "text") == SEED_ANSWER
    assert "".join(p["text"] for p in parts if p["type"] == "reasoning") == "Think first, then answer."
    assert all(p["state"] == "done" for p in parts if p["type"] in ("text", "reasoning"))
    kinds = [p["type"] for p in parts]
    assert kinds.index("reasoning") < kinds.index("text"), "the reasoning came first"
    instant = {p["id"]: p["data"] for p in parts if p["type"] == "data-instant"}
    expected = completed_paths(SEED_ANSWER_VALUE)
    assert set(instant) == set(expected), "one data-instant part per completed value"
    for path, data in instant.items():
        assert data == {"path": path, "value": expected[path]}
    assert folded["finishReason"] == "stop" and folded["errors"] == []
    metadata = folded["message"]["metadata"]
    assert metadata["finish_reason"] == "stop" and metadata["usage"]["output_tokens"]
    assert node_fold(reply.text) == folded


@pytest.mark.parametrize("provider", PROVIDERS)
def test_tool_calls(provider: str) -> None:
    reply, chunks = run(provider, answer="", tool_calls=CALLS)
    check_order(chunks)
    folded = fold_ui_message(chunks)
    tools = [p for p in folded["message"]["parts"] if p["type"].startswith("tool-")]
    assert [(p["type"], p["state"], p["input"]) for p in tools] == [
        ("tool-get_weather", "input-available", {"city": "Paris", "days": [1, 2]}),
        ("tool-now", "input-available", {}),
    ]
    assert all(p["toolCallId"] for p in tools) and len({p["toolCallId"] for p in tools}) == 2
    assert not any(p["type"] == "text" for p in folded["message"]["parts"]), "no empty text part"
    assert not any(p["type"] == "data-instant" for p in folded["message"]["parts"]), "arguments are not answer data"
    assert folded["finishReason"] == "tool-calls"
    if provider in ("openai", "openai-responses", "anthropic"):  # fragment APIs: the input streams
        assert sum(c["type"] == "tool-input-delta" for c in chunks) > 2
    assert node_fold(reply.text) == folded


@pytest.mark.parametrize("provider", PROVIDERS)
def test_error_mid_stream(provider: str) -> None:
    reply, chunks = run(provider, answer=SEED_ANSWER, fault="inband_error", fault_after=12)
    check_order(chunks)
    folded = fold_ui_message(chunks)
    assert len(folded["errors"]) == 1 and INBAND_MESSAGE in folded["errors"][0]
    assert folded["errors"][0].startswith("ProviderStreamError: ")
    assert folded["finishReason"] == "error"
    text = "".join(p["text"] for p in folded["message"]["parts"] if p["type"] == "text")
    assert SEED_ANSWER.startswith(text), "what arrived before the error stays"
    assert all(p["state"] == "done" for p in folded["message"]["parts"] if p["type"] == "text")
    assert node_fold(reply.text) == folded


def test_the_validator_rejects_what_the_sdk_rejects() -> None:
    """The strict validator can fail: unknown fields, unknown types, wrong kinds, bad reasons."""
    for bad in (
        {"type": "text-delta", "id": "t", "delta": "x", "extra": 1},
        {"type": "text-delta", "id": "t"},
        {"type": "finish", "finishReason": "tool_calls"},
        {"type": "finish", "finishReason": "unknown"},
        {"type": "tool-input-start", "toolCallId": "c", "toolName": 3},
        {"type": "data-instant", "id": 3, "data": {}},
        {"type": "text"},
    ):
        with pytest.raises(AssertionError):
            validate_chunk(bad)
    with pytest.raises(AssertionError):
        check_order([{"type": "start"}, {"type": "start-step"}, {"type": "text-delta", "id": "a", "delta": "x"}])
    with pytest.raises(AssertionError):
        read_ui_stream('data: {"type":"start"}\n\n')  # no [DONE]


def test_every_finish_reason_is_spelled_the_sdk_way() -> None:
    for ours, theirs in (
        ("stop", "stop"),
        ("length", "length"),
        ("tool_calls", "tool-calls"),
        ("content_filter", "content-filter"),
        ("error", "error"),
        (None, "other"),
        ("something-new", "other"),
    ):
        encoder = VercelUIEncoder()
        meta = {"id": "x", "model": "m", "finish_reason": ours, "usage": {}}
        chunks = encoder.chunks("done", "") + encoder.chunks("meta", meta) + encoder.final_chunks()
        for chunk in chunks:
            validate_chunk(chunk)
        assert chunks[-1]["finishReason"] == theirs


def test_a_reconnection_replays_the_same_message_without_a_new_request() -> None:
    with MockLLMServer(answer=SEED_ANSWER, chunk=(1, 6)) as server:
        response = Agent(model_on(server, "openai")).input("plan").output(SEED_OUTPUT).get_response()

        async def endpoint(request: Any) -> Any:
            return stream_response(response, request, protocol="vercel-ui")

        with serve(Starlette(routes=[Route("/api/chat", endpoint)])) as url:
            first = httpx.get(url + "/api/chat", timeout=20).text
            second = httpx.get(url + "/api/chat", timeout=20).text
        assert len(server.requests) == 1
    assert first == second
    check_order(read_ui_stream(first))


def test_typed_events_are_encoded_generically() -> None:
    """Typed output events (`.path`, `.raw`, `.is_valid`, `.error`) become `data-typed` parts."""

    class Typed:
        path = "steps[0]"
        keys = ("steps", 0)
        raw: Any = {"step": "x", "owner": "y"}
        value = object()  # a model instance: not sent, its raw JSON is
        is_valid = False
        error: Any = ValueError("owner: field required")

    chunks = VercelUIEncoder().chunks("typed", Typed())
    for chunk in chunks:
        validate_chunk(chunk)
    assert chunks[-1] == {
        "type": "data-typed",
        "id": "steps[0]",
        "data": {"path": "steps[0]", "value": Typed.raw, "valid": False},
    }
