"""The public surface of `instantjson.web`: `__all__`, Starlette imported only by the web feature,
and the `python -m instantjson demo --web` command, run as users run it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import httpx

import instantjson.web
from instantjson._demo import DEMO_ANSWER
from tests.web._fold import fold_instantjson
from tests.web._harness import parse_sse


def test_all_is_sorted_and_importable() -> None:
    names = list(instantjson.web.__all__)
    assert names == sorted(names) and len(names) == len(set(names))
    for name in names:
        assert getattr(instantjson.web, name) is not None


def test_starlette_is_imported_only_by_the_web_feature() -> None:
    code = "import sys, instantjson, instantjson.__main__; print('starlette' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ, timeout=60)
    assert done.stdout.strip() == "False", done.stderr


def test_the_demo_command_serves_the_page_and_the_stream() -> None:
    cmd = [sys.executable, "-m", "instantjson", "demo", "--web", "--port", "0", "--delay", "0"]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ) as proc:
        _check_demo(proc)
    assert proc.returncode == 0


def _check_demo(proc: subprocess.Popen[str]) -> None:
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("instantjson web demo at http://127.0.0.1:"), line
        url = line.split(" at ", 1)[1].split()[0].rstrip("/")
        with httpx.Client(timeout=20) as client:
            page = client.get(url + "/")
            assert page.status_code == 200 and "instantjson" in page.text
            assert client.get(url + "/static/instantjson.js").status_code == 200
            created = client.post(url + "/api/responses", json={"prompt": "plan"})
            assert created.status_code == 201
            body = client.get(url + created.json()["stream"]).text
            missing = client.get(url + "/api/responses/nope/stream")
            assert missing.status_code == 404
        frames = [f for f in parse_sse(body) if f["comment"] is None]
        state = fold_instantjson([(f["event"], f["data"]) for f in frames if f["event"] != "end"])
        assert state["data"] == json.loads(DEMO_ANSWER)
        assert frames[-1]["event"] == "end"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=15)
