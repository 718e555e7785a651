"""The `instantjson` command line (also `python -m instantjson`).

instantjson demo [--base-url URL --model NAME --api-key KEY]   the seed's scenario, live
instantjson demo --web [--port N]                               the same as a web page
instantjson parse [FILE] [--lenient] [--chunk-size N] [--snapshot]   events as JSON lines
instantjson serve-mock [--port N] ...                            the mock provider server
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

from . import __version__
from ._core import InstantParser
from ._demo import add_demo_arguments, add_serve_arguments, run_demo, serve_mock
from ._exceptions import ParseError
from ._explain import explain

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["main"]


def _json_line(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=repr)


def _chunks(stream: BinaryIO, size: int) -> Any:
    while True:
        chunk = stream.read(size)
        if not chunk:
            return
        yield chunk


def _stdout() -> TextIO:
    return sys.stdout


def _stderr() -> TextIO:
    return sys.stderr


def run_parse(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Feed FILE (or stdin) to an InstantParser in pieces of `--chunk-size` bytes and print every
    event as one JSON line; with `--snapshot`, also the partial value after each piece. Exit code
    1 on a parse error (printed as a last `{"error": ...}` line), 2 when FILE cannot be read (one
    line and a hint on stderr, no traceback), 0 otherwise."""
    out = _stdout() if out is None else out
    err = _stderr() if err is None else err
    parser = InstantParser(lenient=args.lenient, deltas=not args.no_deltas)
    try:
        stream: BinaryIO = open(args.file, "rb") if args.file not in (None, "-") else sys.stdin.buffer
    except OSError as exc:
        line, hint = explain(exc)
        err.write(f"error: {line}\nhint: {hint}\n")
        return 2
    try:
        for chunk in _chunks(stream, args.chunk_size):
            for event in parser.feed(chunk):
                out.write(_json_line(event.to_dict()) + "\n")
            if args.snapshot:
                out.write(_json_line({"snapshot": parser.snapshot()}) + "\n")
        for event in parser.finish():
            out.write(_json_line(event.to_dict()) + "\n")
        out.write(_json_line({"value": parser.value, "truncated": parser.truncated}) + "\n")
    except ParseError as exc:
        for event in exc.events:
            out.write(_json_line(event.to_dict()) + "\n")
        error = {"kind": exc.kind, "message": str(exc), "line": exc.line, "column": exc.column, "path": exc.path}
        out.write(_json_line({"error": error, "snapshot": parser.snapshot()}) + "\n")
        return 1
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    return 0


def run_any_demo(args: argparse.Namespace) -> int:
    """`demo`: in the terminal, or with `--web` as a page served on 127.0.0.1 (`instantjson.web`)."""
    if getattr(args, "web", False):
        from .web._demo import run_web_demo

        return run_web_demo(args)
    return run_demo(args)


def build_parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(prog="instantjson", description="Live structured data from streamed LLM answers.")
    cli.add_argument("--version", action="version", version=f"instantjson {__version__}")
    sub = cli.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="the seed's scenario, live, against a built-in mock server (or --base-url)")
    add_demo_arguments(demo)
    demo.add_argument("--web", action="store_true", help="serve the demo as a web page (needs the [web] extra)")
    demo.add_argument("--port", type=int, default=8000, help="--web: port on 127.0.0.1 (0: any free port)")
    demo.set_defaults(func=run_any_demo)

    parse = sub.add_parser("parse", help="print the instant events of a JSON text as JSON lines")
    parse.add_argument("file", nargs="?", help="the JSON text (default: standard input)")
    parse.add_argument("--lenient", action="store_true", help="accept what models write (prose, fences, ...)")
    parse.add_argument("--chunk-size", type=int, default=4, metavar="N", help="feed N bytes at a time (default 4)")
    parse.add_argument("--snapshot", action="store_true", help="print the partial value after each chunk")
    parse.add_argument("--no-deltas", action="store_true", help="done events only")
    parse.set_defaults(func=run_parse)

    serve = sub.add_parser("serve-mock", help="run the mock LLM provider server")
    add_serve_arguments(serve)
    serve.set_defaults(func=serve_mock)
    return cli


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "chunk_size", 1) < 1:
        build_parser().error("--chunk-size must be at least 1")
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
