"""The one `Definitions` of synmon: every asset, check, job, schedule, sensor and resource, listed
explicitly. What is not listed here does not exist."""

from __future__ import annotations

import dagster as dg

from assets.forecasts import FORECAST_ASSETS, FORECAST_CHECKS
from assets.incidents import INCIDENT_ASSETS, INCIDENT_JOBS
from assets.ingest import INGEST_ASSETS, INGEST_CHECKS
from assets.insights import INTELLIGENCE_ASSETS
from assets.reports import DASHBOARD_ASSETS, REPORT_ASSETS
from assets.resources import SynmonData
from assets.validation import VALIDATION_CHECKS
from orchestration.dbt import dbt_resource, synmon_dbt_assets
from orchestration.jobs import JOBS, SCHEDULES
from sensors.alerts import ALERT_SENSORS
from sensors.escalation import INCIDENT_SENSORS
from sensors.intel_alerts import intelligence_alert_sensor
from sensors.landing import landing_sensor

defs = dg.Definitions(
    assets=[
        *INGEST_ASSETS,
        synmon_dbt_assets,
        *FORECAST_ASSETS,
        *INTELLIGENCE_ASSETS,
        *REPORT_ASSETS,
        *DASHBOARD_ASSETS,
        *INCIDENT_ASSETS,
    ],
    asset_checks=[*INGEST_CHECKS, *FORECAST_CHECKS, *VALIDATION_CHECKS],
    jobs=[*JOBS, *INCIDENT_JOBS],
    schedules=SCHEDULES,
    sensors=[landing_sensor, *ALERT_SENSORS, intelligence_alert_sensor, *INCIDENT_SENSORS],
    resources={
        "data": SynmonData(),
        "dbt": dbt_resource(),
    },
)
