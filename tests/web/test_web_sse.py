"""`stream_response()`, protocol "instantjson", over a real uvicorn server, read back by an
independent SSE client (httpx-sse): ids strictly increase, every event arrives once and in the
order of the response's log, the text and the structured value rebuild exactly, resumption
after `Last-Event-ID` skips exactly what was seen with no new upstream request, a client that
disconnects ends only its own stream, pings keep an idle stream alive, errors are sent as
`{type, message}` and never as a traceback or a secret."""

from __future__ import annotations

import contextlib
import json
from typing import TYPE_CHECKING, Any

import anyio
import httpx
import pytest
from fastapi import FastAPI, Request
from httpx_sse import aconnect_sse, connect_sse

from instantjson import Response
from instantjson.testing import INBAND_MESSAGE, MockLLMServer
from instantjson.web import DEFAULT_EVENTS, InstantJSONEncoder, error_info, stream_response
from instantjson.web._demo import demo_app
from tests.conftest_response import SEED_ANSWER, SEED_ANSWER_VALUE, anyio_backend, model_for
from tests.web._fold import fold_instantjson
from tests.web._harness import parse_sse, serve

if TYPE_CHECKING:
    from collections.abc import Iterator

    from starlette.applications import Starlette

__all__ = ["anyio_backend"]


class Site:
    def __init__(self, url: str, app: Starlette, mock: MockLLMServer) -> None:
        self.url = url
        self.app = app
        self.mock = mock

    def create(self) -> str:
        reply = httpx.post(self.url + "/api/responses", json={"prompt": "plan"}, timeout=10)
        assert reply.status_code == 201
        return str(reply.json()["id"])

    def stream_url(self, rid: str, protocol: str = "instantjson") -> str:
        return f"{self.url}/api/responses/{rid}/stream" + (f"?protocol={protocol}" if protocol != "instantjson" else "")

    def response(self, rid: str) -> Response:
        response = self.app.state.store.get(rid)
        assert response is not None
        return response

    def expected(self, rid: str) -> list[tuple[int, str, Any]]:
        """The response's log, numbered, as the protocol sends it by default (after the end)."""
        items = list(self.response(rid).get_generator(type="all"))
        return [(i, e, v) for i, (e, v) in enumerate(items) if e in DEFAULT_EVENTS]


@pytest.fixture
def site_factory() -> Iterator[Any]:
    stack: list[Any] = []

    def make(delay: float = 0.0, ping: float = 15.0, **mock_kwargs: Any) -> Site:
        mock = MockLLMServer(**{"answer": SEED_ANSWER, "chunk": (1, 8), "delay": delay, **mock_kwargs}).start()
        stack.append(mock)
        app = demo_app(model_for(mock, api_key="sk-test-SECRET-0123456789"), ping=ping)
        ctx = serve(app)
        url = ctx.__enter__()
        stack.append(ctx)
        return Site(url, app, mock)

    yield make
    for item in reversed(stack):
        if isinstance(item, MockLLMServer):
            item.close()
        else:
            item.__exit__(None, None, None)


def read_all(url: str, headers: dict[str, str] | None = None) -> list[tuple[str, str | None, str]]:
    with httpx.Client(timeout=20) as client, connect_sse(client, "GET", url, headers=dict(headers or {})) as source:
        assert source.response.headers["content-type"] == "text/event-stream"
        return [(sse.event, sse.id or None, sse.data) for sse in source.iter_sse()]


def test_read_back_by_httpx_sse(site_factory: Any) -> None:
    site = site_factory()
    rid = site.create()
    events = read_all(site.stream_url(rid))
    assert events[-1][0] == "end", "the stream says it is complete"
    wire = events[:-1]
    ids = [int(i) for _, i, _ in wire if i is not None]
    assert len(ids) == len(wire), "every event has an id"
    assert all(a < b for a, b in zip(ids, ids[1:], strict=False)), "ids strictly increase"
    expected = site.expected(rid)
    assert [(i, e) for i, e, _ in expected] == [(int(i or -1), e) for e, i, _ in wire], "each event once, in order"
    state = fold_instantjson([(e, d) for e, _, d in wire])
    assert state["text"] == SEED_ANSWER
    assert state["data"] == SEED_ANSWER_VALUE == site.response(rid).get_data()
    assert state["meta"] == site.response(rid).get_meta()
    assert state["error"] is None
    # a completed value carries its value, a string delta only its new text
    for (_, name, value), (_, _, data) in zip(expected, wire, strict=True):
        decoded = json.loads(data)
        if name == "instant" and value.is_complete:
            assert decoded == {"path": value.path, "keys": list(value.keys), "value": value.value, "complete": True}
        elif name == "instant":
            assert decoded == {"path": value.path, "keys": list(value.keys), "delta": value.delta}
        elif name in ("delta", "done", "meta"):
            assert decoded == value
    assert "original_delta" not in {e for e, _, _ in wire}, "raw provider payloads are not sent by default"
    assert len(site.mock.requests) == 1


