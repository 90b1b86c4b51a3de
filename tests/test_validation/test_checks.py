"""The Dagster asset checks: wired to the lake assets, run in a real materialization, and by
direct invocation on a lake with known bad rows."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

import dagster as dg

from assets.ingest import INGEST_ASSETS, INGEST_CHECKS
from assets.resources import SynmonData
from assets.validation import VALIDATION_CHECKS, ValidationConfig
from tests.test_validation.conftest import write_lake

T0 = datetime(2026, 11, 10, 8)


def _check_for(dataset: str) -> dg.AssetChecksDefinition:
    key = dg.AssetCheckKey(dg.AssetKey(["lake", dataset]), "expectations")
    (check,) = [c for c in VALIDATION_CHECKS if key in c.check_keys]
    return check


def test_checks_target_the_lake_assets_and_load_beside_ingest() -> None:
    keys = {k for c in VALIDATION_CHECKS for k in c.check_keys}
    assert keys == {
        dg.AssetCheckKey(dg.AssetKey(["lake", d]), "expectations")
        for d in ("requests", "events", "metrics")
    }
    defs = dg.Definitions(
        assets=INGEST_ASSETS,
        asset_checks=[*INGEST_CHECKS, *VALIDATION_CHECKS],
        resources={"data": SynmonData()},
    )
    assert defs.resolve_implicit_global_asset_job_def().name == "__ASSET_JOB"


def test_materialize_ingest_then_expectations_pass(clean_data: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(clean_data / "landing", data / "landing")
    result = dg.materialize(
        [*INGEST_ASSETS, *VALIDATION_CHECKS],
        resources={"data": SynmonData(data_dir=str(data))},
        instance=dg.DagsterInstance.ephemeral(),
        run_config={"ops": {"lake__requests_expectations": {"config": {"latest_partitions": 2}}}},
    )
    assert result.success
    evaluations = {e.asset_key.path[-1]: e for e in result.get_asset_check_evaluations()}
    assert set(evaluations) == {"requests", "events", "metrics"}
    for dataset, evaluation in evaluations.items():
        meta = evaluation.metadata
        assert evaluation.passed, (dataset, meta["failed_expectations"])
        assert meta["rows_checked"].value > 0
        assert meta["failed"].value == 0
        days = 2 if dataset == "requests" else 3  # run config narrows the requests check
        assert f"latest {days} of 3 partitions" in meta["scope"].value
        assert meta["expectation/ts_not_null"].value["success"] is True


def test_direct_invocation_on_bad_requests(tmp_path: Path) -> None:
    rows = [
        {
            "ts": T0 + timedelta(days=d, seconds=i),
            "request_id": f"{d}-{i}",
            "component": "api_gateway",
            "endpoint": "/v1/generate",
            "status": 200,
            "latency_ms": 5.0,
        }
        for d in range(3)
        for i in range(10)
    ]
    rows[0]["status"] = 999  # day 0: outside a 2-partition scope
    rows[25]["latency_ms"] = -2.0  # day 2: inside
    rows[26]["component"] = "billing"
    write_lake(tmp_path / "lake", "requests", rows)
    context = dg.build_asset_check_context(resources={"data": SynmonData(data_dir=str(tmp_path))})
    check = _check_for("requests")
    result = check(context, config=ValidationConfig(latest_partitions=2))
    assert not result.passed
    assert result.severity == dg.AssetCheckSeverity.ERROR
    meta = result.metadata
    assert meta["rows_checked"].value == 20
    assert meta["partitions_checked"].value == ["2026-11-11", "2026-11-12"]
    assert meta["failed_expectations"].value == "latency_nonnegative, component_known"
    assert meta["unexpected/latency_nonnegative"].value == 1
    assert meta["unexpected/status_http_range"].value == 0
    latency = meta["expectation/latency_nonnegative"].value
    assert latency["unexpected_count"] == 1 and latency["unexpected_percent"] == 5.0
    assert latency["severity"] == "error" and latency["sample"] == [-2.0]
    # All partitions: the bad status of day 0 now counts too.
    result = check(context, config=ValidationConfig(latest_partitions=0))
    assert result.metadata["unexpected/status_http_range"].value == 1


def test_empty_lake_is_a_warning(tmp_path: Path) -> None:
    context = dg.build_asset_check_context(resources={"data": SynmonData(data_dir=str(tmp_path))})
    result = _check_for("events")(context, config=ValidationConfig())
    assert not result.passed and result.severity == dg.AssetCheckSeverity.WARN
    assert result.metadata["rows_checked"].value == 0
