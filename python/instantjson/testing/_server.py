"""MockLLMServer: a real HTTP server on 127.0.0.1 that streams a scripted answer.

Built on the standard library's `http.server.ThreadingHTTPServer`: a maintained HTTP/1.1
request parser that needs no dependency beyond Python itself, so the demo and users' tests can
run it anywhere instantjson installs. This module only writes response bodies (chunked
transfer encoding, so a cut connection is a real protocol error for the client), one thread
per connection, keep-alive supported. uvicorn would be the alternative, at the cost of an
extra dependency and an event loop competing with the client's in the same process.

Faults (`fault=`), after `fault_after` stream frames when that applies:

| fault            | what the client gets                                                    |
|------------------|-------------------------------------------------------------------------|
| `"http_401"`     | HTTP 401 and the provider's JSON error body, before any byte of stream  |
| `"http_429"`     | HTTP 429 (+ `Retry-After: retry_after` when given) and a JSON error body |
| `"http_500"`     | HTTP 500 and a JSON error body                                          |
| `"inband_error"` | `fault_after` frames, then an `{"error": ...}` frame, then a clean end  |
| `"cut"`          | `fault_after` frames, then the connection is closed mid-body            |
| `"malformed"`    | `fault_after` frames, then a frame whose JSON is broken, then the rest  |
| `"stall"`        | `fault_after` frames, then silence until the server closes              |
| `"truncated"`    | `fault_after` frames, then a clean end of body without `[DONE]`         |

HTTP faults hit every request, or only the first `fault_times` ones (then the script is
served), which is how retries are tested.

Every API is served at its real path (`_wire/`): `/v1/chat/completions`, `/v1/responses`,
`/v1/messages`, `/api/chat` and `/v1beta/models/{model}:streamGenerateContent?alt=sse`, each
streaming the same script in its own format (and a non-streaming reply when asked for one).
`raw=` replays a recorded body instead (any of those paths, as 200 with the path's content
type), cut into `chunk`-sized pieces of *bytes*, each written on its own; faults apply to the
pieces. That is how the recorded streams of `shared/provider-streams/` are checked over HTTP.
"""

from __future__ import annotations

import json
import random
import select
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Final, Literal

import anyio.to_thread

from ._wire import Script, WireFormat, find_wire_format

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from types import TracebackType

__all__ = ["FAULTS", "MockLLMServer", "RecordedRequest"]

Fault = Literal["http_401", "http_429", "http_500", "inband_error", "cut", "malformed", "stall", "truncated"]
FAULTS: Final[frozenset[str]] = frozenset(
    {"http_401", "http_429", "http_500", "inband_error", "cut", "malformed", "stall", "truncated"}
)
_MESSAGES: Final[dict[int, str]] = {
    401: "Incorrect API key provided: mock-key. You can find your API key at https://example.invalid.",
    429: "Rate limit reached for requests per min (RPM): Limit 3, Used 3, Requested 1.",
    500: "The server had an error while processing your request. Sorry about that!",
}
INBAND_MESSAGE: Final = "The model is overloaded. Please try again later."
_BATCH: Final = 16 * 1024


