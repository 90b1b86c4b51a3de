"""Constructed issue 4 marts and intelligence tables (names and columns of docs/architecture.md),
derived from the constructed hourly mart so their numbers agree with it, and an ops store with
alert notifications. One constructed quality regression: `reading` drops on the last day."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import duckdb

ISSUE4_TABLES = (
    "rpt_quality_daily",
    "rpt_business_daily",
    "rpt_retention_weekly",
    "rpt_cost_daily",
    "rpt_slo_daily",
)
INTEL_TABLES = ("anomalies", "capacity_plan", "insights")
INCIDENT_TABLES = ("rpt_incidents", "rpt_incident_metrics_weekly")
DOMAINS = ("science", "technology", "reading", "engineering", "arts", "mathematics")
REGRESSED_DOMAIN = "reading"
HOSTILE_DOMAIN = "<svg onload=alert(1)>"
HOSTILE_RULE = "{{ 7*7 }}<b>rule</b>"


def add_tables(con: duckdb.DuckDBPyConnection, last_day: date, hostile: bool = False) -> None:
    """Create every table of ISSUE4_TABLES and INTEL_TABLES from `rpt_performance_hourly`."""
    domains = [*DOMAINS, HOSTILE_DOMAIN] if hostile else list(DOMAINS)
    con.execute("create or replace temp table doms as select unnest(?) as domain", [domains])
    con.execute(
        """
        create table rpt_quality_daily as
        select cast(hour as date) as day, domain, component,
            0.93 - 0.01 * (hash(domain) % 5) - case when domain = ? and cast(hour as date) = ?
                then 0.2 else 0 end as accuracy_rate,
            0.95 - 0.005 * (hash(component) % 4) as validation_success_rate,
            0.82 + 0.01 * (hash(domain || cast(hour as date)) % 5)
                - case when domain = ? and cast(hour as date) = ? then 0.22 else 0 end
                as quality_score,
            0.02 + 0.002 * (hash(domain) % 5) as false_positive_rate,
            4.1 + 0.05 * (hash(domain) % 6) as user_satisfaction
        from (select distinct hour::date::timestamp as hour, component
              from rpt_performance_hourly), doms
        """,
        [REGRESSED_DOMAIN, last_day, REGRESSED_DOMAIN, last_day],
    )
    con.execute(
        """
        create table rpt_cost_daily as
        select cast(hour as date) as day, component, domain,
            sum(requests) / 6 as requests, sum(requests) / 6 * 900 as tokens,
            sum(requests) / 6 * 0.0021 * (1 + 0.1 * (hash(domain) % 3)) as cost_usd,
            0.0021 * (1 + 0.1 * (hash(domain) % 3)) as cost_per_request,
            0.0021 * (1 + 0.1 * (hash(domain) % 3)) / 0.9 as cost_per_1k_tokens
        from rpt_performance_hourly, doms group by cast(hour as date), component, domain
        """
    )
    con.execute(
        """
        create table rpt_business_daily as
        with d as (select day, sum(requests) as requests, sum(cost_usd) as cost
                   from rpt_cost_daily group by day)
        select day, (requests / 40)::bigint as dau,
            (sum(requests) over (order by day rows 6 preceding) / 90)::bigint as wau,
            (sum(requests) over (order by day rows 29 preceding) / 250)::bigint as mau,
            (requests / 3)::bigint as content_generated, requests as api_requests,
            cost as cost_usd, requests * 0.01 as revenue_impact_usd
        from d
        """
    )
    con.execute(
        """
        create table rpt_retention_weekly as
        with weeks as (select distinct date_trunc('week', day)::date as cohort_week
                       from rpt_business_daily),
        offs as (select unnest(range(0, 5))::int as week_offset)
        select cohort_week, week_offset, 400 + (hash(cohort_week) % 50)::int as cohort_users,
            ((400 + (hash(cohort_week) % 50)::int) * pow(0.72, week_offset))::bigint
                as retained_users,
            pow(0.72, week_offset) as retention_rate
        from weeks, offs where cohort_week + 7 * week_offset <= ?
        """,
        [last_day],
    )
    con.execute(
        """
        create table rpt_slo_daily as
        with c as (select component, cast(hour as date) as day,
                       sum(requests) as requests, sum(errors) as errors
                   from rpt_performance_hourly group by all)
        select day, component, 'availability' as slo, 0.99 as objective,
            1 - errors / requests as attainment,
            1 - (errors / requests) / 0.01 as error_budget_remaining,
            (errors / requests) / 0.01 * 1.3 as burn_rate_1h,
            (errors / requests) / 0.01 * 1.1 as burn_rate_6h,
            (errors / requests) / 0.01 as burn_rate_24h,
            (errors / requests) / 0.01 * 0.9 as burn_rate_3d
        from c
        """
    )
    incident = datetime.combine(last_day, time(14))
    con.execute(
        """
        create table anomalies as
        select component || ':latency_p95_ms' as series, hour as ts, latency_p95_ms as value,
            latency_p95_ms / 4 as expected, 6.5 as score, 'critical' as severity
        from (select component, hour, max(latency_p95_ms) as latency_p95_ms
              from rpt_performance_hourly where component = 'dspy_optimizer'
              and hour >= ? and hour < ? + interval 3 hour group by all)
        """,
        [incident, incident],
    )
    con.execute(
        """
        create table capacity_plan (resource varchar, component varchar, "limit" double,
            first_crossing date, first_crossing_upper date, current_peak double,
            forecast_peak double, upper_peak double, horizon_end date, model varchar)
        """
    )
    end = last_day + timedelta(days=30)
    con.executemany(
        "insert into capacity_plan values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            ("cpu", "dspy_optimizer", 0.85, last_day + timedelta(days=19),
             last_day + timedelta(days=11), 0.71, 0.88, 0.93, end, "prophet"),
            ("disk", "api_gateway", 0.9, None, last_day + timedelta(days=27), 0.61, 0.82, 0.91,
             end, "prophet"),
            ("memory", "marl_coordinator", 0.9, None, None, 0.5, 0.55, 0.6, end, "prophet"),
            ("requests_per_second", "api_gateway", 50.0, None, None, 38.2, 42.4, 45.3, end,
             "prophet"),
        ] + [
            ("memory", f"component_{i}", 0.85, None, None, 0.4, 0.45, 0.5, end, "prophet")
            for i in range(6)
        ],
    )  # fmt: skip
    con.execute(
        "create table insights (rank integer, kind varchar, title varchar, detail varchar, "
        "evidence varchar, query varchar, score double)"
    )
    title = "{{ 7*7 }} <b>scale</b> dspy_optimizer" if hostile else "Scale dspy_optimizer"
    con.executemany(
        "insert into insights values (?, ?, ?, ?, ?, ?, ?)",
        [
            (1, "capacity", title, "CPU crosses 85 % in about 19 days at the current growth.",
             '{"resource": "cpu", "current_peak": 0.7123456789, "first_crossing": null}',
             "select * from capacity_plan", 0.9),
            (2, "quality", "Investigate the reading domain",
             "Quality score fell 22 points on the last day.", "rpt_quality_daily",
             "select * from rpt_quality_daily where domain = 'reading'", 0.7),
        ],
    )  # fmt: skip


def add_incident_marts(
    con: duckdb.DuckDBPyConnection, last_day: date, hostile: bool = False
) -> None:
    """The incident marts for the alerts of `build_ops_store`, through the asset's own SQL: the
    latency incident acknowledged and resolved, the error-rate one open and escalated, one the
    day before and one the week before (so the periods have something to compare with)."""
    from assets.incidents import write_incident_marts

    def t(day: int, hour: int, minute: int = 0) -> float:
        at = datetime.combine(last_day - timedelta(days=day), time(hour, minute))
        return at.replace(tzinfo=UTC).timestamp()

    title = HOSTILE_RULE + " dspy_optimizer" if hostile else "error_rate_high dspy_optimizer"
    write_incident_marts(con, [
        (1, "HighErrorRate api_gateway", "critical", "api_gateway", "resolved", t(8, 9),
         t(8, 9, 30), "bob", t(8, 13), "bob", 1, 1, 1, "bob"),
        (2, "HighErrorRate domain_validator", "high", "domain_validator", "resolved", t(1, 10),
         t(1, 10, 20), "carol", t(1, 11, 30), "carol", 2, 1, 1, "carol"),
        (3, "p95_latency_high dspy_optimizer", "critical", "dspy_optimizer", "resolved",
         t(0, 14, 5), t(0, 14, 17), "alice", t(0, 16, 55), "alice", 1, 1, 1, "alice"),
        (4, title, "critical", "dspy_optimizer", "open", t(0, 20, 5), None, None, None, None,
         1, 2, 2, "erin, platform-lead"),
    ])  # fmt: skip


def build_ops_store(path: Path, last_day: date, hostile: bool = False) -> Path:
    """An ops.sqlite holding the notifications the alert sensor would have written."""
    con = sqlite3.connect(path)
    con.execute(
        "create table notifications (dedup_key text primary key, rule text not null, "
        "fingerprint text not null, status text not null, payload text not null, "
        "created_at real not null)"
    )
    t0 = datetime.combine(last_day, time(14, 5))

    def note(rule: str, fp: str, status: str, start: datetime, end: datetime | None) -> tuple:
        iso = start.strftime("%Y-%m-%dT%H:%M:%SZ")
        payload = {
            "status": status, "alertname": rule, "severity": "critical", "fingerprint": fp,
            "labels": {"component": "dspy_optimizer"}, "starts_at": iso,
            "ends_at": None if end is None else end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }  # fmt: skip
        at = (end or start).timestamp()
        return (f"{fp}:{status}:{iso}", rule, fp, status, json.dumps(payload), at)

    rows = [
        note("p95_latency_high", "a1", "firing", t0, None),
        note("p95_latency_high", "a1", "resolved", t0, t0 + timedelta(minutes=170)),
        note("error_rate_high", "b2", "firing", t0 + timedelta(hours=6), None),
    ]
    if hostile:
        rows.append(note(HOSTILE_RULE, "c3", "firing", t0 + timedelta(hours=7), None))
    con.executemany("insert into notifications values (?, ?, ?, ?, ?, ?)", rows)
    con.commit()
    con.close()
    return path
