"""Jobs and schedules. The landing sensor starts `ingest_job`; the schedules refresh the
warehouse, the forecasts and one report each; `pipeline_job` runs everything, landing to PDF."""

from __future__ import annotations

import dagster as dg

_INGEST = dg.AssetSelection.groups("ingest")

ingest_job = dg.define_asset_job(
    "ingest_job",
    selection=_INGEST,
    description="Landing files to the Parquet lake (started by landing_sensor).",
)

pipeline_job = dg.define_asset_job(
    "pipeline_job",
    selection=dg.AssetSelection.all(),
    description="Everything, landing zone to reports: ingest, dbt build, forecasts, PDFs.",
)

daily_report_job = dg.define_asset_job(
    "daily_report_job",
    selection=dg.AssetSelection.assets("daily_report").upstream() - _INGEST,
    description="Refresh the warehouse and forecasts, then render the daily report.",
)

weekly_report_job = dg.define_asset_job(
    "weekly_report_job",
    selection=dg.AssetSelection.assets("weekly_report").upstream() - _INGEST,
    description="Refresh the warehouse and forecasts, then render the weekly report.",
)

daily_report_schedule = dg.ScheduleDefinition(
    name="daily_report_schedule",
    job=daily_report_job,
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)

weekly_report_schedule = dg.ScheduleDefinition(
    name="weekly_report_schedule",
    job=weekly_report_job,
    cron_schedule="0 7 * * 1",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)

dashboard_job = dg.define_asset_job(
    "dashboard_job",
    selection=dg.AssetSelection.assets("dashboard"),
    description="Re-render the last-24-hours dashboard page from the warehouse.",
)

dashboard_schedule = dg.ScheduleDefinition(
    name="dashboard_schedule",
    job=dashboard_job,
    cron_schedule="5 * * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)

JOBS = [ingest_job, pipeline_job, daily_report_job, weekly_report_job, dashboard_job]
SCHEDULES = [daily_report_schedule, weekly_report_schedule, dashboard_schedule]
