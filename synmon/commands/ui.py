"""`synmon ui`: the Dagster web UI and daemon on 127.0.0.1 (sensors and schedules tick there)."""

from __future__ import annotations

import argparse
import os
import shutil
import sys

from synmon.settings import REPO_ROOT, Paths


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ui",
        help="start the Dagster web UI and daemon (dagster dev) on 127.0.0.1",
        description="Run `dagster dev` on the synmon Definitions with DAGSTER_HOME set up, so "
        "the UI shows the demo's runs, the asset lineage, and the sensors and schedules ticking.",
    )
    p.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=3000, help="port (default 3000)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from orchestration.dbt import prepare_manifest
    from synmon.instance import ensure_dagster_home

    paths = Paths.from_env(args.data_dir)
    os.environ.setdefault("SYNMON_DATA_DIR", str(paths.data))
    ensure_dagster_home(paths)
    prepare_manifest()
    dagster = shutil.which("dagster", path=os.path.dirname(sys.executable)) or "dagster"
    cmd = [dagster, "dev", "-m", "orchestration.definitions", "-h", args.host, "-p", str(args.port)]
    print(
        f"Dagster UI on http://{args.host}:{args.port} (DAGSTER_HOME={os.environ['DAGSTER_HOME']})"
    )
    os.chdir(REPO_ROOT)
    os.execv(dagster, cmd)
    return 0
