"""Typed streaming against the re-validating peers, on the same token chunks, in one run.

Workloads: a pydantic model answer (`Plan` with 50 `Step` items, ~15 KB) and the 1 KB and 1 MB
answers of `_data.py` (the same shape, 4 and ~4,000 items), cut into 1-8 character token chunks.
Every peer consumes the whole stream and keeps what a UI would show after each chunk:

- `instantjson_typed`: `InstantParser(lenient=True).feed(chunk)` + `TypedTracker.feed(events)`:
  each field, item and the root validated once, when complete (what `type="typed"` runs, as
  the pipeline runs it: no tracker call for a chunk that completed no value, the parser's
  `done` asked only when the tracker's `root_may_close`).
- `pydantic_partial`: `TypeAdapter(Plan).validate_json(buffer, experimental_allow_partial=True)`
  after every chunk (pydantic's partial validation: what Pydantic AI does for `run_stream`).
- `openai_sdk_helper`: the OpenAI SDK's stream helper: `jiter.from_json(buffer, partial_mode=True)`
  after every chunk (a dict), `model_validate_json` once at the end.
- `jiter_validate`: `jiter` partial parse + `Plan.model_validate` after every chunk (code that
  wants a validated object on every chunk; it fails until the answer is complete, so it catches).
- `instructor_partial`: Instructor's own `Partial[Plan].model_from_chunks(chunks)` (jiter
  trailing-strings parse + validation of a partial model per chunk).
- `instructor_iterable`: Instructor's `IterableModel(Step).tasks_from_chunks` (brace counting
  from the first `[`, each item validated when its braces close): items only.
- `langchain_pydantic`: LangChain's `PydanticOutputParser.parse_result([Generation(text=buffer)],
  partial=True)` after every chunk (its pure-Python partial JSON parser + validation), what
  `.stream()` runs with a pydantic parser.

Run with `--benchmark-timer=time.process_time` to time CPU rather than wall time (the numbers
in docs/readme-parts/typed.md). `extra_info` records `cpu_s` (process CPU time of one run, after
a warm-up on the first 50 chunks), `first_item_cpu_s` (CPU time until the
peer's output first holds the first step with its final value) and `us_per_chunk`. The 1 MB group
runs instantjson over the whole stream and the peers over a window of 200 chunks at the end of
the answer (their buffer filled outside the timing): the per-chunk cost each pays there.
"""

from __future__ import annotations

import functools
import json
import random
import time
from typing import TYPE_CHECKING, Any

import jiter
import pytest
from _data import _OWNERS, _WEIGHTS_1_TO_8, _sentence, answer_text, token_chunks
from pydantic import BaseModel, TypeAdapter, ValidationError

from instantjson import InstantParser
from instantjson._typed import TypedTracker, compile_plan

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

try:
    from instructor import IterableModel, Partial
except ImportError:  # pragma: no cover - the bench extra installs it
    Partial = IterableModel = None
try:
    from langchain_core.output_parsers import PydanticOutputParser
    from langchain_core.outputs import Generation
except ImportError:  # pragma: no cover - the bench extra installs it
    PydanticOutputParser = Generation = None


class Step(BaseModel):
    step: str
    owner: str
    eta_days: int
    notes: str


class Source(BaseModel):
    url: str
    score: float


class Plan(BaseModel):
    title: str
    summary: str
    steps: list[Step]
    risks: list[str]
    confidence: float
    sources: list[Source]


@functools.cache
def model_answer(n_steps: int = 50) -> str:
    rng = random.Random(f"typed-{n_steps}")
    doc = {
        "title": "Growth plan for Q3 — café expansion 🚀",
        "summary": " ".join(_sentence(rng, 8, 20) for _ in range(3)),
        "steps": [
            {
                "step": f"{i + 1}. " + _sentence(rng, 12, 30),
                "owner": rng.choice(_OWNERS),
                "eta_days": rng.randint(1, 120),
                "notes": _sentence(rng, 8, 24),
            }
            for i in range(n_steps)
        ],
        "risks": [_sentence(rng, 3, 8) for _ in range(3)],
        "confidence": 0.82,
        "sources": [{"url": "https://example.com/a?x=1&y=é", "score": 0.5}],
    }
    return json.dumps(doc, ensure_ascii=False, indent=1)


