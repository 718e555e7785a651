"""The app `benches/test_bench_web.py` serves with one uvicorn worker (in its own process): the web
demo's app (`POST /api/responses`, `GET /api/responses/{id}/stream`) on an OpenAI-compatible
upstream given by `$INSTANTJSON_BENCH_UPSTREAM` (the mock server, in a third process)."""

from __future__ import annotations

import os

from instantjson._providers.openai import OpenAICompatible
from instantjson.web._demo import demo_app

app = demo_app(
    OpenAICompatible(base_url=os.environ["INSTANTJSON_BENCH_UPSTREAM"], model="mock-model", api_key="mock", retries=0),
    keep=8,
)
