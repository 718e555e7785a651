#!/usr/bin/env bash
# Every Python the project claims (requires-python >= 3.10; 3.10 to 3.13 are tested): build the
# extension for each interpreter, install it with the test extra in a fresh venv, import it and
# run a smoke subset of the suite. The main run (.ci/run) covers the default python3 in full.
#
# Wheels are per-version, not abi3: the stable ABI costs 1.5-1.8x on the byte-fed parser
# workloads (benches/abi3_cost.py; docs/readme-parts/newcomer.md). The smoke builds use the
# ci-smoke profile (release without fat LTO: faster to build); the code is the same.
#
# Usage: bash .ci/pythons.sh [VERSION...]   (default: 3.10 3.11 3.12 3.13; CI passes the ones
# python3 is not). Set PYENV_ROOT to look elsewhere than ~/.pyenv.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSIONS=("$@")
[ ${#VERSIONS[@]} -gt 0 ] || VERSIONS=(3.10 3.11 3.12 3.13)
SMOKE=(tests/test_exports.py tests/test_core_events.py tests/test_framing.py tests/test_limits.py
       tests/test_newcomer_errors.py tests/test_response.py tests/test_seed.py tests/test_mock_server.py)
ROOT="${PYENV_ROOT:-$HOME/.pyenv}"
WORK="$(mktemp -d /tmp/instantjson-pythons.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

for version in "${VERSIONS[@]}"; do
    # the newest installed patch release of this minor version
    python=""
    for candidate in "$ROOT"/versions/"$version".*/bin/python; do
        [ -x "$candidate" ] && python="$candidate"
    done
    if [ -z "$python" ]; then
        echo "Python $version is not installed under $ROOT/versions (the project claims it)" >&2
        exit 1
    fi
    echo "== Python $version ($python): build, install, smoke tests =="
    start=$SECONDS
    maturin build --quiet --profile ci-smoke -i "$python" -o "$WORK/wheels-$version" 2>&1 | grep -v '^📦\|^🔗\|^🐍\|^⚠' || true
    wheel=$(ls "$WORK/wheels-$version"/*.whl)
    "$python" -m venv "$WORK/venv-$version"
    venv="$WORK/venv-$version/bin/python"
    "$venv" -m pip install --quiet "${wheel}[test]"
    "$venv" -c "import sys, instantjson, instantjson._core as c; print('imported', instantjson.__version__, 'on', sys.version.split()[0])"
    "$venv" -m pytest -q -p no:cacheprovider "${SMOKE[@]}"
    echo "== Python $version: $((SECONDS - start)) s =="
done
