"""Issue 14: request errors say what happened and where. A transport error raised while sending
keeps its httpx class (`except httpx.ConnectError` still works) and names the method and URL, the
original chained; a non-2xx status names status and URL (`ProviderStatusError.url`), an empty
body says so; a 200 web page is "not an event stream"; a `base_url` ending in the endpoint path
is trimmed; no API key for the provider's own cloud endpoint is refused before any byte is sent."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from instantjson import Agent, OpenAICompatible, ProviderError, ProviderStatusError
from instantjson.testing import MockLLMServer


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Fixed(BaseHTTPRequestHandler):
    status = 404
    body = b""
    content_type = "application/json"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.send_response(self.status)
        self.send_header("content-type", self.content_type)
        self.send_header("content-length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _serve(status: int, body: bytes, content_type: str) -> tuple[ThreadingHTTPServer, str]:
    handler = type("H", (_Fixed,), {"status": status, "body": body, "content_type": content_type})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def _text(base_url: str, **kw: Any) -> str:
    model = OpenAICompatible(base_url=base_url, model="m", api_key="x", retries=0, timeout=5.0, **kw)
    return Agent(model).input("x").get_response().get_text()


def test_connect_error_names_the_url() -> None:
    port = _closed_port()
    with pytest.raises(httpx.ConnectError) as info:
        _text(f"http://127.0.0.1:{port}/v1")
    assert str(info.value).endswith(f" (POST http://127.0.0.1:{port}/v1/chat/completions)")
    assert info.value.__cause__ is not None


def test_404_with_an_empty_body_says_status_and_url() -> None:
    server, base = _serve(404, b"", "application/json")
    try:
        with pytest.raises(ProviderStatusError) as info:
            _text(base + "/v1")
    finally:
        server.shutdown()
    message = str(info.value)
    url = f"{base}/v1/chat/completions"
    assert message == f"HTTP 404 Not Found from POST {url}: no error message in the body (empty body)"
    assert info.value.status_code == 404 and info.value.message == "Not Found"
    assert info.value.url == f"{base}/v1/chat/completions"


def test_html_200_is_not_a_stream() -> None:
    server, base = _serve(200, b"<html><body>Welcome to nginx!</body></html>", "text/html")
    try:
        with pytest.raises(ProviderError) as info:
            _text(base)
    finally:
        server.shutdown()
    message = str(info.value)
    assert "text/html" in message and "not an event stream" in message and "/v1" in message


def test_base_url_with_the_endpoint_path_is_trimmed() -> None:
    with MockLLMServer(answer='{"a": 1}') as server:
        assert _text(server.url + "/v1/chat/completions") == '{"a": 1}'
        assert [r.path for r in server.requests] == ["/v1/chat/completions"]


def test_no_api_key_for_the_default_openai_url_fails_before_sending(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    sent: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(401)

    async def record_async(self: Any, request: httpx.Request) -> httpx.Response:
        return record(request)

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", lambda self, request: record(request))
    monkeypatch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", record_async)
    with pytest.raises(
        ValueError, match=r"^no API key for https://api.openai.com/v1: pass api_key=\.\.\. or set OPENAI_API_KEY$"
    ):
        Agent(OpenAICompatible(model="gpt-4o-mini", retries=0)).input("x").get_response().get_text()
    assert sent == []


@pytest.mark.parametrize(("fault", "error_type"), [("cut", httpx.RemoteProtocolError), ("stall", httpx.ReadTimeout)])
def test_a_failed_body_read_names_the_url(fault: str, error_type: type[httpx.TransportError]) -> None:
    with MockLLMServer(answer='{"title": "a longer title"}', fault=fault, fault_after=4) as server:
        model = OpenAICompatible(
            base_url=server.url + "/v1", model="m", api_key="x", retries=0, timeout=httpx.Timeout(5.0, read=0.3)
        )
        response = Agent(model).input("x").get_response()
        with pytest.raises(error_type) as info:
            response.get_text()
        assert str(info.value).endswith(f" (POST {server.url}/v1/chat/completions)")
        assert type(info.value.__cause__) is error_type  # the original, chained
        assert response.get_text(partial=True) == "".join(server.pieces[:3])  # the text before it is kept
