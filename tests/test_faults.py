"""Every fault of MockLLMServer gives its own exception type, with the status code and the
provider's message; text received before a mid-stream fault stays; retries happen only before
the first byte; nothing hangs."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import anyio
import httpx
import pytest

from instantjson._agent import Agent
from instantjson._client import Retries, retry_after_seconds, status_error
from instantjson._exceptions import (
    ParseError,
    ProviderStatusError,
    ProviderStreamError,
    StreamIncompleteError,
)
from instantjson._providers.openai import OpenAICompatible
from instantjson.testing import INBAND_MESSAGE, MockLLMServer
from instantjson.testing._server import _MESSAGES  # pyright: ignore[reportPrivateUsage]
from tests.conftest_response import SEED_ANSWER, SEED_ANSWER_VALUE, SEED_OUTPUT, anyio_backend, model_for
from tests.providers._harness import acollect

if TYPE_CHECKING:
    from instantjson._response import Response

__all__ = ["anyio_backend"]

FAST_RETRY = Retries(max_retries=2, backoff=0.01, max_backoff=0.02)


def respond(server: MockLLMServer, **kwargs: Any) -> Response:
    return Agent(model_for(server, **kwargs)).input("plan").output(SEED_OUTPUT).get_response()


@pytest.mark.anyio
@pytest.mark.parametrize("status", [401, 429, 500])
async def test_http_status_faults(status: int) -> None:
    fault: Any = f"http_{status}"
    async with MockLLMServer(answer=SEED_ANSWER, fault=fault) as server:
        response = respond(server)
        with anyio.fail_after(10):
            items, error = await acollect(response)
        assert type(error) is ProviderStatusError
        assert error.status_code == status
        assert error.message == _MESSAGES[status]
        assert error.provider == "openai"
        assert isinstance(error.body, dict) and error.body["error"]["message"] == _MESSAGES[status]  # pyright: ignore[reportUnknownMemberType]
        assert [e for e, _ in items] == ["meta", "error"] and items[0][1]["finish_reason"] == "error"
        with pytest.raises(ProviderStatusError):
            await response.async_get_data()
        assert await response.async_get_text(partial=True) == ""
        assert len(server.requests) == 1


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("fault", "error_type"),
    [
        ("inband_error", ProviderStreamError),
        ("cut", httpx.RemoteProtocolError),
        ("malformed", ParseError),
        ("stall", httpx.ReadTimeout),
        ("truncated", StreamIncompleteError),
    ],
)
async def test_mid_stream_faults_keep_the_text_before(fault: Any, error_type: type[BaseException]) -> None:
    after = 12
    async with MockLLMServer(answer=SEED_ANSWER, fault=fault, fault_after=after) as server:
        response = respond(server, timeout=httpx.Timeout(5.0, read=0.3), retries=FAST_RETRY)
        with anyio.fail_after(10):
            items, error = await acollect(response)
            assert type(error) is error_type
            if isinstance(error, httpx.TransportError):  # a cut, a stall: the request is named
                assert str(error).endswith(f" (POST {server.url}/v1/chat/completions)")
                assert type(error.__cause__) is error_type
            before = "".join(server.pieces[: after - 1])  # frame 0 is the role chunk
            assert "".join(v for e, v in items if e == "delta") == before
            assert await response.async_get_text(partial=True) == before
            with pytest.raises(error_type):
                await response.async_get_text()
            meta = await response.async_get_meta(partial=True)
            assert meta is not None and meta["finish_reason"] == "error"
            partial = await response.async_get_data(partial=True)
            assert isinstance(partial, dict) and partial["title"] == SEED_ANSWER_VALUE["title"][: len(partial["title"])]
        if fault == "inband_error":
            assert isinstance(error, ProviderStreamError) and error.message == INBAND_MESSAGE
            assert error.code == "overloaded"
        assert len(server.requests) == 1  # a failure after output started is never retried
        assert server.wait_idle(5)


@pytest.mark.anyio
async def test_429_is_retried_honouring_retry_after() -> None:
    async with MockLLMServer(answer=SEED_ANSWER, fault="http_429", fault_times=2, retry_after=0) as server:
        response = respond(server, retries=Retries(max_retries=2, backoff=30.0))  # backoff would time out
        with anyio.fail_after(10):
            assert await response.async_get_data() == SEED_ANSWER_VALUE
        assert len(server.requests) == 3


@pytest.mark.anyio
async def test_500_is_retried_with_backoff_then_gives_up() -> None:
    async with MockLLMServer(answer=SEED_ANSWER, fault="http_500", fault_times=1) as server:
        assert await respond(server, retries=FAST_RETRY).async_get_text() == SEED_ANSWER
        assert len(server.requests) == 2
    async with MockLLMServer(answer=SEED_ANSWER, fault="http_500") as server:
        with pytest.raises(ProviderStatusError) as info:
            await respond(server, retries=FAST_RETRY).async_get_text()
        assert info.value.status_code == 500
        assert len(server.requests) == 3


@pytest.mark.anyio
async def test_401_and_long_retry_after_are_not_retried() -> None:
    async with MockLLMServer(answer=SEED_ANSWER, fault="http_401") as server:
        with pytest.raises(ProviderStatusError):
            await respond(server, retries=FAST_RETRY).async_get_text()
        assert len(server.requests) == 1
    async with MockLLMServer(answer=SEED_ANSWER, fault="http_429", retry_after=3600) as server:
        with anyio.fail_after(5), pytest.raises(ProviderStatusError):
            await respond(server, retries=FAST_RETRY).async_get_text()
        assert len(server.requests) == 1


@pytest.mark.anyio
async def test_connect_errors_are_retried() -> None:
    async with MockLLMServer(answer=SEED_ANSWER) as server:
        attempts: list[int] = []
        real = httpx.AsyncHTTPTransport()

        class Flaky(httpx.AsyncBaseTransport):
            async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
                attempts.append(1)
                if len(attempts) <= 2:
                    raise httpx.ConnectError("connection refused", request=request)
                return await real.handle_async_request(request)

            async def aclose(self) -> None:
                await real.aclose()

        model = OpenAICompatible(base_url=server.url + "/v1", model="m", retries=FAST_RETRY, transport=Flaky())
        assert await Agent(model).input("x").get_response().async_get_text() == SEED_ANSWER
        assert len(attempts) == 3 and len(server.requests) == 1
        model = OpenAICompatible(base_url=server.url + "/v1", model="m", retries=0, transport=Flaky())
        attempts.clear()
        with pytest.raises(httpx.ConnectError):
            await Agent(model).input("x").get_response().async_get_text()


def test_status_error_parsing_never_crashes() -> None:
    huge = json.dumps({"error": {"message": "m" * 100_000, "type": "x", "code": 7}}).encode()
    error = status_error(400, huge, provider="openai")
    assert error.status_code == 400 and len(error.message) <= 2000
    html = b"<html><body><h1>502 Bad Gateway</h1></body></html>" * 1000
    error = status_error(502, html, provider="openai", reason="Bad Gateway")
    assert error.message.startswith("<html>") and len(str(error.body)) <= 4096
    assert status_error(503, b"", provider=None, reason="Service Unavailable").message == "Service Unavailable"
    assert status_error(500, b"\xff\xfe not utf-8", provider=None).message
    assert status_error(422, b'{"detail": [{"msg": "bad"}]}', provider=None).message == '[{"msg": "bad"}]'
    assert status_error(400, b'{"message": "vllm says no"}', provider=None).message == "vllm says no"


def test_api_key_never_shown() -> None:
    key = "sk-secret-0123456789"
    model = OpenAICompatible(model="m", api_key=key)
    spec = model.build_request(Agent(model).input("x").prompt())
    assert spec.headers["Authorization"] == f"Bearer {key}"
    assert key not in repr(model) and key not in repr(spec)
    body = json.dumps({"error": {"message": f"Incorrect API key provided: {key}"}}).encode()
    error = status_error(401, body, provider="openai", secrets=spec.secrets)
    assert key not in str(error) and key not in json.dumps(error.body)


def test_retry_after_header_forms() -> None:
    assert retry_after_seconds({"Retry-After": "2"}) == 2.0
    assert retry_after_seconds({"retry-after-ms": "1500"}) == 1.5
    assert retry_after_seconds({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert retry_after_seconds({"Retry-After": "soon"}) is None
    assert Retries(max_retry_after=10).delay(0, {"Retry-After": "11"}) is None
    assert 0.375 <= Retries(backoff=0.5).delay(0) <= 0.5
