"""Where synmon keeps its data and configuration.

Everything lives under one data directory (default `<repo>/data`, or `$SYNMON_DATA_DIR`), laid out
as in docs/architecture.md. The environment is read when `Paths.from_env()` is called, never at
import time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = REPO_ROOT / "config"  # the shipped configuration; see config_dir()
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"


def config_dir() -> Path:
    """The configuration folder in use: `$SYNMON_CONFIG_DIR`, else the repo's `config/`.

    Read at call time, so a test, a bench or a second deployment can point every loader (alerts,
    channels, on-call, SLOs, capacity, expectations, collection) at its own copy.
    """
    raw = os.environ.get("SYNMON_CONFIG_DIR")
    return Path(raw).expanduser().resolve() if raw else CONFIG_DIR


STREAMS = ("requests", "events", "logs", "metrics", "access", "traces")


@dataclass(frozen=True)
class Paths:
    """The data directory and every well-known location inside it."""

    data: Path

    @classmethod
    def from_env(cls, data_dir: str | Path | None = None) -> Paths:
        raw = data_dir or os.environ.get("SYNMON_DATA_DIR") or REPO_ROOT / "data"
        return cls(Path(raw).expanduser().resolve())

    @property
    def landing(self) -> Path:
        return self.data / "landing"

    @property
    def lake(self) -> Path:
        return self.data / "lake"

    @property
    def quarantine(self) -> Path:
        return self.lake / "_quarantine"

    @property
    def manifest(self) -> Path:
        return self.lake / "_manifest"

    @property
    def warehouse(self) -> Path:
        return self.data / "warehouse.duckdb"

    @property
    def reports(self) -> Path:
        return self.data / "reports"

    @property
    def notifications(self) -> Path:
        return self.data / "notifications"

    @property
    def ops_db(self) -> Path:
        return self.data / "ops.sqlite"

    @property
    def dagster_home(self) -> Path:
        return self.data / "dagster_home"

    @property
    def labels(self) -> Path:
        """Ground truth of the simulator's injected incidents."""
        return self.data / "labels" / "incidents.json"
