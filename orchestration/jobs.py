"""Jobs and schedules. The landing sensor starts `ingest_job`; `refresh_job` rebuilds the
warehouse, forecasts and intelligence every morning; the partitioned report jobs render one day or
ISO week each (their schedules take the latest complete partition, a backfill any range);
`pipeline_job` builds every unpartitioned asset, landing to dashboard."""

from __future__ import annotations

from typing import Any

import dagster as dg

from assets.reports import daily_report, weekly_report
from assets.validation import VALIDATION_CHECKS

_INGEST = dg.AssetSelection.groups("ingest")
# Great Expectations checks pay a ~7 s import per run: they run in their own job and schedule,
# not on every ingest or pipeline run.
_VALIDATION = dg.AssetSelection.checks(*VALIDATION_CHECKS)
# Hourly forecasts are the slowest Prophet work (13+ series, 7-day horizon): their own schedule.
_HOURLY_FORECAST = dg.AssetSelection.assets("forecast_hourly")
# Dagster runs one partitions definition per job: the partitioned reports have their own jobs.
_REPORTS = dg.AssetSelection.assets(daily_report, weekly_report)
# Everything the reports read, except ingestion (the landing sensor's job); multi-assets that
# cannot be split are taken whole.
_REFRESH = _REPORTS.upstream().required_multi_asset_neighbors() - _REPORTS - _INGEST - _VALIDATION


ingest_job = dg.define_asset_job(
    "ingest_job",
    selection=_INGEST - _VALIDATION,
    # One process: the multiprocess executor started a process per step that imported every
    # definition again, seconds of CPU per run competing with the alert tick during bursts.
    executor_def=dg.in_process_executor,
    description="Landing files to the Parquet lake (started by landing_sensor).",
)

pipeline_job = dg.define_asset_job(
    "pipeline_job",
    selection=dg.AssetSelection.all() - _VALIDATION - _HOURLY_FORECAST - _REPORTS,
    description="Landing zone to dashboard: ingest, dbt build, daily forecasts, intelligence "
    "(the partitioned PDF reports run after it in their own jobs).",
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


refresh_job = dg.define_asset_job(
    "refresh_job",
    selection=_REFRESH,
    description="Rebuild the warehouse, daily forecasts and intelligence the reports read.",
)
daily_report_job = dg.define_asset_job(
    "daily_report_job",
    selection=dg.AssetSelection.assets(daily_report),
    description="Render the daily report of one UTC day (a partition) from the warehouse.",
)
weekly_report_job = dg.define_asset_job(
    "weekly_report_job",
    selection=dg.AssetSelection.assets(weekly_report),
    description="Render the weekly report of one ISO week (a partition) from the warehouse.",
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
    refresh_job,
    daily_report_job,
    weekly_report_job,
    dashboard_job,
    validation_job,
    hourly_forecast_job,
]
SCHEDULES = [
    # The refresh has an hour (dbt ~40 s, forecasts ~30 s at demo size) before the daily report.
    _schedule(refresh_job, "0 5 * * *"),
    dg.build_schedule_from_partitioned_job(
        daily_report_job,
        name="daily_report_schedule",
        hour_of_day=6,
        minute_of_hour=0,
        default_status=dg.DefaultScheduleStatus.RUNNING,
    ),
    dg.build_schedule_from_partitioned_job(
        weekly_report_job,
        name="weekly_report_schedule",
        day_of_week=1,
        hour_of_day=7,
        minute_of_hour=0,
        default_status=dg.DefaultScheduleStatus.RUNNING,
    ),
    _schedule(dashboard_job, "5 * * * *"),
    _schedule(validation_job, "15 * * * *"),
    _schedule(hourly_forecast_job, "30 */6 * * *"),
]
