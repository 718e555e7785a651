"""Shared helpers of the web tests: a real uvicorn server in a thread, raw SSE parsing, and the
app they serve (the web demo's app, on any provider's model)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import TYPE_CHECKING, Any

import uvicorn

if TYPE_CHECKING:
    from collections.abc import Iterator

    from starlette.types import ASGIApp

__all__ = ["Frame", "parse_sse", "serve"]


@contextlib.contextmanager
def serve(app: ASGIApp) -> Iterator[str]:
    """Serve `app` with uvicorn (one worker, its own event loop, in a thread) on a free port of
    127.0.0.1; yields the base URL; stops the server (and waits for it) on exit."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on", ws="none", timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


Frame = dict[str, Any]


def parse_sse(body: str) -> list[Frame]:
    """Split an SSE body into frames (`{"event", "id", "data", "comment"}`), comments included,
    exactly as the bytes came (a strict reader for tests: LF line ends only, as the server writes)."""
    frames: list[Frame] = []
    assert body == "" or body.endswith("\n\n"), f"the body ends mid-frame: {body[-80:]!r}"
    for block in body.split("\n\n")[:-1]:
        frame: Frame = {"event": None, "id": None, "data": None, "comment": None}
        for line in block.split("\n"):
            field, sep, value = line.partition(":")
            assert sep, f"a line without a colon: {line!r}"
            value = value[1:] if value.startswith(" ") else value
            if field == "":
                frame["comment"] = value
                continue
            assert field in ("event", "id", "data"), f"unexpected field {field!r}"
            assert frame[field] is None, f"two {field} lines in one frame: {block!r}"
            frame[field] = value
        frames.append(frame)
    return frames
