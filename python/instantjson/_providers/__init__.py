"""The provider registry: provider name -> model class, framing and adapter class.

`Response.from_stream(source, provider=...)` and the mock server look providers up here.
Adding a provider is one module (`_providers/<name>.py` with a `ProviderModel` and a
`ProviderAdapter` subclass) plus one line in `PROVIDERS`.

| name                 | model              | wire                                           |
|----------------------|--------------------|------------------------------------------------|
| `"openai"`           | `OpenAICompatible` | Chat Completions SSE (and its dialects)        |
| `"openai-responses"` | `OpenAIResponses`  | Responses API SSE (`event:` + `data:`)         |
| `"anthropic"`        | `Anthropic`        | Messages SSE (`event:` + `data:`)              |
| `"ollama"`           | `Ollama`           | native `/api/chat` NDJSON                      |
| `"gemini"`           | `Gemini`           | `streamGenerateContent?alt=sse`                |

Names are matched case-insensitively with `_` read as `-`; `"openai-chat"` and
`"chat-completions"` mean `"openai"`, `"responses"` means `"openai-responses"`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ._base import Prompt, ProviderAdapter, ProviderModel
from .anthropic import Anthropic, AnthropicAdapter
from .gemini import Gemini, GeminiAdapter
from .normalized import Normalized, NormalizedAdapter
from .ollama import Ollama, OllamaAdapter
from .openai import ChatCompletionsAdapter, OpenAICompatible
from .openai_responses import OpenAIResponses, ResponsesAdapter

__all__ = [
    "PROVIDERS",
    "Anthropic",
    "Gemini",
    "Ollama",
    "OpenAICompatible",
    "OpenAIResponses",
    "Prompt",
    "ProviderAdapter",
    "ProviderInfo",
    "ProviderModel",
    "get_provider",
]


@dataclass(frozen=True)
class ProviderInfo:
    """How to read one provider's stream."""

    name: str
    framing: Literal["sse", "ndjson"]
    adapter: type[ProviderAdapter]
    model: type[ProviderModel]


PROVIDERS: dict[str, ProviderInfo] = {
    "openai": ProviderInfo("openai", "sse", ChatCompletionsAdapter, OpenAICompatible),
    "openai-responses": ProviderInfo("openai-responses", "sse", ResponsesAdapter, OpenAIResponses),
    "anthropic": ProviderInfo("anthropic", "sse", AnthropicAdapter, Anthropic),
    "ollama": ProviderInfo("ollama", "ndjson", OllamaAdapter, Ollama),
    "gemini": ProviderInfo("gemini", "sse", GeminiAdapter, Gemini),
    "normalized": ProviderInfo("normalized", "ndjson", NormalizedAdapter, Normalized),  # instantjson's own events
}

_ALIASES: dict[str, str] = {
    "openai-chat": "openai",
    "chat-completions": "openai",
    "openai-compatible": "openai",
    "responses": "openai-responses",
}


def get_provider(name: str) -> ProviderInfo:
    """The registry entry for `name`; ValueError naming the known providers otherwise."""
    key = name.strip().lower().replace("_", "-") if isinstance(name, str) else name  # pyright: ignore[reportUnnecessaryIsInstance]
    key = _ALIASES.get(key, key)
    try:
        return PROVIDERS[key]
    except KeyError:
        known = ", ".join(sorted(PROVIDERS))
        raise ValueError(f"unknown provider {name!r} (known: {known})") from None
