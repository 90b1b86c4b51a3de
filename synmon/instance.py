"""The Dagster instance synmon runs on: `DAGSTER_HOME` defaults to `<data>/dagster_home`, with the
`dagster.yaml` committed under `config/`. Standard library only, so the CLI can call it before any
Dagster import."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from synmon.settings import Paths, config_dir


def ensure_dagster_home(paths: Paths) -> Path:
    """Point `DAGSTER_HOME` at the instance directory (unless the user chose another) and install
    the repo's `dagster.yaml` there when it is missing or differs."""
    home = Path(os.environ.get("DAGSTER_HOME") or paths.dagster_home)
    os.environ["DAGSTER_HOME"] = str(home)
    home.mkdir(parents=True, exist_ok=True)
    src, dst = config_dir() / "dagster.yaml", home / "dagster.yaml"
    if not dst.exists() or dst.read_bytes() != src.read_bytes():
        shutil.copyfile(src, dst)
    return home