def test_resumption_skips_exactly_what_was_seen(site_factory: Any) -> None:
    site = site_factory()
    rid = site.create()
    full = read_all(site.stream_url(rid))[:-1]
    for cut in (0, 1, 7, len(full) // 2, len(full) - 2, len(full) - 1):
        seen_id = full[cut][1]
        rest = read_all(site.stream_url(rid), headers={"Last-Event-ID": str(seen_id)})
        assert rest[-1][0] == "end"
        assert rest[:-1] == full[cut + 1 :], f"resumed after {seen_id}"
    # the query parameter works as the header does (for clients that cannot set headers)
    rest = read_all(site.stream_url(rid) + f"?last_event_id={full[3][1]}")
    assert rest[:-1] == full[4:]
    # a header that is not an id replays everything
    assert read_all(site.stream_url(rid), headers={"Last-Event-ID": "bogus"})[:-1] == full
    assert len(site.mock.requests) == 1, "every replay came from the log"


def test_resume_mid_stream_while_the_answer_is_still_coming(site_factory: Any) -> None:
    site = site_factory(delay=0.01)
    rid = site.create()
    seen: list[tuple[str, str | None, str]] = []
    with httpx.Client(timeout=20) as client, connect_sse(client, "GET", site.stream_url(rid)) as source:
        for sse in source.iter_sse():
            seen.append((sse.event, sse.id, sse.data))
            if len(seen) == 25:
                break
    assert not site.response(rid).events or site.response(rid).events[-1][0] != "meta", "still streaming"
    rest = read_all(site.stream_url(rid), headers={"Last-Event-ID": str(seen[-1][1])})
    events = seen + rest[:-1]
    assert [(i, e) for i, e, _ in site.expected(rid)] == [(int(str(i)), e) for e, i, _ in events]
    assert fold_instantjson([(e, d) for e, _, d in events])["data"] == SEED_ANSWER_VALUE
    assert len(site.mock.requests) == 1


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])  # the clients' side (httpx-sse leaves generators to trio's GC)
async def test_a_client_that_disconnects_ends_only_its_own_stream(site_factory: Any) -> None:
    site = site_factory(delay=0.005)
    rid = await anyio.to_thread.run_sync(site.create)
    url = site.stream_url(rid)
    got: dict[str, list[tuple[str, str]]] = {"a": [], "b": []}

    async def client(name: str, stop_after: int | None) -> None:
        async with (
            httpx.AsyncClient(timeout=20) as http,
            aconnect_sse(http, "GET", url) as source,
            contextlib.aclosing(source.aiter_sse()) as messages,
        ):
            async for sse in messages:
                got[name].append((sse.event, sse.id))
                if stop_after is not None and len(got[name]) >= stop_after:
                    return  # closes the connection mid-stream

    async with anyio.create_task_group() as tg:
        tg.start_soon(client, "a", 15)
        tg.start_soon(client, "b", None)
    assert len(got["a"]) == 15
    assert got["b"][-1][0] == "end"
    expected = await anyio.to_thread.run_sync(site.expected, rid)
    assert [(e, str(i)) for i, e, _ in expected] == got["b"][:-1]
    assert got["a"] == got["b"][:15]
    assert len(site.mock.requests) == 1


def test_the_only_client_leaves_and_a_later_one_gets_everything(site_factory: Any) -> None:
    site = site_factory(delay=0.005)
    rid = site.create()
    with httpx.Client(timeout=20) as client, connect_sse(client, "GET", site.stream_url(rid)) as source:
        for n, _ in enumerate(source.iter_sse()):
            if n == 10:
                break
    later = read_all(site.stream_url(rid))
    assert later[-1][0] == "end"
    assert fold_instantjson([(e, d) for e, _, d in later[:-1]])["text"] == SEED_ANSWER
    assert len(site.mock.requests) == 1


