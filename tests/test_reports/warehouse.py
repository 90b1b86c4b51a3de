"""Builds a small DuckDB warehouse with the report tables of docs/architecture.md, filled with
constructed data: daily and weekly seasonality, one latency incident, optional hostile names."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from pathlib import Path

import duckdb

from tests.test_reports.marts import (
    INCIDENT_TABLES,
    INTEL_TABLES,
    ISSUE4_TABLES,
    add_incident_marts,
    add_tables,
)

FOUNDATION_TABLES = (
    "rpt_performance_hourly",
    "rpt_component_daily",
    "rpt_platform_daily",
    "rpt_resources_hourly",
    "forecast_daily",
    "forecast_accuracy",
)
ALL_TABLES = FOUNDATION_TABLES + ISSUE4_TABLES + INTEL_TABLES + INCIDENT_TABLES

# component, endpoint, base requests/s, base p50 ms
ENDPOINTS: list[tuple[str, str, float, float]] = [
    ("api_gateway", "POST /v1/generate", 6.0, 40.0),
    ("api_gateway", "GET /v1/status", 3.0, 8.0),
    ("dspy_optimizer", "POST /optimize", 1.5, 900.0),
    ("marl_coordinator", "POST /coordinate", 2.0, 300.0),
    ("domain_validator", "POST /validate", 3.0, 120.0),
    ("quality_assurance", "POST /qa/score", 2.5, 200.0),
    ("reasoning_tracer", "GET /trace/{id}", 1.0, 60.0),
]
HOSTILE_ENDPOINT = '<img src="file:///etc/passwd">'
HOSTILE_LABEL = "{{ 7*7 }}"
RTL_NAME = "מדד_איכות_العربية"
LONG_NAME = "very-long-component-name-" * 400  # 10 kB
HOSTILE: list[tuple[str, str, float, float]] = [
    ("api_gateway", HOSTILE_ENDPOINT, 0.5, 5000.0),
    (HOSTILE_LABEL, "<script>alert(1)</script>", 0.5, 4000.0),
    (RTL_NAME, "GET /‮evil", 0.5, 100.0),
    (LONG_NAME, "GET /long", 0.5, 100.0),
]


def build_warehouse(
    path: Path,
    last_day: date,
    days: int = 35,
    partial_hours: int = 10,
    hostile: bool = False,
    tables: Iterable[str] = ALL_TABLES,
) -> Path:
    """`days` complete days ending on `last_day`, then `partial_hours` of the next day."""
    keep = set(tables)
    start = datetime.combine(last_day - timedelta(days=days - 1), time())
    end = datetime.combine(last_day + timedelta(days=1), time()) + timedelta(hours=partial_hours)
    con = duckdb.connect(str(path), config={"threads": 1})  # reproducible float sums
    eps = ENDPOINTS + (HOSTILE if hostile else [])
    con.execute("create table eps (component varchar, endpoint varchar, rps double, ms double)")
    con.executemany("insert into eps values (?, ?, ?, ?)", eps)
    incident = datetime.combine(last_day, time(14))
    con.execute(
        """
        create table rpt_performance_hourly as
        with hours as (
            select unnest(generate_series(?::timestamp, ?::timestamp - interval 1 hour,
                interval 1 hour)) as hour
        ),
        x as (
            select hour, eps.*,
                1 + 0.6 * sin(2 * pi() * (hour(hour) - 9) / 24.0) as diurnal,
                case when dayofweek(hour) in (0, 6) then 0.7 else 1.0 end
                    * (1 + 0.004 * datediff('day', ?::timestamp, hour)) as weekly,
                (hash(component || endpoint || hour::varchar) % 1000) / 1000.0 as noise,
                case when component = 'dspy_optimizer' and hour >= ?::timestamp
                    and hour < ?::timestamp + interval 3 hour then 4.0 else 1.0 end as spike
            from hours cross join eps
        ),
        y as (
            select component, endpoint, hour,
                greatest(1, round(rps * 3600 * diurnal * weekly * (0.9 + 0.2 * noise)))::bigint
                    as requests,
                ms * (0.85 + 0.3 * noise) * (1 + 0.25 * (diurnal - 1)) * spike as p50,
                0.003 + 0.01 * noise * spike as err
            from x
        )
        select component, endpoint, hour, requests, round(requests * err)::bigint as errors,
            round(requests * err) / requests as error_rate, p50 as latency_p50_ms,
            p50 * 2.8 as latency_p95_ms, p50 * 4.5 as latency_p99_ms,
            requests / 3600.0 as throughput_rps
        from y
        """,
        [start, end, start, incident, incident],
    )
    con.execute(
        """
        create table rpt_component_daily as
        select component, cast(hour as date) as day, sum(requests) as requests,
            sum(errors) as errors, sum(errors) / sum(requests) as error_rate,
            sum(latency_p50_ms * requests) / sum(requests) as latency_p50_ms,
            sum(latency_p95_ms * requests) / sum(requests) as latency_p95_ms,
            sum(latency_p99_ms * requests) / sum(requests) as latency_p99_ms,
            sum(requests) * 0.0021 as cost_usd, (sum(requests) / 40)::bigint as active_users
        from rpt_performance_hourly group by all
        """
    )
    con.execute(
        """
        create table rpt_platform_daily as
        select day, sum(requests) as requests, sum(errors) / sum(requests) as error_rate,
            sum(latency_p95_ms * requests) / sum(requests) as latency_p95_ms,
            sum(active_users) as active_users, sum(cost_usd) as cost_usd
        from rpt_component_daily group by day
        """
    )
    con.execute(
        """
        create table rpt_resources_hourly as
        select component || '-' || n as host, hour, component,
            least(0.98, 0.2 + 0.02 * n
                + 0.25 * sum(requests) / max(sum(requests)) over (partition by component))
                as cpu_utilization,
            0.55 + 0.01 * n as memory_utilization, 0.4 as disk_utilization
        from rpt_performance_hourly, range(2) t(n) group by component, hour, n
        """
    )
    cutoff = last_day - timedelta(days=30)
    con.execute(
        """
        create table forecast_daily as
        with series as (
            select 'platform:requests' as series, day, requests from rpt_platform_daily
            union all
            select component || ':requests', day, requests from rpt_component_daily
        ),
        base as (select series, avg(requests) as level from series
                 where day > ?::date - 14 and day <= ? group by series),
        days as (select unnest(generate_series(?::date + 1, ?::date + 30, interval 1 day))::date
                 as ds)
        select series, ds,
            level * case when dayofweek(ds) in (0, 6) then 0.8 else 1.07 end as yhat,
            0.88 * level * case when dayofweek(ds) in (0, 6) then 0.8 else 1.07 end as yhat_lower,
            1.12 * level * case when dayofweek(ds) in (0, 6) then 0.8 else 1.07 end as yhat_upper,
            'prophet' as model
        from base, days
        """,
        [last_day, last_day, last_day, last_day],
    )
    con.execute(
        """
        create table forecast_accuracy as
        select distinct series, ?::date as cutoff, 30 as horizon_days,
            0.86 + (hash(series) % 100) / 1000.0 as accuracy, 100.0 as mae,
            0.80 as naive_accuracy, 140.0 as naive_mae, 0.71 as relative_mae, 0.79 as coverage_80
        from forecast_daily
        """,
        [cutoff],
    )
    add_tables(con, last_day, hostile)
    add_incident_marts(con, last_day, hostile)
    con.execute("drop table eps")
    for table in set(ALL_TABLES) - keep:
        con.execute(f"drop table {table}")
    con.close()
    return path
