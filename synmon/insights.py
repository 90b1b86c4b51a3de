"""Insights: ranked, evidence-backed findings read from the warehouse, the `insights` table.

Kinds: `regression` (week over week: the last 7 complete days against the 7 before, on the
platform, with the component, endpoint and domain that drive the change), `capacity` (a
`capacity_plan` forecast reaching its limit), `cost_spike` (a component's cost on the last
complete day against the median of the 14 days before) and `anomaly` (detector alarms of medium
severity or worse in the last 24 hours of data). Every finding carries its numbers
(`evidence`, JSON) and the exact SQL that produced them (`query`, runnable with `synmon sql`).
Scores are comparable across kinds: about 1 for a finding just past its threshold, higher the
further past it, the sooner a capacity limit is reached or the more severe an alarm (capped).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

INSIGHT_COLUMNS = ["rank", "kind", "title", "detail", "evidence", "query", "score"]
DIMENSIONS = ("component", "endpoint", "domain")
# metric: (threshold on the relative change, weight, direction that is bad)
REGRESSIONS: dict[str, tuple[float, float, int]] = {
    "latency_p95_ms": (0.10, 1.0, 1),
    "error_rate": (0.25, 1.0, 1),
    "cost_usd": (0.15, 0.8, 1),
    "requests": (0.15, 0.6, -1),
}
MIN_ERROR_RATE_CHANGE = 0.005  # 0.5 percentage points: smaller error rate moves are noise
COST_SPIKE_RATIO = 1.5
SEVERITY_WEIGHT = {"critical": 3.0, "high": 2.0, "medium": 1.5, "low": 1.0}

_WEEKS_SQL = """with base as (
    select {dim} as value, ts >= timestamp '{cur}' as is_current, status >= 500 as is_error,
        latency_ms, cost_usd
    from {relation}
    where ts >= timestamp '{prev}' and ts < timestamp '{end}'
),
threshold as (select quantile_cont(latency_ms, 0.95) as p95 from base where not is_current)
select value,
    count(*) filter (not is_current) as requests_prev,
    count(*) filter (is_current) as requests_cur,
    count(*) filter (not is_current and is_error) as errors_prev,
    count(*) filter (is_current and is_error) as errors_cur,
    quantile_cont(latency_ms, 0.95) filter (not is_current) as p95_prev,
    quantile_cont(latency_ms, 0.95) filter (is_current) as p95_cur,
    count(*) filter (not is_current and latency_ms > p95) as slow_prev,
    count(*) filter (is_current and latency_ms > p95) as slow_cur,
    coalesce(sum(cost_usd) filter (not is_current), 0)::double as cost_prev,
    coalesce(sum(cost_usd) filter (is_current), 0)::double as cost_cur
from base, threshold
group by value
order by value"""

_COST_SQL = """select component, day, cost_usd::double as cost_usd,
    median(cost_usd::double) over (partition by component order by day
        rows between 14 preceding and 1 preceding) as baseline_usd
from rpt_component_daily
where day between date '{start}' and date '{last}'
qualify day = date '{last}'
order by component"""

_CAPACITY_SQL = """select resource, component, "limit", first_crossing, first_crossing_upper,
    current_peak, forecast_peak, upper_peak, horizon_end, model
from capacity_plan
where first_crossing_upper is not null
order by first_crossing_upper, resource, component"""

_ANOMALY_SQL = """select series, count(*) as alarms, max(score) as max_score,
    arg_max(severity, score) as severity, arg_max(ts, score) as worst_at,
    arg_max(value, score) as value, arg_max(expected, score) as expected
from anomalies
where severity <> 'low'
    and ts > (select max(ts) from anomalies) - interval 24 hour
    and ts > (select max(hour) from rpt_performance_hourly) - interval 24 hour
