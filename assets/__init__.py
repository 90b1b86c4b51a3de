"""Dagster assets, one module per stage. Each decorated function is a short adapter over typed
pure functions in `synmon/` (or `reports/`)."""
