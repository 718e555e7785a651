# Entry points for development; CI runs .ci/run, which uses the same commands.
.DEFAULT_GOAL := help
PY ?= python3

.PHONY: help
help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

.PHONY: install
install: ## install the package (release build) with the test and bench extras
	$(PY) -m pip install -e ".[test,bench]"

.PHONY: build-dev
build-dev: ## rebuild the extension in place (release profile) after a Rust change
	VIRTUAL_ENV=$$($(PY) -c 'import sys; print(sys.prefix)') maturin develop --release

.PHONY: build-inplace
build-inplace: ## build the extension (release) into python/instantjson/ for PYTHONPATH=python runs (no install)
	rm -rf target/inplace-wheel
	maturin build --release -i $(PY) -o target/inplace-wheel
	unzip -o -j -q target/inplace-wheel/*.whl 'instantjson/_core*.so' -d python/instantjson/

.PHONY: test-rust
test-rust: ## the core's tests (no Python needed)
	cargo test -p instantjson-core

.PHONY: test-python
test-python: ## the Python suite against the installed package
	$(PY) -m pytest

.PHONY: test
test: test-rust test-python ## both

.PHONY: lint
lint: ## rustfmt, clippy (pedantic), the no-pyo3-in-core rule, ruff, basedpyright, stubtest
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	! cargo tree -p instantjson-core -e normal | grep -q pyo3
	ruff check python tests benches
	ruff format --check python tests benches
	basedpyright --project pyproject.toml
	$(PY) -m mypy.stubtest instantjson._core --allowlist .mypy-stubtest-allowlist

.PHONY: docs
docs: ## the API reference from the docstrings (mkdocs-material + mkdocstrings; the lint extra)
	mkdocs build --strict

.PHONY: pythons
pythons: ## build, install and smoke-test on Python 3.10-3.13 (pyenv), as CI does
	bash .ci/pythons.sh

.PHONY: bench
bench: ## parser and pipeline benchmarks against the peers (ratio tables at the end)
	$(PY) -m pytest benches --benchmark-enable -p no:randomly

.PHONY: bench-rust
bench-rust: ## the core against actson and serde_json (criterion)
	cargo bench -p instantjson-core --bench feed

.PHONY: fuzz
fuzz: ## coverage-guided fuzzing of the core for 10 minutes (needs cargo-fuzz and a nightly toolchain)
	mkdir -p /tmp/fuzz-split
	cargo +nightly fuzz run --fuzz-dir rust/fuzz split_invariance /tmp/fuzz-split rust/fuzz/corpus/split_invariance -- -max_total_time=600

.PHONY: fuzz-bounded
fuzz-bounded: ## the bounded fuzz run CI does (20,000 generated inputs and the corpus)
	cargo test -p instantjson-core --test fuzz_bounded

.PHONY: soak
soak: ## the engine's schedule fuzzer, long (5,000 examples per backend; ENGINE_FUZZ_EXAMPLES to change)
	ENGINE_FUZZ_EXAMPLES=$${ENGINE_FUZZ_EXAMPLES:-5000} $(PY) -m pytest tests/test_engine_fuzz.py -p no:randomly -q
