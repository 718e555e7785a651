"""The browser client module, `instantjson.js`, run by node 20 (no package): its SSE reader gives
the events of a real stream whatever the cut of the bytes (1-7 byte pieces, across UTF-8
characters and CRLF pairs, with LF, CRLF or CR line ends), and `stream()` reconnects after a
dropped connection with `Last-Event-ID` and ends with the whole answer, one upstream request."""

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
from instantjson.testing import MockLLMServer
from instantjson.web import stream_response
from tests.conftest_response import SEED_ANSWER, SEED_ANSWER_VALUE, SEED_OUTPUT, model_for
from tests.web._harness import parse_sse, serve

CHECK = Path(__file__).with_name("client_check.mjs")


def node(*args: str, stdin: str = "") -> Any:
    exe = shutil.which("node")
    if exe is None:
        if os.environ.get("CI") == "true":
            pytest.fail("node is missing: .ci/setup.d/30-web.sh installs it")
        pytest.skip("node is not installed")
    done = subprocess.run([exe, str(CHECK), *args], input=stdin, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def app_for(mock: MockLLMServer, cuts: list[int]) -> Starlette:
    """One shared response; its stream endpoint drops the connection after `cuts[i]` body
    messages on the i-th request (then serves normally)."""
    state: dict[str, Any] = {"response": None, "served": 0}

    async def endpoint(request: Any) -> Any:
        if state["response"] is None:
            state["response"] = Agent(model_for(mock)).input("plan").output(SEED_OUTPUT).get_response()
        live = stream_response(state["response"], request)
        n = state["served"]
        state["served"] += 1
        if n >= len(cuts):
            return live
        limit = cuts[n]

        async def cut(scope: Any, receive: Any, send: Any) -> None:
            count = [0]

            async def send_until(message: Any) -> None:
                if message["type"] == "http.response.body":
                    count[0] += 1
                    if count[0] > limit:
                        raise OSError("the test drops this connection")
                await send(message)

            await live(scope, receive, send_until)

        return cut

    from starlette.responses import Response as StarletteResponse

    class Raw(StarletteResponse):
        def __init__(self, app: Any) -> None:
            self.app = app

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            await self.app(scope, receive, send)

    async def route(request: Any) -> Any:
        return Raw(await endpoint(request))

    app = Starlette(routes=[Route("/stream", route)])
    app.state.shared = state
    return app


@pytest.mark.parametrize("line_end", ["\n", "\r\n", "\r"])
def test_the_sse_reader_whatever_the_cut(line_end: str) -> None:
    with MockLLMServer(answer=SEED_ANSWER, reasoning="Think.") as mock, serve(app_for(mock, [])) as url:
        body = httpx.get(url + "/stream", timeout=20).text
    frames = parse_sse(body)
    expected: list[dict[str, Any]] = []
    last_id = None
    for frame in frames:
        last_id = frame["id"] if frame["id"] is not None else last_id
        if frame["data"] is not None:
            expected.append({"event": frame["event"], "id": last_id, "data": frame["data"]})
    assert len(expected) > 100
    for seed in (1, 2, 3):
        assert node("split", str(seed), stdin=body.replace("\n", line_end)) == expected


def test_stream_reconnects_with_last_event_id() -> None:
    with MockLLMServer(answer=SEED_ANSWER, delay=0.003) as mock:
        app = app_for(mock, [4, 9])
        with serve(app) as url:
            result = node("stream", url + "/stream")
        assert len(mock.requests) == 1, "the reconnections replayed the log"
    state, sent = result["state"], result["sent"]
    assert state["ended"] and state["error"] is None
    assert state["text"] == SEED_ANSWER
    assert state["data"] == SEED_ANSWER_VALUE
    assert state["meta"]["finish_reason"] == "stop"
    assert len(sent) == 3 and sent[0] is None
    assert 0 < int(sent[1]) < int(sent[2]), "each reconnection resumed after the last event it had"
    assert app.state.shared["served"] == 3
