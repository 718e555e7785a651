"""Plain Chat Completions chunks (rust/py/src/plain.rs): the frame decoder hands a chunk that
carries only text over as its text alone, and `ChatCompletionsAdapter.feed_plain` answers
without decoding the payload. The fast path must change nothing: every stream gives the same
items (payloads read back as the same dicts), the same text, meta, usage and tool calls as
when every chunk goes through `feed()`. Checked on every Chat Completions stream of the
recorded corpus, split anywhere, and on generated chunks that differ from a plain one in any
of the ways the recognizer must notice.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from instantjson._core import SSEDecoder, loads
from instantjson._pipeline import Pipeline
from instantjson._providers.openai import ChatCompletionsAdapter
from instantjson._schema import CompiledOutput
from tests.providers._corpus import corpus_streams, require_corpus


class FullAdapter(ChatCompletionsAdapter):
    """Every chunk through `feed()`: the reference."""

    plain_chat = False


def run(body: bytes, adapter: ChatCompletionsAdapter, cuts: list[int]) -> dict[str, Any]:
    pipeline = Pipeline(adapter)
    items: list[Any] = []
    start = 0
    for cut in [*sorted(set(cuts)), len(body)]:
        if start < cut <= len(body):
            items += pipeline.feed_bytes(body[start:cut])
            start = cut
    flat = [*items, *pipeline.end()]  # the pipeline lays its entries flat
    items = list(zip(flat[::2], flat[1::2], strict=True))
    readable = [
        (e, loads(v) if e == "original_delta" and isinstance(v, str) else v)
        for e, v in items
        if e != "instant" and not isinstance(v, BaseException)  # compared below
    ]
    errors = [(e, type(v).__name__, str(v)) for e, v in items if isinstance(v, BaseException)]
    instant = [(ev.path, ev.event_type, ev.delta, ev.value) for e, ev in items if e == "instant"]
    return {
        "items": readable,
        "errors": errors,
        "instant": instant,
        "text": adapter.text,
        "meta": adapter.meta,
        "usage": adapter.raw_usage,
        "calls": [(c.id, c.name, c.arguments) for c in adapter.calls],
        "final": pipeline.final_value,
    }


def count_plain(body: bytes) -> int:
    return sum(f.text is not None for f in SSEDecoder(plain_chat=True).feed(body))


def chat_streams() -> list[Any]:
    if not any(s.provider == "openai" for s in corpus_streams()):
        require_corpus()  # skips, or fails under CI=true
    return [pytest.param(s.body, id=s.id) for s in corpus_streams() if s.provider == "openai"]


@pytest.mark.parametrize("body", chat_streams())
@pytest.mark.parametrize("split", ["whole", "frames", "7 bytes"])
def test_plain_path_equals_full_path_on_recorded_streams(body: bytes, split: str) -> None:
    cuts = {
        "whole": [],
        "frames": [i + 2 for i in range(len(body)) if body.startswith(b"\n\n", i)],
        "7 bytes": list(range(7, len(body), 7)),
    }[split]
    assert run(body, ChatCompletionsAdapter(), cuts) == run(body, FullAdapter(), cuts)


def test_the_corpus_has_plain_chunks() -> None:
    """The test above tests the fast path: most chunks of the corpus's text streams are plain."""
    bodies = [p.values[0] for p in chat_streams()]
    plain = sum(count_plain(b) for b in bodies)
    frames = sum(b.count(b"\n\n") for b in bodies)
    assert plain > frames / 3, (plain, frames)


# ------------------------------------------------------------------------------ generated chunks

_BASE: dict[str, Any] = {
    "id": "chatcmpl-1",
    "object": "chat.completion.chunk",
    "created": 1,
    "model": "m",
    "choices": [{"index": 0, "delta": {"content": "x"}, "logprobs": None, "finish_reason": None}],
}

_TOP = st.sampled_from(
    [
        ("usage", None),
        ("usage", {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}),
        ("error", None),
        ("error", {"message": "boom"}),
        ("object", "error"),
        ("object", "chat.completion"),
        ("x_groq", {"usage": {"prompt_tokens": 1}}),
        ("citations", ["https://example.com"]),
        ("obfuscation", "abc"),
        ("service_tier", "default"),
        ("system_fingerprint", None),
        ("model", None),
        ("id", 7),
    ]
)
_CHOICE = st.sampled_from(
    [
        ("index", 1),
        ("index", 0.0),
        ("index", False),
        ("index", "0"),
        ("finish_reason", "stop"),
        ("finish_reason", ""),
        ("finish_reason", "length"),
        ("logprobs", {"content": []}),
        ("message", {"content": "m"}),
        ("native_finish_reason", "stop"),
    ]
)
_DELTA = st.sampled_from(
    [
        ("content", ""),
        ("content", None),
        ("content", 5),
        ("content", [{"type": "text", "text": "part"}]),
        ("content", 'caf\u00e9 \u2603 "q" \\ \n'),
        ("role", "assistant"),
        ("refusal", None),
        ("refusal", "no"),
        ("reasoning_content", "think"),
        ("tool_calls", [{"index": 0, "id": "c1", "function": {"name": "f", "arguments": '{"a":'}}]),
        ("unknown_field", 1),
    ]
)


