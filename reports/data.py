"""What a report shows, gathered for one period against the one before: `ReportData` and
`load_report_data`, which calls each section's loader (performance, forecasts, the wider sections,
incidents) on the read-only warehouse and the ops store.

Reads only the tables named in docs/architecture.md (and the incident marts). A table that is not
built yet is reported as missing (the template says so) instead of failing the whole report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from reports.forecasts import ACCURACY, FORECAST, Forecast, backtest_accuracy, forecast
from reports.incidents import INCIDENT_TABLES, INCIDENTS, incident_figures
from reports.performance import (
    COMPONENT,
    HOURLY,
    PLATFORM,
    RESOURCES,
    Kpi,
    Trend,
    build_kpis,
    component_table,
    hourly_trend,
    period_metrics,
    slowest_endpoints,
)
from reports.periods import Period
from reports.warehouse import Warehouse

TABLES = (PLATFORM, COMPONENT, HOURLY, RESOURCES, FORECAST, ACCURACY, *INCIDENT_TABLES)


@dataclass
class ReportData:
    period: Period
    previous: Period
    last_complete_day: date
    generated_at: datetime
    tables: frozenset[str]
    kpis: list[Kpi] = field(default_factory=list)
    trend: Trend | None = None
    components: list[dict[str, Any]] = field(default_factory=list)
    components_source: str = ""
    endpoints: list[dict[str, Any]] = field(default_factory=list)
    forecast: Forecast | None = None
    accuracy: list[dict[str, Any]] = field(default_factory=list)
    quality: list[dict[str, Any]] = field(default_factory=list)
    cost: dict[str, Any] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)
    slos: list[dict[str, Any]] = field(default_factory=list)
    capacity: dict[str, Any] = field(default_factory=dict)
    anomalies: dict[str, Any] = field(default_factory=dict)
    alerts: dict[str, Any] | None = None
    incidents: dict[str, Any] | None = None
    insights: list[dict[str, Any]] = field(default_factory=list)

    def missing(self, *tables: str) -> list[str]:
        """Those of `tables` the warehouse does not hold yet."""
        return [t for t in tables if t not in self.tables]


def load_report_data(
    wh: Warehouse, period: Period, last_day: date, ops_db: Path | None = None
) -> ReportData:
    """Everything the templates show for `period`, against the period before it. Fired alerts
    come from `ops_db` (the ops store, read-only) when given; incidents from the warehouse."""
    from reports import sections as s

    prev = period.previous()
    data = ReportData(period, prev, last_day, datetime.now(UTC), wh.tables)
    data.kpis = build_kpis(period_metrics(wh, period), period_metrics(wh, prev))
    if wh.has(HOURLY):
        data.trend = Trend(hourly_trend(wh, period), hourly_trend(wh, prev))
        data.endpoints = slowest_endpoints(wh, period)
    data.components, data.components_source = component_table(wh, period)
    if wh.has(ACCURACY):
        data.accuracy = backtest_accuracy(wh)
    if wh.has(FORECAST):
        data.forecast = forecast(wh, last_day, data.accuracy)
    if wh.has(s.QUALITY):
        data.quality = s.quality_by_domain(wh, period)
    if wh.has(s.COST):
        data.cost = s.cost(wh, period)
    data.users = s.users(wh, period)
    if wh.has(s.SLO):
        data.slos = s.slos(wh, period)
    if wh.has(s.CAPACITY):
        data.capacity = s.capacity(wh)
    if wh.has(s.ANOMALIES):
        data.anomalies = s.anomalies(wh, period)
    if wh.has(s.INSIGHTS):
        data.insights = s.insights(wh)
    data.alerts = s.alerts(ops_db, period)
    if wh.has(INCIDENTS):
        data.incidents = incident_figures(wh, period)
    return data
