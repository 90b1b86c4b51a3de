"""Contracts between stages as Dagster sees them: asset keys, lineage, jobs, schedules, sensors."""

from __future__ import annotations

import datetime

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
        "refresh_job",
        "daily_report_job",
        "weekly_report_job",
    }
    crons = {
        s.name: (r.cron_schedule, r.execution_timezone, r.job_name)
        for s in defs.schedules or []
        for r in [defs.resolve_schedule_def(s.name)]
    }
    assert crons == {
        "refresh_schedule": ("0 5 * * *", "UTC", "refresh_job"),
        "daily_report_schedule": ("0 6 * * *", "UTC", "daily_report_job"),
        "weekly_report_schedule": ("0 7 * * 1", "UTC", "weekly_report_job"),
        "dashboard_schedule": ("5 * * * *", "UTC", "dashboard_job"),
        "validation_schedule": ("15 * * * *", "UTC", "validation_job"),
        "hourly_forecast_schedule": ("30 */6 * * *", "UTC", "hourly_forecast_job"),
    }
    assert {s.name for s in defs.sensors or []} >= {"landing_sensor", "alert_sensor"}


def _selected(defs: dg.Definitions, job: str) -> set[str]:
    return {k.to_user_string() for k in defs.resolve_job_def(job).asset_layer.executable_asset_keys}


def test_reports_are_partitioned_jobs_apart_from_the_pipeline(defs: dg.Definitions) -> None:
    """Dagster runs one partitions definition per job: the pipeline builds everything
    unpartitioned, each report job renders one partition, the refresh rebuilds what they read."""
    assert _selected(defs, "daily_report_job") == {"daily_report"}
    assert _selected(defs, "weekly_report_job") == {"weekly_report"}
    daily = defs.resolve_job_def("daily_report_job").partitions_def
    weekly = defs.resolve_job_def("weekly_report_job").partitions_def
    assert isinstance(daily, dg.DailyPartitionsDefinition)
    assert isinstance(weekly, dg.WeeklyPartitionsDefinition)
    assert defs.resolve_job_def("pipeline_job").partitions_def is None
    pipeline, refresh = _selected(defs, "pipeline_job"), _selected(defs, "refresh_job")
    assert not {"daily_report", "weekly_report"} & (pipeline | refresh)
    assert {"lake/requests", "rpt_platform_daily", "forecast_daily", "dashboard"} <= pipeline
    assert {"rpt_platform_daily", "forecast_daily", "rpt_slo_daily", "insights"} <= refresh
    assert not any(k.startswith("lake/") for k in refresh) and "dashboard" not in refresh
    # The schedules ask for the latest complete day and ISO week (Monday-keyed).
    context = dg.build_schedule_context(
        scheduled_execution_time=datetime.datetime(2026, 11, 30, 7, tzinfo=datetime.UTC)
    )
    for name, key in (
        ("daily_report_schedule", "2026-11-29"),
        ("weekly_report_schedule", "2026-11-23"),
    ):
        (request,) = defs.resolve_schedule_def(name).evaluate_tick(context).run_requests or []
        assert request.partition_key == key


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
