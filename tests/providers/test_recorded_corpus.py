"""Every recorded stream of ../shared/recorded-streams (openai-python, anthropic-sdk-python,
vercel/ai: see `_corpus.py`) through `Response.from_stream`: whole, in 1-to-7-byte pieces and one
byte at a time, the events are identical; the end events agree with the deltas; each tool call's
instant events rebuild its final arguments; and where the source's own tests state the result
(tests/fixtures/recorded_expectations.json, each entry naming the source test it comes from), the
text, reasoning, tool calls, finish reason and usage equal it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from instantjson._response import Response
from tests.conftest_response import chunked
from tests.providers._corpus import Stream, corpus_streams, require_corpus
from tests.providers._harness import check_shape, collect, summarize_items

STREAMS = corpus_streams()
PARAMS = [pytest.param(stream, id=stream.id) for stream in STREAMS]
EXPECTATIONS: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[1] / "fixtures" / "recorded_expectations.json").read_text(encoding="utf-8")
)


def _comparable(items: list[tuple[str, Any]], error: BaseException | None) -> list[Any]:
    out: list[Any] = []
    for event, value in items:
        if event == "instant":
            out.append(("instant", value.to_dict()))
        elif event == "error":
            out.append(("error", type(value).__name__, str(value)))
        else:
            out.append((event, value))
    out.append(("raised", None if error is None else (type(error).__name__, str(error))))
    return out


def _run(stream: Stream, pieces: list[bytes]) -> tuple[list[tuple[str, Any]], BaseException | None]:
    return collect(Response.from_stream(iter(pieces), provider=stream.provider))


def test_the_corpus_is_there() -> None:
    require_corpus()
    assert len(STREAMS) >= 100
    assert {s.provider for s in STREAMS} == {"openai", "openai-responses", "anthropic", "gemini"}
    missing = sorted(set(EXPECTATIONS) - {s.id for s in STREAMS} - {"_about"})
    assert missing == [], f"expectations for streams that are not in the corpus: {missing}"


@pytest.mark.parametrize("stream", PARAMS)
def test_every_chunking_gives_the_same_events(stream: Stream) -> None:
    whole_items, whole_error = _run(stream, [stream.body])
    whole = _comparable(whole_items, whole_error)
    for seed in (0, 1):
        assert _comparable(*_run(stream, chunked(stream.body, (1, 7), seed))) == whole, f"1-7 bytes, seed {seed}"
    one_byte = [stream.body[i : i + 1] for i in range(len(stream.body))]
    assert _comparable(*_run(stream, one_byte)) == whole, "one byte at a time"
    got = summarize_items(whole_items, whole_error)
    check_shape(whole_items, whole_error, got)


@pytest.mark.parametrize("stream", [p for p in PARAMS if p.id in EXPECTATIONS])
def test_the_sources_expectations(stream: Stream) -> None:
    expected = EXPECTATIONS[stream.id]
    items, error = _run(stream, chunked(stream.body, (1, 7), 2))
    got = summarize_items(items, error)
    for key in ("text", "reasoning", "refusal", "finish_reason", "raw_finish_reason", "usage", "unknown"):
        if key in expected:
            assert got[key] == expected[key], f"{key}: {got[key]!r} != {expected[key]!r}"
    if "error_code" in expected:
        assert got["error"] is not None and got["error"]["code"] == expected["error_code"], got["error"]
    else:
        assert got["error"] is None, got["error"]
    if "tool_calls" in expected:
        assert len(got["tool_calls"]) == len(expected["tool_calls"])
        for mine, want in zip(got["tool_calls"], expected["tool_calls"], strict=True):
            assert mine["id"] == want["id"] or (want["id"] is None and mine["id"]), (mine, want)
            assert (mine["name"], mine["arguments"]) == (want["name"], want["arguments"])
