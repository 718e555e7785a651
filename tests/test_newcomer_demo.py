"""Issue 14: `python -m instantjson demo` and `parse` as a newcomer meets them.

- every failure prints one line (what happened, where: the URL and HTTP status) and a hint, on
  stderr, exit code 1 (2 for a file that cannot be read), never an exception group or a traceback;
- the live view fits the terminal (80x24 and up, width and height), redraws in place (the
  scrollback does not fill with frames), and prints plain lines without escape codes when stdout
  is not a terminal. The terminal is real: a pty of a forced size, its output replayed through
  pyte (a VT100 emulator) that counts wrapped lines and scrolled rows.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import socket
import struct
import subprocess
import sys
import termios
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from instantjson._demo import DEMO_ANSWER
from instantjson._screen import Screen, fit, visible_width
from instantjson.testing import MockLLMServer

if sys.version_info < (3, 11):  # the backport anyio depends on
    from exceptiongroup import BaseExceptionGroup

if TYPE_CHECKING:
    from collections.abc import Iterator

PACKAGE_ROOT = str(Path(__file__).resolve().parents[1] / "python")
ESC = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "OPENAI_API_KEY")}
    # the tree under test (a worktree run with PYTHONPATH=python, or the installed package)
    import instantjson

    env["PYTHONPATH"] = str(Path(instantjson.__file__).resolve().parents[1])
    env.update(extra)
    return env


def _cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "instantjson", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_env(TERM="dumb"),
        stdin=subprocess.DEVNULL,
    )


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _assert_one_error(result: subprocess.CompletedProcess[str], code: int = 1) -> tuple[str, str]:
    """Exactly `error: ...` then `hint: ...` on stderr; no group, no traceback anywhere."""
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if not line.startswith("note: ")]
    assert len(lines) == 2, result.stderr
    assert lines[0].startswith("error: ") and lines[1].startswith("hint: "), result.stderr
    for text in (result.stdout, result.stderr):
        assert "ExceptionGroup" not in text and "Traceback" not in text and "TaskGroup" not in text
    return lines[0], lines[1]


@pytest.fixture
def status_server() -> Iterator[tuple[str, list[tuple[int, bytes]]]]:
    """A server answering each request with the next (status, body) of the list."""
    answers: list[tuple[int, bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            status, body = answers.pop(0) if answers else (500, b"")
            self.send_response(status)
            self.send_header("content-type", "text/html" if body.startswith(b"<") else "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", answers
    finally:
        server.shutdown()
        server.server_close()


# --------------------------------------------------------------------------------------------
# errors


def test_demo_connection_refused_says_where_and_what_to_do() -> None:
    port = _closed_port()
    error, hint = _assert_one_error(_cli("demo", "--base-url", f"http://127.0.0.1:{port}/v1", "--model", "m"))
    assert error.startswith(f"error: could not connect to http://127.0.0.1:{port}/v1/chat/completions")
    assert "is the server running?" in hint and "--base-url" in hint


def test_demo_401_says_status_url_and_api_key() -> None:
    with MockLLMServer(answer="{}", fault="http_401") as server:
        url = server.url + "/v1"
        error, hint = _assert_one_error(_cli("demo", "--base-url", url, "--model", "m", "--api-key", "sk-wrong"))
    assert error.startswith(f"error: {url}/chat/completions answered HTTP 401 Unauthorized: ")
    assert "--api-key" in hint and "OPENAI_API_KEY" in hint


def test_demo_404_with_empty_body(status_server: tuple[str, list[tuple[int, bytes]]]) -> None:
    base, answers = status_server
    answers.append((404, b""))
    error, hint = _assert_one_error(_cli("demo", "--base-url", base + "/v1", "--model", "m", "--api-key", "x"))
    assert error == f"error: {base}/v1/chat/completions answered HTTP 404 Not Found (no error message in the body)"
    assert "/v1" in hint and "--model" in hint


def test_demo_html_page_instead_of_a_stream(status_server: tuple[str, list[tuple[int, bytes]]]) -> None:
    base, answers = status_server
    answers.append((200, b"<html><body>Welcome to nginx!</body></html>"))
    error, hint = _assert_one_error(_cli("demo", "--base-url", base, "--model", "m", "--api-key", "x"))
    assert base + "/chat/completions" in error
    assert "ends in /v1" in hint


def test_demo_prose_answer_shows_the_text_and_says_so() -> None:
    prose = "Sure! Here is a plan: first, grow. Then measure."
    with MockLLMServer(answer=prose, chunk=(1, 8)) as server:
        result = _cli("demo", "--base-url", server.url + "/v1", "--model", "m", "--api-key", "x")
    error, hint = _assert_one_error(result)
    assert error.startswith("error: the answer is not the JSON that was asked for: no JSON value found")
    assert "get_text()" in hint
    assert prose in result.stdout  # what arrived stays visible


def test_demo_answer_missing_a_key_of_the_spec_says_which() -> None:
    answer = json.loads(DEMO_ANSWER)
    del answer["summary"]
    with MockLLMServer(answer=json.dumps(answer), chunk=(1, 8)) as server:
        result = _cli("demo", "--base-url", server.url + "/v1", "--model", "m", "--api-key", "x")
    error, hint = _assert_one_error(result)
    assert error == "error: the answer does not match the output spec: summary: Field required"
    assert "get_data(raw=True)" in hint
    assert json.dumps(answer["title"]) in result.stdout  # what arrived stays visible


def test_demo_accepts_the_url_serve_mock_prints() -> None:
    # `serve-mock` prints .../v1/chat/completions; the client appends /chat/completions itself
    with MockLLMServer(answer=DEMO_ANSWER, chunk=(50, 80)) as server:
        base = server.url
        result = _cli("demo", "--base-url", base + "/v1/chat/completions", "--model", "m", "--api-key", "x")
        paths = [r.path for r in server.requests]
    assert result.returncode == 0, result.stderr
    assert paths == ["/v1/chat/completions"]
    assert "note: using --base-url " + base + "/v1" in result.stderr
    assert json.loads(result.stdout.split("FINAL_DATA:\n", 1)[1].split("\n\nmeta:", 1)[0]) == json.loads(DEMO_ANSWER)


def test_parse_missing_file_is_one_line_exit_2(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    error, hint = _assert_one_error(_cli("parse", str(missing)), code=2)
    assert error == f"error: no such file: {missing}"
    assert hint.startswith("hint: ")


def test_explain_reduces_exception_groups() -> None:
    import httpx

    from instantjson._explain import explain

    request = httpx.Request("POST", "http://127.0.0.1:1/v1/chat/completions?key=secret")
    leaf = httpx.ConnectError("All connection attempts failed", request=request)
    group = BaseExceptionGroup("unhandled errors in a TaskGroup", [leaf, leaf])
    line, hint = explain(group)
    assert line == "could not connect to http://127.0.0.1:1/v1/chat/completions: All connection attempts failed"
    assert "secret" not in line + hint


# --------------------------------------------------------------------------------------------
# the live view


def test_fit_counts_printable_columns_only() -> None:
    line = "  \x1b[32m✓\x1b[0m title = " + "x" * 100
    cut = fit(line, 79)
    assert visible_width(cut) == 79
    assert cut.startswith("  \x1b[32m✓\x1b[0m title = ")
    assert cut.endswith("\x1b[0m")  # a reset after a cut through styled text
    assert visible_width(fit("日本語のテキスト" * 10, 79)) == 78  # wide characters take two columns
    assert fit("short", 79) == "short"


@pytest.mark.parametrize(("columns", "rows"), [(80, 24), (100, 30), (200, 60), (80, 10)])
def test_frame_fits_the_terminal(columns: int, rows: int) -> None:
    class Sink:
        def write(self, s: str) -> int:
            return len(s)

        def flush(self) -> None:
            pass

    screen = Screen(Sink(), live=True, size=(columns, rows))  # type: ignore[arg-type]
    screen.text = DEMO_ANSWER + "\n" + "long line " * 40
    for i in range(40):
        screen.fields[f"steps[{i}].step"] = ("A/B test a benefit-led landing page headline " * 3, True)
    lines = screen.frame(columns, rows)
    assert len(lines) <= max(rows - 1, 4)
    assert all(visible_width(line) < columns for line in lines)
    assert any("more" in line for line in lines)  # fields that do not fit are counted, not dropped silently


def _run_in_pty(columns: int, rows: int, *args: str) -> bytes:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "instantjson", "demo", *args],
        stdin=slave,
        stdout=slave,
        stderr=subprocess.PIPE,
        env=_env(TERM="xterm-256color"),
        close_fds=True,
    )
    os.close(slave)
    out = bytearray()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        out += data
    os.close(master)
    assert proc.wait(timeout=30) == 0, proc.stderr.read() if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    return bytes(out)


@pytest.mark.parametrize(("columns", "rows"), [(80, 24), (120, 40)])
def test_live_view_fits_and_redraws_in_place(columns: int, rows: int) -> None:
    pyte = pytest.importorskip("pyte")

    class Terminal(pyte.Screen):  # type: ignore[misc, name-defined]
        def __init__(self, columns: int, lines: int) -> None:
            super().__init__(columns, lines)
            self.wraps = 0
            self.scrolls = 0
            self._drawing = False

        def draw(self, data: str) -> None:
            self._drawing = True
            try:
                super().draw(data)
            finally:
                self._drawing = False

        def linefeed(self) -> None:
            if self._drawing:
                self.wraps += 1  # a line longer than the terminal is wide
            super().linefeed()

        def index(self) -> None:
            top, bottom = self.margins or (0, self.lines - 1)
            if self.cursor.y == bottom:
                self.scrolls += 1  # a row pushed into the scrollback
            super().index()

    raw = _run_in_pty(columns, rows, "--delay", "0.004")
    text = raw.decode("utf-8")
    live, _, final = text.partition("\r\nFINAL_DATA:")
    assert final, text[-500:]
    assert live.count("\x1b[") > 20, "the view did not redraw (not live on a terminal?)"
    term = Terminal(columns, rows)
    stream = pyte.Stream(term)
    stream.feed(live)
    frame_rows = [line.rstrip() for line in term.display]
    assert term.wraps == 0, "a line of the live view was wider than the terminal"
    # the first frame may push the mock server's line and the frame's own rows up once; a frame
    # redrawn in place pushes nothing more (before the fix: dozens of frames in the scrollback)
    assert term.scrolls <= rows, f"{term.scrolls} rows scrolled away: frames pile up in the scrollback"
    assert sum(r.startswith("TEXT_STREAM") for r in frame_rows) == 1, frame_rows
    assert sum(r.startswith("STRUCTURED_STREAM") for r in frame_rows) == 1, frame_rows
    assert "✓ steps complete" in [r.strip() for r in frame_rows], frame_rows  # the last field, complete


def test_plain_output_when_stdout_is_not_a_terminal() -> None:
    result = _cli("demo", "--delay", "0")
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout
    done_lines = [line for line in result.stdout.splitlines() if " => " in line]
    assert "title => Weekly sign-up growth sprint" in done_lines
    assert "steps[2].owner => Product manager" in done_lines
