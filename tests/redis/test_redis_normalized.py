"""The "normalized" pass-through provider (no Redis): errors survive JSON, and a response rebuilt
from a stream's published items has the same `type="all"` sequence, instant events and ids
included, for every recorded provider stream (shared/provider-streams and tests/fixtures)."""

from __future__ import annotations

import json
import random
from typing import Any

import httpx
import pytest

from instantjson import (
    FramingError,
    ParseError,
    ProducerLostError,
    ProviderError,
    ProviderStatusError,
    ProviderStreamError,
    ReplayOverflowError,
    Response,
    ResponseClosedError,
    StreamIncompleteError,
)
from instantjson._providers.normalized import (
    RemoteError,
    decode_error,
    encode_error,
    encode_payload,
)
from tests.providers._harness import Case, all_cases, collect
from tests.redis._common import comparable


class _Custom(Exception):
    def __init__(self, message: str, detail: int) -> None:
        super().__init__(message)
        self.detail = detail


ERRORS: list[BaseException] = [
    ParseError("expected a value", kind="expected_value", offset=12, line=2, column=3, path="steps[1]"),
    FramingError("a frame is larger than 16 MiB"),
    ProviderError("nope", provider="openai", body={"error": {"message": "nope"}}),
    ProviderStatusError("rate limited", status_code=429, provider="openai", body="slow down"),
    ProviderStreamError("overloaded", code="overloaded_error", provider="anthropic", body={"type": "error"}),
    StreamIncompleteError("no [DONE]", provider="gemini"),
    ResponseClosedError("the response was closed before its stream ended"),
    ReplayOverflowError("more than max_parts=3 events"),
    ProducerLostError("the publisher died", key="abc"),
    httpx.ReadTimeout("timed out"),
    httpx.RemoteProtocolError("peer closed connection without sending complete message body"),
    ValueError("plain"),
]


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: type(e).__name__)
def test_errors_come_back_as_the_same_class(error: BaseException) -> None:
    wire = json.loads(json.dumps(encode_error(error)))
    back = decode_error(wire)
    assert type(back) is type(error)
    assert str(back) == str(error)
    public = {k: v for k, v in vars(error).items() if not k.startswith("_") and k != "events"}
    assert {k: getattr(back, k) for k in public} == public
    if isinstance(error, ParseError):
        assert isinstance(back, ParseError) and back.events == []


def test_unknown_error_types_become_remote_errors() -> None:
    back = decode_error(json.loads(json.dumps(encode_error(_Custom("odd", 7)))))
    assert isinstance(back, RemoteError)
    assert back.type_name.endswith("_Custom") and back.attrs == {"detail": 7}
    assert "odd" in str(back)
    # a class outside the allowed modules is never imported or built
    assert isinstance(decode_error({"type": "os.system", "args": ["true"], "attrs": {}}), RemoteError)
    assert isinstance(decode_error({"type": "builtins.print", "args": ["x"], "attrs": {}}), RemoteError)


def _batches(items: list[tuple[str, Any]], rng: random.Random) -> list[dict[str, Any]]:
    """The items cut into payloads of 1-40 events (as a publisher's reads would), through JSON."""
    payloads: list[dict[str, Any]] = []
    i = 0
    while i < len(items):
        j = min(len(items), i + rng.randint(1, 40))
        payloads.append(json.loads(encode_payload(items[i:j], end=j == len(items))))
        i = j
    if not payloads:
        payloads.append(json.loads(encode_payload([], end=True)))
    return payloads


CASES = all_cases()


def test_fixtures_are_there() -> None:
    assert len(CASES) >= 10, "the recorded provider streams are missing (shared/provider-streams)"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_recorded_streams_rebuild_the_same_sequence(case: Case) -> None:
    local = Response.from_stream(case.body, provider=case.provider)
    items, error = collect(local)
    rebuilt = Response.from_stream(_batches(items, random.Random(case.id)), provider="normalized")
    again, again_error = collect(rebuilt)
    assert comparable(again) == comparable(items)
    assert (again_error is None) == (error is None)
    if error is not None:
        assert encode_error(again_error) == encode_error(error)  # type: ignore[arg-type]
    assert rebuilt.get_text(partial=True) == local.get_text(partial=True)
    assert rebuilt.get_data(partial=True) == local.get_data(partial=True)
    assert rebuilt.get_meta(partial=True) == local.get_meta(partial=True)
    instant = [e for e, _ in items if e == "instant"]
    assert [e for e, _ in again if e == "instant"] == instant


def test_bad_payloads_are_clear_errors() -> None:
    with pytest.raises(ProviderStreamError, match="not a normalized payload"):
        Response.from_stream([{"choices": []}], provider="normalized").get_text()
    with pytest.raises(ProviderStreamError, match="not a normalized event"):
        Response.from_stream([{"events": [["delta"]]}], provider="normalized").get_text()
    with pytest.raises(StreamIncompleteError, match="before its end marker"):
        Response.from_stream([{"events": [["delta", "hi"]]}], provider="normalized").get_text()
    partial = Response.from_stream([{"events": [["delta", "hi"]]}], provider="normalized")
    assert partial.get_text(partial=True) == "hi"


def test_derived_events_are_not_carried_and_are_dropped_on_arrival() -> None:
    text = '{"a": [1, 2]}'
    items = [("delta", text), ("instant", object()), ("_parse_error", object()), ("done", text)]
    wire = encode_payload(items, end=True)
    assert json.loads(wire)["events"] == [["delta", text], ["done", text]]
    smuggled = {"events": [["delta", text], ["instant", ["done", "a", 1]], ["done", text]], "end": True}
    response = Response.from_stream([smuggled], provider="normalized")
    assert response.get_data() == {"a": [1, 2]}
    assert all(not isinstance(v, list) for e, v in response.get_generator(type="all") if e == "instant")


def test_ndjson_wire() -> None:
    lines = [encode_payload([("delta", '{"k": "v"}')]), encode_payload([("done", '{"k": "v"}')], end=True)]
    response = Response.from_stream(("\n".join(lines) + "\n").encode(), provider="normalized")
    assert response.get_data() == {"k": "v"}
