"""Strict mode against JSONTestSuite (DESIGN 2.2).

- `y_` files: the value is what `json.loads` gives, compared type-exactly (1, 1.0 and True differ,
  NaN equals NaN), fed whole as bytes, as str, in seeded random chunks and byte by byte (which
  splits UTF-8 sequences); `loads()` and `InstantParser` + `finish()` + `.value` agree.
- `n_` files: a `ParseError`, however the file is fed.
- `i_` files: no crash, and the outcome is a value or a `ParseError`, the same however the file is
  fed. The outcome is computed at collection time and written into the test id
  (`test_i_file[i_number_huge_exp-value]`), so `pytest -v -k test_i_file` lists what we do with each.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

import instantjson
from instantjson import InstantParser, ParseError
from tests._shared import (
    assert_exact,
    byte_chunks,
    canon,
    missing_param,
    param_or_skip,
    random_chunks,
    reference_snapshot,
    suite_files,
)

if TYPE_CHECKING:
    from pathlib import Path

Y_FILES = suite_files("y_")
N_FILES = suite_files("n_")
I_FILES = suite_files("i_")
SEEDS = (1, 2, 3)


def _utf8(b: bytes) -> str | None:
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _feed_all(chunks: list[Any], **kw: Any) -> Any:
    p = InstantParser(**kw)
    for c in chunks:
        p.feed(c)
    p.finish()
    return p


def _modes(data: bytes) -> list[tuple[str, list[Any]]]:
    """Every way a test file is fed: whole bytes, whole str, random chunks of both, byte by byte."""
    modes: list[tuple[str, list[Any]]] = [("bytes", [data])]
    text = _utf8(data)
    if text is not None:
        modes.append(("str", [text]))
        modes += [(f"str_chunks_{s}", random_chunks(text, s)) for s in SEEDS]
    modes += [(f"bytes_chunks_{s}", random_chunks(data, s)) for s in SEEDS]
    modes.append(("bytewise", byte_chunks(data)))
    return modes


# --------------------------------------------------------------------------------------------- y_


@pytest.mark.parametrize("path", param_or_skip(Y_FILES, "JSONTestSuite y_", ids=lambda p: p.stem))
def test_y_file(path: Path) -> None:
    data = path.read_bytes()
    expected = json.loads(data.decode("utf-8"))
    for mode, chunks in _modes(data):
        p = InstantParser()
        try:
            for c in chunks:
                p.feed(c)
            p.finish()
        except ParseError as e:
            raise AssertionError(f"{mode}: valid JSON rejected: {e}") from e
        assert p.done, mode
        assert_exact(p.value, expected, f"{mode}: value differs from json.loads")


@pytest.mark.parametrize("path", param_or_skip(Y_FILES, "JSONTestSuite y_", ids=lambda p: p.stem))
def test_y_file_loads(path: Path) -> None:
    data = path.read_bytes()
    expected = json.loads(data.decode("utf-8"))
    assert_exact(instantjson.loads(data), expected, "loads(bytes)")
    assert_exact(instantjson.loads(data.decode("utf-8")), expected, "loads(str)")
    assert_exact(instantjson.loads(bytearray(data)), expected, "loads(bytearray)")
    assert_exact(instantjson.loads(memoryview(data)), expected, "loads(memoryview)")
    # the one-shot helpers agree with the incremental parser
    p = InstantParser()
    p.feed(data)
    p.finish()
    assert canon(p.value) == canon(instantjson.loads(data))
    # parse_partial = feed + snapshot, no finish(): a bare root number is not complete yet (DESIGN 2.3)
    has, want, _ = reference_snapshot(data.decode("utf-8"))
    assert_exact(instantjson.parse_partial(data), want if has else None, "parse_partial of a whole document")


# --------------------------------------------------------------------------------------------- n_


@pytest.mark.parametrize("path", param_or_skip(N_FILES, "JSONTestSuite n_", ids=lambda p: p.stem))
def test_n_file(path: Path) -> None:
    data = path.read_bytes()
    for mode, chunks in _modes(data):
        with pytest.raises(ParseError):
            _feed_all(chunks)
            pytest.fail(f"{mode}: invalid JSON accepted")  # pragma: no cover


@pytest.mark.parametrize("path", param_or_skip(N_FILES, "JSONTestSuite n_", ids=lambda p: p.stem))
def test_n_file_loads(path: Path) -> None:
    data = path.read_bytes()
    with pytest.raises(ParseError):
        instantjson.loads(data)
    text = _utf8(data)
    if text is not None:
        with pytest.raises(ParseError):
            instantjson.loads(text)


# --------------------------------------------------------------------------------------------- i_


def _outcome(chunks: list[Any]) -> tuple[str, Any]:
    try:
        p = _feed_all(chunks)
        return "value", canon(p.value)
    except ParseError as e:
        return "ParseError", e.kind
    except BaseException as e:  # a pyo3 PanicException derives from BaseException
        return f"crash:{type(e).__name__}", str(e)[:200]


def _i_params() -> list[Any]:
    params = []
    for path in I_FILES:
        outcome, _ = _outcome([path.read_bytes()])
        params.append(pytest.param(path, outcome, id=f"{path.stem}-{outcome.split(':')[0]}"))
    return params or [missing_param("JSONTestSuite i_", arity=2)]


@pytest.mark.parametrize(("path", "recorded"), _i_params())
def test_i_file(path: Path, recorded: str) -> None:
    """Implementation-defined inputs: either outcome is allowed, a crash is not, and the outcome does
    not depend on how the input was cut."""
    data = path.read_bytes()
    whole = _outcome([data])
    assert whole[0] in ("value", "ParseError"), f"crash: {whole}"
    assert whole[0] == recorded
    for mode, chunks in _modes(data)[1:]:
        if mode == "str":
            continue  # decoding changes the input (a BOM, say); the bytes modes are the same input
        got = _outcome(chunks)
        assert got[0] in ("value", "ParseError"), f"{mode}: crash: {got}"
        if not mode.startswith("str"):
            assert got[0] == whole[0], f"{mode}: outcome {got[0]} but whole bytes gave {whole[0]}"
            if got[0] == "value":
                assert got[1] == whole[1], f"{mode}: value differs from the whole feed"
    try:
        v = instantjson.loads(data)
        assert whole[0] == "value" and canon(v) == whole[1], "loads() disagrees with the parser"
    except ParseError:
        assert whole[0] == "ParseError", "loads() raised but the parser accepted"
