"""Folds of the `instantjson` SSE protocol, for tests: rebuild the text and the structured value
from the decoded events alone (as `instantjson.js` does in the browser)."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["fold_instantjson", "set_path"]


def set_path(root: Any, keys: list[Any], value: Any) -> Any:
    if not keys:
        return value
    if not isinstance(root, (dict, list)):
        root = [] if isinstance(keys[0], int) else {}
    node = root
    for key, nxt in zip(keys, keys[1:], strict=False):
        if isinstance(node, list):
            while len(node) <= key:
                node.append(None)
        if not isinstance(node[key] if isinstance(node, list) else node.get(key), (dict, list)):
            node[key] = [] if isinstance(nxt, int) else {}
        node = node[key]
    last = keys[-1]
    if isinstance(node, list):
        while len(node) <= last:
            node.append(None)
    node[last] = value
    return root


def get_path(root: Any, keys: list[Any]) -> Any:
    node = root
    for key in keys:
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and isinstance(key, int) and key < len(node):
            node = node[key]
        else:
            return None
    return node


def fold_instantjson(events: list[tuple[str, str]]) -> dict[str, Any]:
    """`events`: (event name, data text) in wire order."""
    state: dict[str, Any] = {"text": "", "reasoning": "", "data": None, "complete": [], "meta": None, "error": None}
    for name, data_text in events:
        data = json.loads(data_text)
        if name == "delta":
            state["text"] += data
        elif name == "reasoning_delta":
            state["reasoning"] += data
        elif name == "done":
            assert data == state["text"], "done carries the whole text"
        elif name == "instant":
            keys = data["keys"]
            if keys and isinstance(keys[0], str) and keys[0].startswith("$"):
                continue
            if data.get("complete"):
                state["data"] = set_path(state["data"], keys, data["value"])
                state["complete"].append(data["path"])
            else:
                before = get_path(state["data"], keys)
                state["data"] = set_path(state["data"], keys, (before or "") + data["delta"])
        elif name == "meta":
            state["meta"] = data
        elif name == "error":
            state["error"] = data
    return state
