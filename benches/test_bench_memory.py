"""Memory of the response engine: what a finished response keeps, and peak RSS under load.

* `test_retained_per_finished_response`: N finished responses held by the caller (2 KB and
  100 KB answers, each read by a delta view, an instant view and `async_get_data()`), measured
  with tracemalloc after a full collection: bytes kept per response, against the target
  `8 x answer + 16 KiB` (DESIGN.md section 7).
* `test_peak_rss_1000_concurrent`: 1,000 concurrent 2 KB responses with two consumers each,
  beside 1,000 raw httpx streams (a client per stream sharing one TLS context, as instantjson's
  clients do; the body read and dropped), each in a
  child process of its own (peak RSS is per process: `ru_maxrss`), on the same mock server
  response in the same run, three rounds interleaved (`MEMORY_BENCH_ROUNDS`): peak RSS, wall
  time and the child's CPU time, and the ratios of their medians. The response is
  MockLLMServer's, recorded once and served by `_replay_server.py` (one asyncio loop in its own
  process: MockLLMServer's thread per connection, 1,000 of them under one GIL, would set the
  pace itself). Raw httpx's peak varies from round to round with how much each connection's
  read buffer holds at once.

Run: `pytest benches/test_bench_memory.py -s -p no:randomly` (prints the tables; the numbers
are also in each test's `record_property`). Targets are printed, not asserted: a bench reports.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import tracemalloc
from typing import Any

import anyio
import pytest

from benches._replay_server import record

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def make_answer(size: int) -> str:
    steps: list[dict[str, str]] = []
    value: dict[str, Any] = {"title": "Growth plan", "summary": "Cheap experiments, measured weekly.", "steps": steps}
    n = 0
    while len(json.dumps(value)) < size:
        steps.append({"step": f"Experiment {n}: test a new onboarding message", "owner": f"Team {n % 7}"})
        n += 1
    return json.dumps(value)


async def _consume(response: Any) -> Any:
    async def view(kind: str) -> None:
        async for _ in response.get_async_generator(type=kind):
            pass

    async with anyio.create_task_group() as tg:
        tg.start_soon(view, "delta")
        tg.start_soon(view, "instant")
    return await response.async_get_data()


@pytest.mark.timeout(600)
@pytest.mark.parametrize("size", [2_000, 100_000])
def test_retained_per_finished_response(size: int, record_property: Any) -> None:
    from instantjson._agent import Agent
    from instantjson._providers.openai import OpenAICompatible
    from instantjson.testing import MockLLMServer

    answer = make_answer(size)
    count = 20 if size <= 2_000 else 3
    with MockLLMServer(answer=answer, chunk=(1, 8), seed=1) as server:
        model = OpenAICompatible(base_url=server.url + "/v1", model="m", api_key="k", retries=0)
        anyio.run(_consume, Agent(model).input("plan").get_response())  # warm up
        gc.collect()
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            held = []
            for _ in range(count):
                response = Agent(model).input("plan").get_response()
                assert anyio.run(_consume, response) == json.loads(answer)
                held.append(response)
            gc.collect()
            kept = (tracemalloc.get_traced_memory()[0] - base) / count
        finally:
            tracemalloc.stop()
    utf8 = len(answer.encode())
    target = 8 * utf8 + 16 * 1024
    record_property("retained_bytes", kept)
    sys.stdout.write(
        f"\nretained per finished {utf8} B answer: {kept / 1024:.1f} KiB = {kept / utf8:.1f} x answer; "
        f"target 8 x answer + 16 KiB = {target / 1024:.1f} KiB\n"
    )


_CHILD = r"""
import json, resource, sys, time
import anyio, httpx
sys.path.insert(0, sys.argv[3])
mode, n, root, url = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]

