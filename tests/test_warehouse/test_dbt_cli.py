"""`synmon dbt`: any dbt command on the project with the pipeline's environment."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SYNMON = [sys.executable, "-m", "synmon.cli"]


def test_dbt_passthrough_lists_the_marts(tmp_path: Path) -> None:
    data = tmp_path / "data"
    command = [*SYNMON, "--data-dir", str(data), "dbt", "ls", "--resource-type", "model",
               "--output", "name", "--target-path", str(tmp_path / "target"),
               "--log-path", str(tmp_path / "logs")]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    names = set(done.stdout.split())
    assert {"fct_requests", "rpt_slo_daily", "rpt_trace_latency_hourly"} <= names


def test_dbt_without_a_command_says_what_to_give() -> None:
    done = subprocess.run([*SYNMON, "dbt"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "give a dbt command" in done.stderr
