"""Shared fixtures: every test gets its own data directory and Dagster instance home."""

from __future__ import annotations

from pathlib import Path

import pytest

from synmon.settings import Paths

SHARED_REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"


@pytest.fixture
def data_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Paths:
    """A fresh synmon data directory, also exported as SYNMON_DATA_DIR and DAGSTER_HOME."""
    paths = Paths.from_env(tmp_path / "data")
    paths.data.mkdir(parents=True)
    monkeypatch.setenv("SYNMON_DATA_DIR", str(paths.data))
    monkeypatch.setenv("DAGSTER_HOME", str(paths.dagster_home))
    return paths


@pytest.fixture
def shared_real() -> Path:
    """The team's real public sample data (read-only), `../shared/data/real` from the repo."""
    if not SHARED_REAL.is_dir():
        pytest.skip(f"shared real data not found at {SHARED_REAL}")
    return SHARED_REAL
