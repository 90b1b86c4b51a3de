"""`synmon dbt ARGS...`: any dbt command on the synmon project, with the environment it needs.

Sets SYNMON_WAREHOUSE, SYNMON_LAKE and SYNMON_SLOS for the data directory (synmon/dbtenv.py) and
passes --project-dir and --profiles-dir, so `synmon dbt docs generate`, `synmon dbt test -s
rpt_slo_daily` or `synmon dbt build --full-refresh` work from anywhere, as the pipeline runs them.
"""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "dbt",
        help="run dbt on the warehouse project (docs generate, build, test, ls, ...)",
        description=(
            "Run dbt on dbt_project/ with the environment synmon's pipeline gives it (warehouse "
            "and lake of the data directory, the SLOs of config/slos.yaml). Everything after "
            "`dbt` goes to dbt, e.g. `synmon dbt docs generate`, `synmon dbt build "
            "--full-refresh`, `synmon dbt docs serve --port 8081`."
        ),
    )
    parser.add_argument("dbt_args", nargs=argparse.REMAINDER, help="the dbt command and options")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    import os
    import subprocess
    import sys
    from pathlib import Path

    from synmon.dbtenv import dbt_env
    from synmon.settings import DBT_PROJECT_DIR, Paths

    if not args.dbt_args:
        print("synmon dbt: give a dbt command, e.g. `synmon dbt docs generate`", file=sys.stderr)
        return 2
    paths = Paths.from_env(getattr(args, "data_dir", None))
    executable = Path(sys.executable).parent / "dbt"
    dirs = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    command = [str(executable) if executable.exists() else "dbt", *args.dbt_args, *dirs]
    env = {**os.environ, **dbt_env(paths)}
    return subprocess.run(command, env=env, check=False).returncode