@st.composite
def chunk(draw: st.DrawFn) -> str:
    payload = json.loads(json.dumps(_BASE))
    choice = payload["choices"][0]
    for key, value in draw(st.lists(_TOP, max_size=2)):
        payload[key] = value
    for key, value in draw(st.lists(_CHOICE, max_size=2)):
        choice[key] = value
    for key, value in draw(st.lists(_DELTA, max_size=2)):
        choice["delta"][key] = value
    if draw(st.booleans()):
        del choice["finish_reason"]
    if draw(st.integers(0, 9)) == 0:
        payload["choices"].append(json.loads(json.dumps(choice)))
    if draw(st.integers(0, 9)) == 0:
        payload["choices"] = []
    text = json.dumps(payload, ensure_ascii=draw(st.booleans()))
    if draw(st.integers(0, 9)) == 0:  # a duplicate key: the last one wins, as in a dict
        text = text[:-1] + ', "choices": [{"delta": {"content": "dup"}}]}'
    return text


@pytest.mark.filterwarnings("ignore::instantjson.UnknownPayloadWarning")
@settings(max_examples=300, deadline=None)
@given(st.lists(chunk(), min_size=1, max_size=8), st.booleans(), st.integers(1, 50))
def test_plain_path_equals_full_path_on_generated_chunks(chunks: list[str], done: bool, step: int) -> None:
    body = "".join(f"data: {c}\n\n" for c in chunks) + ("data: [DONE]\n\n" if done else "")
    raw = body.encode()
    cuts = list(range(step, len(raw), step))
    assert run(raw, ChatCompletionsAdapter(), cuts) == run(raw, FullAdapter(), cuts)


