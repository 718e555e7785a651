"""Shared helpers of the provider tests: the recorded and hand-written fixtures, the models that
reach MockLLMServer at each provider's real path, and `summarize()`, which rebuilds an answer in
the vocabulary of the fixtures' expected.json from the *streamed events alone*."""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from instantjson._exceptions import ProviderStreamError, StreamIncompleteError, UnknownPayloadWarning
from instantjson._providers import Anthropic, Gemini, Ollama, OpenAICompatible, OpenAIResponses
from tests.providers._corpus import SHARED

if TYPE_CHECKING:
    from instantjson._providers import ProviderModel
    from instantjson._response import Response
    from instantjson.testing import MockLLMServer

LOCAL_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FIXTURES = SHARED / "provider-streams" / "fixtures"

# fixture folder -> provider name of Response.from_stream
PROVIDER_OF_DIR: dict[str, str] = {
    "openai_chat": "openai",
    "openai_responses": "openai-responses",
    "anthropic": "anthropic",
    "ollama": "ollama",
    "gemini": "gemini",
}
PROVIDERS = ("openai", "openai-responses", "anthropic", "ollama", "gemini")


@dataclass(frozen=True)
class Case:
    """One recorded (shared/) or hand-written (tests/fixtures/) stream and its expected.json."""

    path: Path
    provider: str
    origin: str

    @property
    def id(self) -> str:
        return f"{self.origin}:{self.path.parent.name}/{self.path.stem}"

    @property
    def body(self) -> bytes:
        return self.path.read_bytes()

    @property
    def expected(self) -> dict[str, Any]:
        return json.loads(self.path.with_suffix(".expected.json").read_text(encoding="utf-8"))


def all_cases() -> list[Case]:
    cases: list[Case] = []
    for origin, root in (("shared", FIXTURES), ("local", LOCAL_FIXTURES)):
        if not root.is_dir():
            continue
        for folder in sorted(p for p in root.iterdir() if p.is_dir() and p.name in PROVIDER_OF_DIR):
            cases.extend(
                Case(path, PROVIDER_OF_DIR[folder.name], origin)
                for path in sorted(folder.glob("*.txt"))
                if path.with_suffix(".expected.json").exists()
            )
    return cases


def model_on(server: MockLLMServer, provider: str, **kwargs: Any) -> ProviderModel:
    """The provider's model pointed at the mock server (no retries, short timeouts)."""
    kwargs.setdefault("retries", 0)
    kwargs.setdefault("timeout", 5.0)
    kwargs.setdefault("model", "mock-model")
    if provider == "openai":
        return OpenAICompatible(base_url=server.url + "/v1", **kwargs)
    if provider == "openai-responses":
        return OpenAIResponses(base_url=server.url + "/v1", **kwargs)
    if provider == "anthropic":
        return Anthropic(base_url=server.url, **kwargs)
    if provider == "ollama":
        return Ollama(base_url=server.url, **kwargs)
    if provider == "gemini":
        return Gemini(base_url=server.url, **kwargs)
    raise ValueError(provider)


def summarize_items(items: list[tuple[str, Any]], error: BaseException | None) -> dict[str, Any]:
    """The answer as expected.json describes it, rebuilt from the normalized events."""
    calls: dict[int, dict[str, Any]] = {}
    refusal: list[str] = []
    incomplete: set[int] = set()
    unknown: list[str] = []
    for event, value in items:
        if event == "tool_calls":
            call = calls.setdefault(value["index"], {"id": None, "name": None, "arguments": ""})
            assert call["id"] is None or value["id"] is None, "an id is sent once per call"
            assert call["name"] is None or value["name"] is None, "a name is sent once per call"
            call["id"] = call["id"] or value["id"]
            call["name"] = call["name"] or value["name"]
            call["arguments"] += value["arguments_delta"]
        elif event == "extra" and "refusal" in value:
            refusal.append(value["refusal"])
        elif event == "extra" and "incomplete_tool_calls" in value:
            incomplete.update(value["incomplete_tool_calls"])
        elif event == "extra" and "unknown" in value:
            unknown.append(value["unknown"]["where"])
    tool_calls = []
    for index in sorted(calls):
        call = calls[index]
        try:
            parsed = json.loads(call["arguments"] or "{}")
        except ValueError:
            parsed = None
        call["arguments_json"] = parsed
        if index in incomplete:
            call["incomplete"] = True
        tool_calls.append(call)
    metas = [value for event, value in items if event == "meta"]
    assert len(metas) == 1, "exactly one meta event"
    meta = metas[0]
    err = None
    if error is not None:
        assert isinstance(error, ProviderStreamError), repr(error)
        err = {"code": error.code, "message": error.message}
    return {
        "text": "".join(v for e, v in items if e == "delta"),
        "reasoning": "".join(v for e, v in items if e == "reasoning_delta"),
        "refusal": "".join(refusal) or None,
        "tool_calls": tool_calls,
        "usage": meta["usage"],
        "finish_reason": meta["finish_reason"],
        "raw_finish_reason": meta["raw_finish_reason"],
        "error": err,
        "unknown": unknown,
    }


