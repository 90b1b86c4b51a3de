"""Reading the daily request series from the warehouse marts and writing the forecast tables.

Series: `platform:requests` from `rpt_platform_daily` and `<component>:requests` from
`rpt_component_daily`. The last day in the marts is still filling up, so it is dropped: only
complete days are forecast and scored.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

PLATFORM_SERIES = "platform:requests"

_DAILY_DDL = """
create or replace table forecast_daily (
    series varchar, ds date, yhat double, yhat_lower double, yhat_upper double, model varchar
)"""
_ACCURACY_DDL = """
create or replace table forecast_accuracy (
    series varchar, cutoff date, horizon_days integer, accuracy double, mae double,
    naive_accuracy double, naive_mae double, relative_mae double, coverage_80 double,
    model varchar
)"""


def load_request_series(warehouse: Path) -> dict[str, pd.DataFrame]:
    """Daily requests per series as `ds,y` frames, complete days only (the platform first)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        last = con.execute("select max(day) from rpt_platform_daily").fetchone()
        if last is None or last[0] is None:
            return {}
        platform = con.execute(
            "select day as ds, requests as y from rpt_platform_daily where day < ? order by day",
            [last[0]],
        ).df()
        components = con.execute(
            "select component, day as ds, requests as y from rpt_component_daily "
            "where day < ? order by component, day",
            [last[0]],
        ).df()
    series = {PLATFORM_SERIES: platform} if not platform.empty else {}
    for component, frame in components.groupby("component", sort=True):
        series[f"{component}:requests"] = frame[["ds", "y"]].reset_index(drop=True)
    return series


def write_forecast_tables(warehouse: Path, daily: pd.DataFrame, accuracy: pd.DataFrame) -> None:
    """Replace the content of `forecast_daily` and `forecast_accuracy` in one transaction."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute("begin")
        con.execute(_DAILY_DDL)
        con.execute(_ACCURACY_DDL)
        if not daily.empty:
            con.register("daily_df", daily)
            con.execute(
                "insert into forecast_daily select series, ds::date, yhat, yhat_lower, "
                "yhat_upper, model from daily_df"
            )
        if not accuracy.empty:
            con.register("accuracy_df", accuracy)
            con.execute(
                "insert into forecast_accuracy select series, cutoff::date, horizon_days, "
                "accuracy, mae, naive_accuracy, naive_mae, relative_mae, coverage_80, model "
                "from accuracy_df"
            )
        con.execute("commit")


def read_accuracy(warehouse: Path) -> pd.DataFrame:
    """`forecast_accuracy` averaged over cutoffs: series, accuracy, relative_mae, coverage_80,
    model (the asset check and reports read this)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select series, avg(accuracy) as accuracy, avg(mae) / nullif(avg(naive_mae), 0) "
            "as relative_mae, avg(coverage_80) as coverage_80, any_value(model) as model "
            "from forecast_accuracy group by series order by series"
        ).df()