def test_a_plain_chunk_is_its_text_alone() -> None:
    """The recognizer's contract on one frame: text set and value unset for a plain chunk,
    the full value (and no text) for anything more, and no text from a default decoder."""
    plain = json.dumps(_BASE)
    stop = json.dumps({**_BASE, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    frames = SSEDecoder(plain_chat=True).feed(f"data: {plain}\n\ndata: {stop}\n\n".encode())
    assert [(f.text, f.value) for f in frames] == [("x", None), (None, json.loads(stop))]
    assert [f.text for f in SSEDecoder().feed(f"data: {plain}\n\n".encode())] == [None]


def test_plain_chunks_after_an_error_frame_are_ignored() -> None:
    """A chunk after an in-band error ends nothing more: the adapter has ended, plain or not."""
    error = json.dumps({"error": {"message": "overloaded"}})
    body = f"data: {json.dumps(_BASE)}\n\ndata: {error}\n\ndata: {json.dumps(_BASE)}\n\n".encode()
    fast = run(body, ChatCompletionsAdapter(), [])
    assert fast == run(body, FullAdapter(), [])
    assert fast["text"] == "x" and [e[:2] for e in fast["errors"]] == [("error", "ProviderStreamError")]


def test_an_integer_beyond_pythons_digit_limit_takes_the_full_path() -> None:
    """A chunk whose number Python would not build (past `sys.get_int_max_str_digits()`) is
    not plain: the full path decides, and both paths end the stream the same way."""
    huge = json.dumps(_BASE).replace('"created": 1', '"created": ' + "9" * 5000)
    body = f"data: {json.dumps(_BASE)}\n\ndata: {huge}\n\ndata: [DONE]\n\n".encode()
    assert count_plain(body) == 1
    fast = run(body, ChatCompletionsAdapter(), [])
    assert fast == run(body, FullAdapter(), [])
    assert fast["errors"], "the payload with the huge number should fail the stream"


def test_a_run_of_plain_chunks_is_made_in_one_call_with_the_same_entries(monkeypatch: pytest.MonkeyPatch) -> None:
    """After the first chunk (which names the id and model), the pipeline makes the entries of
    each run of plain chunks in one Rust call (`plain_chat_entries`); a parse error in the
    middle of a run (nesting past the parser's depth limit) is logged where the full path logs
    it, and the rest of the run keeps its text and payloads without more instant events."""
    import instantjson._pipeline as pipeline_module

    calls: list[int] = []
    real = pipeline_module.plain_chat_entries

    def counting(frames: Any, start: int, *args: Any) -> Any:
        result = real(frames, start, *args)
        calls.append(result[3] - start)
        return result

    monkeypatch.setattr(pipeline_module, "plain_chat_entries", counting)
    texts = ['{"a": [', *(["[[[[[[[[[["] * 60), '"late text"']
    chunks = [json.dumps({**_BASE, "choices": [{"index": 0, "delta": {"content": t}}]}) for t in texts]
    stop = json.dumps({**_BASE, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    body = "".join(f"data: {c}\n\n" for c in [*chunks, stop]).encode() + b"data: [DONE]\n\n"
    fast = run(body, ChatCompletionsAdapter(), [len(body) // 2])
    assert calls and sum(calls) == len(texts) - 1  # every chunk but the first, in runs
    assert fast == run(body, FullAdapter(), [len(body) // 2])
    assert [e[:2] for e in fast["errors"]] == [("_parse_error", "ParseError")]
    assert fast["text"] == "".join(texts)


# ------------------------------------------------------------------------------ typed output


class _Step(BaseModel):
    step: str
    hours: int


class _Plan(BaseModel):
    title: str
    steps: list[_Step]


def _typed_run(body: bytes, adapter: ChatCompletionsAdapter, cuts: list[int], on_invalid: str) -> dict[str, Any]:
    pipeline = Pipeline(adapter)
    pipeline.attach_output(CompiledOutput(schema={}, instruction="", spec=_Plan, on_invalid=on_invalid))  # type: ignore[arg-type]
    flat: list[Any] = []
    start = 0
    for cut in [*sorted(set(cuts)), len(body)]:
        if start < cut <= len(body):
            flat += pipeline.feed_bytes(body[start:cut])
            start = cut
    flat += pipeline.end()
    events = flat[::2]
    typed = [
        (v.path, v.raw, None if v.error is None else str(v.error))
        for e, v in zip(flat[::2], flat[1::2], strict=True)
        if e == "typed"
    ]
    return {"events": events, "typed": typed, "text": adapter.text, "aborted": pipeline.error is not None}


@settings(max_examples=150, deadline=None)
@given(
    steps=st.lists(st.tuples(st.text(max_size=12), st.one_of(st.integers(0, 99), st.just("soon"))), max_size=4),
    spacing=st.sampled_from(["", " ", "\n  "]),
    trailing=st.sampled_from(["", " ", "\n"]),
    sizes=st.lists(st.integers(1, 9), min_size=1, max_size=8),
    cut_every=st.integers(5, 400),
    on_invalid=st.sampled_from(["event", "abort"]),
)
def test_typed_output_over_plain_chunks_equals_the_full_path(
    steps: list[tuple[str, Any]], spacing: str, trailing: str, sizes: list[int], cut_every: int, on_invalid: str
) -> None:
    """With typed output, runs of plain chunks are still made in one Rust call, stopping after
    each chunk that completes a value the tracker must validate (and, while the root may
    close, after the chunk that closes it): the typed events, their place among the other
    events, an abort on an invalid value ("soon" is not an int) and the text are those of the
    full path, however the answer is cut into chunks and the body into reads."""
    answer = json.dumps({"title": "Plan", "steps": [{"step": s, "hours": h} for s, h in steps]}, indent=None)
    answer = answer.replace(", ", "," + spacing) + trailing
    texts, i, k = [], 0, 0
    while i < len(answer):
        texts.append(answer[i : i + sizes[k % len(sizes)]])
        i += sizes[k % len(sizes)]
        k += 1
    chunks = [json.dumps({**_BASE, "choices": [{"index": 0, "delta": {"content": t}}]}) for t in texts]
    stop = json.dumps({**_BASE, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    body = "".join(f"data: {c}\n\n" for c in [*chunks, stop]).encode() + b"data: [DONE]\n\n"
    cuts = list(range(cut_every, len(body), cut_every))
    fast = _typed_run(body, ChatCompletionsAdapter(), cuts, on_invalid)
    assert fast == _typed_run(body, FullAdapter(), cuts, on_invalid)
    assert fast["typed"], "the root at least is validated"
    assert fast["aborted"] == (on_invalid == "abort" and any(h == "soon" for _, h in steps))
