"""End to end over loopback: one streamed answer from MockLLMServer (no delay, 1-8 character
pieces), consumed by a delta view and an instant view together, then `async_get_data()`.

Peers in the same run, same server, same answer:
* `httpx raw (floor)`: reading the raw body with httpx, nothing decoded (its client gets a TLS
  context made once, outside the timing, as instantjson's clients share one: building one loads
  the CA store, about 20 ms, which would otherwise pad the floor);
* `openai stream helper`: the OpenAI SDK's `chat.completions.stream(response_format=Model)`, which
  re-parses the whole text with jiter on every chunk;
* `openai create + jiter`: the SDK's `create(stream=True)` plus `jiter.from_json(text_so_far,
  partial_mode="trailing-strings")` per chunk (what partial-JSON UIs do).

The summary table (benches/conftest.py) gives each peer's ratio to instantjson; the per-chunk
cost is in each benchmark's extra_info. Target: instantjson within 1.5 times the floor at both
sizes, with a per-chunk cost that does not grow with the answer.
What keeps it there: one pipeline step per network read rather than per HTTP chunk
(`_engine.py`, `_read_http`), plain Chat Completions chunks recognized in Rust without a payload
dict (`rust/py/src/plain.rs`), and a replay log that holds no per-item object for the cycle
collector (`_replay.py`); the rest is the instant parser, the adapter and the two views, per
event.

`test_pipeline_and_log_alone` times the response's own work without the network: the recorded
body through the pipeline into the replay log, finished, with the plain-chunk path against every
chunk decoded and read in full.
Run: `pytest benches/test_bench_pipeline.py -m "not heavy"` (the 100 KB SDK runs take tens of
seconds: they are O(n^2)).
"""

from __future__ import annotations

import json
import ssl
from typing import TYPE_CHECKING, Any

import anyio
import httpx
import pydantic
import pytest

from instantjson._agent import Agent
from instantjson._pipeline import Pipeline
from instantjson._providers.openai import ChatCompletionsAdapter, OpenAICompatible
from instantjson._replay import ReplayLog
from instantjson.testing import MockLLMServer

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

pytest.importorskip("pytest_benchmark")
openai = pytest.importorskip("openai")
jiter = pytest.importorskip("jiter")


class Step(pydantic.BaseModel):
    step: str
    owner: str


class Plan(pydantic.BaseModel):
    title: str
    summary: str
    steps: list[Step]


def make_answer(size: int) -> str:
    steps: list[dict[str, str]] = []
    value: dict[str, Any] = {"title": "Growth plan", "summary": "Cheap experiments, measured weekly.", "steps": steps}
    n = 0
    while len(json.dumps(value)) < size:
        steps.append({"step": f"Experiment {n}: test a new onboarding message variant", "owner": f"Team {n % 7}"})
        n += 1
    return json.dumps(value)


SIZES = {"10KB": 10_000, "100KB": 100_000}
SSL_CONTEXT = ssl.create_default_context()
MESSAGES = [{"role": "user", "content": "plan"}]


@pytest.fixture(scope="module", params=list(SIZES))
def server(request: pytest.FixtureRequest) -> Iterator[MockLLMServer]:
    with MockLLMServer(answer=make_answer(SIZES[request.param]), chunk=(1, 8), seed=1) as srv:
        srv.size_label = request.param  # type: ignore[attr-defined]
        yield srv


def run(benchmark: Any, server: MockLLMServer, peer: str, main: Callable[[], Any], rounds: int) -> Any:
    benchmark.group = f"pipeline {server.size_label}"  # type: ignore[attr-defined]
    benchmark.extra_info["peer"] = peer
    chunks = len(server.pieces)
    benchmark.extra_info["chunks"] = chunks
    result = benchmark.pedantic(lambda: anyio.run(main), rounds=rounds, iterations=1, warmup_rounds=1)
    stats = benchmark.stats.stats if hasattr(benchmark.stats, "stats") else benchmark.stats
    benchmark.extra_info["us_per_chunk"] = round(stats.mean / chunks * 1e6, 2)
    return result


def test_instantjson(benchmark: Any, server: MockLLMServer) -> None:
    model = OpenAICompatible(base_url=server.url + "/v1", model="m", api_key="k")
    answer = json.loads(server.answer)

    async def main() -> Any:
        response = Agent(model).input("plan").output(Plan).get_response()

        async def text() -> None:
            async for _ in response.get_async_generator(type="delta"):
                pass

        async def instant() -> None:
            async for _ in response.get_async_generator(type="instant"):
                pass

        async with anyio.create_task_group() as tg:
            tg.start_soon(text)
            tg.start_soon(instant)
        plan = await response.async_get_data()  # typed output (#10): the validated Plan
        return plan.model_dump()

    assert run(benchmark, server, "instantjson", main, rounds=10) == answer


