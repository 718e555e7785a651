"""pytest configuration for the parser tests: hypothesis profiles (no example database in the repo)."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from hypothesis import HealthCheck, settings

if TYPE_CHECKING:
    import pytest

# `from tests._shared import ...` whether pytest was started as `pytest` or `python -m pytest`
_REPO = str(Path(__file__).resolve().parents[1])
if _REPO not in sys.path:
    sys.path.insert(0, _REPO)

# On a failing property, hypothesis' pytest plugin imports libcst to print a patch; with
# `filterwarnings = error`, a DeprecationWarning raised inside that import (mypy_extensions)
# turns the failure report into an INTERNALERROR. Import it once here with warnings silenced.
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    try:
        import hypothesis.extra._patching  # noqa: F401
    except ImportError:  # libcst is optional
        pass

# `database=None`: no .hypothesis/ folder in the work tree; failures print their reproducer instead.
settings.register_profile(
    "default",
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# A longer run for hunting bugs locally: HYPOTHESIS_PROFILE=thorough pytest tests
settings.register_profile("thorough", parent=settings.get_profile("default"), max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "shared_missing(what): a placeholder for shared data that is not there")


def pytest_runtest_setup(item: pytest.Item) -> None:
    marker = item.get_closest_marker("shared_missing")
    if marker is not None:
        from tests._shared import missing_shared

        missing_shared(str(marker.args[0]))
