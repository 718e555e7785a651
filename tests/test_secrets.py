"""Secrets and hostile servers.

* The API key never appears in logs (httpx, httpcore and instantjson captured at DEBUG), in the
  repr of a model, agent, response or request, in an exception (str, repr, args, message, body,
  the formatted traceback chain), or anywhere in the replay, for every provider, on success and
  under every fault of the mock server; and not even when the server echoes it back (in an error
  body, an HTML page, the reason phrase, or in-band in a 200 stream, split across chunks).
* An error body that is huge (50 MB, JSON or HTML, with a length or chunked, or endless) or
  not JSON is cut and reported: a `ProviderStatusError` with a short message, read up to 64 KiB
  and no further (the server could not push more than its socket buffers took), in bounded
  memory and time.
* The mock server listens on 127.0.0.1 only: other local addresses are refused.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
import traceback
import tracemalloc
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import httpx
import pytest

from instantjson._agent import Agent, AgentlyCompat
from instantjson._client import MAX_ERROR_BODY, Retries
from instantjson._exceptions import (
    ProviderError,
    ProviderStatusError,
    ProviderStreamError,
)
from instantjson._providers.anthropic import Anthropic
from instantjson._providers.gemini import Gemini
from instantjson._providers.ollama import Ollama
from instantjson._providers.openai import OpenAICompatible
from instantjson._providers.openai_responses import OpenAIResponses
from instantjson.testing import MockLLMServer
from tests.conftest_response import SEED_ANSWER, anyio_backend

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from instantjson._providers import ProviderModel
    from instantjson._response import Response

__all__ = ["anyio_backend"]

KEY = "sk-proj-SECRET0123456789abcdefXYZ"

MODELS: dict[str, Callable[[str], ProviderModel]] = {
    "openai": lambda url: OpenAICompatible(base_url=url + "/v1", model="m", api_key=KEY, retries=0, timeout=5.0),
    "openai-responses": lambda url: OpenAIResponses(base_url=url + "/v1", model="m", api_key=KEY, retries=0),
    "anthropic": lambda url: Anthropic(base_url=url, model="m", api_key=KEY, retries=0, timeout=5.0),
    "ollama": lambda url: Ollama(base_url=url, model="m", api_key=KEY, retries=0, timeout=5.0),
    "gemini": lambda url: Gemini(base_url=url, model="m", api_key=KEY, retries=0, timeout=5.0),
}
FAULTS = [None, "http_401", "http_429", "http_500", "inband_error", "cut", "malformed", "stall", "truncated"]


def leaks(text: str) -> bool:
    return KEY in text


def everything_said(response: Response, error: BaseException | None) -> str:
    """Every string a user could see: the replay (each item, values JSON-dumped), the getters'
    partial results, reprs, and the error in every form."""
    parts = [repr(response)]
    for event, value in response.events:
        parts.append(f"{event} {value!r}")
        try:
            parts.append(json.dumps(value, default=repr))
        except (TypeError, ValueError):  # an InstantEvent, an exception
            parts.append(str(value))
    for exc in {id(e): e for e in (error, response.events[-1][1] if response.events else None) if e}.values():
        if isinstance(exc, BaseException):
            parts += [str(exc), repr(exc), repr(exc.args), "".join(traceback.format_exception(exc))]
            parts += [repr(getattr(exc, attr, None)) for attr in ("message", "body", "code", "provider")]
    return "\n".join(parts)


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)  # root: httpx, httpcore, instantjson, anything
    for name in ("httpx", "httpcore", "instantjson", "hpack"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    return caplog


def all_logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(f"{r.name} {r.getMessage()} {r.args!r}" for r in caplog.records)


@pytest.mark.anyio
@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("provider", list(MODELS))
async def test_api_key_never_shown(provider: str, fault: Any, debug_logs: pytest.LogCaptureFixture) -> None:
    async with MockLLMServer(answer=SEED_ANSWER, fault=fault, fault_after=5) as server:
        model = MODELS[provider](server.url)
        model.timeout = httpx.Timeout(5.0, read=0.3)  # the stall ends in a ReadTimeout
        agent = Agent(model).input("plan")
        spec = model.build_request(agent.prompt())
        response = agent.get_response()
        error: BaseException | None = None
        with anyio.fail_after(5):
            try:
                async for _ in response.get_async_generator(type="all"):
                    pass
            except Exception as exc:
                error = exc
            text = await response.async_get_text(partial=True)
            meta = await response.async_get_meta(partial=True)
        assert (error is None) == (fault is None), error
        # the key did go out, in the provider's header
        sent = server.requests[0].headers
        assert any(KEY in value for value in sent.values())
        said = everything_said(response, error) + text + json.dumps(meta)
        said += repr(model) + repr(agent) + repr(spec) + repr(server.requests) + repr(server)
        assert not leaks(said)
        assert not leaks(all_logged(debug_logs))
        assert debug_logs.records  # httpx/httpcore did log


def test_agently_facade_repr_hides_the_key() -> None:
    facade = AgentlyCompat().set_settings("OpenAICompatible", {"base_url": "http://x/v1", "model": "m", "api_key": KEY})
    agent = facade.create_agent()
    assert not leaks(repr(agent) + repr(agent.model) + repr(facade))


# ---------------------------------------------------------------------------- hostile servers
class HostileServer:
    """A one-trick HTTP server on 127.0.0.1: every POST gets `status` (with `reason`), `headers`
    and the pieces of `body()`, with a Content-Length (`length`) or chunked. `sent` counts the
    body bytes the socket accepted; `close()` joins the handler threads."""

    def __init__(
        self,
        status: int,
        body: Callable[[], Iterator[bytes]],
        *,
        content_type: str = "application/json",
        reason: str | None = None,
        length: int | None = None,
    ) -> None:
        self.sent = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length") or 0))
                self.send_response(status, reason)
                self.send_header("Content-Type", content_type)
                if length is None:
                    self.send_header("Transfer-Encoding", "chunked")
                else:
                    self.send_header("Content-Length", str(length))
                self.end_headers()
                try:
                    for piece in body():
                        if not piece:
                            continue  # an empty chunk would end a chunked body
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if length is None else piece)
                        outer.sent += len(piece)
                    if length is None:
                        self.wfile.write(b"0\r\n\r\n")
                except OSError:  # the client read what it wanted and left
                    pass
                self.close_connection = True

        class Server(ThreadingHTTPServer):
            daemon_threads = False  # tracked: server_close() joins them
            block_on_close = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass

        self._httpd = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(10)


def _pieces(total: int, piece: bytes, head: bytes = b"", tail: bytes = b"") -> Callable[[], Iterator[bytes]]:
    def body() -> Iterator[bytes]:
        yield head
        sent = len(head)
        while sent < total - len(tail):
            yield piece
            sent += len(piece)
        yield tail

    return body


def _endless(piece: bytes) -> Callable[[], Iterator[bytes]]:
    def body() -> Iterator[bytes]:
        while True:
            yield piece

    return body


MB50 = 50 * 1024 * 1024
HTML = b"<html><body><h1>502 Bad Gateway</h1>" + b"<p>upstream said no</p>" * 2800 + b"\n"
HUGE_JSON_HEAD = b'{"error": {"message": "' + b"Model overloaded. " * 10


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("status", "content_type", "body", "framing"),
    [
        (500, "application/json", _pieces(MB50, b"m" * 65536, HUGE_JSON_HEAD, b'"}}'), "length"),
        (500, "application/json", _pieces(MB50, b"m" * 65536, HUGE_JSON_HEAD, b'"}}'), "chunked"),
        (502, "text/html", _pieces(MB50, HTML), "length"),
        (503, "text/html; charset=utf-8", _endless(HTML), "chunked"),
        (400, "text/plain", _pieces(MB50, b"\xff\xfe not utf-8 " * 4096), "chunked"),
    ],
    ids=["json-50MB-length", "json-50MB-chunked", "html-50MB-length", "html-endless-chunked", "binary-50MB"],
)
async def test_huge_or_non_json_error_body_is_cut_and_reported(
    status: int, content_type: str, body: Callable[[], Iterator[bytes]], framing: str
) -> None:
    server = HostileServer(status, body, content_type=content_type, length=MB50 if framing == "length" else None)
    try:
        retries = Retries(max_retries=1, backoff=0.01, max_backoff=0.01)  # two attempts, both bounded
        model = OpenAICompatible(base_url=server.url + "/v1", model="m", api_key=KEY, retries=retries, timeout=10.0)
        response = Agent(model).input("x").get_response()
        tracemalloc.start()
        start = time.monotonic()
        try:
            with anyio.fail_after(10), pytest.raises(ProviderStatusError) as info:
                await response.async_get_text()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        elapsed = time.monotonic() - start
    finally:
        await anyio.to_thread.run_sync(server.close)
    error = info.value
    assert error.status_code == status
    assert 0 < len(error.message) <= 2000 and len(str(error)) <= 2000
    assert isinstance(error.body, str) and len(error.body) <= 4096  # cut: not JSON any more
    assert "upstream said no" in error.message or "Model overloaded" in error.message or "not utf-8" in error.message
    assert not leaks(str(error) + repr(error.body))
    assert peak < 8 * 1024 * 1024, f"{peak / 2**20:.1f} MiB allocated for an error body"
    assert server.sent < MB50 / 2, f"{server.sent / 2**20:.1f} MiB sent: the body was read to its end"
    assert elapsed < 5
    assert await response.async_get_text(partial=True) == ""
    assert MAX_ERROR_BODY == 64 * 1024


@pytest.mark.anyio
@pytest.mark.parametrize("lines", [False, True], ids=["one-line", "lines"])
async def test_huge_html_page_under_200_fails_cleanly(lines: bool) -> None:
    """A proxy's 50 MB HTML page served as HTTP 200 with `text/html`: no event in sight. It is
    not read as a stream: `ProviderError` "answered text/html, not an event stream" after at most
    `MAX_ERROR_BODY` bytes of it (issue 14), the URL named, the first KiB kept in `body`."""
    page = HTML if lines else HTML.replace(b"\n", b" ")
    server = HostileServer(200, _pieces(MB50, page), content_type="text/html", length=MB50)
    try:
        response = Agent(OpenAICompatible(base_url=server.url + "/v1", model="m", retries=0)).input("x").get_response()
        with anyio.fail_after(10), pytest.raises(ProviderError, match="text/html, not an event stream") as info:
            await response.async_get_text()
    finally:
        await anyio.to_thread.run_sync(server.close)
    assert f"{server.url}/v1/chat/completions" in str(info.value)
    assert isinstance(info.value.body, str) and len(info.value.body) <= 1024
    assert server.sent < MB50 / 2
    assert response.events[-2][1]["finish_reason"] == "error"
    assert await response.async_get_text(partial=True) == ""


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("status", "reason", "body", "content_type"),
    [
        (
            401,
            None,
            json.dumps({"error": {"message": f"Incorrect API key provided: {KEY}", "key": KEY}}),
            "application/json",
        ),
        (401, None, f"<html><body>Bad key {KEY}</body></html>", "text/html"),
        (403, f"Forbidden for {KEY}", "", "text/plain"),
        (200, None, json.dumps({"error": {"message": f"bad key {KEY}"}}), "application/json"),
    ],
    ids=["json-401", "html-401", "reason-phrase", "json-error-under-200"],
)
async def test_server_echoing_the_key(
    status: int, reason: str | None, body: str, content_type: str, debug_logs: pytest.LogCaptureFixture
) -> None:
    data = body.encode()
    server = HostileServer(status, lambda: iter([data]), content_type=content_type, reason=reason, length=len(data))
    try:
        response = Agent(MODELS["openai"](server.url)).input("x").get_response()
        with anyio.fail_after(5), pytest.raises((ProviderStatusError, ProviderStreamError)) as info:
            await response.async_get_text()
    finally:
        await anyio.to_thread.run_sync(server.close)
    said = everything_said(response, info.value)
    assert "***" in said
    assert not leaks(said)
    assert not leaks(all_logged(debug_logs).replace(f"Forbidden for {KEY}", ""))  # httpcore logs the status line


@pytest.mark.anyio
@pytest.mark.parametrize("chunk", [(1, 1), (1, 5), (7, 40)])
async def test_key_echoed_in_a_stream_split_across_chunks(chunk: tuple[int, int]) -> None:
    """A 200 stream that carries the key in a payload and in an in-band error: redacted from the
    bytes before they are parsed, wherever the network chunks split it."""
    frames = [
        {"id": f"chatcmpl-{KEY}", "choices": [{"index": 0, "delta": {"role": "assistant", "content": '{"a": 1'}}]},
        {"id": "x", "choices": [{"index": 0, "delta": {"content": f', "s": "{KEY[:5]}"'}}]},  # a prefix is no key
        {"error": {"message": f"Incorrect API key provided: {KEY}{KEY}", "type": "invalid_request_error"}},
    ]
    raw = "".join(f"data: {json.dumps(f)}\n\n" for f in frames) + "data: [DONE]\n\n"
    async with MockLLMServer(raw=raw, chunk=chunk) as server:
        response = Agent(MODELS["openai"](server.url)).input("x").get_response()
        with anyio.fail_after(5), pytest.raises(ProviderStreamError) as info:
            await response.async_get_text()
        assert info.value.message == "Incorrect API key provided: ******"
        assert await response.async_get_text(partial=True) == '{"a": 1, "s": "sk-pr"'
        said = everything_said(response, info.value)
        assert not leaks(said) and "chatcmpl-***" in said


# ---------------------------------------------------------------------------- loopback only
def _listening_addresses(port: int) -> list[str]:
    """Local addresses of the sockets listening on `port` (from /proc/net/tcp and tcp6)."""
    found: list[str] = []
    for name in ("tcp", "tcp6"):
        path = Path("/proc/net") / name
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].rsplit(":", 1)
            if int(port_hex, 16) == port and fields[3] == "0A":  # LISTEN
                found.append(address)
    return found


def _other_local_addresses() -> list[tuple[int, str]]:
    """Addresses of this host other than 127.0.0.1: another loopback address, ::1, and the
    host's own interface addresses when it has any."""
    candidates: list[tuple[int, str]] = [(socket.AF_INET, "127.0.0.2")]
    if socket.has_ipv6:
        candidates.append((socket.AF_INET6, "::1"))
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing interface
        own = probe.getsockname()[0]
        if not own.startswith("127."):
            candidates.append((socket.AF_INET, own))
    except OSError:  # no route at all: a sandbox with loopback only
        pass
    finally:
        probe.close()
    try:
        for family, _, _, _, sockaddr in socket.getaddrinfo(socket.gethostname(), None, proto=socket.IPPROTO_TCP):
            host = str(sockaddr[0])
            if host not in ("127.0.0.1", "::1") and (family, host) not in candidates:
                candidates.append((family, host))
    except OSError:
        pass
    return candidates


def test_mock_server_listens_on_loopback_only() -> None:
    with MockLLMServer(answer=SEED_ANSWER) as server:
        port = int(server.url.rsplit(":", 1)[1])
        assert server.url == f"http://127.0.0.1:{port}"
        listening = _listening_addresses(port)
        if listening:  # Linux: the kernel's own view of the listening socket
            assert listening == ["0100007F"], listening  # 127.0.0.1, and no IPv6 socket
        tried: list[str] = []
        for family, host in _other_local_addresses():
            with socket.socket(family, socket.SOCK_STREAM) as client:
                client.settimeout(2)
                try:
                    client.connect((host, port))
                except ConnectionRefusedError:
                    tried.append(host)
                    continue
                except OSError:  # an address this host cannot use (no IPv6, ...)
                    continue
                pytest.fail(f"the mock server accepted a connection on {host}")
        assert "127.0.0.2" in tried
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            pass  # and 127.0.0.1 itself works