def test_httpx_raw_floor(benchmark: Any, server: MockLLMServer) -> None:
    body = {"model": "m", "messages": MESSAGES, "stream": True, "stream_options": {"include_usage": True}}

    async def main() -> int:
        total = 0
        async with (
            httpx.AsyncClient(verify=SSL_CONTEXT) as client,
            client.stream("POST", server.url + "/v1/chat/completions", json=body) as response,
        ):
            async for chunk in response.aiter_bytes():
                total += len(chunk)
        return total

    assert run(benchmark, server, "httpx raw (floor)", main, rounds=10) > len(server.answer)


@pytest.mark.heavy
def test_openai_stream_helper(benchmark: Any, server: MockLLMServer) -> None:
    async def main() -> Any:
        async with openai.AsyncOpenAI(base_url=server.url + "/v1", api_key="k", max_retries=0) as client:
            async with client.chat.completions.stream(
                model="m",
                messages=MESSAGES,
                response_format=Plan,  # type: ignore[arg-type]
            ) as stream:
                async for _ in stream:
                    pass
                completion = await stream.get_final_completion()
        return completion.choices[0].message.parsed

    rounds = 3 if server.size_label == "10KB" else 1  # type: ignore[attr-defined]
    assert run(benchmark, server, "openai stream helper", main, rounds=rounds).model_dump() == json.loads(server.answer)


@pytest.mark.heavy
def test_openai_create_plus_jiter(benchmark: Any, server: MockLLMServer) -> None:
    async def main() -> Any:
        async with openai.AsyncOpenAI(base_url=server.url + "/v1", api_key="k", max_retries=0) as client:
            stream = await client.chat.completions.create(model="m", messages=MESSAGES, stream=True)  # type: ignore[arg-type]
            text = ""
            value: Any = None
            async for chunk in stream:
                if chunk.choices and chunk.choices[0].delta.content:
                    text += chunk.choices[0].delta.content
                    value = jiter.from_json(text.encode(), partial_mode="trailing-strings")
        return value

    rounds = 3 if server.size_label == "10KB" else 1  # type: ignore[attr-defined]
    assert run(benchmark, server, "openai create + jiter", main, rounds=rounds) == json.loads(server.answer)


class _FullAdapter(ChatCompletionsAdapter):
    """Every chunk through `feed()` and a payload dict: the path before the plain-chunk one."""

    plain_chat = False


@pytest.mark.parametrize("path", ["plain chunks", "every chunk in full"])
def test_pipeline_and_log_alone(benchmark: Any, server: MockLLMServer, path: str) -> None:
    """The response's own work without the network, views or event loop: the recorded body fed
    in 16 KiB pieces through the pipeline into the replay log, then the log finished (compacted).
    The two peers are the Chat Completions fast path (`rust/py/src/plain.rs`, `feed_plain`) and
    every chunk decoded to a dict and read by `feed()`; `us_per_chunk` is the cost per chunk."""
    request = {"model": "m", "messages": MESSAGES, "stream": True}
    body = httpx.post(server.url + "/v1/chat/completions", json=request).content
    pieces = [body[i : i + 16384] for i in range(0, len(body), 16384)]
    adapter_class = ChatCompletionsAdapter if path == "plain chunks" else _FullAdapter

    def main() -> ReplayLog:
        pipeline = Pipeline(adapter_class())
        log = ReplayLog(deriver=pipeline)
        for piece in pieces:
            log.extend_open(pipeline.feed_bytes(piece))
        log.extend_open(pipeline.end())
        log.finish()
        return log

    benchmark.group = f"pipeline and log alone {server.size_label}"  # type: ignore[attr-defined]
    benchmark.extra_info["peer"] = path
    log = benchmark.pedantic(main, rounds=10, iterations=1, warmup_rounds=1)
    assert "".join(v for e, v in log.items if e == "delta") == server.answer  # outside the timing
    stats = benchmark.stats.stats if hasattr(benchmark.stats, "stats") else benchmark.stats
    benchmark.extra_info["us_per_chunk"] = round(stats.mean / len(server.pieces) * 1e6, 2)
