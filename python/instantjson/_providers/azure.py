"""Azure OpenAI: Chat Completions at a deployment of an Azure OpenAI resource.

```python
model = AzureOpenAI(endpoint="https://my-resource.openai.azure.com", deployment="gpt-4o-mini",
                    api_version="2024-10-21")
```
The request goes to `{endpoint}/openai/deployments/{deployment}/chat/completions?api-version=...`
with the key in the `api-key` header (default `$AZURE_OPENAI_API_KEY`; `endpoint` defaults to
`$AZURE_OPENAI_ENDPOINT`, `api_version` to `$OPENAI_API_VERSION`, else `DEFAULT_API_VERSION`).
A Microsoft Entra token instead of a key: pass `headers={"Authorization": "Bearer <token>"}`
and no key. The body is the Chat Completions body (`model` is the deployment name, which
Azure ignores); with an output spec `structured="auto"` sends `response_format` (json_schema,
supported by Azure since API version 2024-08-01-preview).

Azure's newer "v1" API (`{endpoint}/openai/v1/chat/completions`, no `api-version`) is plain
Chat Completions: use `OpenAICompatible(base_url=f"{endpoint}/openai/v1",
headers={"api-key": key})` for it.

The stream is Chat Completions with Azure's additions, read by `ChatCompletionsAdapter`: a
first chunk with `"choices": []`, empty `id` and `model`, and `prompt_filter_results`; later
chunks carry `content_filter_results` (kept in the `original` payloads); a filtered answer ends
with finish_reason `content_filter`.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, ClassVar, Final
from urllib.parse import quote, urlencode

from .openai import OpenAICompatible

if TYPE_CHECKING:
    from collections.abc import Mapping

    import httpx

    from .._request import Retries
    from ._base import Structured

__all__ = ["DEFAULT_API_VERSION", "AzureOpenAI"]

DEFAULT_API_VERSION: Final = "2024-10-21"
"""The latest generally available data-plane API version of Azure OpenAI when this was written."""


class AzureOpenAI(OpenAICompatible):
    """A Chat Completions deployment on Azure OpenAI (see the module docstring)."""

    provider: ClassVar[str] = "azure-openai"
    aliases: ClassVar[tuple[str, ...]] = ("azure",)
    api_key_env: ClassVar[str | None] = "AZURE_OPENAI_API_KEY"
    endpoint_paths: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        *,
        deployment: str,
        endpoint: str | None = None,
        api_version: str | None = None,
        model: str | None = None,
        api_key: str | None = None,
        options: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | httpx.Timeout | None = None,
        structured: Structured = "auto",
        retries: int | Retries | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        endpoint = endpoint or os.environ.get("AZURE_OPENAI_ENDPOINT")
        if not endpoint:
            raise ValueError(
                "AzureOpenAI needs endpoint= (https://<resource>.openai.azure.com) or $AZURE_OPENAI_ENDPOINT"
            )
        self.deployment = deployment
        self.api_version = api_version or os.environ.get("OPENAI_API_VERSION") or DEFAULT_API_VERSION
        extra: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
        super().__init__(
            model=model or deployment,
            base_url=endpoint,
            api_key=api_key,
            options=options,
            headers=headers,
            structured=structured,
            retries=retries,
            transport=transport,
            **extra,
        )

    def uses_native_structured(self) -> bool:
        return self.structured != "prompt"

    def _url(self) -> str:
        query = urlencode({"api-version": self.api_version})
        return f"{self.base_url}/openai/deployments/{quote(self.deployment, safe='')}/chat/completions?{query}"

    def _auth_headers(self, key: str) -> dict[str, str]:
        return {"api-key": key}
