"""Constructed warehouses for the intelligence tests: the marts the intelligence assets read, with
known trends, incidents and regressions, built with DuckDB SQL (deterministic, no randomness)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

END = datetime(2026, 3, 2)  # the first hour of the last (partial) day in every constructed mart


def hourly_marts(
    db: Path,
    days: int,
    cpu_start: float = 0.40,
    cpu_slope: float = 0.0,
    latency_spike: tuple[str, datetime, int] | None = None,
    error_storm: tuple[str, datetime, int] | None = None,
) -> None:
    """`rpt_performance_hourly` (2 components x 2 endpoints) and `rpt_resources_hourly` (2 hosts
    per component) over `days` days up to END plus one partial hour. CPU follows a daily cycle of
    amplitude 0.05 around `cpu_start + cpu_slope * day`; a spike multiplies one component's p95 by
    6 for n hours, a storm sets its error rate to 40% for n hours."""
    start = END - timedelta(days=days)
    spike_c, spike_at, spike_h = latency_spike or ("", END + timedelta(days=9), 0)
    storm_c, storm_at, storm_h = error_storm or ("", END + timedelta(days=9), 0)
    with duckdb.connect(str(db)) as con:
        con.execute(
            f"""
            create or replace table rpt_performance_hourly as
            with grid as (
                select c.component, e.endpoint, g.hour,
                    hour(g.hour) as h, datediff('day', timestamp '{start}', g.hour) as d,
                    hash(c.component, e.endpoint, g.hour) % 1000 / 1000.0 as u
                from generate_series(timestamp '{start}', timestamp '{END}', interval 1 hour)
                    as g(hour),
                    (values ('api_gateway'), ('reasoning_tracer')) as c(component),
                    (values ('/v1/a'), ('/v1/b')) as e(endpoint)
            ),
            shaped as (
                select *,
                    cast(200 + 80 * sin(2 * pi() * h / 24) + 20 * u as integer) as requests,
                    (400 + 100 * sin(2 * pi() * h / 24) + 30 * u)
                        * (case when component = '{spike_c}' and hour >= timestamp '{spike_at}'
                            and hour < timestamp '{spike_at}' + interval {spike_h} hour
                            then 6 else 1 end) as p95,
                    case when component = '{storm_c}' and hour >= timestamp '{storm_at}'
                        and hour < timestamp '{storm_at}' + interval {storm_h} hour
                        then 0.40 else 0.01 + 0.01 * u end as rate
                from grid
            )
            select component, endpoint, hour, requests,
                cast(round(requests * rate) as integer) as errors,
                round(requests * rate) / requests as error_rate,
                p95 / 3 as latency_p50_ms, p95 as latency_p95_ms, p95 * 1.5 as latency_p99_ms,
                requests / 3600.0 as throughput_rps
            from shaped
            """
        )
        con.execute(
            f"""
            create or replace table rpt_resources_hourly as
            select component || '-' || n as host, g.hour, component,
                {cpu_start} + {cpu_slope} * datediff('hour', timestamp '{start}', g.hour) / 24.0
                    + 0.05 * sin(2 * pi() * hour(g.hour) / 24)
                    + 0.004 * (hash(component, n, g.hour) % 100 / 100.0) as cpu_utilization,
                0.50 as memory_utilization,
                0.30 as disk_utilization
            from generate_series(timestamp '{start}', timestamp '{END}', interval 1 hour)
                as g(hour),
                (values ('api_gateway'), ('reasoning_tracer')) as c(component),
                (values (0), (1)) as k(n)
            """
        )


def write_labels(path: Path, incidents: list[tuple[str, str, str, datetime, int]]) -> None:
    """A labels file in the simulator's format: (id, kind, component, start, hours)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [
        {
            "id": i,
            "kind": kind,
            "component": component,
            "domain": None,
            "start": start.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "end": (start + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        }
        for i, kind, component, start, hours in incidents
    ]
    path.write_text(json.dumps(rows))


def request_marts(db: Path, error_jump: float = 0.0, cost_spike: float = 1.0) -> None:
    """15 days of requests (`stg_lake__requests`) ending before END's day, plus
    `rpt_platform_daily` and `rpt_component_daily`. In the last 7 complete days, requests of
    reasoning_tracer /v1/b in domain arts fail with probability `error_jump` more; on the last
    complete day api_gateway's daily cost is multiplied by `cost_spike`."""
    first = END - timedelta(days=15)
    with duckdb.connect(str(db)) as con:
        con.execute(
            f"""
            create or replace table stg_lake__requests as
            with grid as (
                select g.ts + interval (k.n * 7) minute as ts, c.component, e.endpoint,
                    dm.domain, hash(g.ts, k.n, c.component, e.endpoint, dm.domain) as hv
                from generate_series(timestamp '{first}', timestamp '{END}' - interval 1 hour,
                        interval 1 hour) as g(ts),
                    range(4) as k(n),
                    (values ('api_gateway'), ('reasoning_tracer')) as c(component),
                    (values ('/v1/a'), ('/v1/b')) as e(endpoint),
                    (values ('arts'), ('science')) as dm(domain)
            )
            select ts, cast(ts as date) as day, component, endpoint, domain,
                case when hv % 1000 < 10 then 500
                    when ts >= timestamp '{END}' - interval 7 day and component = 'reasoning_tracer'
                        and endpoint = '/v1/b' and domain = 'arts'
                        and hv % 1000 < 10 + {error_jump} * 1000 then 503
                    else 200 end as status,
                100 + hv % 400 as latency_ms,
                (0.001 * (1 + hv % 3))::double as cost_usd
            from grid
            """
        )
        con.execute(
            """
            create or replace table rpt_platform_daily as
            select day, count(*) as requests, avg((status >= 500)::int) as error_rate,
                quantile_cont(latency_ms, 0.95) as latency_p95_ms, 0 as active_users,
                sum(cost_usd) as cost_usd
            from stg_lake__requests group by day
            union all select cast(timestamp '{END}' as date), 1, 0, 100, 0, 0
            """.replace("{END}", str(END))
        )
        con.execute(
            f"""
            create or replace table rpt_component_daily as
            select component, day, count(*) as requests,
                sum(cost_usd) * case when component = 'api_gateway'
                    and day = cast(timestamp '{END}' as date) - 1 then {cost_spike} else 1 end
                    as cost_usd
            from stg_lake__requests group by component, day
            union all
            select component, cast(timestamp '{END}' as date), 1, 0.0
            from (values ('api_gateway'), ('reasoning_tracer')) as c(component)
            """
        )
