"""Each model's request: the real endpoint path and headers, the API key from the argument or the
provider's environment variable (never in a repr, an error or the replay), the output schema in
the provider's native structured-output field (else the prompt), and `options` where the API
reads them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from instantjson._agent import Agent
from instantjson._client import status_error
from instantjson._providers import Anthropic, Gemini, Ollama, OpenAICompatible, OpenAIResponses, ProviderModel
from instantjson.testing import MockLLMServer
from tests.conftest_response import SEED_ANSWER, SEED_OUTPUT
from tests.providers._harness import PROVIDERS, collect, model_on

KEY = "sk-very-secret-0123456789"
ENV = {
    OpenAICompatible: "OPENAI_API_KEY",
    OpenAIResponses: "OPENAI_API_KEY",
    Anthropic: "ANTHROPIC_API_KEY",
    Ollama: "OLLAMA_API_KEY",
    Gemini: "GEMINI_API_KEY",
}
KEY_HEADER = {
    OpenAICompatible: ("Authorization", f"Bearer {KEY}"),
    OpenAIResponses: ("Authorization", f"Bearer {KEY}"),
    Anthropic: ("x-api-key", KEY),
    Ollama: ("Authorization", f"Bearer {KEY}"),
    Gemini: ("x-goog-api-key", KEY),
}
URLS = {
    OpenAICompatible: "https://api.openai.com/v1/chat/completions",
    OpenAIResponses: "https://api.openai.com/v1/responses",
    Anthropic: "https://api.anthropic.com/v1/messages",
    Ollama: "http://localhost:11434/api/chat",
    Gemini: "https://generativelanguage.googleapis.com/v1beta/models/m-1:streamGenerateContent?alt=sse",
}
MODELS = list(ENV)


def _prompt(model: ProviderModel, output: Any = SEED_OUTPUT) -> Any:
    agent = Agent(model).system("Be brief.").input("Plan it.")
    if output is not None:
        agent.output(output)
    return agent.prompt()


@pytest.mark.parametrize("cls", MODELS)
def test_endpoint_headers_and_key_from_argument(cls: type[ProviderModel], monkeypatch: pytest.MonkeyPatch) -> None:
    for env in set(ENV.values()) | {"GOOGLE_API_KEY"}:
        monkeypatch.delenv(env, raising=False)
    model = cls(model="m-1", api_key=KEY)
    spec = model.build_request(_prompt(model))
    assert spec.method == "POST" and spec.url == URLS[cls]
    name, value = KEY_HEADER[cls]
    assert spec.headers[name] == value
    assert spec.headers["Content-Type"] == "application/json"
    assert KEY not in repr(model) and KEY not in repr(spec) and KEY not in json.dumps(spec.json)
    assert KEY not in spec.url
    error = status_error(
        401,
        json.dumps({"error": {"message": f"bad key {KEY}"}}).encode(),
        provider=model.provider,
        secrets=spec.secrets,
    )
    assert KEY not in str(error) and KEY not in json.dumps(error.body)
    if cls is Anthropic:
        assert spec.headers["anthropic-version"] == "2023-06-01"
    keyless = cls(model="m-1")
    assert keyless.build_request(_prompt(keyless)).headers.get(name) is None and not keyless.has_api_key


@pytest.mark.parametrize("cls", MODELS)
def test_key_from_the_environment(cls: type[ProviderModel], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV[cls], KEY)
    model = cls(model="m-1")
    assert model.has_api_key and KEY not in repr(model)
    name, value = KEY_HEADER[cls]
    assert model.build_request(_prompt(model)).headers[name] == value


def test_gemini_falls_back_to_google_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    monkeypatch.setenv("GOOGLE_API_KEY", KEY)
    assert Gemini(model="m").build_request(_prompt(Gemini(model="m"))).headers["x-goog-api-key"] == KEY


def test_native_structured_output_fields() -> None:
    schema_of = {
        OpenAIResponses: lambda body: body["text"]["format"],
        Ollama: lambda body: {"schema": body["format"]},
        Gemini: lambda body: {"schema": body["generationConfig"]["responseSchema"]},
    }
    for cls, pick in schema_of.items():
        model = cls(model="m")
        prompt = _prompt(model)
        body = model.build_request(prompt).json
        assert pick(body)["schema"] == prompt.schema, cls
    body = OpenAIResponses(model="m").build_request(_prompt(OpenAIResponses(model="m"))).json
    assert body["text"]["format"]["type"] == "json_schema" and body["text"]["format"]["name"] == "output"
    body = Gemini(model="m").build_request(_prompt(Gemini(model="m"))).json
    assert body["generationConfig"]["responseMimeType"] == "application/json"
    # OpenAI: response_format against api.openai.com (or structured="native")
    body = OpenAICompatible(model="m").build_request(_prompt(OpenAICompatible(model="m"))).json
    assert body["response_format"]["json_schema"]["schema"] == _prompt(OpenAICompatible(model="m")).schema
    # Anthropic has no stable schema field: the instruction is in `system`
    body = Anthropic(model="m").build_request(_prompt(Anthropic(model="m"))).json
    assert '"steps"' in body["system"] and body["system"].startswith("Be brief.")
    for cls in MODELS:  # structured="prompt": never the native field, always the instruction
        model = cls(model="m", structured="prompt")
        body = model.build_request(_prompt(model)).json
        text = json.dumps(body)
        assert "response_format" not in body and "format" not in body and "text" not in body
        assert "responseSchema" not in text and '\\"owner\\"' in text


def test_gemini_json_schema_outside_the_openapi_subset() -> None:
    schema = {"type": "object", "properties": {"a": {"$ref": "#/$defs/A"}}, "$defs": {"A": {"type": "string"}}}
    model = Gemini(model="m")
    body = model.build_request(_prompt(model, schema)).json
    assert body["generationConfig"]["responseJsonSchema"] == schema and "responseSchema" not in body["generationConfig"]


def test_bodies_and_where_options_go() -> None:
    options = {"temperature": 0.2, "top_p": 0.9, "max_tokens": 50, "seed": 7}
    ollama = (
        Ollama(model="m", options={**options, "think": True, "keep_alive": "5m"})
        .build_request(_prompt(Ollama(model="m"), None))
        .json
    )
    assert ollama["options"] == {"temperature": 0.2, "top_p": 0.9, "num_predict": 50, "seed": 7}
    assert ollama["think"] is True and ollama["keep_alive"] == "5m"
    assert ollama["messages"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Plan it."}]
    assert ollama["stream"] is True and "temperature" not in ollama
    gemini = (
        Gemini(model="m", options={**options, "safetySettings": []})
        .build_request(_prompt(Gemini(model="m"), None))
        .json
    )
    assert gemini["generationConfig"] == {"temperature": 0.2, "topP": 0.9, "maxOutputTokens": 50, "seed": 7}
    assert gemini["safetySettings"] == [] and gemini["systemInstruction"] == {"parts": [{"text": "Be brief."}]}
    assert gemini["contents"] == [{"role": "user", "parts": [{"text": "Plan it."}]}]
    claude = Anthropic(model="m", options={"temperature": 0.2}).build_request(_prompt(Anthropic(model="m"), None)).json
    assert claude == {
        "model": "m",
        "max_tokens": 4096,
        "messages": [{"role": "user", "content": "Plan it."}],
        "stream": True,
        "system": "Be brief.",
        "temperature": 0.2,
    }
    responses = (
        OpenAIResponses(model="m", options={"temperature": 0.2})
        .build_request(_prompt(OpenAIResponses(model="m"), None))
        .json
    )
    assert responses == {
        "model": "m",
        "input": [{"role": "user", "content": "Plan it."}],
        "stream": True,
        "instructions": "Be brief.",
        "temperature": 0.2,
    }


@pytest.mark.parametrize("provider", PROVIDERS)
def test_key_never_reaches_the_replay_or_errors_over_http(provider: str) -> None:
    with MockLLMServer(answer=SEED_ANSWER, fault="http_401") as server:
        model = model_on(server, provider, api_key=KEY)
        response = Agent(model).input("x").get_response()
        items, error = collect(response)
        assert error is not None and KEY not in str(error) and KEY not in repr(error.__dict__)
        assert all(KEY not in repr(value) for _, value in items)
        assert KEY not in repr(response) and KEY not in repr(model)
        headers = server.requests[0].headers
        assert KEY in " ".join(headers.values())  # it was sent, though
