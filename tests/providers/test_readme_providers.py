"""The examples of docs/readme-parts/providers.md run as written, and the corpus counts it states
are the corpus's."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import pytest

from tests.providers._corpus import corpus_streams, require_corpus

PART = Path(__file__).resolve().parents[2] / "docs" / "readme-parts" / "providers.md"
BLOCKS = re.findall(r"```python\n(.*?)```", PART.read_text(encoding="utf-8"), re.S)


@pytest.mark.parametrize("code", BLOCKS, ids=[f"example{n}" for n in range(len(BLOCKS))])
def test_the_examples_run(code: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AZURE_OPENAI_API_KEY", raising=False)
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        exec(compile(code, str(PART), "exec"), {})


def test_the_stated_corpus_counts() -> None:
    require_corpus()
    text = " ".join(PART.read_text(encoding="utf-8").split())
    streams = corpus_streams()
    count = {src: sum(s.id.startswith(src + "/") for s in streams) for src in ("openai-python", "anthropic-sdk-python")}
    vercel = sum(s.id.startswith("vercel-ai/") for s in streams)
    assert f"reads {len(streams)} real HTTP responses" in text
    assert f"{count['openai-python']} from openai-python, {count['anthropic-sdk-python']} from" in text
    assert f"anthropic-sdk-python and {vercel} from vercel/ai" in text
    expectations = json.loads((PART.parents[2] / "tests" / "fixtures" / "recorded_expectations.json").read_bytes())
    assert f"its final arguments; {len(expectations) - 1} are also checked field by field" in text