@dataclass(frozen=True)
class RecordedRequest:
    """What the server received: `method`, `path` (with query), `headers` (lower-case keys),
    `json` (the decoded body, or None)."""

    method: str
    path: str
    headers: Mapping[str, str] = field(repr=False)
    json: Any


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default listen() backlog is 5: a burst of concurrent clients (a load test,
    # a thousand responses started in one loop) overflows it and the kernel resets the
    # connections it cannot queue (httpx.ReadError / ConnectError). The kernel caps this at
    # net.core.somaxconn.
    request_queue_size = 4096
    mock: MockLLMServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (a cut, a closed response) is normal here: stay quiet."""

    def process_request(self, request: Any, client_address: Any) -> None:
        """One daemon thread per connection, as `ThreadingMixIn` does, but tracked by the mock so
        that `close()` can join them: once it returns, no handler thread and no server-side
        socket of this server is left (tests count threads and file descriptors)."""
        thread = threading.Thread(
            target=self._serve_connection, args=(request, client_address), name="mock-llm-handler", daemon=True
        )
        self.mock._workers_started(thread)  # pyright: ignore[reportPrivateUsage]
        thread.start()

    def _serve_connection(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)  # handles, then closes the socket
        finally:
            self.mock._worker_done(threading.current_thread())  # pyright: ignore[reportPrivateUsage]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer  # pyright: ignore[reportIncompatibleVariableOverride]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        self.server.mock._track(self.connection)  # pyright: ignore[reportPrivateUsage]
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.mock._untrack(self.connection)  # pyright: ignore[reportPrivateUsage]

    def do_GET(self) -> None:
        self._json(404, {"error": {"message": f"no route for GET {self.path}", "type": "invalid_request_error"}})

    def do_POST(self) -> None:
        mock = self.server.mock
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = None
        headers = {k.lower(): v for k, v in self.headers.items()}
        attempt = mock._record(RecordedRequest("POST", self.path, headers, body))  # pyright: ignore[reportPrivateUsage]
        wire = find_wire_format("POST", self.path.split("?")[0])
        if wire is None:
            self._json(404, {"error": {"message": f"no route for POST {self.path}", "type": "invalid_request_error"}})
            return
        if not isinstance(body, dict):
            self._json(400, wire.error_body(400, "We could not parse the JSON body of your request."))
            return
        fault = mock.fault
        if fault is not None and fault.startswith("http_") and (mock.fault_times is None or attempt < mock.fault_times):
            status = int(fault[5:])
            extra = {"Retry-After": _seconds(mock.retry_after)} if mock.retry_after is not None else {}
            self._json(status, wire.error_body(status, _MESSAGES.get(status, "error")), extra)
            return
        if mock.raw is not None:
            self._stream(mock, wire, mock._raw_pieces(), batch=False)  # pyright: ignore[reportPrivateUsage]
            return
        script = mock._script  # pyright: ignore[reportPrivateUsage]
        if not wire.is_streaming(self.path, body):  # pyright: ignore[reportUnknownArgumentType]
            self._json(200, wire.complete_body(script, body, self.path))  # pyright: ignore[reportUnknownArgumentType]
            return
        self._stream(mock, wire, wire.stream_frames(script, body, self.path))  # pyright: ignore[reportUnknownArgumentType]

    def _json(self, status: int, payload: Any, headers: Mapping[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, mock: MockLLMServer, wire: WireFormat, frames: Sequence[bytes], *, batch: bool = True) -> None:
        fault = mock.fault
        after = mock.fault_after if mock.fault_after is not None else len(frames) // 2
        after = max(0, min(after, len(frames)))
        tail: Sequence[bytes]
        if fault in ("inband_error", "cut", "malformed", "stall", "truncated"):
            head, tail = frames[:after], frames[after:]
        else:
            head, tail = frames, ()
        self.send_response(200)
        self.send_header("Content-Type", wire.content_type)
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            self._write_frames(mock, head, batch)
            if fault == "inband_error":
                self._write_frames(mock, [wire.inband_error_frame(INBAND_MESSAGE)])
            elif fault == "malformed":
                self._write_frames(mock, [wire.malformed_frame(), *tail], batch)
            elif fault == "cut":
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            elif fault == "stall":
                self.wfile.flush()
                while not mock._stopping.wait(0.02) and not self._client_gone():  # pyright: ignore[reportPrivateUsage]
                    pass
                self.close_connection = True
                return
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True  # the client went away: fine

    def _client_gone(self) -> bool:
        """During a stall: has the client closed its end?"""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def _write_frames(self, mock: MockLLMServer, frames: Sequence[bytes], batch: bool = True) -> None:
        write = self.wfile.write
        if mock.delay <= 0 and not batch:  # raw replay: one write per piece, so reads see small pieces
            for frame in frames:
                write(b"%x\r\n%s\r\n" % (len(frame), frame))
                self.wfile.flush()
            return
        if mock.delay <= 0:
            pending = bytearray()
            for frame in frames:
                pending += b"%x\r\n%s\r\n" % (len(frame), frame)
                if len(pending) >= _BATCH:
                    write(pending)
                    pending = bytearray()
            if pending:
                write(pending)
            return
        for frame in frames:
            if mock._stopping.wait(mock.delay):  # pyright: ignore[reportPrivateUsage]
                raise ConnectionResetError("server closing")
            write(b"%x\r\n%s\r\n" % (len(frame), frame))


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


class MockLLMServer:
    """A local model provider for tests, benches and the demo (see the module docs).

    ```python
    with MockLLMServer(answer='{"title": "x"}') as server:
        model = OpenAICompatible(base_url=server.url + "/v1", model="mock")
    ```
    `chunk=(1, 8)`: each streamed piece has 1 to 8 characters (an int: exactly that many),
    chosen by a `random.Random(seed)`. `delay`: seconds between frames. `tool_calls`: a list of
    `{"name", "arguments" (str or dict), "id"?}`. `reasoning`: text streamed before the answer.
    `raw`: a recorded response body to replay verbatim (in `chunk`-sized byte pieces) instead of
    the script, whatever the path asked for.
    Listens on 127.0.0.1 only, on a free port (or `port=`); `url` is `http://127.0.0.1:PORT` and OpenAI-style
    clients use `url + "/v1"`. `requests` lists what it received.
    """

    def __init__(
        self,
        answer: str = "",
        reasoning: str | None = None,
        tool_calls: Sequence[Mapping[str, Any]] | None = None,
        chunk: int | tuple[int, int] = (1, 8),
        delay: float = 0.0,
        fault: Fault | None = None,
        fault_after: int | None = None,
        seed: int = 0,
        *,
        fault_times: int | None = None,
        retry_after: float | None = None,
        port: int = 0,
        raw: bytes | str | None = None,
    ) -> None:
        if fault is not None and fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; known: {', '.join(sorted(FAULTS))}")
        sizes = (chunk, chunk) if isinstance(chunk, int) else (int(chunk[0]), int(chunk[1]))
        self.answer = answer
        self.fault: Fault | None = fault
        self.fault_after = fault_after
        self.fault_times = fault_times
        self.retry_after = retry_after
        self.delay = float(delay)
        self.port = port
        self._script = Script.build(answer, reasoning, tool_calls, sizes, seed)
        self.raw: bytes | None = raw.encode() if isinstance(raw, str) else raw
        self._sizes = sizes
        self._seed = seed
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._connections: set[socket.socket] = set()
        self._workers: set[threading.Thread] = set()
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        where = self.url if self._httpd is not None else "not started"
        return f"<MockLLMServer {where} fault={self.fault!r}>"

    def _raw_pieces(self) -> list[bytes]:
        """The raw body cut into `chunk`-sized pieces of bytes (the same cut for every request)."""
        assert self.raw is not None
        rng = random.Random(self._seed)
        low, high = max(1, self._sizes[0]), max(1, self._sizes[0], self._sizes[1])
        pieces: list[bytes] = []
        i = 0
        while i < len(self.raw):
            n = rng.randint(low, high)
            pieces.append(self.raw[i : i + n])
            i += n
        return pieces

    @property
    def pieces(self) -> tuple[str, ...]:
        """The answer as the stream cuts it."""
        return self._script.answer_pieces

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the server is not started: use `with MockLLMServer(...) as server:` or start()")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> MockLLMServer:
        """Bind a free port on 127.0.0.1 and serve in a background thread."""
        if self._httpd is not None:
            return self
        self._stopping.clear()
        httpd = _HTTPServer(("127.0.0.1", self.port), _Handler)
        httpd.mock = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="mock-llm-server", daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving, end stalled streams, close every connection and wait for the handler
        threads to end."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.server_close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:  # noqa: PERF203
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)
        # serve_forever has returned: no new handler can start. Each one ends promptly now
        # (its connection is shut down, stalls and delays watch `_stopping`).
        with self._lock:
            workers = list(self._workers)
        for worker in workers:
            worker.join(timeout=5)

    def __enter__(self) -> MockLLMServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    async def __aenter__(self) -> MockLLMServer:
        return self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await anyio.to_thread.run_sync(self.close)

    def _record(self, request: RecordedRequest) -> int:
        with self._lock:
            self.requests.append(request)
            return len(self.requests) - 1

    def _track(self, conn: socket.socket) -> None:
        with self._lock:
            self._connections.add(conn)

    def _workers_started(self, thread: threading.Thread) -> None:
        with self._lock:
            self._workers.add(thread)

    def _worker_done(self, thread: threading.Thread) -> None:
        with self._lock:
            self._workers.discard(thread)

    def _untrack(self, conn: socket.socket) -> None:
        with self._lock:
            self._connections.discard(conn)
            self._idle.notify_all()

    @property
    def open_connections(self) -> int:
        """How many client connections are open right now."""
        with self._lock:
            return len(self._connections)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until every client connection has been closed (by the client); False on timeout.
        Tests use it to check that a response left no connection behind."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._connections, timeout)
