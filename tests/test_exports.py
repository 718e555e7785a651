"""The package's public names (parser part): `__all__` sorted, the parser names present, each
public object importable from `instantjson`."""

from __future__ import annotations

import importlib

import instantjson

PARSER_NAMES = ("InstantEvent", "InstantParser", "ParseError", "loads", "parse_partial")


def test_all_is_sorted_and_unique() -> None:
    names = list(instantjson.__all__)
    assert names == sorted(names)
    assert len(names) == len(set(names))


def test_parser_names_exported() -> None:
    for name in PARSER_NAMES:
        assert name in instantjson.__all__, name
        assert callable(getattr(instantjson, name)), name


def test_every_public_name_importable() -> None:
    for name in instantjson.__all__:
        ns: dict[str, object] = {}
        exec(f"from instantjson import {name}", ns)  # the statement users write
        assert ns[name] is getattr(instantjson, name)


def test_parser_objects_are_the_extension_ones() -> None:
    core = importlib.import_module("instantjson._core")
    for name in ("InstantEvent", "InstantParser", "loads", "parse_partial"):
        assert getattr(instantjson, name) is getattr(core, name), name
    assert issubclass(instantjson.ParseError, ValueError)
    assert isinstance(core.__version__, str) and core.__version__