def test_pings_while_the_model_is_silent(site_factory: Any) -> None:
    site = site_factory(delay=0.15, ping=0.03, answer='{"a": 1}', chunk=4)
    rid = site.create()
    with httpx.Client(timeout=20) as client, client.stream("GET", site.stream_url(rid)) as reply:
        body = reply.read().decode()
    frames = parse_sse(body)
    pings = [f for f in frames if f["comment"] is not None]
    assert len(pings) >= 3 and all(f["comment"] == "ping" and f["event"] is None for f in pings)
    assert [f["event"] for f in frames if f["comment"] is None][-1] == "end"


def test_errors_are_events_with_type_and_message(site_factory: Any) -> None:
    site = site_factory(fault="inband_error", fault_after=10)
    rid = site.create()
    events = read_all(site.stream_url(rid))
    assert events[-1][0] == "end"
    name, _, data = events[-2]
    assert name == "error"
    error = json.loads(data)
    assert error["type"] == "ProviderStreamError" and error["message"] == INBAND_MESSAGE
    assert error["provider"] == "openai" and error["code"] == "overloaded"
    assert [e for e, _, _ in events].count("meta") == 1, "a failed stream still sends its meta first"
    body = "".join(d for _, _, d in events)
    assert "Traceback" not in body and "SECRET" not in body


def test_http_errors_never_leak_the_key(site_factory: Any) -> None:
    site = site_factory(fault="http_401")
    rid = site.create()
    events = read_all(site.stream_url(rid))
    error = json.loads(next(d for e, _, d in events if e == "error"))
    assert error["type"] == "ProviderStatusError" and error["status_code"] == 401
    assert "sk-test" not in json.dumps(events) and "Traceback" not in json.dumps(events)


def test_unknown_exceptions_send_only_their_type() -> None:
    info = error_info(RuntimeError("password=hunter2 at /srv/app.py line 3"))
    assert info["type"] == "RuntimeError" and "hunter2" not in info["message"]


def test_text_protocol_and_the_event_selection(site_factory: Any) -> None:
    site = site_factory()
    rid = site.create()
    with httpx.Client(timeout=20) as client:
        reply = client.get(site.stream_url(rid, "text"))
    assert reply.headers["content-type"] == "text/plain; charset=utf-8"
    assert reply.text == SEED_ANSWER
    response = site.response(rid)
    app_url = site.url

    async def raw(request: Any) -> Any:
        return stream_response(response, request, events=["original_delta", "meta"])

    from starlette.applications import Starlette
    from starlette.routing import Route

    with serve(Starlette(routes=[Route("/raw", raw)])) as url:
        events = read_all(url + "/raw")
    assert {e for e, _, _ in events} == {"original_delta", "meta", "end"}
    originals = [json.loads(d) for e, _, d in events if e == "original_delta"]
    assert originals and all(isinstance(o, dict) and "choices" in o for o in originals)
    assert app_url


def test_inside_fastapi(site_factory: Any) -> None:
    site = site_factory()
    rid = site.create()
    response = site.response(rid)
    app = FastAPI()

    @app.get("/api/plan")
    async def plan(request: Request) -> Any:
        return stream_response(response, request, protocol="vercel-ui")

    with serve(app) as url, httpx.Client(timeout=20) as client:
        reply = client.get(url + "/api/plan")
    assert reply.headers["x-vercel-ai-ui-message-stream"] == "v1"
    assert reply.text.endswith("data: [DONE]\n\n")


