"""Contracts between stages as Dagster sees them: asset keys, lineage, jobs, schedules, sensors."""

from __future__ import annotations

import dagster as dg
import pytest


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    from orchestration.dbt import prepare_manifest

    prepare_manifest()
    from orchestration.definitions import defs

    return defs


def _keys(defs: dg.Definitions) -> set[str]:
    graph = defs.resolve_asset_graph()
    return {k.to_user_string() for k in graph.get_all_asset_keys()}


def test_definitions_validate(defs: dg.Definitions) -> None:
    dg.Definitions.validate_loadable(defs)


def test_asset_keys_snapshot(defs: dg.Definitions) -> None:
    expected = {
        "lake/requests",
        "lake/events",
        "lake/metrics",
        "lake/logs",
        "lake/access",
        "lake/spans",
        "rpt_performance_hourly",
        "rpt_component_daily",
        "rpt_platform_daily",
        "rpt_resources_hourly",
        "forecast_daily",
        "forecast_accuracy",
        "forecast_hourly",
        "anomalies",
        "capacity_plan",
        "insights",
        "incident_marts",
        "daily_report",
        "weekly_report",
    }
    assert expected <= _keys(defs)


def test_lineage_runs_from_landing_to_pdf(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    upstream = dg.AssetSelection.assets("daily_report").upstream().resolve(graph)
    for key in ("lake/requests", "rpt_platform_daily", "forecast_daily"):
        assert dg.AssetKey.from_user_string(key) in upstream


def test_jobs_schedules_sensors(defs: dg.Definitions) -> None:
    assert {j.name for j in defs.jobs or []} >= {
        "ingest_job",
        "pipeline_job",
        "daily_report_job",
        "weekly_report_job",
    }
    crons = {s.name: (s.cron_schedule, s.execution_timezone) for s in defs.schedules or []}
    assert crons == {
        "daily_report_schedule": ("0 6 * * *", "UTC"),
        "weekly_report_schedule": ("0 7 * * 1", "UTC"),
        "dashboard_schedule": ("5 * * * *", "UTC"),
        "validation_schedule": ("15 * * * *", "UTC"),
        "hourly_forecast_schedule": ("30 */6 * * *", "UTC"),
    }
    assert {s.name for s in defs.sensors or []} >= {
        "landing_sensor",
        "alert_sensor",
        "intelligence_alert_sensor",
    }
    daily = defs.resolve_job_def("daily_report_job")
    selected = {k.to_user_string() for k in daily.asset_layer.executable_asset_keys}
    assert "daily_report" in selected and "lake/requests" not in selected


def test_expensive_work_stays_off_the_pipeline_and_ingest_runs(defs: dg.Definitions) -> None:
    """GX checks (a ~7 s import) and hourly forecasts run on their own schedules."""
    from orchestration import jobs

    graph = defs.resolve_asset_graph()

    def checks(job: object) -> set[str]:
        return {c.name for c in job.selection.resolve_checks(graph)}  # type: ignore[attr-defined]

    assert dg.AssetKey("forecast_hourly") not in jobs.pipeline_job.selection.resolve(graph)
    assert "expectations" not in checks(jobs.pipeline_job) | checks(jobs.ingest_job)
    assert "records_reconcile" in checks(jobs.ingest_job)
    assert checks(jobs.validation_job) == {"expectations"}
