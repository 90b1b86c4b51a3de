"""The environment the dbt project reads, for a synmon data directory. Dagster-free, so the CLI's
`synmon dbt` and the Dagster dbt assets (orchestration/dbt.py) set the same variables.

dbt reads two absolute paths (dbt_project/profiles.yml and the lake sources), `SYNMON_WAREHOUSE`
and `SYNMON_LAKE`, and the SLOs of config/slos.yaml as JSON in `SYNMON_SLOS`.
"""

from __future__ import annotations

import json
from pathlib import Path

from synmon.settings import Paths, config_dir


def dbt_env(paths: Paths, slos: Path | None = None) -> dict[str, str]:
    """The environment variables dbt_project/ reads, for the data directory `paths`.

    `slos` defaults to config/slos.yaml; it is validated here, so a bad file fails before dbt runs.
    An environment variable (not `--vars`) keeps dbt's partial parse valid between parse and build.
    """
    from synmon.slos import load_slos

    return {
        "SYNMON_WAREHOUSE": str(paths.warehouse),
        "SYNMON_LAKE": str(paths.lake),
        "SYNMON_SLOS": json.dumps(load_slos(slos or config_dir() / "slos.yaml"), sort_keys=True),
    }
