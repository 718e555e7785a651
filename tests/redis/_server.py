"""A real `redis-server` for the tests: a child process on a free loopback port, in its own
temporary directory, stopped (and restartable, with its data) by the test suite."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["RedisServer", "find_redis_server", "free_port"]


def find_redis_server() -> str:
    """The `redis-server` binary; a skip locally when absent, a failure under CI=true."""
    binary = shutil.which("redis-server") or shutil.which("valkey-server")
    if binary is None:
        message = "redis-server is not installed (apt-get install -y redis-server; .ci/setup.d/40-redis.sh)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return binary


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """`start()`, `stop()` (SIGTERM: a clean shutdown that writes the append-only file),
    `kill()`, `restart()` on the same port and directory; `url` for clients."""

    def __init__(self, directory: Path, *, appendonly: bool = False) -> None:
        self.binary = find_redis_server()
        self.directory = directory
        self.port = free_port()
        self.appendonly = appendonly
        self.process: subprocess.Popen[bytes] | None = None
        self.extra: list[str] = []

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        args = [
            self.binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.directory),
            "--save",
            "",
            "--daemonize",
            "no",
            "--logfile",
            str(self.directory / "redis.log"),
            "--maxclients",
            "8000",
        ]
        if self.appendonly:
            args += ["--appendonly", "yes", "--appendfsync", "always"]
        else:
            args += ["--appendonly", "no"]
        args += self.extra
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = (self.directory / "redis.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"redis-server exited with {self.process.returncode}: {log}")
            if self.ping():
                return self
            time.sleep(0.02)
        raise RuntimeError(f"redis-server did not answer on port {self.port} within 10 s")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        process = self.process
        if process is None:
            return
        self.process = None
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)

    def restart(self) -> None:
        self.stop()
        self.start()


class RedisClusterNode(RedisServer):
    """A one-node Redis Cluster (every slot on this node): cluster mode's rules hold, such as a
    script or command touching keys of several slots being refused (CROSSSLOT)."""

    def start(self) -> RedisServer:
        (self.directory / "nodes.conf").unlink(missing_ok=True)
        bus = free_port()
        self.extra = ["--cluster-enabled", "yes", "--cluster-config-file", str(self.directory / "nodes.conf")]
        self.extra += ["--cluster-port", str(bus)]  # not the default port + 10000, which may not exist
        super().start()
        import redis

        client = redis.Redis(port=self.port)
        try:
            client.execute_command("CLUSTER", "ADDSLOTSRANGE", 0, 16383)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                if b"cluster_state:ok" in client.execute_command("CLUSTER", "INFO"):
                    return self
                time.sleep(0.05)
        finally:
            client.close()
        raise RuntimeError("the one-node cluster did not reach cluster_state:ok")