async def ours():
    from instantjson._agent import Agent
    from instantjson._providers.openai import OpenAICompatible
    from benches.test_bench_memory import _consume
    model = OpenAICompatible(base_url=url + "/v1", model="m", api_key="k", retries=0, timeout=120.0)
    responses = [Agent(model).input("plan").get_response() for _ in range(n)]
    async with anyio.create_task_group() as tg:
        for r in responses:
            tg.start_soon(_consume, r)
    answer = json.loads(sys.argv[5])
    assert all(r.get_data() == answer for r in responses), "a response differs from the answer"

async def raw():
    body = {"model": "m", "messages": [{"role": "user", "content": "plan"}], "stream": True}
    context = httpx.create_ssl_context()  # made once, as instantjson's clients share one
    async def one():
        async with httpx.AsyncClient(timeout=120.0, verify=context) as client:
            async with client.stream("POST", url + "/v1/chat/completions", json=body) as resp:
                async for _ in resp.aiter_raw():
                    pass
    async with anyio.create_task_group() as tg:
        for _ in range(n):
            tg.start_soon(one)

start = time.perf_counter()
anyio.run(ours if mode == "instantjson" else raw)
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": time.perf_counter() - start, "cpu": usage.ru_utime + usage.ru_stime,
                  "rss": usage.ru_maxrss * 1024}))
"""


def _child(mode: str, n: int, url: str, answer: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, mode, str(n), ROOT, url, answer],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([os.path.join(ROOT, "python"), ROOT])},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.heavy
@pytest.mark.timeout(1800)
def test_peak_rss_1000_concurrent(record_property: Any) -> None:
    from instantjson.testing import MockLLMServer

    n = int(os.environ.get("MEMORY_BENCH_CONCURRENT", "1000"))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 4 * n + 100:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8 * n + 100), hard))
    rounds = int(os.environ.get("MEMORY_BENCH_ROUNDS", "3"))
    runs: dict[str, list[dict[str, float]]] = {"httpx": [], "instantjson": []}
    answer = make_answer(2_000)
    body = {"model": "m", "messages": [{"role": "user", "content": "plan"}], "stream": True}
    with MockLLMServer(answer=answer, chunk=(1, 8), seed=1) as mock:
        recorded = record(mock.url, json.dumps(body).encode())
    with tempfile.NamedTemporaryFile(suffix=".http") as f:
        f.write(recorded)
        f.flush()
        # MockLLMServer's response, served by one asyncio loop in a process of its own
        with subprocess.Popen(
            [sys.executable, os.path.join(ROOT, "benches", "_replay_server.py"), f.name],
            stdout=subprocess.PIPE,
            text=True,
        ) as server:
            try:
                assert server.stdout is not None
                url = f"http://127.0.0.1:{int(server.stdout.readline())}"
                for _ in range(rounds):  # interleaved: both sides see the same machine load
                    for mode in runs:
                        runs[mode].append(_child(mode, n, url, answer))
            finally:
                server.kill()

    def median(mode: str, key: str) -> float:
        return statistics.median(run[key] for run in runs[mode])

    mib = 2**20
    ratios = {key: median("instantjson", key) / median("httpx", key) for key in ("rss", "seconds", "cpu")}
    for key, ratio in ratios.items():
        record_property(f"{key}_ratio", ratio)

    def listed(mode: str, key: str, scale: float, unit: str) -> str:
        return ", ".join(f"{run[key] / scale:.1f}" for run in runs[mode]) + unit

    each = "; ".join(
        f"{mode}: RSS {listed(mode, 'rss', mib, ' MiB')}, wall {listed(mode, 'seconds', 1, ' s')}, "
        f"CPU {listed(mode, 'cpu', 1, ' s')}"
        for mode in runs
    )
    sys.stdout.write(
        f"\n{n} concurrent 2 KB responses, {rounds} interleaved rounds ({each}); medians: "
        f"instantjson peak RSS {median('instantjson', 'rss') / mib:.0f} MiB, "
        f"raw httpx {median('httpx', 'rss') / mib:.0f} MiB; "
        f"ratios RSS x{ratios['rss']:.2f} (target 2), wall time x{ratios['seconds']:.2f} (target 1.5), "
        f"CPU time x{ratios['cpu']:.2f}\n"
    )
