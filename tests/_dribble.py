"""A hostile loopback HTTP server for the engine tests: it writes a response in tiny pieces.

`DribbleServer(body)` answers every POST with `body` (an OpenAI Chat Completions SSE stream by
default, see `chat_body()`), sent as HTTP/1.1 chunked transfer encoding whose *wire bytes* are
written 1-7 bytes at a time (`pieces`) with a pause (`pause` seconds) after each write, so that
every network read of the client returns a few bytes, often in the middle of a chunk header, a
frame or a UTF-8 sequence. `random_pieces=(lo, hi)` and `pauses=(lo, hi)` draw the piece sizes
and pauses from a seeded RNG (the schedule fuzzer uses them). `head_delay` holds the status
line back (a slow time to first byte). `close_delimited=True` sends an HTTP/1.0 style body
(no length, no chunking: the end of the body is the end of the connection). `cut_at` cuts the
connection after that many body bytes. `gzip=True` compresses the body (Content-Encoding).
`ping_every=s`: after the body (which should then lack its terminal marker), an SSE comment
`: ping` every `s` seconds, forever (until the client leaves).

Counting: `requests` is the number of requests received; `close()` stops the listener, closes
every connection and joins every handler thread, so a test can count threads and sockets
after it.
"""

from __future__ import annotations

import contextlib
import random
import socket
import threading
import time
import zlib
from typing import TYPE_CHECKING

from instantjson.testing._wire import Script, find_wire_format

if TYPE_CHECKING:
    from types import TracebackType

__all__ = ["DribbleServer", "chat_body"]

CHAT_PATH = "/v1/chat/completions"


def chat_body(answer: str, *, chunk: tuple[int, int] = (3, 9), seed: int = 0) -> bytes:
    """The SSE body MockLLMServer's Chat Completions wire format streams for `answer`."""
    wire = find_wire_format("POST", CHAT_PATH)
    assert wire is not None
    script = Script.build(answer, None, None, chunk, seed)
    request = {"model": "m", "stream": True, "messages": [{"role": "user", "content": "plan"}]}
    return b"".join(wire.stream_frames(script, request, CHAT_PATH))


class DribbleServer:
    """See the module docs."""

    def __init__(
        self,
        body: bytes,
        *,
        pieces: tuple[int, int] = (1, 7),
        pause: float | tuple[float, float] = 0.001,
        seed: int = 0,
        head_delay: float = 0.0,
        close_delimited: bool = False,
        cut_at: int | None = None,
        gzip: bool = False,
        content_type: str = "text/event-stream",
        frames_per_chunk: int = 64,
        ping_every: float | None = None,
    ) -> None:
        self.ping_every = ping_every
        self._wire: tuple[bytes, bytes] | None = None
        self.body = body
        self.pieces = pieces
        self.pauses = pause if isinstance(pause, tuple) else (pause, pause)
        self.seed = seed
        self.head_delay = head_delay
        self.close_delimited = close_delimited
        self.cut_at = cut_at
        self.gzip = gzip
        self.content_type = content_type
        self.frames_per_chunk = frames_per_chunk
        self.requests = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._conns: set[socket.socket] = set()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(128)
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._acceptor = threading.Thread(target=self._accept, name="mock-llm-dribble", daemon=True)
        self._acceptor.start()

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> DribbleServer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._stopping.set()
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        self._acceptor.join(5)
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        for thread in list(self._threads):
            thread.join(5)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """True once no connection is open (the client closed or the body was sent)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._conns:
                    return True
            time.sleep(0.005)
        return False

    # ------------------------------------------------------------------ serving
    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self._conns.add(conn)
                n = self.requests
            thread = threading.Thread(target=self._serve, args=(conn, n), name="mock-llm-dribble", daemon=True)
            self._threads.append(thread)
            thread.start()

    def _read_request(self, conn: socket.socket) -> bool:
        data = b""
        while b"\r\n\r\n" not in data:
            got = conn.recv(65536)
            if not got:
                return False
            data += got
        head, _, rest = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(rest) < length:
            got = conn.recv(65536)
            if not got:
                return False
            rest += got
        return True

    def wire_bytes(self) -> tuple[bytes, bytes]:
        """(head, body) as written on the wire (made once)."""
        with self._lock:
            if self._wire is None:
                self._wire = self._make_wire()
            return self._wire

    def _make_wire(self) -> tuple[bytes, bytes]:
        body = self.body
        headers = [f"Content-Type: {self.content_type}", "Cache-Control: no-cache"]
        if self.gzip:
            compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
            body = compressor.compress(body) + compressor.flush()
            headers.append("Content-Encoding: gzip")
        if self.close_delimited:
            status = "HTTP/1.0 200 OK"
            headers.append("Connection: close")
            return ("\r\n".join([status, *headers]) + "\r\n\r\n").encode(), body
        headers.append("Transfer-Encoding: chunked")
        out = bytearray()
        frames = body.split(b"\n\n") if not self.gzip else [body]
        step = self.frames_per_chunk
        for i in range(0, len(frames), step):
            part = b"\n\n".join(frames[i : i + step])
            if i + step < len(frames):
                part += b"\n\n"
            if part:
                out += b"%x\r\n%s\r\n" % (len(part), part)
        if self.ping_every is None:
            out += b"0\r\n\r\n"
        return ("\r\n".join(["HTTP/1.1 200 OK", *headers]) + "\r\n\r\n").encode(), bytes(out)

    def _serve(self, conn: socket.socket, n: int) -> None:
        try:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if not self._read_request(conn):
                return
            with self._lock:
                self.requests += 1
            rng = random.Random(self.seed * 7919 + n)
            head, body = self.wire_bytes()
            if self.head_delay and self._stopping.wait(self.head_delay):
                return
            conn.sendall(head)
            if self.cut_at is not None:
                body = body[: self.cut_at]
            i = 0
            lo, hi = self.pieces
            plo, phi = self.pauses
            while i < len(body):
                k = rng.randint(lo, hi)
                conn.sendall(body[i : i + k])
                i += k
                pause = rng.uniform(plo, phi) if phi > plo else plo
                if pause > 0 and self._stopping.wait(pause):
                    return
            while self.ping_every is not None and not self._stopping.wait(self.ping_every):
                conn.sendall(b"%x\r\n: ping\n\n\r\n" % len(b": ping\n\n"))
            if not self.close_delimited and self.cut_at is None:
                # keep-alive: wait for the client to close (or for close())
                conn.settimeout(0.05)
                while not self._stopping.is_set():
                    try:
                        if not conn.recv(1024):
                            return
                    except TimeoutError:  # noqa: PERF203 - one wait per 50 ms
                        continue
                    except OSError:
                        return
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()
            with self._lock:
                self._conns.discard(conn)