group by series
order by max_score desc"""


@dataclass
class Finding:
    kind: str
    title: str
    detail: str
    score: float
    query: str
    evidence: dict[str, Any] = field(default_factory=dict)


def build_insights(warehouse: Path, horizon_days: int = 30) -> list[Finding]:
    """Every finding the warehouse supports, best first (tables that are missing add nothing)."""
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = {
            r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()
        }
        findings: list[Finding] = []
        if tables & {"fct_requests", "stg_lake__requests"} and "rpt_platform_daily" in tables:
            findings += regressions(con, tables)
        if "capacity_plan" in tables:
            findings += capacity_warnings(con, horizon_days)
        if "rpt_component_daily" in tables:
            findings += cost_spikes(con)
        if {"anomalies", "rpt_performance_hourly"} <= tables:
            findings += open_anomalies(con)
    return sorted(findings, key=lambda f: -f.score)


def insights_table(findings: list[Finding]) -> list[dict[str, Any]]:
    """Rows of the `insights` table, ranked 1.. in the order given."""
    return [
        {
            "rank": i,
            "kind": f.kind,
            "title": f.title,
            "detail": f.detail,
            "evidence": json.dumps(f.evidence, default=str, sort_keys=True),
            "query": f.query,
            "score": round(f.score, 4),
        }
        for i, f in enumerate(findings, start=1)
    ]


def write_insights(warehouse: Path, findings: list[Finding]) -> None:
    """Replace the content of `insights` in one transaction."""
    import duckdb

    rows = insights_table(findings)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("begin")
        con.execute(
            "create or replace table insights (rank integer, kind varchar, title varchar, "
            "detail varchar, evidence varchar, query varchar, score double)"
        )
        if rows:  # a quiet week has no findings, and executemany refuses an empty list
            con.executemany(
                "insert into insights values (?, ?, ?, ?, ?, ?, ?)",
                [[r[c] for c in INSIGHT_COLUMNS] for r in rows],
            )
        con.execute("commit")


def _rows(con: Any, sql: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _metrics(row: dict[str, Any], suffix: str) -> dict[str, float]:
    n = float(row[f"requests_{suffix}"] or 0)
    return {
        "requests": n,
        "error_rate": row[f"errors_{suffix}"] / n if n else 0.0,
        "latency_p95_ms": float(row[f"p95_{suffix}"] or 0.0),
        "cost_usd": float(row[f"cost_{suffix}"] or 0.0),
        "slow_share": row[f"slow_{suffix}"] / n if n else 0.0,
    }


def _contribution(metric: str, row: dict[str, Any], total: dict[str, Any]) -> float:
    """The part of the platform change this slice accounts for; slices add up to the total
    change (for p95: the change in the share of requests slower than last week's platform p95)."""
    n_prev, n_cur = total["requests_prev"] or 1, total["requests_cur"] or 1
    if metric == "error_rate":
        return row["errors_cur"] / n_cur - row["errors_prev"] / n_prev
    if metric == "latency_p95_ms":
        return row["slow_cur"] / n_cur - row["slow_prev"] / n_prev
    if metric == "cost_usd":
        return float(row["cost_cur"] - row["cost_prev"])
    return float(row["requests_cur"] - row["requests_prev"])


def regressions(con: Any, tables: set[str]) -> list[Finding]:
    """Week-over-week platform regressions, each with its top driver per dimension."""
    relation = "fct_requests" if "fct_requests" in tables else "stg_lake__requests"
    last_row = con.execute("select max(day) from rpt_platform_daily").fetchone()
    if not last_row or last_row[0] is None:
        return []
    end: date = last_row[0]  # the last day is still filling up: the window ends before it
    cur, prev = end - timedelta(days=7), end - timedelta(days=14)

    def sql(dim: str) -> str:
        return _WEEKS_SQL.format(dim=dim, relation=relation, cur=cur, prev=prev, end=end)

    platform_rows = _rows(con, sql("'platform'"))
    if not platform_rows or not platform_rows[0]["requests_prev"]:
        return []
    total = platform_rows[0]
    before, after = _metrics(total, "prev"), _metrics(total, "cur")
    slices = {dim: _rows(con, sql(dim)) for dim in DIMENSIONS}
    findings = []
    for metric, (threshold, weight, bad) in REGRESSIONS.items():
        old, new = before[metric], after[metric]
        change = (new - old) / old if old else 0.0
        if bad * change < threshold:
            continue
        if metric == "error_rate" and new - old < MIN_ERROR_RATE_CHANGE:
            continue
        platform_delta = _contribution(metric, total, total)
        drivers = {}
        for dim, rows in slices.items():
            top = max(rows, key=lambda r: bad * _contribution(metric, r, total))
            contribution = _contribution(metric, top, total)
            drivers[dim] = {
                "value": top["value"],
                "share_of_change": round(contribution / platform_delta, 4)
                if platform_delta
                else None,
                "before": round(_metrics(top, "prev")[metric], 6),
                "after": round(_metrics(top, "cur")[metric], 6),
            }
        lead = max(drivers.items(), key=lambda kv: kv[1]["share_of_change"] or 0.0)
        word = "up" if change > 0 else "down"
        findings.append(
            Finding(
                kind="regression",
                title=f"Platform {metric} {word} {abs(change):.0%} week over week",
                detail=(
                    f"{metric} went from {old:.4g} ({prev} to {cur - timedelta(days=1)}) to "
                    f"{new:.4g} ({cur} to {end - timedelta(days=1)}). Driven most by "
                    f"{lead[0]} {lead[1]['value']} ({(lead[1]['share_of_change'] or 0):.0%} of "
                    "the change); "
                    + "; ".join(
                        f"top {d}: {v['value']} {v['before']:.4g} -> {v['after']:.4g}"
                        for d, v in drivers.items()
                    )
                    + "."
                ),
                score=weight * min(abs(change) / threshold, 5.0),
                query=sql(lead[0]),
                evidence={
                    "metric": metric,
                    "before": old,
                    "after": new,
                    "change": change,
                    "current_week_start": str(cur),
                    "drivers": drivers,
                },
            )
        )
    return findings


def _amount(resource: str, value: float) -> str:
    """A capacity figure as a reader wants it: utilisations as percentages, rates in req/s."""
    return f"{value:.3g} req/s" if resource == "requests_per_second" else f"{value:.0%}"


def capacity_warnings(con: Any, horizon_days: int = 30) -> list[Finding]:
    """A finding per `capacity_plan` row whose forecast (or its upper bound) reaches the limit."""
    findings = []
    for row in _rows(con, _CAPACITY_SQL):
        sure = row["first_crossing"] is not None
        when = row["first_crossing"] if sure else row["first_crossing_upper"]
        start = row["horizon_end"] - timedelta(days=horizon_days)
        urgency = max(0.0, 1.0 - max((when - start).days, 0) / horizon_days)
        findings.append(
            Finding(
                kind="capacity",
                title=(
                    f"{row['component']} {row['resource']} "
                    f"{'forecast' if sure else 'may'} reach{'es' if sure else ''} its limit "
                    f"{_amount(row['resource'], row['limit'])} on {when}"
                ),
                detail=(
                    f"Busiest-hour peak {_amount(row['resource'], row['current_peak'])} now; "
                    f"forecast peak {_amount(row['resource'], row['forecast_peak'])} (80% upper "
                    f"bound {_amount(row['resource'], row['upper_peak'])}) by "
                    f"{row['horizon_end']} ({row['model']})."
                ),
                score=(1.5 if sure else 0.75) * (1.0 + 2.0 * urgency),
                query=_CAPACITY_SQL,
                evidence={k: row[k] for k in row},
            )
        )
    return findings


def cost_spikes(con: Any) -> list[Finding]:
    """Components whose cost on the last complete day is >= 1.5x the median of the 14 before."""
    row = con.execute("select max(day) from rpt_component_daily").fetchone()
    if not row or row[0] is None:
        return []
    last = row[0] - timedelta(days=1)
    sql = _COST_SQL.format(start=last - timedelta(days=14), last=last)
    findings = []
    for r in _rows(con, sql):
        base = r["baseline_usd"]
        if not base or r["cost_usd"] < COST_SPIKE_RATIO * base:
            continue
        ratio = r["cost_usd"] / base
        findings.append(
            Finding(
                kind="cost_spike",
                title=f"{r['component']} cost {ratio:.1f}x its usual on {last}",
                detail=(
                    f"{r['component']} cost ${r['cost_usd']:.2f} on {last} against a median of "
                    f"${base:.2f} over the 14 days before."
                ),
                score=min(ratio / COST_SPIKE_RATIO, 5.0),
                query=sql,
                evidence={"component": r["component"], "day": str(last), **r},
            )
        )
    return findings


def open_anomalies(con: Any) -> list[Finding]:
    """One finding per series with detector alarms in the last 24 hours of data."""
    findings = []
    for r in _rows(con, _ANOMALY_SQL):
        findings.append(
            Finding(
                kind="anomaly",
                title=f"{r['series']}: {r['severity']} anomaly at {r['worst_at']}",
                detail=(
                    f"{r['alarms']} alarm(s) in the last 24 hours; worst {r['value']:.4g} "
                    f"against {r['expected']:.4g} expected (score {r['max_score']:.2f})."
                ),
                score=SEVERITY_WEIGHT.get(str(r["severity"]), 1.0) * float(r["max_score"]),
                query=_ANOMALY_SQL,
                evidence=r,
            )
        )
    return findings
