"""What a report shows, read from the warehouse: KPIs for a period and the one before, the hourly
trend, the per-component table, the slowest endpoints and the forecast with its backtest accuracy.

Reads only the tables named in docs/architecture.md, read-only. A table that is not built yet is
reported as missing (the template says so) instead of failing the whole report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from reports.periods import Period, Window
from reports.warehouse import Warehouse

PLATFORM = "rpt_platform_daily"
COMPONENT = "rpt_component_daily"
HOURLY = "rpt_performance_hourly"
RESOURCES = "rpt_resources_hourly"
FORECAST = "forecast_daily"
ACCURACY = "forecast_accuracy"
TABLES = (PLATFORM, COMPONENT, HOURLY, RESOURCES, FORECAST, ACCURACY)

MAIN_SERIES = "platform:requests"
SLOWEST_ENDPOINTS = 10
SPARK_DAYS = 28
HISTORY_DAYS = 56

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


@dataclass(frozen=True)
class Forecast:
    series: str
    model: str
    history: list[tuple[date, float]]
    points: list[tuple[date, float, float, float]]  # ds, yhat, lower, upper
    accuracy: list[dict[str, Any]]
    next_7_days: float | None


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
    capacity: list[dict[str, Any]] = field(default_factory=list)
    anomalies: dict[str, Any] = field(default_factory=dict)
    alerts: dict[str, Any] | None = None
    insights: list[dict[str, Any]] = field(default_factory=list)

    def missing(self, *tables: str) -> list[str]:
        """Those of `tables` the warehouse does not hold yet."""
        return [t for t in tables if t not in self.tables]


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


def backtest_accuracy(wh: Warehouse) -> list[dict[str, Any]]:
    """Per series, the mean over its rolling-origin backtests (cutoffs), the platform first."""
    return wh.rows(
        f"""
        select series, count(*) as backtests, cast(max(cutoff) as date) as cutoff,
            max(horizon_days) as horizon_days, avg(accuracy) as accuracy,
            avg(naive_accuracy) as naive_accuracy, avg(coverage_80) as coverage_80
        from {ACCURACY} group by series
        order by series <> ?, series
        """,
        [MAIN_SERIES],
    )


def forecast(wh: Warehouse, last_day: date, accuracy: list[dict[str, Any]]) -> Forecast | None:
    series = [r["series"] for r in wh.rows(f"select distinct series from {FORECAST}")]
    if not series:
        return None
    name = MAIN_SERIES if MAIN_SERIES in series else sorted(series)[0]
    first = last_day - timedelta(days=HISTORY_DAYS - 1)
    history: list[tuple[date, float]] = []
    if wh.has(PLATFORM) and name == MAIN_SERIES:
        history = [
            (r["day"], float(r["requests"]))
            for r in wh.rows(
                f"select day, requests from {PLATFORM} where day between ? and ? order by day",
                [first, last_day],
            )
        ]
    rows = wh.rows(
        f"select cast(ds as date) as ds, yhat, yhat_lower, yhat_upper, model from {FORECAST} "
        "where series = ? and cast(ds as date) >= ? order by ds",
        [name, first],
    )
    ahead = [r["yhat"] for r in rows if last_day < r["ds"] <= last_day + timedelta(days=7)]
    return Forecast(
        series=name,
        model=str(rows[0]["model"]) if rows else "",
        history=history,
        points=[(r["ds"], r["yhat"], r["yhat_lower"], r["yhat_upper"]) for r in rows],
        accuracy=[a for a in accuracy if a["series"] == name],
        next_7_days=sum(ahead) if len(ahead) == 7 else None,
    )


def load_report_data(
    wh: Warehouse, period: Period, last_day: date, ops_db: Path | None = None
) -> ReportData:
    """Everything the templates show for `period`, against the period before it."""
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
    return data