@pytest.mark.anyio
async def test_disconnect_at_every_point_on_asyncio_and_trio() -> None:
    """The ASGI app driven directly (no server): the client disconnects after n body messages, for
    every n; the stream returns promptly and a reader of the same response gets everything."""
    body = "".join(
        f'data: {{"choices":[{{"index":0,"delta":{{"content":{json.dumps(SEED_ANSWER[i : i + 5])}}}}}]}}\n\n'
        for i in range(0, len(SEED_ANSWER), 5)
    )
    body += 'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'
    raw = body.encode()

    async def dribble() -> Any:
        for n, i in enumerate(range(0, len(raw), 7)):
            await anyio.sleep(0.001 if n % 8 == 0 else 0)
            yield raw[i : i + 7]

    for n in (0, 1, 3, 20, 60):
        response = Response.from_stream(dribble())
        sent: list[dict[str, Any]] = []
        gone = anyio.Event()

        async def send(
            message: dict[str, Any], sent: list[dict[str, Any]] = sent, gone: anyio.Event = gone, n: int = n
        ) -> None:
            sent.append(message)
            if len(sent) > n:
                gone.set()

        async def receive(gone: anyio.Event = gone) -> dict[str, Any]:
            await gone.wait()
            return {"type": "http.disconnect"}

        texts: list[str] = []

        async def reader(response: Response = response, texts: list[str] = texts) -> None:
            texts.extend([piece async for piece in response.get_async_generator(type="delta")])

        scope = {"type": "http", "headers": [], "asgi": {"spec_version": "2.3"}}
        with anyio.fail_after(10):
            async with anyio.create_task_group() as tg:
                tg.start_soon(reader)
                await stream_response(response)(scope, receive, send)
        assert "".join(texts) == SEED_ANSWER, n
        assert sent[0]["type"] == "http.response.start"
        assert len(sent) <= n + 3, "the stream stopped soon after the disconnect"
        assert all(m.get("more_body", True) for m in sent), "and did not reach its end"


def test_typed_events_and_unknown_events_are_encoded_generically() -> None:
    class Typed:
        path = "steps[0]"
        keys = ("steps", 0)
        raw: Any = {"step": "x"}
        value = object()
        is_valid = True
        error = None

    encoder = InstantJSONEncoder(frozenset({"typed", "future_event"}))
    frame = encoder.encode(7, "typed", Typed())
    assert frame is not None
    (parsed,) = parse_sse(frame.decode())
    assert (parsed["event"], parsed["id"]) == ("typed", "7")
    assert json.loads(parsed["data"]) == {
        "path": "steps[0]",
        "keys": ["steps", 0],
        "value": {"step": "x"},
        "valid": True,
        "error": None,
    }
    (other,) = parse_sse((encoder.encode(8, "future_event", {"a": {1, 2}}) or b"").decode())
    assert json.loads(other["data"]) == {"a": [1, 2]}
    assert encoder.encode(9, "delta", "not selected") is None


@pytest.mark.anyio
async def test_ready_events_are_written_together() -> None:
    """A response whose whole body arrives at once is sent in a handful of writes, not one per event."""
    body = "".join(
        f'data: {{"choices":[{{"index":0,"delta":{{"content":{json.dumps(SEED_ANSWER[i : i + 4])}}}}}]}}\n\n'
        for i in range(0, len(SEED_ANSWER), 4)
    )
    body += 'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'
    response = Response.from_stream(body.encode())
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        await anyio.sleep_forever()
        raise AssertionError

    await stream_response(response)({"type": "http", "headers": []}, receive, send)
    frames = parse_sse(b"".join(m.get("body", b"") for m in sent).decode())
    assert len(frames) > 150 and frames[-1]["event"] == "end"
    assert len(sent) <= 6, f"{len(sent)} writes for {len(frames)} events"
    assert sent[-1] == {"type": "http.response.body", "body": b"", "more_body": False}


def test_static_files_serve_the_client_module() -> None:
    from starlette.applications import Starlette
    from starlette.routing import Mount

    from instantjson.web import STATIC_DIR, static_files

    with serve(Starlette(routes=[Mount("/instantjson", static_files())])) as url:
        reply = httpx.get(url + "/instantjson/instantjson.js", timeout=10)
    assert reply.status_code == 200 and "javascript" in reply.headers["content-type"]
    assert reply.text == (STATIC_DIR / "instantjson.js").read_text(encoding="utf-8")
    assert "export async function stream" in reply.text


def test_frames_are_encoded_once_per_response(site_factory: Any) -> None:
    from instantjson.web._serve import _FRAMES  # pyright: ignore[reportPrivateUsage]

    site = site_factory()
    rid = site.create()
    first = read_all(site.stream_url(rid))
    cache = _FRAMES[site.response(rid)]
    frames = list(cache)
    assert len(frames) == len(site.response(rid).events) - sum(e[0] == "_" for e, _ in site.response(rid).events)
    assert read_all(site.stream_url(rid)) == first
    assert all(a is b for a, b in zip(cache, frames, strict=True)), "the second stream reused the frames"
    assert [f for f in frames if f is not None] == [
        f"event: {e}\nid: {i}\ndata: {d}\n\n".encode() for e, i, d in first[:-1]
    ]
