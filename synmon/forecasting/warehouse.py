"""Reading the forecast series from the warehouse marts and writing the forecast tables.

Daily series (`forecast_daily`, 30 days): `<scope>:<metric>` for the platform
(`rpt_platform_daily`) and each component (`rpt_component_daily`), metric one of `requests`,
`latency_p95`, `error_rate`, `active_users`, `cost`. Hourly series (`forecast_hourly`, 7 days, for
capacity): `<scope>:hourly_requests` from `rpt_performance_hourly` (summed over endpoints; the
platform over everything) and `<component>:hourly_cpu` from `rpt_resources_hourly` (mean over
hosts). The last day or hour in the marts is still filling up, so it is dropped: only complete
periods are forecast and scored. A series that is zero throughout has nothing to forecast and is
left out.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

PLATFORM_SERIES = "platform:requests"
ACCURACY_COLUMNS = [
    "series",
    "cutoff",
    "horizon_days",
    "accuracy",
    "mae",
    "naive_accuracy",
    "naive_mae",
    "relative_mae",
    "coverage_80",
    "model",
    "mape",
    "naive_mape",
    "flagged",
    "note",
]
# series metric name -> mart column (both daily marts use the same names)
DAILY_METRICS = {
    "requests": "requests",
    "latency_p95": "latency_p95_ms",
    "error_rate": "error_rate",
    "active_users": "active_users",
    "cost": "cost_usd",
}

_DAILY_DDL = """
create or replace table {name} (
    series varchar, ds {ds_type}, yhat double, yhat_lower double, yhat_upper double,
    model varchar
)"""
_ACCURACY_DDL = """
create or replace table forecast_accuracy (
    series varchar, cutoff date, horizon_days integer, accuracy double, mae double,
    naive_accuracy double, naive_mae double, relative_mae double, coverage_80 double,
    model varchar, mape double, naive_mape double, flagged boolean, note varchar
)"""
_HOURLY_SQL = {
    "rpt_performance_hourly": (
        "hourly_requests",
        """
        select component, hour as ds, sum(requests)::double as y from rpt_performance_hourly
        where hour < (select max(hour) from rpt_performance_hourly) group by 1, 2
        union all
        select 'platform', hour, sum(requests)::double from rpt_performance_hourly
        where hour < (select max(hour) from rpt_performance_hourly) group by 1, 2
        """,
    ),
    "rpt_resources_hourly": (
        "hourly_cpu",
        """
        select component, hour as ds, avg(cpu_utilization) as y from rpt_resources_hourly
        where hour < (select max(hour) from rpt_resources_hourly)
            and cpu_utilization is not null
        group by 1, 2
        """,
    ),
}


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()} | {
        r[0] for r in con.execute("select view_name from duckdb_views()").fetchall()
    }


def _split(frame: pd.DataFrame, metric: str, out: dict[str, pd.DataFrame]) -> None:
    for scope, part in frame.groupby("scope", sort=True):
        series = part[["ds", "y"]].dropna().reset_index(drop=True)
        if not series.empty and (series["y"] != 0).any():
            out[f"{scope}:{metric}"] = series


def load_daily_series(warehouse: Path) -> dict[str, pd.DataFrame]:
    """Every daily series as a `ds,y` frame, complete days only: the platform's first (with
    `platform:requests` leading), then each component's."""
    out: dict[str, pd.DataFrame] = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        last = con.execute("select max(day) from rpt_platform_daily").fetchone()
        if last is None or last[0] is None:
            return {}
        has_components = "rpt_component_daily" in _tables(con)
        for metric, column in DAILY_METRICS.items():
            platform = con.execute(
                f"select 'platform' as scope, day as ds, {column}::double as y "
                "from rpt_platform_daily where day < ? order by day",
                [last[0]],
            ).df()
            _split(platform, metric, out)
        if has_components:
            for metric, column in DAILY_METRICS.items():
                components = con.execute(
                    f"select component as scope, day as ds, {column}::double as y "
                    "from rpt_component_daily where day < ? order by component, day",
                    [last[0]],
                ).df()
                _split(components, metric, out)
    return out


def load_request_series(warehouse: Path) -> dict[str, pd.DataFrame]:
    """Daily requests only (`platform:requests` and `<component>:requests`)."""
    return {k: v for k, v in load_daily_series(warehouse).items() if k.endswith(":requests")}


def load_hourly_series(warehouse: Path) -> dict[str, pd.DataFrame]:
    """Hourly requests per component and platform, hourly CPU per component, complete hours
    only; empty when the hourly marts are absent."""
    out: dict[str, pd.DataFrame] = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = _tables(con)
        for table, (metric, sql) in _HOURLY_SQL.items():
            if table in tables:
                frame = con.execute(f"select component as scope, ds, y from ({sql}) order by 1, 2")
                _split(frame.df(), metric, out)
    return out


HOURLY_MARK = ":hourly_"  # hourly series names contain this; daily ones do not


def write_forecast_tables(
    warehouse: Path,
    daily: pd.DataFrame | None,
    accuracy: pd.DataFrame,
    hourly: pd.DataFrame | None = None,
) -> None:
    """In one transaction, replace `forecast_daily` and/or `forecast_hourly` (those given, not
    None) and, in `forecast_accuracy`, the rows of the same kind (daily or hourly series) with
    `accuracy`. A `forecast_accuracy` of an older shape is recreated."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute("begin")
        existing = [
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns "
                "where table_name = 'forecast_accuracy' and table_schema = 'main' "
                "order by ordinal_position"
            ).fetchall()
        ]
        if existing != ACCURACY_COLUMNS:
            con.execute(_ACCURACY_DDL)
        for name, frame, ds in (
            ("forecast_daily", daily, "date"),
            ("forecast_hourly", hourly, "timestamp"),
        ):
            if frame is None:
                continue
            con.execute(_DAILY_DDL.format(name=name, ds_type=ds))
            con.execute(
                "delete from forecast_accuracy where contains(series, ?) = ?",
                [HOURLY_MARK, name == "forecast_hourly"],
            )
            if not frame.empty:
                con.register("frame_df", frame)
                con.execute(
                    f"insert into {name} select series, ds::{ds}, yhat, yhat_lower, "
                    "yhat_upper, model from frame_df"
                )
                con.unregister("frame_df")
        if not accuracy.empty:
            con.register("accuracy_df", accuracy)
            con.execute(
                f"insert into forecast_accuracy select {', '.join(ACCURACY_COLUMNS)} "
                "from accuracy_df"
            )
        con.execute("commit")


def read_accuracy(warehouse: Path) -> pd.DataFrame:
    """`forecast_accuracy` averaged over cutoffs: series, accuracy, relative_mae, coverage_80,
    mape (null unless every cutoff has one), model, flagged (the check and reports read this)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select series, avg(accuracy) as accuracy, avg(mae) / nullif(avg(naive_mae), 0) "
            "as relative_mae, avg(coverage_80) as coverage_80, "
            "case when count(mape) = count(*) then avg(mape) end as mape, "
            "any_value(model) as model, bool_or(flagged) as flagged "
            "from forecast_accuracy group by series order by series"
        ).df()
