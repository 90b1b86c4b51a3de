"""Jobs and schedules. The landing sensor starts `ingest_job`; the schedules refresh the
warehouse, the forecasts and one report each; `pipeline_job` runs everything, landing to PDF."""

from __future__ import annotations

from typing import Any

import dagster as dg

from assets.validation import VALIDATION_CHECKS

_INGEST = dg.AssetSelection.groups("ingest")
# Great Expectations checks pay a ~7 s import per run: they run in their own job and schedule,
# not on every ingest or pipeline run.
_VALIDATION = dg.AssetSelection.checks(*VALIDATION_CHECKS)
# Hourly forecasts are the slowest Prophet work (13+ series, 7-day horizon): their own schedule.
_HOURLY_FORECAST = dg.AssetSelection.assets("forecast_hourly")


def _refresh_for(report: str) -> dg.AssetSelection:
    """A report and everything upstream of it except ingestion (the landing sensor's job);
    multi-assets that cannot be split are taken whole."""
    return (
        dg.AssetSelection.assets(report).upstream().required_multi_asset_neighbors()
        - _INGEST
        - _VALIDATION
    )


ingest_job = dg.define_asset_job(
    "ingest_job",
    selection=_INGEST - _VALIDATION,
    description="Landing files to the Parquet lake (started by landing_sensor).",
)

pipeline_job = dg.define_asset_job(
    "pipeline_job",
    selection=dg.AssetSelection.all() - _VALIDATION - _HOURLY_FORECAST,
    description="Landing zone to reports: ingest, dbt build, daily forecasts, intelligence, PDFs.",
)


def _schedule(job: Any, cron: str) -> dg.ScheduleDefinition:
    """A UTC schedule for `job` (a `define_asset_job` result), running from the start (the UI
    can stop it)."""
    return dg.ScheduleDefinition(
        name=job.name.removesuffix("_job") + "_schedule",
        job=job,
        cron_schedule=cron,
        execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )


daily_report_job = dg.define_asset_job(
    "daily_report_job",
    selection=_refresh_for("daily_report"),
    description="Refresh the warehouse and forecasts, then render the daily report.",
)
weekly_report_job = dg.define_asset_job(
    "weekly_report_job",
    selection=_refresh_for("weekly_report"),
    description="Refresh the warehouse and forecasts, then render the weekly report.",
)
dashboard_job = dg.define_asset_job(
    "dashboard_job",
    selection=dg.AssetSelection.assets("dashboard"),
    description="Re-render the last-24-hours dashboard page from the warehouse.",
)
hourly_forecast_job = dg.define_asset_job(
    "hourly_forecast_job",
    selection=_HOURLY_FORECAST,
    description="7-day forecasts of hourly requests and CPU (forecast_hourly).",
)
validation_job = dg.define_asset_job(
    "validation_job",
    selection=_VALIDATION,
    description="Great Expectations suites on the latest lake partitions, as asset checks.",
)

JOBS = [
    ingest_job,
    pipeline_job,
    daily_report_job,
    weekly_report_job,
    dashboard_job,
    validation_job,
    hourly_forecast_job,
]
SCHEDULES = [
    _schedule(daily_report_job, "0 6 * * *"),
    _schedule(weekly_report_job, "0 7 * * 1"),
    _schedule(dashboard_job, "5 * * * *"),
    _schedule(validation_job, "15 * * * *"),
    _schedule(hourly_forecast_job, "30 */6 * * *"),
]