def cut(text: str, seed: str) -> tuple[str, ...]:
    rng = random.Random(seed)
    out: list[str] = []
    i = 0
    while i < len(text):
        n = rng.choices(range(1, 9), _WEIGHTS_1_TO_8)[0]
        out.append(text[i : i + n])
        i += n
    return tuple(out)


WORKLOADS: dict[str, tuple[str, tuple[str, ...]]] = {
    "typed-1KB": (answer_text("1KB"), token_chunks("1KB")),
    "typed-15KB-50-items": (model_answer(50), cut(model_answer(50), "typed-50")),
    "typed-1MB": (answer_text("1MB"), token_chunks("1MB")),
}


def first_step(text: str) -> Step:
    return Plan.model_validate_json(text).steps[0]


# ------------------------------------------------------------------------------------------ peers
# Each returns (result, CPU seconds until the first step was available with its final value).


def run_instantjson(chunks: Sequence[str], want: Step) -> tuple[Any, float | None]:
    start = time.process_time()
    first = None
    parser = InstantParser(lenient=True)
    tracker = TypedTracker(compile_plan(Plan))
    for chunk in chunks:  # what the pipeline runs per text delta (`_Pipeline._feed_typed`)
        events = parser.feed(chunk)
        if events and (len(events) > 1 or events[0].is_complete):  # a value completed
            typed = tracker.feed(events)
            if first is None and typed and any(t.keys == ("steps", 0) for t in typed):
                first = time.process_time() - start
        if tracker.root_may_close and not tracker.root_done and parser.done:
            tracker.finish_root(parser.value)
    tracker.feed(parser.finish())
    assert tracker.root_event is not None and tracker.root_event.is_valid
    assert tracker.root_event.value.steps[0] == want
    return tracker.root_event.value, first


def _first(start: float, first: float | None, steps: Any, want: Step) -> float | None:
    if first is None and steps and steps[0] == want:
        return time.process_time() - start
    return first


PLAN_ADAPTER: TypeAdapter[Plan] = TypeAdapter(Plan)


def run_pydantic_partial(chunks: Sequence[str], want: Step) -> tuple[Any, float | None]:
    start = time.process_time()
    first = None
    buf = ""
    value = None
    for chunk in chunks:
        buf += chunk
        try:
            value = PLAN_ADAPTER.validate_json(buf, experimental_allow_partial=True)
        except ValidationError:
            continue
        first = _first(start, first, value.steps, want)
    return value, first


def run_openai_sdk_helper(chunks: Sequence[str], want: Step) -> tuple[Any, float | None]:
    start = time.process_time()
    first = None
    buf = ""
    for chunk in chunks:
        buf += chunk
        jiter.from_json(buf.encode("utf-8"), partial_mode=True)  # the helper's `parsed` snapshot (a dict)
    value = Plan.model_validate_json(buf)  # validated once, at the end
    first = _first(start, first, value.steps, want)
    return value, first


def run_jiter_validate(chunks: Sequence[str], want: Step) -> tuple[Any, float | None]:
    start = time.process_time()
    first = None
    buf = ""
    value = None
    for chunk in chunks:
        buf += chunk
        data = jiter.from_json(buf.encode("utf-8"), partial_mode="trailing-strings")
        try:
            value = Plan.model_validate(data)
        except ValidationError:
            continue
        first = _first(start, first, value.steps, want)
    return value, first


def run_instructor_partial(chunks: Sequence[str], want: Step) -> tuple[Any, float | None]:
    start = time.process_time()
    first = None
    value = None
    for value in Partial[Plan].model_from_chunks(iter(chunks)):  # pyright: ignore[reportOptionalSubscript]
        if first is None:
            first = _first(start, first, value.steps, want)
    return value, first


def run_instructor_iterable(chunks: Sequence[str], want: Step) -> tuple[Any, float | None]:
    start = time.process_time()
    first = None
    items: list[Any] = []
    try:
        for item in IterableModel(Step).tasks_from_chunks(iter(chunks)):  # pyright: ignore[reportOptionalCall]
            items.append(item)
            first = _first(start, first, items, want)
    except ValidationError:  # it goes on past the steps, into `sources`: the steps were all yielded
        pass
    return items, first


def run_langchain(chunks: Sequence[str], want: Step) -> tuple[Any, float | None]:
    start = time.process_time()
    first = None
    parser = PydanticOutputParser(pydantic_object=Plan)  # pyright: ignore[reportOptionalCall]
    buf = ""
    value = None
    for chunk in chunks:
        buf += chunk
        value = parser.parse_result([Generation(text=buf)], partial=True)  # pyright: ignore[reportOptionalCall]
        if value is not None:
            first = _first(start, first, value.steps, want)
    return value, first


