"""The seed's playbook (shared/seeds/000_*.txt), verbatim but for its import and settings lines,
run against MockLLMServer; its printed TEXT_STREAM, STRUCTURED_STREAM and FINAL_DATA are compared
with the scripted answer (json.loads), and the second seed page's sync snippets are run too."""

from __future__ import annotations

import contextlib
import io
import json
from typing import Any

from instantjson.testing import MockLLMServer
from tests.conftest_response import SEED_ANSWER, SEED_ANSWER_VALUE

# The seed's full code. Changed lines only: the import (`from agently import Agently`) and the
# settings (`base_url`/`model`: the mock server instead of a local Ollama).
SEED_CODE = """
import asyncio
from instantjson import Agently
Agently.set_settings(
"OpenAICompatible",
{
"base_url": MOCK_BASE_URL,
"model": "mock-model",
"model_type": "chat",
},
).set_settings("request_options", {"temperature": 0.2}).set_settings("debug", False)
agent = Agently.create_agent()
response = (
agent.system("You are an operations-report assistant. Return structured output.")
.input("Give me a 3-step growth experiment plan and a one-line summary.")
.output(
{
"title": (str, "Title"),
"summary": (str, "One-line summary"),
"steps": [
{
"step": (str, "Step"),
"owner": (str, "Owner role"),
}
],
}
)
.get_response()
)
async def stream_text():
    chunks = []
    async for chunk in response.get_async_generator(type="delta"):
        chunks.append(chunk)
    return "".join(chunks)
async def stream_structured():
    events = []
    async for item in response.get_async_generator(type="instant"):
        if item.is_complete:
            events.append(f"{item.path} => {item.value}")
    return events
async def main():
    text_stream, structured_events = await asyncio.gather(
        stream_text(),
        stream_structured(),
    )
    final_data = await response.async_get_data()
    print("TEXT_STREAM:")
    print(text_stream)
    print("\\nSTRUCTURED_STREAM:")
    for event in structured_events:
        print(event)
    print("\\nFINAL_DATA:")
    print(final_data)
if __name__ == "__main__":
    asyncio.run(main())
"""


def expected_structured(value: Any) -> list[str]:
    """Every path once, with its final value, children before their container, in document order
    (an independent walk of json.loads of the answer)."""
    out: list[str] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, child in node.items():
                walk(child, f"{path}.{key}" if path else key)
        elif isinstance(node, list):
            for i, child in enumerate(node):
                walk(child, f"{path}[{i}]")
        if path:
            out.append(f"{path} => {node}")

    walk(value, "")
    return out


def run_seed(base_url: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "__main__", "MOCK_BASE_URL": base_url}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(SEED_CODE, "seed_000.py", "exec"), namespace)
    namespace["printed"] = out.getvalue()
    return namespace


def sections(printed: str) -> dict[str, str]:
    text_part, rest = printed.split("\nSTRUCTURED_STREAM:\n")
    structured, final = rest.split("\nFINAL_DATA:\n")
    assert text_part.startswith("TEXT_STREAM:\n")
    return {
        "text": text_part[len("TEXT_STREAM:\n") : -1],
        "structured": structured.rstrip("\n"),
        "final": final.rstrip("\n"),
    }


def test_seed_playbook_runs_against_the_mock() -> None:
    with MockLLMServer(answer=SEED_ANSWER, chunk=(1, 8)) as server:
        namespace = run_seed(server.url + "/v1")
        printed = sections(namespace["printed"])
        answer = json.loads(SEED_ANSWER)
        assert printed["text"] == SEED_ANSWER
        assert printed["structured"].split("\n") == expected_structured(answer)
        assert printed["final"] == str(answer) == str(SEED_ANSWER_VALUE)
        assert len(server.requests) == 1
        body = server.requests[0].json
        assert body["temperature"] == 0.2 and body["model"] == "mock-model" and body["stream"] is True
        assert "response_format" not in body  # structured="auto" on a compatible server: prompt only
        system = body["messages"][0]["content"]
        assert system.startswith("You are an operations-report assistant.") and '"owner"' in system
        assert body["messages"][1] == {
            "role": "user",
            "content": "Give me a 3-step growth experiment plan and a one-line summary.",
        }
        assert server.wait_idle(5)


def test_seed_page_two_sync_snippets() -> None:
    with MockLLMServer(answer=SEED_ANSWER, reasoning="Let me plan.") as server:
        namespace = run_seed(server.url + "/v1")
        agent = namespace["agent"]
        response = agent.input("again").output({"title": (str, "Title")}).get_response()
        text = "".join(chunk for chunk in response.result.get_generator(type="delta"))
        assert text == SEED_ANSWER
        picked = list(
            response.result.get_generator(type="specific", specific=["reasoning_delta", "tool_calls", "done"])
        )
        assert "".join(v for e, v in picked if e == "reasoning_delta") == "Let me plan."
        assert picked[-1] == ("done", SEED_ANSWER)
        items = list(response.result.get_generator(type="instant"))
        assert [(i.path, i.value) for i in items if i.is_complete][-1] == ("steps", SEED_ANSWER_VALUE["steps"])
        assert all(i.delta for i in items if not i.is_complete)
        assert len(server.requests) == 2
