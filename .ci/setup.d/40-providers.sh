# Provider tests (branch `providers`): basedpyright checks python/instantjson/_providers in
# pyright's strict mode (tests/providers/test_typing.py). Idempotent: pip skips it when present.
python3 -m pip install --quiet "basedpyright>=1.20"