def collect(response: Response) -> tuple[list[tuple[str, Any]], BaseException | None]:
    """Every `(event, value)` of a sync `type="all"` view, and the error it raised (if any).
    An `UnknownPayloadWarning` is expected exactly when an `extra {"unknown"}` event came, once."""
    items: list[tuple[str, Any]] = []
    error: BaseException | None = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            for item in response.get_generator(type="all"):
                items.append(item)  # noqa: PERF402
        except Exception as exc:
            error = exc
    check_warnings(items, caught)
    return items, error


async def acollect(response: Response) -> tuple[list[tuple[str, Any]], BaseException | None]:
    items: list[tuple[str, Any]] = []
    error: BaseException | None = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            async for item in response.get_async_generator(type="all"):
                items.append(item)  # noqa: PERF401
        except Exception as exc:
            error = exc
    check_warnings(items, caught)
    return items, error


def check_warnings(items: list[tuple[str, Any]], caught: list[warnings.WarningMessage]) -> None:
    """One UnknownPayloadWarning per response that had unknown shapes, none otherwise."""
    unknown = [v for e, v in items if e == "extra" and "unknown" in v]
    warned = [w for w in caught if issubclass(w.category, UnknownPayloadWarning)]
    assert len(warned) == (1 if unknown else 0), (warned, unknown)


def check_against_expected(
    items: list[tuple[str, Any]], error: BaseException | None, expected: dict[str, Any], *, payloads: bool = False
) -> None:
    """Assert the normalized answer equals the expected.json, plus the event-order invariants.
    `payloads`: the source was decoded payloads, whose end is the end (the Chat Completions
    `[DONE]` is not a payload), so an incomplete stream may be reported by another message."""
    got = summarize_items(items, error)
    for key in ("text", "reasoning", "refusal", "usage", "finish_reason", "raw_finish_reason"):
        assert got[key] == expected[key], f"{key}: {got[key]!r} != {expected[key]!r}"
    assert got["unknown"] == expected.get("unknown", []), got["unknown"]
    want_error = expected["error"]
    if want_error is None:
        assert got["error"] is None, got["error"]
    else:
        code = want_error.get("code", want_error.get("type", want_error.get("status")))
        if payloads and isinstance(error, StreamIncompleteError):
            assert got["error"]["code"] == code
        else:
            assert got["error"] == {"code": code, "message": want_error["message"]}
    assert len(got["tool_calls"]) == len(expected["tool_calls"]), got["tool_calls"]
    for mine, want in zip(got["tool_calls"], expected["tool_calls"], strict=True):
        if want["id"] is None:
            assert isinstance(mine["id"], str) and mine["id"], "an id is synthesized"
        else:
            assert mine["id"] == want["id"]
        assert mine["name"] == want["name"]
        assert mine["arguments"] == want["arguments"]
        assert mine["arguments_json"] == want["arguments_json"]
        assert mine.get("incomplete", False) == want.get("incomplete", False)
    check_shape(items, error, got)


def check_shape(items: list[tuple[str, Any]], error: BaseException | None, got: dict[str, Any]) -> None:
    """End order, originals, and the instant events of tool-call arguments."""
    names = [
        e for e, _ in items if e not in ("original_delta", "delta", "reasoning_delta", "tool_calls", "extra", "instant")
    ]
    assert all(v for e, v in items if e in ("delta", "reasoning_delta")), "text deltas are never empty"
    if error is None:
        assert names == ["done", "reasoning_done", "original_done", "meta"]
        done = dict(items)
        assert done["done"] == got["text"] and done["reasoning_done"] == got["reasoning"]
        message = done["original_done"]
        assert message["content"] == got["text"]
        assert [c["id"] for c in message["tool_calls"]] == [c["id"] for c in got["tool_calls"]]
        assert [c["function"]["arguments"] for c in message["tool_calls"]] == [
            c["arguments"] or "{}" for c in got["tool_calls"]
        ]
        for n, call in enumerate(got["tool_calls"]):
            dones = [
                v.value
                for e, v in items
                if e == "instant" and v.is_complete and v.path == f"$tool_calls[{n}].arguments"
            ]
            if call.get("incomplete") or call["arguments_json"] is None:
                assert dones == []
            else:
                assert dones == [call["arguments_json"]]
    else:
        assert names == ["meta", "error"] and got["finish_reason"] in ("error", "content_filter")
        assert items[-1] == ("error", error)
    assert any(e == "original_delta" for e, _ in items)


def decoded_payloads(case: Case) -> list[dict[str, Any]]:
    """The JSON payloads of a recorded body, as an SDK or a user's own decoder would hand them over."""
    from instantjson._core import NDJSONDecoder, SSEDecoder

    decoder = NDJSONDecoder() if case.provider == "ollama" else SSEDecoder()
    frames = decoder.feed(case.body) + decoder.finish()
    return [f.value for f in frames if isinstance(f.value, dict)]
