"""`python -m instantjson demo` and `serve-mock`: the seed's scenario, live in the terminal.

`demo` starts `MockLLMServer` with a scripted plan (or uses `--base-url/--model/--api-key` for a
real OpenAI-compatible endpoint), asks for the seed's structured output, and consumes the one
response twice at once: the text stream and the instant (structured) stream. On a terminal it
redraws the text and the fields as they fill in (a field shows `…` while it grows and `✓` once
complete); otherwise (or with `--plain`) it prints each completed field as a line. It ends with
the final data, the meta, and the time to the first field.

`serve-mock` runs the mock server in the foreground for other clients (the official SDKs).
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import TYPE_CHECKING, Any, TextIO

import anyio

from ._agent import Agent
from ._exceptions import OutputValidationError
from ._explain import explain
from ._providers.openai import OpenAICompatible
from ._screen import Screen
from .testing import FAULTS, MockLLMServer

if TYPE_CHECKING:
    import argparse

    from ._providers._base import Structured

__all__ = ["DEMO_ANSWER", "AnswerError", "add_demo_arguments", "add_serve_arguments", "run_demo", "serve_mock"]

DEMO_ANSWER = json.dumps(
    {
        "title": "Weekly sign-up growth sprint",
        "summary": "Three low-cost experiments to lift weekly sign-ups by 10% within a month.",
        "steps": [
            {
                "step": "A/B test a benefit-led landing page headline against the current one",
                "owner": "Growth marketer",
            },
            {"step": "Add a two-sided referral reward to the onboarding email sequence", "owner": "Lifecycle manager"},
            {"step": "Offer a 14-day trial extension to visitors who abandon sign-up", "owner": "Product manager"},
        ],
    },
    indent=2,
)

SEED_OUTPUT: dict[str, Any] = {
    "title": (str, "Title"),
    "summary": (str, "One-line summary"),
    "steps": [{"step": (str, "Step"), "owner": (str, "Owner role")}],
}
SYSTEM = "You are an operations-report assistant. Return structured output."
INPUT = "Give me a 3-step growth experiment plan and a one-line summary."


def add_demo_arguments(parser: argparse.ArgumentParser) -> None:
    """The `demo` subcommand's options."""
    parser.add_argument("--base-url", help="an OpenAI-compatible endpoint (default: the built-in mock server)")
    parser.add_argument("--model", default=None, help="model name (default: mock-model, or required with --base-url)")
    parser.add_argument("--api-key", default=None, help="API key (default: $OPENAI_API_KEY)")
    parser.add_argument(
        "--structured",
        choices=("auto", "native", "prompt"),
        default="auto",
        help="native: also send response_format json_schema",
    )
    parser.add_argument("--delay", type=float, default=0.03, help="mock server: seconds between chunks")
    parser.add_argument("--plain", action="store_true", help="print lines instead of redrawing the screen")


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """The `serve-mock` subcommand's options."""
    parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--answer", default=None, help="the scripted answer (default: the demo's plan)")
    parser.add_argument("--answer-file", default=None, help="read the scripted answer from this file")
    parser.add_argument("--reasoning", default=None, help="reasoning text streamed before the answer")
    parser.add_argument(
        "--chunk", type=int, nargs=2, default=(1, 8), metavar=("MIN", "MAX"), help="characters per streamed piece"
    )
    parser.add_argument("--delay", type=float, default=0.02, help="seconds between chunks")
    parser.add_argument("--fault", choices=sorted(FAULTS), default=None, help="inject a fault")
    parser.add_argument("--fault-after", type=int, default=None, help="chunks before a mid-stream fault")


class AnswerError(Exception):
    """The stream was fine but the answer is not what was asked for (`error` says why)."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


async def _run(model: OpenAICompatible, out: TextIO, live: bool) -> int:
    response = Agent(model).system(SYSTEM).input(INPUT).output(SEED_OUTPUT).get_response()
    screen = Screen(out, live)
    start = time.monotonic()
    first_field: list[float] = []
    if not live:
        out.write("STRUCTURED_STREAM (as fields complete):\n")

    # Each consumer keeps its own error (no exception group): the text view fails only when the
    # stream does; the instant view also when the answer is not JSON.
    failures: dict[str, Exception] = {}

    async def text() -> None:
        try:
            async for piece in response.get_async_generator(type="delta"):
                screen.delta(piece)
        except Exception as exc:
            failures["text"] = exc

    async def structured() -> None:
        try:
            async for item in response.get_async_generator(type="instant"):
                if item.is_complete and not first_field:
                    first_field.append(time.monotonic() - start)
                screen.field(item.path, item.value, item.is_complete, not isinstance(item.value, (dict, list)))
        except Exception as exc:
            failures["structured"] = exc

    async with response:
        async with anyio.create_task_group() as tg:
            tg.start_soon(text)
            tg.start_soon(structured)
        if "text" in failures:
            raise failures["text"]
        data: Any = None
        if "structured" not in failures:
            try:
                data = await response.async_get_data()
            except OutputValidationError as exc:  # JSON, but not what the spec names
                failures["structured"] = exc
        if "structured" in failures:
            screen.draw(force=True)
            if not live:
                out.write("\nTEXT_STREAM:\n" + screen.text + "\n")
            raise AnswerError(failures["structured"])
        meta = await response.async_get_meta()
    screen.draw(force=True)
    if not live:
        out.write("\nTEXT_STREAM:\n" + screen.text + "\n")
    out.write("\nFINAL_DATA:\n" + json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    out.write(f"\nmeta: {json.dumps(meta)}\n")
    if first_field:
        total = time.monotonic() - start
        out.write(f"first complete field after {first_field[0] * 1000:.0f} ms; whole answer {total * 1000:.0f} ms\n")
    return 0


def _stdout() -> TextIO:
    return sys.stdout


def _stderr() -> TextIO:
    return sys.stderr


def _endpoint(base_url: str) -> tuple[str, str | None]:
    """The base URL to use, and a note when the user gave the full endpoint (as `serve-mock`
    prints it): the client appends `/chat/completions` itself."""
    trimmed = base_url.rstrip("/")
    for suffix in ("/chat/completions", "/chat", "/completions"):
        if trimmed.endswith(suffix):
            base = trimmed[: -len(suffix)]
            return base, f"note: using --base-url {base} (the client adds {suffix} itself)"
    return trimmed, None


def run_demo(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run the seed's scenario (see the module docs); returns the exit code.

    Every failure prints two lines to `err` (stderr): what happened, where (the URL, the HTTP
    status) and what to do, then a hint; never a traceback or an exception group. Exit codes: 1
    for a failed request or answer, 2 for a usage error, 130 for Ctrl-C."""
    out = _stdout() if out is None else out
    err = _stderr() if err is None else err
    live = not getattr(args, "plain", False) and out.isatty() and os.environ.get("TERM") != "dumb"
    structured: Structured = getattr(args, "structured", "auto")
    url = None
    try:
        if args.base_url:
            if not args.model:
                err.write("error: --model is required with --base-url (the model's name at that endpoint)\n")
                return 2
            base_url, note = _endpoint(args.base_url)
            if note:
                err.write(note + "\n")
            url = base_url + "/chat/completions"
            model = OpenAICompatible(
                base_url=base_url,
                model=args.model,
                api_key=args.api_key,
                structured=structured,
                options={"temperature": 0.2},
            )
            return anyio.run(_run, model, out, live)
        with MockLLMServer(answer=DEMO_ANSWER, chunk=(1, 8), delay=args.delay) as server:
            out.write(f"mock OpenAI-compatible server at {server.url}/v1\n")
            url = server.url + "/v1/chat/completions"
            model = OpenAICompatible(
                base_url=server.url + "/v1", model=args.model or "mock-model", api_key="mock", structured=structured
            )
            return anyio.run(_run, model, out, live)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a CLI: what happened and what to do, not a traceback
        if isinstance(exc, AnswerError):
            line, hint = explain(exc.error, url=url, in_answer=True)
        else:
            line, hint = explain(exc, url=url)
        out.flush()
        err.write(f"error: {line}\nhint: {hint}\n")
        err.flush()
        return 1


def serve_mock(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Serve the mock provider until interrupted; returns the exit code."""
    out = _stdout() if out is None else out
    answer = args.answer
    if args.answer_file:
        with open(args.answer_file, encoding="utf-8") as handle:
            answer = handle.read()
    server = MockLLMServer(
        answer=answer if answer is not None else DEMO_ANSWER,
        reasoning=args.reasoning,
        chunk=tuple(args.chunk),
        delay=args.delay,
        fault=args.fault,
        fault_after=args.fault_after,
        port=args.port,
    )
    with server:
        out.write(f"serving OpenAI Chat Completions at {server.url}/v1/chat/completions (Ctrl-C to stop)\n")
        out.flush()
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            out.write("stopped\n")
    return 0
