"""The lake assets, their reconciliation checks and the landing sensor, through Dagster's API."""

from __future__ import annotations

import json

import dagster as dg

from assets.ingest import INGEST_ASSETS, INGEST_CHECKS, LAKE_KEYS
from assets.resources import SynmonData
from sensors.landing import landing_sensor
from synmon.settings import Paths

REQ = (
    '{"ts":"2026-08-21T09:00:00Z","component":"api","endpoint":"/x","status":200,"latency_ms":1}\n'
)
PAGE = '# TYPE g gauge\ng{host="h"} 1 1787302800000\n'


def _land(paths: Paths, stream: str, name: str, text: str) -> None:
    path = paths.landing / stream / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fh.write(text)


def test_assets_materialize_with_metadata_and_checks_pass(data_paths: Paths) -> None:
    _land(data_paths, "requests", "r.jsonl", REQ * 3 + "oops\n")
    _land(data_paths, "metrics", "m.prom", PAGE)
    result = dg.materialize(
        [*INGEST_ASSETS, *INGEST_CHECKS],
        resources={"data": SynmonData(data_dir=str(data_paths.data))},
    )
    assert result.success
    mats = {
        m.asset_key: m.metadata
        for m in result.get_asset_materialization_events()
        and [e.materialization for e in result.get_asset_materialization_events()]
    }
    req = mats[LAKE_KEYS["requests"]]
    assert (req["records_in"].value, req["loaded"].value, req["quarantined"].value) == (4, 3, 1)
    assert req["partitions"].value == ["2026-08-21"]
    assert mats[LAKE_KEYS["metrics"]]["loaded"].value == 1
    assert mats[LAKE_KEYS["events"]]["files"].value == 0
    checks = result.get_asset_check_evaluations()
    assert len(checks) == len(LAKE_KEYS) and all(c.passed for c in checks)
    by_key = {c.asset_key: c.metadata for c in checks}
    assert by_key[LAKE_KEYS["requests"]]["quarantine_rows"].value == 1
    assert (data_paths.lake / "requests" / "date=2026-08-21").is_dir()


def test_reconcile_check_fails_when_lake_rows_go_missing(data_paths: Paths) -> None:
    _land(data_paths, "requests", "r.jsonl", REQ * 2)
    resources = {"data": SynmonData(data_dir=str(data_paths.data))}
    dg.materialize(INGEST_ASSETS, resources=resources)
    for path in (data_paths.lake / "requests").rglob("*.parquet"):
        path.unlink()
    result = dg.materialize(
        [*INGEST_ASSETS, *INGEST_CHECKS], resources=resources, raise_on_error=False
    )
    failed = {c.asset_key for c in result.get_asset_check_evaluations() if not c.passed}
    assert failed == {LAKE_KEYS["requests"]}


def test_sensor_batches_new_and_grown_files_into_one_run(data_paths: Paths) -> None:
    data = SynmonData(data_dir=str(data_paths.data))

    instance = dg.DagsterInstance.ephemeral()

    def tick(cursor: str | None) -> dg.SensorResult | dg.SkipReason:
        with dg.build_sensor_context(
            cursor=cursor, resources={"data": data}, instance=instance
        ) as ctx:
            return landing_sensor(ctx)

    empty = tick(None)
    assert isinstance(empty, dg.SkipReason) and "no files" in empty.skip_message
    _land(data_paths, "requests", "r.jsonl", REQ)
    _land(data_paths, "metrics", "m.prom", PAGE)
    first = tick(None)
    assert isinstance(first, dg.SensorResult) and len(first.run_requests) == 1
    assert first.run_requests[0].tags["synmon/changed_files"] == "2"
    assert set(json.loads(first.cursor)) == {"requests/r.jsonl", "metrics/m.prom"}
    idle = tick(first.cursor)
    assert isinstance(idle, dg.SkipReason) and "nothing new or grown" in idle.skip_message
    _land(data_paths, "requests", "r.jsonl", REQ)
    grown = tick(first.cursor)
    assert isinstance(grown, dg.SensorResult)
    assert grown.run_requests[0].tags["synmon/changed_files"] == "1"
    assert grown.run_requests[0].run_key != first.run_requests[0].run_key
    assert tick(first.cursor).run_requests[0].run_key == grown.run_requests[0].run_key

    # While an ingest run is queued it will pick the new lines up: no second run piles up.
    job = dg.Definitions(
        assets=INGEST_ASSETS,
        jobs=[dg.define_asset_job("ingest_job")],
        resources={"data": data},
    ).resolve_job_def("ingest_job")
    queued = instance.create_run_for_job(job, status=dg.DagsterRunStatus.NOT_STARTED)
    waiting = tick(first.cursor)
    assert isinstance(waiting, dg.SkipReason) and queued.run_id in waiting.skip_message


def test_sensor_module_imports_nothing_heavy() -> None:
    import subprocess
    import sys

    code = (
        "import sys, sensors.landing; "
        "print(sorted(m for m in ('pandas', 'duckdb', 'pyarrow', 'synmon.ingest') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_cli_and_sensor_know_every_supported_stream() -> None:
    from sensors.landing import WATCHED_STREAMS
    from synmon.commands.ingest import STREAM_CHOICES
    from synmon.ingest import SUPPORTED_STREAMS

    assert set(STREAM_CHOICES) == set(SUPPORTED_STREAMS) == set(WATCHED_STREAMS)
