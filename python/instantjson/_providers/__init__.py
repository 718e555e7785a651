"""The provider registry, derived from the model classes.

Each model class declares its registry name (`provider`), the other names it answers to
(`aliases`), its framing (`"sse"` or `"ndjson"`) and its stream adapter (`adapter_class`);
`Response.from_stream(source, provider=...)` and the mock server look providers up here.
Adding a provider is one module (`_providers/<name>.py` with a `ProviderModel` and a
`ProviderAdapter` subclass) plus its model class in `MODELS`.

| name                 | model              | wire                                           |
|----------------------|--------------------|------------------------------------------------|
| `"openai"`           | `OpenAICompatible` | Chat Completions SSE (and its dialects)        |
| `"azure-openai"`     | `AzureOpenAI`      | Chat Completions SSE at an Azure deployment    |
| `"openai-responses"` | `OpenAIResponses`  | Responses API SSE (`event:` + `data:`)         |
| `"anthropic"`        | `Anthropic`        | Messages SSE (`event:` + `data:`)              |
| `"ollama"`           | `Ollama`           | native `/api/chat` NDJSON                      |
| `"gemini"`           | `Gemini`           | `streamGenerateContent?alt=sse`                |

Names are matched case-insensitively with `_` read as `-`; the aliases of each model class are
accepted too (`"mistral"`, `"deepseek"`, `"groq"`, ... mean `"openai"`; `"responses"` means
`"openai-responses"`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from ._base import Prompt, ProviderAdapter, ProviderModel
from .anthropic import Anthropic, AnthropicAdapter
from .azure import AzureOpenAI
from .gemini import Gemini, GeminiAdapter
from .normalized import Normalized
from .ollama import Ollama, OllamaAdapter
from .openai import ChatCompletionsAdapter, OpenAICompatible
from .openai_responses import OpenAIResponses, ResponsesAdapter

__all__ = [
    "MODELS",
    "PROVIDERS",
    "Anthropic",
    "AnthropicAdapter",
    "AzureOpenAI",
    "ChatCompletionsAdapter",
    "Gemini",
    "GeminiAdapter",
    "Ollama",
    "OllamaAdapter",
    "OpenAICompatible",
    "OpenAIResponses",
    "Prompt",
    "ProviderAdapter",
    "ProviderInfo",
    "ProviderModel",
    "ResponsesAdapter",
    "get_provider",
]


@dataclass(frozen=True)
class ProviderInfo:
    """How to read one provider's stream."""

    name: str
    framing: Literal["sse", "ndjson"]
    adapter: type[ProviderAdapter]
    model: type[ProviderModel]


MODELS: Final[tuple[type[ProviderModel], ...]] = (
    OpenAICompatible,
    AzureOpenAI,
    OpenAIResponses,
    Anthropic,
    Ollama,
    Gemini,
    Normalized,  # instantjson's own events (instantjson.redis)
)
"""Every model class; the registry is built from what each declares."""

PROVIDERS: Final[dict[str, ProviderInfo]] = {
    model.provider: ProviderInfo(model.provider, model.framing, model.adapter_class, model) for model in MODELS
}

_ALIASES: Final[dict[str, str]] = {alias: model.provider for model in MODELS for alias in model.aliases}


def _key(name: str) -> str:
    return name.strip().lower().replace("_", "-")


def get_provider(name: str) -> ProviderInfo:
    """The registry entry for `name` (or one of its aliases); ValueError naming the known providers."""
    if not isinstance(name, str):  # pyright: ignore[reportUnnecessaryIsInstance] - callers may pass anything at runtime
        raise ValueError(f"unknown provider {name!r} (known: {', '.join(sorted(PROVIDERS))})")
    key = _key(name)
    key = _ALIASES.get(key, key)
    try:
        return PROVIDERS[key]
    except KeyError:
        known = ", ".join(sorted(PROVIDERS))
        raise ValueError(f"unknown provider {name!r} (known: {known})") from None
