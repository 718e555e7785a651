"""The provider registry: provider name -> model class, framing and adapter class.

`Response.from_stream(source, provider=...)` and the mock server look providers up here.
Adding a provider is one module (`_providers/<name>.py` with a `ProviderModel` and a
`ProviderAdapter` subclass) plus one line in `PROVIDERS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ._base import Prompt, ProviderAdapter, ProviderModel
from .openai import ChatCompletionsAdapter, OpenAICompatible

__all__ = ["PROVIDERS", "Prompt", "ProviderAdapter", "ProviderInfo", "ProviderModel", "get_provider"]


@dataclass(frozen=True)
class ProviderInfo:
    """How to read one provider's stream."""

    name: str
    framing: Literal["sse", "ndjson"]
    adapter: type[ProviderAdapter]
    model: type[ProviderModel]


PROVIDERS: dict[str, ProviderInfo] = {
    "openai": ProviderInfo("openai", "sse", ChatCompletionsAdapter, OpenAICompatible),
}


def get_provider(name: str) -> ProviderInfo:
    """The registry entry for `name`; ValueError naming the known providers otherwise."""
    try:
        return PROVIDERS[name]
    except KeyError:
        known = ", ".join(sorted(PROVIDERS))
        raise ValueError(f"unknown provider {name!r} (known: {known})") from None
