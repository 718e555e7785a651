"""Serve live responses to browsers (extra `[web]`: Starlette; works inside FastAPI).

```python
from fastapi import FastAPI, Request
from instantjson.web import stream_response

app = FastAPI()

@app.post("/api/plan")
async def plan(request: Request):
    response = agent.input("...").output(Plan).get_response()
    return stream_response(response, request, protocol="vercel-ui")
```

`stream_response(response, request=None, *, protocol="instantjson" | "vercel-ui" | "text",
ping=15.0)` returns a Starlette response; each client is one consumer of the shared response.
The browser side is `instantjson.js`, an ES module in `STATIC_DIR` (serve it with
`static_files()`), and `python -m instantjson demo --web` shows both at work.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Final

from ._encode import DEFAULT_EVENTS as DEFAULT_EVENTS
from ._encode import FINISH_REASONS as FINISH_REASONS
from ._encode import InstantJSONEncoder as InstantJSONEncoder
from ._encode import TextEncoder as TextEncoder
from ._encode import VercelUIEncoder as VercelUIEncoder
from ._encode import error_info as error_info
from ._serve import PROTOCOLS as PROTOCOLS
from ._serve import LiveStreamResponse as LiveStreamResponse
from ._serve import Protocol as Protocol
from ._serve import last_event_id as last_event_id
from ._serve import stream_response as stream_response

if TYPE_CHECKING:
    from starlette.staticfiles import StaticFiles

__all__ = [
    "DEFAULT_EVENTS",
    "FINISH_REASONS",
    "InstantJSONEncoder",
    "LiveStreamResponse",
    "PROTOCOLS",
    "Protocol",
    "STATIC_DIR",
    "TextEncoder",
    "VercelUIEncoder",
    "error_info",
    "last_event_id",
    "static_files",
    "stream_response",
]

STATIC_DIR: Final[Path] = Path(__file__).resolve().parent / "static"
"""The browser files shipped with the package: `instantjson.js` (the client module)."""


def static_files() -> StaticFiles:
    """A Starlette app serving `STATIC_DIR`: `app.mount("/instantjson", static_files())`, then
    `import {...} from "/instantjson/instantjson.js"` in the page."""
    from starlette.staticfiles import StaticFiles

    return StaticFiles(directory=STATIC_DIR)
