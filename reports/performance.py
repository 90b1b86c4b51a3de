"""Platform and component performance for a report period, from the foundation marts: the KPI
tiles against the period before, the hourly trend, the per-component table with sparklines and
the slowest endpoints. A table that is not built yet leaves its figures None (the template says so).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from reports.periods import Period, Window
from reports.warehouse import Warehouse

PLATFORM = "rpt_platform_daily"
COMPONENT = "rpt_component_daily"
HOURLY = "rpt_performance_hourly"
RESOURCES = "rpt_resources_hourly"

SLOWEST_ENDPOINTS = 10
SPARK_DAYS = 28

# rpt_component_daily is derivable from the hourly mart; until it is built, derive it so the table
# still shows (request-weighted percentiles, labelled as such in the report).
_COMPONENT_FROM_HOURLY = f"""(
    select component, cast(hour as date) as day, sum(requests) as requests, sum(errors) as errors,
        sum(latency_p50_ms * requests) / nullif(sum(requests), 0) as latency_p50_ms,
        sum(latency_p95_ms * requests) / nullif(sum(requests), 0) as latency_p95_ms,
        cast(null as double) as cost_usd
    from {HOURLY} group by all
)"""


@dataclass(frozen=True)
class Kpi:
    key: str
    title: str
    unit: str
    value: float | None
    previous: float | None
    lower_is_better: bool | None
    absolute_change: bool = False  # rates change in percentage points, the rest in percent
    note: str = ""
    missing: tuple[str, ...] = ()

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        if self.absolute_change:
            return self.value - self.previous
        return (self.value - self.previous) / self.previous if self.previous else None

    @property
    def tone(self) -> str:
        """`good`, `bad` or `neutral`, for colouring the change."""
        ch = self.change
        small = 0.001 if self.absolute_change else 0.02
        if ch is None or self.lower_is_better is None or abs(ch) < small:
            return "neutral"
        return "bad" if (ch > 0) == self.lower_is_better else "good"


@dataclass(frozen=True)
class Trend:
    """Hourly points `(hour offset from period start, throughput rps, p95 ms, error rate)`."""

    current: list[tuple[int, float, float | None, float]]
    previous: list[tuple[int, float, float | None, float]]


def last_complete_day(wh: Warehouse) -> date | None:
    """The latest UTC day whose 24 hours are all in the data (from the hourly mart if built)."""
    if wh.has(HOURLY):
        last = wh.one(f"select max(hour) as h from {HOURLY}").get("h")
        return None if last is None else (last + timedelta(hours=1)).date() - timedelta(days=1)
    if wh.has(PLATFORM):
        last = wh.one(f"select max(day) as d from {PLATFORM}").get("d")
        return None if last is None else last - timedelta(days=1)
    return None


def _weighted(col: str) -> str:
    return f"sum({col} * requests) / nullif(sum(requests), 0)"


def period_metrics(wh: Warehouse, p: Period) -> dict[str, float | None]:
    """Platform figures for one period; keys absent or None when their table is not built."""
    m: dict[str, float | None] = {}
    if isinstance(p, Window) and wh.has(HOURLY):
        m.update(_window_metrics(wh, p))
    elif wh.has(PLATFORM):
        row = wh.one(
            f"select sum(requests) as requests, {_weighted('error_rate')} as error_rate, "
            f"{_weighted('latency_p95_ms')} as latency_p95_ms, sum(cost_usd) as cost_usd "
            f"from {PLATFORM} where day between ? and ?",
            [p.start, p.end],
        )
        m.update(row)
        m["throughput_rps"] = None if row["requests"] is None else row["requests"] / p.seconds
    p50_src = COMPONENT if wh.has(COMPONENT) and not isinstance(p, Window) else None
    p50_src = p50_src or (HOURLY if wh.has(HOURLY) else None)
    if p50_src:
        t, lo, hi = (
            ("day", p.start, p.end) if p50_src == COMPONENT else ("hour", p.start_ts, p.end_ts)
        )
        cond = "between ? and ?" if t == "day" else ">= ? and hour < ?"
        m["latency_p50_ms"] = wh.one(
            f"select {_weighted('latency_p50_ms')} as v from {p50_src} where {t} {cond}", [lo, hi]
        )["v"]
    if wh.has(HOURLY):
        m["peak_rps"] = wh.one(
            f"select max(rps) as v from (select sum(throughput_rps) as rps from {HOURLY} "
            "where hour >= ? and hour < ? group by hour)",
            [p.start_ts, p.end_ts],
        )["v"]
    if wh.has(RESOURCES):
        row = wh.one(
            f"select avg(cpu_utilization) as cpu, max(cpu_utilization) as cpu_peak "
            f"from {RESOURCES} where hour >= ? and hour < ?",
            [p.start_ts, p.end_ts],
        )
        m["cpu_utilization"], m["cpu_peak"] = row["cpu"], row["cpu_peak"]
    return m


def _window_metrics(wh: Warehouse, p: Period) -> dict[str, float | None]:
    """Platform figures for a rolling window, from the hourly mart (the daily ones cannot cut
    at an hour); percentiles are request-weighted means of the hourly ones."""
    row = wh.one(
        f"select sum(requests) as requests, sum(errors) / nullif(sum(requests), 0) as error_rate, "
        f"{_weighted('latency_p95_ms')} as latency_p95_ms from {HOURLY} "
        "where hour >= ? and hour < ?",
        [p.start_ts, p.end_ts],
    )
    row["cost_usd"] = None  # day-grain cost cannot be cut to 24 rolling hours
    row["throughput_rps"] = None if row["requests"] is None else row["requests"] / p.seconds
    return row


def build_kpis(cur: dict[str, float | None], prev: dict[str, float | None]) -> list[Kpi]:
    def kpi(key: str, title: str, unit: str, lower: bool | None, table: str, **kw: Any) -> Kpi:
        return Kpi(
            key,
            title,
            unit,
            cur.get(key),
            prev.get(key),
            lower,
            **kw,
            missing=() if key in cur else (table,),
        )

    peak, cpu_peak = cur.get("peak_rps"), cur.get("cpu_peak")
    return [
        kpi("latency_p50_ms", "Response time p50", "ms", True, HOURLY),
        kpi("latency_p95_ms", "Response time p95", "ms", True, PLATFORM),
        kpi("throughput_rps", "Throughput", "req/s", None, PLATFORM,
            note="" if peak is None else f"peak hour {peak:,.1f} req/s"),
        kpi("error_rate", "Error rate (5xx)", "%", True, PLATFORM, absolute_change=True),
        kpi("cpu_utilization", "System load (CPU)", "%", True, RESOURCES, absolute_change=True,
            note="" if cpu_peak is None else f"busiest host-hour {cpu_peak:.0%}"),
        kpi("cost_usd", "Cost", "USD", True, PLATFORM),
    ]  # fmt: skip


def hourly_trend(wh: Warehouse, p: Period) -> list[tuple[int, float, float | None, float]]:
    rows = wh.rows(
        f"select hour, sum(throughput_rps) as rps, {_weighted('latency_p95_ms')} as p95, "
        f"sum(errors) / nullif(sum(requests), 0) as err from {HOURLY} "
        "where hour >= ? and hour < ? group by hour order by hour",
        [p.start_ts, p.end_ts],
    )
    return [
        (int((r["hour"] - p.start_ts).total_seconds() // 3600), r["rps"], r["p95"], r["err"] or 0.0)
        for r in rows
    ]


def component_table(wh: Warehouse, p: Period) -> tuple[list[dict[str, Any]], str]:
    """One row per component with its change vs the previous period and a p95 sparkline."""
    if wh.has(COMPONENT):
        src, source = COMPONENT, COMPONENT
    elif wh.has(HOURLY):
        src, source = _COMPONENT_FROM_HOURLY, f"{HOURLY} ({COMPONENT} not built yet)"
    else:
        return [], ""
    q = (
        "select component, sum(requests) as requests, sum(errors) / nullif(sum(requests), 0) "
        f"as error_rate, {_weighted('latency_p95_ms')} as p95, sum(cost_usd) as cost_usd "
        f"from {src} where day between ? and ? group by component"
    )
    prev_p = p.previous()
    prev = {r["component"]: r for r in wh.rows(q, [prev_p.start, prev_p.end])}
    spark: dict[str, list[float | None]] = {}
    for r in wh.rows(
        f"select component, day, {_weighted('latency_p95_ms')} as p95 from {src} "
        "where day between ? and ? group by all order by component, day",
        [p.end - timedelta(days=SPARK_DAYS - 1), p.end],
    ):
        spark.setdefault(r["component"], []).append(r["p95"])
    rows = sorted(
        wh.rows(q, [p.start, p.end]), key=lambda r: (-(r["requests"] or 0), r["component"])
    )
    for r in rows:
        before = prev.get(r["component"], {})
        r["prev_requests"], r["prev_p95"] = before.get("requests"), before.get("p95")
        r["prev_error_rate"] = before.get("error_rate")
        r["spark"] = spark.get(r["component"], [])
    return rows, source


def slowest_endpoints(wh: Warehouse, p: Period) -> list[dict[str, Any]]:
    prev = p.previous()
    return wh.rows(
        f"""
        with cur as (
            select component, endpoint, sum(requests) as requests,
                sum(errors) / nullif(sum(requests), 0) as error_rate,
                {_weighted("latency_p95_ms")} as p95, max(latency_p99_ms) as p99_peak
            from {HOURLY} where hour >= ? and hour < ? group by all
        ),
        prev as (
            select component, endpoint, {_weighted("latency_p95_ms")} as prev_p95
            from {HOURLY} where hour >= ? and hour < ? group by all
        )
        select cur.*, prev.prev_p95 from cur left join prev using (component, endpoint)
        where cur.requests >= ? order by cur.p95 desc nulls last limit ?
        """,
        [p.start_ts, p.end_ts, prev.start_ts, prev.end_ts, 20 * p.days, SLOWEST_ENDPOINTS],
    )
