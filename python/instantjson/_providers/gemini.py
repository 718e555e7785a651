"""Google Gemini (`POST {base_url}/v1beta/models/{model}:streamGenerateContent?alt=sse`).

`Gemini` sends the key in `x-goog-api-key` (default `$GEMINI_API_KEY`, else `$GOOGLE_API_KEY`),
the system prompt as `systemInstruction`, the input as one user turn in `contents`, and, with
an output spec (`structured="auto"` or `"native"`), `generationConfig.responseMimeType =
"application/json"` plus `generationConfig.responseSchema` (or `responseJsonSchema` when the
schema uses keywords outside the OpenAPI subset `responseSchema` accepts: `$ref`, `$defs`,
`additionalProperties`, ...). `options` keys that are generation settings (`temperature`,
`top_p`/`topP`, `max_tokens`/`maxOutputTokens`, `stop`, `seed`, ...) go into
`generationConfig` (snake_case names are camel-cased); `contents`, `tools`, `toolConfig`,
`safetySettings`, `systemInstruction`, `cachedContent` and `labels` stay at the top level.

`GeminiAdapter` maps each `GenerateContentResponse` chunk (only candidate 0 is read):

* `{"text"}` parts -> `delta`; `{"text", "thought": true}` parts -> `reasoning_delta` (thought
  summaries are never answer text).
* `{"functionCall": {"name", "args"}}` -> one `tool_calls` event, the `args` object as
  compact JSON text; Gemini gives no id, so one is synthesized (`call_<n>`) unless the part has
  `id`. Vertex AI's streamed arguments (`{"name", "willContinue": true}`, then `partialArgs`
  parts, then an empty `{}` that closes the call) stream as fragments: top-level `$.key`
  values are serialized as they arrive; anything else is assembled and sent at the close.
  A streamed call never closed is marked `incomplete`.
* Other part kinds (`inlineData`, `executableCode`, `codeExecutionResult`, ...) go to
  `extra {"part"}`; a part of a kind this adapter does not know to `extra {"unknown"}` with
  one `UnknownPayloadWarning` per response.
* `thoughtSignature` (on any part) -> `extra {"thought_signature", "part"}`; it is kept on its
  part in `original_done["parts"]` (the assembled native parts: consecutive text parts of one
  kind merged, a part with its own signature kept apart) and on the call in `tool_calls`.
  An empty text part that only carries a signature adds no text and no thinking.
* Usage: the last `usageMetadata` with token counts wins (they are running totals and can even
  be revised; never summed). `input_tokens = promptTokenCount + toolUsePromptTokenCount`,
  `output_tokens = candidatesTokenCount + thoughtsTokenCount` (candidates exclude thoughts),
  `reasoning_tokens = thoughtsTokenCount`, `cached_input_tokens = cachedContentTokenCount`.
* `finishReason` of the last candidate counts: STOP -> stop, or tool_calls when function calls
  were made (Gemini has no tool-call reason); MAX_TOKENS -> length; SAFETY, RECITATION,
  BLOCKLIST, PROHIBITED_CONTENT, SPII, IMAGE_* -> content_filter; MALFORMED_FUNCTION_CALL,
  UNEXPECTED_TOOL_CALL, TOO_MANY_TOOL_CALLS -> an error; others -> stop.
* Errors: an `{"error": {code, message, status}}` segment -> `ProviderStreamError` (code: the
  `status`, e.g. `RESOURCE_EXHAUSTED`, else the numeric code); a blocked prompt (HTTP 200, no
  candidates, `promptFeedback.blockReason`) -> `ProviderStreamError` with the block reason
  as code, and finish_reason `content_filter` in `meta` (raw finish
  `promptFeedback.blockReason=<reason>`): still an error event, since there is no answer. The stream has no terminal
  marker: a body that ends without any `finishReason` is `StreamIncompleteError`.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any, ClassVar, Final, Literal, cast
from urllib.parse import quote

from .._request import RequestSpec
from ._base import (
    Prompt,
    ProviderAdapter,
    ProviderModel,
    ToolCall,
    compact_json,
    normalize_usage_counts,
    system_text,
)
from ._payload import Obj, as_int, as_list, as_obj, as_str, objs

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .._parts import Item

__all__ = ["Gemini", "GeminiAdapter", "normalize_gemini_usage"]

_FILTERED: Final = frozenset(
    {
        "SAFETY",
        "RECITATION",
        "BLOCKLIST",
        "PROHIBITED_CONTENT",
        "SPII",
        "IMAGE_SAFETY",
        "IMAGE_PROHIBITED_CONTENT",
        "IMAGE_RECITATION",
    }
)
_OTHER_PARTS: Final = frozenset(
    {"inlineData", "fileData", "executableCode", "codeExecutionResult", "functionResponse", "videoMetadata"}
)
"""Part kinds that are not text or calls: kept, and sent as `extra {"part"}`."""
_FAILED: Final = frozenset({"MALFORMED_FUNCTION_CALL", "UNEXPECTED_TOOL_CALL", "TOO_MANY_TOOL_CALLS"})
_TOP_LEVEL: Final = frozenset(
    {
        "contents",
        "tools",
        "toolConfig",
        "safetySettings",
        "systemInstruction",
        "cachedContent",
        "labels",
        "generationConfig",
    }
)
_RENAMES: Final[dict[str, str]] = {"max_tokens": "maxOutputTokens", "stop": "stopSequences"}
_UNSUPPORTED_SCHEMA_KEYS: Final = frozenset(
    {"$ref", "$defs", "definitions", "additionalProperties", "const", "$schema", "allOf", "oneOf"}
)
_TOP_KEY: Final = re.compile(r"^\$\.([A-Za-z_][A-Za-z0-9_]*)$")


def normalize_gemini_usage(usage: Mapping[str, Any]) -> dict[str, int | None]:
    """Normalize a `usageMetadata` object (see the module docstring)."""
    prompt = as_int(usage.get("promptTokenCount"))
    tool_prompt = as_int(usage.get("toolUsePromptTokenCount"))
    candidates = as_int(usage.get("candidatesTokenCount"))
    thoughts = as_int(usage.get("thoughtsTokenCount"))
    input_tokens = None if prompt is None and tool_prompt is None else (prompt or 0) + (tool_prompt or 0)
    output = None if candidates is None and thoughts is None else (candidates or 0) + (thoughts or 0)
    return normalize_usage_counts(
        input_tokens,
        output,
        as_int(usage.get("totalTokenCount")),
        thoughts,
        as_int(usage.get("cachedContentTokenCount")),
    )


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)


def _schema_keys(schema: object, found: set[str]) -> None:
    node = as_obj(schema)
    if node is not None:
        for key, value in node.items():
            found.add(key)
            _schema_keys(value, found)
    else:
        for value in as_list(schema):
            _schema_keys(value, found)


def _mutable_dict(node: object) -> dict[str, Any] | None:
    return cast("dict[str, Any]", node) if isinstance(node, dict) else None


def _mutable_list(node: object) -> list[Any] | None:
    return cast("list[Any]", node) if isinstance(node, list) else None


class _StreamedArgs:
    """Vertex `partialArgs` of one call: serialized as they come while only `$.key` paths appear."""

    __slots__ = ("current", "done_keys", "streaming", "value")

    def __init__(self) -> None:
        self.value: dict[str, Any] = {}
        self.current: str | None = None
        self.done_keys: set[str] = set()
        self.streaming = True

    def add(self, part: Mapping[str, Any]) -> str:
        """Merge one partialArgs entry; return the JSON text to append (may be empty)."""
        path = part.get("jsonPath")
        if "stringValue" in part:
            value: Any = part.get("stringValue") or ""
            kind = "string"
        else:
            kind = "scalar"
            value = next((part[k] for k in ("numberValue", "boolValue") if k in part), None)
        match = _TOP_KEY.match(path) if isinstance(path, str) else None
        if match is None:
            self.streaming = False
            self._set_path(path, value, kind)
            return ""
        key = match.group(1)
        if kind == "string" and key == self.current and isinstance(self.value.get(key), str):
            self.value[key] += value
            return compact_json(value)[1:-1] if self.streaming else ""
        if key in self.value:
            self.streaming = False
        out = self.close_current()
        self.value[key] = value
        if not self.streaming:
            return ""
        self.current = key if kind == "string" else None
        lead = "{" if len(self.value) == 1 else ","
        text = compact_json(value)
        return out + lead + compact_json(key) + ":" + (text[:-1] if kind == "string" else text)

    def _set_path(self, path: Any, value: Any, kind: str) -> None:
        keys = re.findall(r"\.([^.\[\]]+)|\[(\d+)\]", path if isinstance(path, str) else "")
        node: object = self.value
        for n, (name, number) in enumerate(keys):
            last = n == len(keys) - 1
            nxt: object = value if last else ({} if keys[n + 1][0] else [])
            mapping = _mutable_dict(node)
            if mapping is not None and name:
                if last and kind == "string" and isinstance(mapping.get(name), str):
                    mapping[name] += value
                elif last or name not in mapping:
                    mapping[name] = nxt
                node = mapping[name]
                continue
            array = _mutable_list(node)
            if array is not None and not name:
                position = int(number)
                while len(array) <= position:
                    array.append(None)
                if last and kind == "string" and isinstance(array[position], str):
                    array[position] += value
                elif last or array[position] is None:
                    array[position] = nxt
                node = array[position]
                continue
            break  # the path does not fit what arrived before: keep what is there

    def close_current(self) -> str:
        if self.current is not None and self.streaming:
            self.current = None
            return '"'
        self.current = None
        return ""

    def text(self) -> str:
        return compact_json(self.value)


class GeminiAdapter(ProviderAdapter):
    """Gemini `GenerateContentResponse` chunks -> normalized items (see the module docstring)."""

    provider: ClassVar[str] = "gemini"

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[dict[str, Any]] = []
        self._streamed: tuple[ToolCall, _StreamedArgs] | None = None

    def feed(self, event: str | None, payload: Mapping[str, Any]) -> list[Item]:
        if self.ended:
            return []
        items: list[Item] = [("original_delta", payload)]
        raw_error = payload.get("error")
        if raw_error:
            error = as_obj(raw_error) or {"message": str(raw_error)}
            code = error.get("status") or error.get("code")
            self.meta["raw_finish_reason"] = "error"
            return items + self.stream_error(error.get("message"), code, dict(payload))
        meta = self.meta
        if meta["id"] is None and payload.get("responseId"):
            meta["id"] = payload["responseId"]
        if meta["model"] is None and payload.get("modelVersion"):
            meta["model"] = payload["modelVersion"]
        usage = as_obj(payload.get("usageMetadata"))
        if usage is not None and any(k.endswith("TokenCount") for k in usage):
            self.raw_usage = usage
        candidates = payload.get("candidates")
        if not candidates:
            feedback = as_obj(payload.get("promptFeedback")) or {}
            reason = as_str(feedback.get("blockReason"))
            if reason is not None:
                # a blocked prompt: the vocabulary's content_filter, and still an error (no answer)
                meta["raw_finish_reason"] = f"promptFeedback.blockReason={reason}"
                detail = as_str(feedback.get("blockReasonMessage"))
                message = f"the prompt was blocked ({reason})" + (f": {detail}" if detail else "")
                return items + self.stream_error(message, reason, dict(payload), finish_reason="content_filter")
            return items
        for candidate in objs(candidates):
            if candidate.get("index", 0) != 0:
                continue
            content = as_obj(candidate.get("content")) or {}
            for part in objs(content.get("parts")):
                self._on_part(part, items)
            if candidate.get("finishReason"):
                meta["raw_finish_reason"] = candidate["finishReason"]
                self.terminated = True
        return items

    def _on_part(self, part: Mapping[str, Any], items: list[Item]) -> None:
        signature = as_str(part.get("thoughtSignature"))
        call = as_obj(part.get("functionCall"))
        if call is not None:
            self._on_call(call, signature, part, items)
            return
        text = part.get("text")
        thought = part.get("thought") is True
        if isinstance(text, str):
            (self._reasoning if thought else self._text)(text, items)
            self._keep_text(text, thought, signature)
        else:
            self.parts.append(dict(part))  # kept in original_done["parts"] as it came
            known = part.keys() & _OTHER_PARTS
            if known:
                items.append(("extra", {"part": dict(part)}))
            else:
                self._unknown("candidates[0].content.parts[]", dict(part), items)
        if signature:
            items.append(("extra", {"thought_signature": signature, "part": "thought" if thought else "text"}))

    def _keep_text(self, text: str, thought: bool, signature: str | None) -> None:
        last = self.parts[-1] if self.parts else None
        if (
            last is not None
            and "text" in last
            and bool(last.get("thought")) == thought
            and not (signature and "thoughtSignature" in last)
        ):
            last["text"] += text
            if signature:
                last["thoughtSignature"] = signature
            return
        if not text and not signature:
            return
        new: dict[str, Any] = {"text": text}
        if thought:
            new["thought"] = True
        if signature:
            new["thoughtSignature"] = signature
        self.parts.append(new)

    def _on_call(self, function: Obj, signature: str | None, part: Obj, items: list[Item]) -> None:
        streamed = self._streamed
        if streamed is not None and "name" not in function:
            call, state = streamed
            for entry in objs(function.get("partialArgs")):
                self._call_args(call, state.add(entry), items)
            if not function.get("willContinue"):
                self._close_streamed(items)
            return
        if streamed is not None:
            self._close_streamed(items)
        if not function:
            return  # a stray terminator
        streaming = bool(function.get("willContinue"))
        args: object = function.get("args")
        if args is None:
            args = {}
        text = "" if streaming else compact_json(args)
        call = self._open_call(function.get("id"), function.get("name"), items, text, closed=not streaming)
        native: dict[str, Any] = {"functionCall": {"name": call.name, "args": {} if streaming else args}}
        if signature:
            call.extra["thought_signature"] = signature
            native["thoughtSignature"] = signature
            items.append(("extra", {"thought_signature": signature, "part": "function_call", "index": call.index}))
        self.parts.append(native)
        if streaming:
            self._streamed = (call, _StreamedArgs())
            native["_call"] = call

    def _close_streamed(self, items: list[Item]) -> None:
        assert self._streamed is not None
        call, state = self._streamed
        self._streamed = None
        tail = state.close_current()
        if state.streaming:
            self._call_args(call, (tail + "}") if state.value else "{}", items)
        else:
            self._reconcile_args(call, state.text(), items)
        call.closed = True
        for part in self.parts:
            if part.get("_call") is call:
                del part["_call"]
                part["functionCall"]["args"] = state.value

    def _usage(self) -> dict[str, int | None] | None:
        return normalize_gemini_usage(self.raw_usage) if self.raw_usage is not None else None

    def _finish_reason(self) -> str | None:
        raw = self.meta["raw_finish_reason"]
        if not raw:
            return None
        if raw == "MAX_TOKENS":
            return "length"
        if raw in _FILTERED:
            return "content_filter"
        return "tool_calls" if self.calls else "stop"

    def _incomplete_message(self) -> str:
        return "the stream ended without a finishReason"

    def finish(self) -> list[Item]:
        raw = self.meta["raw_finish_reason"]
        if not self.ended and self.terminated and raw in _FAILED:
            return self.stream_error(f"the model ended with finishReason {raw}", raw, None)
        return super().finish()

    def _message(self) -> dict[str, Any]:
        message = super()._message()
        message["parts"] = [{k: v for k, v in part.items() if k != "_call"} for part in self.parts]
        return message


class Gemini(ProviderModel):
    """Google's Gemini API (`models/{model}:streamGenerateContent?alt=sse`).

    ```python
    model = Gemini(model="gemini-2.5-flash", options={"temperature": 0.2,
                   "thinkingConfig": {"includeThoughts": True}})
    ```
    `base_url` is the host root (`https://generativelanguage.googleapis.com`; the mock server:
    `server.url`); `api_version` is `v1beta`.
    """

    provider: ClassVar[str] = "gemini"
    aliases: ClassVar[tuple[str, ...]] = ("google", "vertex")
    framing: ClassVar[Literal["sse", "ndjson"]] = "sse"
    adapter_class: ClassVar[type[ProviderAdapter]] = GeminiAdapter
    default_base_url: ClassVar[str] = "https://generativelanguage.googleapis.com"
    api_key_env: ClassVar[str | None] = "GEMINI_API_KEY"
    api_version: ClassVar[str] = "v1beta"

    def __init__(self, *, model: str, api_key: str | None = None, **kwargs: Any) -> None:
        if api_key is None and not os.environ.get("GEMINI_API_KEY"):
            api_key = os.environ.get("GOOGLE_API_KEY")
        super().__init__(model=model, api_key=api_key, **kwargs)

    def build_request(self, prompt: Prompt) -> RequestSpec:
        contents: list[Mapping[str, Any]] = list(prompt.messages)
        if prompt.input is not None:
            contents.append({"role": "user", "parts": [{"text": prompt.input}]})
        body: dict[str, Any] = {"contents": contents}
        system = system_text(prompt)
        if system:
            body["systemInstruction"] = {"parts": [{"text": system}]}
        config: dict[str, Any] = {}
        if prompt.schema is not None and self.uses_native_structured():
            found: set[str] = set()
            _schema_keys(prompt.schema, found)
            field = "responseJsonSchema" if found & _UNSUPPORTED_SCHEMA_KEYS else "responseSchema"
            config["responseMimeType"] = "application/json"
            config[field] = prompt.schema
        for key, value in self.options.items():
            generation = as_obj(value) if key == "generationConfig" else None
            if generation is not None:
                config.update(generation)
            elif key in _TOP_LEVEL:
                body[key] = value
            else:
                config[_RENAMES.get(key) or _camel(key)] = value
        if config:
            body["generationConfig"] = config
        headers = {"Content-Type": "application/json", "Accept": "text/event-stream", **self.headers}
        key = self._api_key()
        if key:
            headers["x-goog-api-key"] = key
        url = f"{self.base_url}/{self.api_version}/models/{quote(self.model, safe='/')}:streamGenerateContent?alt=sse"
        return RequestSpec("POST", url, headers, body, secrets=self._secrets())
