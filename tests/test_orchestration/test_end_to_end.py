"""A small end-to-end run: a few weeks of telemetry through every stage on a real Dagster
instance (temporary DAGSTER_HOME), real dbt, real Prophet, real PDFs, a real sensor tick."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from synmon.settings import Paths


@pytest.mark.slow
def test_demo_end_to_end(data_paths: Paths) -> None:
    from orchestration.demo import run_demo

    messages: list[str] = []
    summary = run_demo(data_paths, days=70, seed=7, scale=0.15, progress=messages.append)

    # Records reconcile stage to stage.
    req = summary.ingested["requests"]
    assert req["records_in"] == summary.generated["requests"]
    assert req["records_in"] == req["loaded"] + req["quarantined"]
    with duckdb.connect(str(data_paths.warehouse), read_only=True) as con:
        total = con.execute("select sum(requests) from rpt_platform_daily").fetchone()[0]
        lake = con.execute(
            f"select count(*) from read_parquet('{data_paths.lake}/requests/*/*.parquet')"
        ).fetchone()[0]
    assert total == lake == req["loaded"]

    assert summary.marts["rpt_performance_hourly"] > 0
    assert "platform:requests" in summary.forecast_accuracy
    assert any("/daily/" in p for p in summary.reports)
    assert any("/weekly/" in p for p in summary.reports)
    assert all(Path(p).read_bytes()[:5] == b"%PDF-" for p in summary.reports)

    # The simulator's incidents in range fire and resolve through the alert sensor.
    assert summary.alerts.get("firing", 0) >= 1
    notes = [
        json.loads(line)
        for f in data_paths.notifications.glob("*.jsonl")
        for line in f.read_text().splitlines()
    ]
    assert {n["status"] for n in notes} >= {"firing", "resolved"}

    # The run is recorded in the instance the UI reads.
    import dagster as dg

    instance = dg.DagsterInstance.get()
    run = instance.get_run_by_id(summary.run_id)
    assert run is not None and run.is_success

    # dbt ran in the data directory's own target folder, which keeps its partial parse for the
    # next run, instead of a new folder per run under the project.
    from synmon.settings import DBT_PROJECT_DIR

    assert (data_paths.data / "dbt_target" / "partial_parse.msgpack").is_file()
    # dbt's log (dagster-dbt echoes it to stdout) goes to a file, not between the demo's lines.
    assert "Running with dbt=" in (data_paths.data / "logs" / "pipeline_job.log").read_text()
    assert not list((DBT_PROJECT_DIR / "target").glob(f"*-{summary.run_id[:7]}-*"))
