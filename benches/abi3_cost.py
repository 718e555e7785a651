"""What a stable-ABI (abi3) build of `instantjson._core` would cost: the parser workloads of
`_data.py`, fed to the installed per-version build and to an abi3 build, interleaved in one
process (so both see the same machine load), best of N runs each.

    CARGO_TARGET_DIR=target/abi3 maturin build --release -o target/abi3-wheel --features pyo3/abi3-py310
    unzip -o -j target/abi3-wheel/*abi3*.whl 'instantjson/_core*.so' -d target/abi3-core
    python benches/abi3_cost.py 25 target/abi3-core/_core.abi3.so

Prints a markdown table (docs/readme-parts/newcomer.md has the measured one).
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _data import byte_chunks, token_chunks

import instantjson._core as per_version


def _load_abi3(path: str) -> Any:
    spec = importlib.util.spec_from_file_location("abi3_build._core", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(module: Any, chunks: tuple[Any, ...], options: dict[str, Any]) -> float:
    parser = module.InstantParser(**options)
    start = time.perf_counter()
    for chunk in chunks:
        parser.feed(chunk)
    parser.finish()
    return time.perf_counter() - start


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    abi3 = _load_abi3(sys.argv[2] if len(sys.argv) > 2 else "target/abi3-core/_core.abi3.so")
    workloads: dict[str, tuple[tuple[Any, ...], dict[str, Any]]] = {
        "tokens-100KB (str, 1-8 chars)": (token_chunks("100KB"), {}),
        "tokens-1MB (str, 1-8 chars)": (token_chunks("1MB"), {}),
        "bytes64-1MB": (byte_chunks("1MB", 64), {}),
        "bytes64K-1MB": (byte_chunks("1MB", 65536), {}),
        "bytes64K-1MB dones only": (byte_chunks("1MB", 65536), {"deltas": False}),
    }
    print("| workload | per-version build | abi3 build | abi3 / per-version |")  # noqa: T201
    print("|---|---|---|---|")  # noqa: T201
    for name, (chunks, options) in workloads.items():
        a: list[float] = []
        b: list[float] = []
        for _ in range(rounds):
            a.append(_run(per_version, chunks, options))
            b.append(_run(abi3, chunks, options))
        print(f"| {name} | {min(a) * 1000:.1f} ms | {min(b) * 1000:.1f} ms | {min(b) / min(a):.2f} |")  # noqa: T201


if __name__ == "__main__":
    main()
