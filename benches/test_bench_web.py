"""Serving one live response to many browsers: events per second through `stream_response()` to
1, 100 and 1,000 concurrent SSE clients of one uvicorn worker, beside the same number of clients
reading the upstream themselves with httpx, in one run.

Three processes, as in production: the upstream (`python -m instantjson serve-mock`, no delay, the
1 KB bench answer cut in 1-8 character pieces), one uvicorn worker serving `benches/_web_app.py`,
and this process running the clients on one asyncio loop. Each round creates one response
(`POST /api/responses`) and opens N SSE streams on it at once (protocol "instantjson": deltas,
instant events, the end; each client reads to the end over HTTP/1.0, a minimal client so that the
measure is the server's); the peer opens N streaming requests to the upstream with httpx and
reads the raw bodies. `events/s` counts SSE events delivered to all clients per second.

Run: `pytest benches/test_bench_web.py` (the 1,000-client rounds are marked `heavy`: deselect
them with `-m "not heavy"`).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import httpx
import pytest
from _data import answer_text  # pyright: ignore[reportMissingImports]

if TYPE_CHECKING:
    from collections.abc import Iterator

pytest.importorskip("pytest_benchmark")
pytest.importorskip("uvicorn")

BENCHES = Path(__file__).resolve().parent
ANSWER = answer_text("1KB")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited with {proc.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    answer_file = tmp_path_factory.mktemp("web-bench") / "answer.json"
    answer_file.write_text(ANSWER, encoding="utf-8")
    mock_port, web_port = _free_port(), _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(BENCHES), *sys.path])}
    mock = subprocess.Popen(
        [sys.executable, "-m", "instantjson", "serve-mock", "--port", str(mock_port), "--delay", "0"]
        + ["--answer-file", str(answer_file), "--chunk", "1", "8"],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    upstream = f"http://127.0.0.1:{mock_port}/v1"
    web = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "_web_app:app", "--port", str(web_port), "--log-level", "warning"]
        + ["--no-access-log", "--backlog", "4096", "--limit-concurrency", "100000"],
        env={**env, "INSTANTJSON_BENCH_UPSTREAM": upstream},
        cwd=BENCHES,
    )
    try:
        _wait(f"http://127.0.0.1:{mock_port}/", mock)
        _wait(f"http://127.0.0.1:{web_port}/", web)
        yield f"http://127.0.0.1:{web_port}", upstream
    finally:
        for proc in (web, mock):
            proc.terminate()
            proc.wait(timeout=10)


async def _sse_client(port: int, path: str) -> int:
    """GET `path` over HTTP/1.0 (no chunked framing) and count the SSE events read to the end."""
    async with await anyio.connect_tcp("127.0.0.1", port) as stream:
        await stream.send(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".encode())
        body = bytearray()
        try:
            while True:
                body += await stream.receive(65536)
        except (anyio.EndOfStream, anyio.BrokenResourceError):
            pass
    head, _, rest = bytes(body).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") or head.startswith(b"HTTP/1.0 200"), head[:80]
    assert rest.endswith(b"event: end\ndata: {}\n\n"), rest[-80:]
    return rest.count(b"\n\n")


def _run_web(web: str, clients: int) -> int:
    port = int(web.rsplit(":", 1)[1])

    async def main() -> int:
        async with httpx.AsyncClient() as http:
            rid = (await http.post(web + "/api/responses", json={"prompt": "plan"})).json()["id"]
        counts: list[int] = []

        async def one() -> None:
            counts.append(await _sse_client(port, f"/api/responses/{rid}/stream"))

        async with anyio.create_task_group() as tg:
            for _ in range(clients):
                tg.start_soon(one)
        assert len(counts) == clients and len(set(counts)) == 1, "every client got the same events"
        return sum(counts)

    return anyio.run(main)


def _run_httpx(upstream: str, clients: int) -> int:
    body = {"model": "mock-model", "stream": True, "messages": [{"role": "user", "content": "plan"}]}

    async def main() -> int:
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
        counts: list[int] = []
        async with httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(300, pool=None)) as http:

            async def one() -> None:
                async with http.stream("POST", upstream + "/chat/completions", json=body) as reply:
                    raw = b"".join([piece async for piece in reply.aiter_raw()])
                counts.append(raw.count(b"\n\n"))

            async with anyio.create_task_group() as tg:
                for _ in range(clients):
                    tg.start_soon(one)
        return sum(counts)

    return anyio.run(main)


def _bench(benchmark: Any, peer: str, clients: int, run: Any, rounds: int) -> None:
    events: list[int] = []

    def target() -> None:
        events.append(run())

    benchmark.group = f"web: {clients} concurrent clients"
    benchmark.pedantic(target, rounds=rounds, iterations=1, warmup_rounds=1 if clients <= 100 else 0)
    benchmark.extra_info.update(peer=peer, clients=clients, events=events[-1])
    benchmark.extra_info["events_per_s"] = round(events[-1] / benchmark.stats.stats.mean)


CASES = [
    pytest.param(1, 5, id="1"),
    pytest.param(100, 3, id="100"),
    pytest.param(1000, 1, id="1000", marks=pytest.mark.heavy),
]


@pytest.mark.parametrize(("clients", "rounds"), CASES)
def test_web_stream_response(benchmark: Any, servers: tuple[str, str], clients: int, rounds: int) -> None:
    web, _ = servers
    _bench(benchmark, "instantjson.web SSE", clients, lambda: _run_web(web, clients), rounds)


@pytest.mark.parametrize(("clients", "rounds"), CASES)
def test_httpx_raw_upstream(benchmark: Any, servers: tuple[str, str], clients: int, rounds: int) -> None:
    _, upstream = servers
    _bench(benchmark, "httpx raw upstream", clients, lambda: _run_httpx(upstream, clients), rounds)