PEERS: dict[str, Callable[[Sequence[str], Step], tuple[Any, float | None]]] = {
    "instantjson_typed": run_instantjson,
    "pydantic_partial": run_pydantic_partial,
    "openai_sdk_helper": run_openai_sdk_helper,
    "jiter_validate": run_jiter_validate,
    "instructor_partial": run_instructor_partial,
    "instructor_iterable": run_instructor_iterable,
    "langchain_pydantic": run_langchain,
}
_NEEDS = {"instructor_partial": Partial, "instructor_iterable": IterableModel, "langchain_pydantic": Generation}


def _record(
    benchmark: Any, peer: str, text: str, chunks: Sequence[str], run: Callable[[], tuple[Any, float | None]]
) -> None:
    """One measured run for `extra_info` (CPU time, time to the first item), after a warm-up
    (plans compiled, classes built: what every later response of a program reuses)."""
    cpu = time.process_time()
    _, first = run()
    cpu = time.process_time() - cpu
    benchmark.extra_info.update(
        peer=peer,
        bytes=len(text.encode()),
        chunks=len(chunks),
        cpu_s=cpu,
        first_item_cpu_s=first,
        us_per_chunk=cpu / len(chunks) * 1e6,
    )


def _warm_up(fn: Callable[[Sequence[str], Step], tuple[Any, float | None]], chunks: Sequence[str], want: Step) -> None:
    try:
        fn(chunks[:50], want)
    except Exception:  # a prefix is not a whole answer; only the warm-up matters
        pass


@pytest.mark.parametrize("peer", list(PEERS))
@pytest.mark.parametrize("group", ["typed-1KB", "typed-15KB-50-items"])
def test_typed_stream(benchmark: Any, group: str, peer: str) -> None:
    if peer in _NEEDS and _NEEDS[peer] is None:
        pytest.skip(f"{peer}: not installed (pip install -e '.[bench]')")
    text, chunks = WORKLOADS[group]
    want = first_step(text)
    fn = PEERS[peer]
    benchmark.group = group
    _warm_up(fn, chunks, want)
    _record(benchmark, peer, text, chunks, lambda: fn(chunks, want))
    rounds = 20 if peer == "instantjson_typed" else (1 if peer == "langchain_pydantic" else 3)
    benchmark.pedantic(fn, args=(chunks, want), rounds=rounds, iterations=1)


@pytest.mark.parametrize(
    "peer",
    [
        "instantjson_typed",
        pytest.param("pydantic_partial", marks=pytest.mark.heavy),
        pytest.param("jiter_validate", marks=pytest.mark.heavy),
        pytest.param("instructor_partial", marks=pytest.mark.heavy),
    ],
)
def test_typed_1mb(benchmark: Any, peer: str) -> None:
    """instantjson over the whole 1 MB stream; the peers over 200 chunks at its end (per-chunk cost there)."""
    text, chunks = WORKLOADS["typed-1MB"]
    benchmark.group = "typed-1MB (peers: last 200 chunks)"
    want = first_step(text)
    if peer == "instantjson_typed":
        _warm_up(run_instantjson, chunks, want)
        _record(benchmark, peer, text, chunks, lambda: run_instantjson(chunks, want))
        benchmark.pedantic(run_instantjson, args=(chunks, want), rounds=2, iterations=1)
        return
    head = "".join(chunks[:-200])
    window = chunks[-200:]

    def window_run() -> tuple[Any, float | None]:
        buf = head
        for chunk in window:
            buf += chunk
            if peer == "pydantic_partial":
                try:
                    PLAN_ADAPTER.validate_json(buf, experimental_allow_partial=True)
                except ValidationError:
                    pass
            elif peer == "jiter_validate":
                try:
                    Plan.model_validate(jiter.from_json(buf.encode(), partial_mode="trailing-strings"))
                except ValidationError:
                    pass
            else:
                partial_model = Partial[Plan].get_partial_model()  # pyright: ignore[reportOptionalSubscript]
                partial_model.model_validate(jiter.from_json(buf.encode(), partial_mode="trailing-strings"))
        return None, None

    _record(benchmark, peer, text, window, window_run)
    benchmark.pedantic(window_run, rounds=1, iterations=1)
