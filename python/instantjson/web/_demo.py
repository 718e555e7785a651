"""`python -m instantjson demo --web`: a page where the answer streams and its fields fill in live.

The app (`demo_app()`) is plain Starlette:

| route                              | what                                                        |
|------------------------------------|-------------------------------------------------------------|
| `GET /`                            | the page (`static/demo.html`, `demo.js`, `demo.css`)        |
| `GET /static/...`                  | the page's files and `instantjson.js`, the client module    |
| `POST /api/responses` `{"prompt"}` | starts one shared response, answers `{"id", "stream"}`      |
| `GET /api/responses/{id}/stream`   | that response live (`?protocol=vercel-ui` or `text` too)    |

One response per prompt, kept by id (the last `keep` of them), so that any number of tabs can
watch the same answer (`/#r=<id>`) and a reloaded tab resumes with `Last-Event-ID`, all from the
response's replay log: one upstream request per prompt, whatever the number of viewers.
By default the answers come from `MockLLMServer` (the seed's plan, with a delay between chunks so
the streaming is visible); `--base-url/--model` use a real OpenAI-compatible endpoint.
"""

from __future__ import annotations

import contextlib
import secrets
import socket
import sys
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, TextIO

from starlette.applications import Starlette
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .._agent import Agent
from .._demo import DEMO_ANSWER, INPUT, SEED_OUTPUT, SYSTEM
from .._providers.openai import OpenAICompatible
from ..testing import MockLLMServer
from . import STATIC_DIR
from ._serve import PROTOCOLS, stream_response

if TYPE_CHECKING:
    import argparse
    from collections.abc import AsyncIterator, Callable

    from starlette.requests import Request
    from starlette.responses import Response as StarletteResponse

    from .._providers import ProviderModel
    from .._response import Response

__all__ = ["DemoStore", "demo_app", "run_web_demo"]


class DemoStore:
    """The shared responses of the demo, by id (the `keep` most recent ones)."""

    def __init__(self, model: ProviderModel, *, keep: int = 64) -> None:
        self.model = model
        self.keep = keep
        self.responses: OrderedDict[str, Response] = OrderedDict()

    def create(self, prompt: str) -> str:
        agent = Agent(self.model, system=SYSTEM)
        response = agent.input(prompt or INPUT).output(SEED_OUTPUT).get_response()
        rid = secrets.token_urlsafe(8)
        self.responses[rid] = response
        while len(self.responses) > self.keep:
            self.responses.popitem(last=False)
        return rid

    def get(self, rid: str) -> Response | None:
        return self.responses.get(rid)


def demo_app(model: ProviderModel, *, ping: float = 15.0, keep: int = 64) -> Starlette:
    """The demo's Starlette app on `model` (see the module docs). `app.state.store` is its
    `DemoStore`."""
    store = DemoStore(model, keep=keep)

    async def index(request: Request) -> StarletteResponse:
        return FileResponse(STATIC_DIR / "demo.html", headers={"cache-control": "no-cache"})

    async def create(request: Request) -> StarletteResponse:
        try:
            body: Any = await request.json()
        except ValueError:
            body = {}
        prompt = body.get("prompt") if isinstance(body, dict) else None
        rid = store.create(str(prompt or INPUT))
        return JSONResponse({"id": rid, "stream": f"/api/responses/{rid}/stream"}, status_code=201)

    async def stream(request: Request) -> StarletteResponse:
        response = store.get(request.path_params["rid"])
        if response is None:
            return JSONResponse({"error": "no such response (it may have expired)"}, status_code=404)
        protocol = request.query_params.get("protocol", "instantjson")
        if protocol not in PROTOCOLS:
            return JSONResponse({"error": f"protocol must be one of {', '.join(PROTOCOLS)}"}, status_code=400)
        return stream_response(response, request, protocol=protocol, ping=ping)  # type: ignore[arg-type]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        for response in list(store.responses.values()):  # the server stops: release upstreams
            await response.aclose()

    app = Starlette(
        lifespan=lifespan,
        routes=[
            Route("/", index),
            Route("/api/responses", create, methods=["POST"]),
            Route("/api/responses/{rid}/stream", stream),
            Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
        ],
    )
    app.state.store = store
    return app


def run_web_demo(
    args: argparse.Namespace, out: TextIO | None = None, *, on_ready: Callable[[str], None] | None = None
) -> int:
    """Serve the web demo until interrupted; returns the exit code."""
    out = out if out is not None else sys.stdout
    assert out is not None  # sys.stdout is None only without a console (pythonw)
    try:
        import uvicorn
    except ImportError:
        out.write("the web demo runs on uvicorn: pip install uvicorn (or instantjson[web] uvicorn)\n")
        return 2
    structured: Any = getattr(args, "structured", "auto")  # argparse checked its choices
    server: MockLLMServer | None = None
    if args.base_url:
        if not args.model:
            out.write("--model is required with --base-url\n")
            return 2
        model: ProviderModel = OpenAICompatible(
            base_url=args.base_url, model=args.model, api_key=args.api_key, structured=structured
        )
    else:
        delay = getattr(args, "delay", 0.03)
        server = MockLLMServer(answer=DEMO_ANSWER, chunk=(1, 8), delay=delay).start()
        model = OpenAICompatible(base_url=server.url + "/v1", model=args.model or "mock-model", api_key="mock")
    app = demo_app(model)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    # listening before the address is printed: a client that connects at once (a test, a script
    # that reads the line) is queued until uvicorn accepts, not refused
    sock.listen(2048)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/"
    source = f"the built-in mock provider at {server.url}/v1" if server is not None else args.base_url
    out.write(f"instantjson web demo at {url}  (answers from {source}; Ctrl-C to stop)\n")
    out.flush()
    if on_ready is not None:
        on_ready(url)
    web = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    try:
        web.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
        if server is not None:
            server.close()
    return 0
