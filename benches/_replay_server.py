"""A loopback HTTP/1.1 server that answers every request with one recorded response, for the
1,000-connection memory bench (`test_bench_memory.py`).

The response is `MockLLMServer`'s own (recorded once from it through a socket: status line,
headers, chunked body), and it is written as MockLLMServer writes it: one write per HTTP chunk,
each one SSE event. What differs is the server's shape: one asyncio loop in a process of its
own instead of a thread per connection in the measuring process. With 1,000 connections,
1,000 threads that all want one GIL make the server, not the client, set the pace, and how much
it slows depends on how fast the client reads: the bench then measures the server. Run as
`python benches/_replay_server.py RESPONSE_FILE`; it prints its port, then serves until killed.
"""

from __future__ import annotations

import asyncio
import socket
import sys


def record(url: str, body: bytes) -> bytes:
    """The whole raw HTTP response of `POST {url}` with a JSON `body` (`Connection: close`)."""
    host, port = url.removeprefix("http://").split("/", 1)[0].rsplit(":", 1)
    with socket.create_connection((host, int(port))) as sock:
        head = (
            f"POST /v1/chat/completions HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        sock.sendall(head.encode() + body)
        data = bytearray()
        while chunk := sock.recv(65536):
            data += chunk
    return bytes(data)


def pieces_of(response: bytes) -> list[bytes]:
    """The response cut as it was written: the head, then each HTTP chunk with its framing."""
    end = response.index(b"\r\n\r\n") + 4
    out = [response[:end]]
    while end < len(response):
        size_end = response.index(b"\r\n", end)
        size = int(response[end:size_end].split(b";")[0], 16)
        stop = size_end + 2 + size + 2
        out.append(response[end:stop])
        end = stop
    return out


async def serve(pieces: list[bytes]) -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            for i, piece in enumerate(pieces):
                writer.write(piece)
                if i % 16 == 15:
                    await writer.drain()
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0, backlog=4096)
    sys.stdout.write(f"{server.sockets[0].getsockname()[1]}\n")
    sys.stdout.flush()
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    with open(sys.argv[1], "rb") as f:
        asyncio.run(serve(pieces_of(f.read())))
