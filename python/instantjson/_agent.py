"""Agent: a small request builder (system, input, output) over a provider model.

```python
from instantjson import Agent, OpenAICompatible

agent = Agent(OpenAICompatible(base_url="http://localhost:11434/v1", model="qwen2.5:7b"))
response = (agent.system("You are ...").input("Give me ...")
            .output({"title": (str, "Title"), "steps": [{"step": (str, "Step")}]})
            .get_response())
```

`system()` stays with the agent; `input()` and `output()` belong to the next request and are
cleared by `get_response()`. `get_response()` sends nothing: the request starts when the first
view or getter of the returned `Response` is used, and it is sent once whatever the number of
consumers.

`Agently` is a compatibility facade for code written against the seed's framework: only the
import line and the settings lines change.

```python
from instantjson import Agently

Agently.set_settings("OpenAICompatible", {"base_url": "http://127.0.0.1:8000/v1", "model": "m",
                                          "model_type": "chat", "api_key": "..."})
Agently.set_settings("request_options", {"temperature": 0.2}).set_settings("debug", False)
agent = Agently.create_agent()
```
Settings it reads: a provider key, `"OpenAICompatible"` or one of `"OpenAIResponses"`,
`"Anthropic"`, `"Ollama"`, `"Gemini"` (the one set last is used; a dict: `base_url`, `model`,
`model_type` (only `"chat"`), `api_key`, and this library's `timeout`, `retries`,
`structured`, `headers`),
`"request_options"` (merged into the request body), `"debug"` (accepted, ignored). Any other
key is stored and ignored. Each `create_agent()` snapshots the settings of that moment.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from ._client import open_stream
from ._pipeline import Pipeline
from ._providers import Anthropic, Gemini, Ollama, OpenAICompatible, OpenAIResponses, Prompt, ProviderModel
from ._response import Response
from ._schema import CompiledOutput, compile_output

__all__ = ["Agent", "Agently", "AgentlyCompat"]


class Agent:
    """Builds requests for one provider model and returns lazy `Response`s (see module docs)."""

    def __init__(self, model: ProviderModel, *, system: str | None = None) -> None:
        self.model = model
        self._system = system
        self._input: str | None = None
        self._output: CompiledOutput | None = None

    def __repr__(self) -> str:
        return f"Agent({self.model!r})"

    def system(self, text: str) -> Agent:
        """Set the system prompt (kept for every later request of this agent)."""
        self._system = text
        return self

    def input(self, text: Any) -> Agent:
        """Set the user input of the next request (non-strings are sent as their `str()`)."""
        self._input = text if isinstance(text, str) else str(text)
        return self

    def output(self, spec: Any, *, on_invalid: Literal["event", "abort"] = "event", strict: bool = False) -> Agent:
        """Ask the next request for structured output: the seed's dict spec
        (`{"title": (str, "Title"), "steps": [{"step": (str, "Step")}]}`), a pydantic model
        class, any type a `pydantic.TypeAdapter` takes (`list[Step]`, a `TypedDict`, a
        dataclass), or a JSON Schema. It becomes a prompt instruction and, with the model's
        `structured="native"`, the provider's structured-output parameter too.

        Each value the schema names is validated once, when it completes (`type="typed"` views).
        `on_invalid="event"` (default): an invalid value's typed event carries its error and the
        stream goes on (`async_get_data()` raises `OutputValidationError` at the end);
        `"abort"`: the first invalid value ends the response at once (the request is closed).
        `strict=True` turns the lenient coercions off (`"5"` for an int, one object for a list)."""
        self._output = compile_output(spec, on_invalid=on_invalid, strict=strict)
        return self

    def prompt(self) -> Prompt:
        """The prompt the next `get_response()` will send."""
        output = self._output
        return Prompt(
            system=self._system,
            input=self._input,
            schema=output.schema if output is not None else None,
            instruction=output.instruction if output is not None else None,
            schema_name=output.name if output is not None else "output",
        )

    def get_response(self) -> Response:
        """A lazy `Response` for the current prompt; clears `input()` and `output()`."""
        model = self.model
        spec = model.build_request(self.prompt())
        output = self._output
        self._input = None
        self._output = None

        async def opener() -> Any:
            model.check_api_key()
            return await open_stream(
                spec, provider=model.provider, timeout=model.timeout, retries=model.retries, transport=model.transport
            )

        pipeline = Pipeline(model.new_adapter(), model.framing)
        return Response._from_opener(opener, pipeline, output)  # pyright: ignore[reportPrivateUsage]


_MODEL_KEYS = ("base_url", "model", "api_key", "timeout", "retries", "structured", "headers")
_MODEL_SETTINGS: dict[str, type[ProviderModel]] = {
    "OpenAICompatible": OpenAICompatible,
    "OpenAIResponses": OpenAIResponses,
    "Anthropic": Anthropic,
    "Ollama": Ollama,
    "Gemini": Gemini,
}


class AgentlyCompat:
    """The `Agently` settings facade (see the module docs). `Agently` is its shared instance."""

    def __init__(self) -> None:
        self.settings: dict[str, Any] = {}
        self._provider_key = "OpenAICompatible"

    def set_settings(self, key: str, value: Any) -> AgentlyCompat:
        """Store one setting; returns self so calls chain."""
        if key in _MODEL_SETTINGS:
            self._provider_key = key
        if isinstance(value, Mapping) and isinstance(self.settings.get(key), dict):
            self.settings[key] = {**self.settings[key], **value}
        else:
            self.settings[key] = dict(value) if isinstance(value, Mapping) else value  # pyright: ignore[reportUnknownArgumentType]
        return self

    def create_model(self) -> ProviderModel:
        """The model the current settings describe (`OpenAICompatible` unless another provider
        key was set last)."""
        name = self._provider_key
        config: Mapping[str, Any] = self.settings.get(name) or {}
        if "model" not in config:
            raise ValueError(f'set_settings("{name}", {{"base_url": ..., "model": ...}}) first')
        model_type = config.get("model_type", "chat")
        if model_type != "chat":
            raise ValueError(f"only model_type 'chat' is supported, not {model_type!r}")
        kwargs = {key: config[key] for key in _MODEL_KEYS if key in config}
        options = self.settings.get("request_options") or {}
        return _MODEL_SETTINGS[name](options=options, **kwargs)

    def create_agent(self) -> Agent:
        """A new `Agent` on the model the current settings describe."""
        return Agent(self.create_model())


Agently = AgentlyCompat()
"""The shared settings facade: `Agently.set_settings(...).create_agent()`."""
