"""A web worker process for `pending_web.py`: serves `GET /stream/{key}` as the attached response
of `key`, with `instantjson.web.stream_response` (protocol "instantjson", `Last-Event-ID` honoured).

    python tests/redis/_web_worker.py REDIS_URL PORT
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import uvicorn
from starlette.applications import Starlette
from starlette.routing import Route

from instantjson.redis import RedisStreams
from instantjson.web import stream_response  # type: ignore[import-not-found]  # the web branch

if TYPE_CHECKING:
    from starlette.requests import Request


def app_for(url: str) -> Starlette:
    store = RedisStreams(url)

    async def stream(request: Request) -> object:
        remote = store.attach(request.path_params["key"])
        return stream_response(remote, request, protocol="instantjson", ping=None)

    return Starlette(routes=[Route("/stream/{key}", stream)])


if __name__ == "__main__":
    url, port = sys.argv[1], int(sys.argv[2])
    uvicorn.run(app_for(url), host="127.0.0.1", port=port, log_level="warning")
