"""pytest configuration for the parser tests: hypothesis profiles (no example database in the repo)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

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
