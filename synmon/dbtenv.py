"""The environment the dbt project reads, for a synmon data directory. Dagster-free, so the CLI's
`synmon dbt` and the Dagster dbt assets (orchestration/dbt.py) set the same variables.

dbt reads two absolute paths (dbt_project/profiles.yml and the lake sources), `SYNMON_WAREHOUSE`
and `SYNMON_LAKE`, and the SLOs of config/slos.yaml as JSON in `SYNMON_SLOS`.

`BUILD_ARGS` is the production `dbt build`: the Dagster asset runs it, and bench/warehouse.py times
it, so a flag added here goes into both (docs/warehouse.md "Speed").
"""

from __future__ import annotations

import json
from pathlib import Path

from synmon.settings import Paths, config_dir

# The production `dbt build` (docs/warehouse.md "Speed"):
# - dbt unit tests prove the SQL logic on fixed rows, so they change only when the project does:
#   they run in `make test` (tests/test_warehouse/test_traces_histograms.py builds every node) and
#   with `synmon dbt build` / `synmon dbt test`, not in every production build (dbt's advice);
# - no manifest.json (written twice, ~1 MB each) nor run_results.json: dagster-dbt reads dbt's JSON
#   log on stdout and no artifact; `synmon dbt ...` still writes them;
# - the log file keeps warnings and errors only (DEBUG formats every query twice).
BUILD_ARGS: tuple[str, ...] = (
    "build",
    "--exclude-resource-type",
    "unit_test",
    "--no-write-json",
    "--log-level-file",
    "warn",
)


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
