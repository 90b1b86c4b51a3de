"""Capacity planning: the limits in config/capacity.yaml, the daily peak series they apply to, and
the first day each forecast (and its 80% upper bound) reaches its limit.

A resource's daily peak is its busiest hour of the day: CPU, memory and disk utilisation averaged
over a component's hosts (`rpt_resources_hourly`), requests per second summed over a component's
endpoints (`rpt_performance_hourly`). The last day in the marts is still filling up and is left
out. Forecasts come from `synmon.forecasting`; the plan is the `capacity_plan` table.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from synmon.configfile import load_model
from synmon.settings import config_dir

RESOURCES: tuple[str, ...] = ("cpu", "memory", "disk", "requests_per_second")
# Capacity histories are short (the lake's days); a 14-day backtest leaves room to train on.
BACKTEST_HORIZON_DAYS = 14

PLAN_COLUMNS: tuple[str, ...] = (
    "resource",
    "component",
    "limit",
    "first_crossing",
    "first_crossing_upper",
    "current_peak",
    "forecast_peak",
    "upper_peak",
    "horizon_end",
    "model",
)

Forecaster = Callable[[pd.DataFrame, int, str], pd.DataFrame]

_UTILISATION_SQL = """
with per_component as (
    select component, hour, avg(cpu_utilization) as cpu, avg(memory_utilization) as memory,
        avg(disk_utilization) as disk
    from rpt_resources_hourly group by component, hour
)
select component, cast(hour as date) as ds, max(cpu) as cpu, max(memory) as memory,
    max(disk) as disk
from per_component where cast(hour as date) < ? group by all order by component, ds
"""
_RPS_SQL = """
with per_component as (
    select component, hour, sum(requests) / 3600.0 as rps
    from rpt_performance_hourly group by component, hour
)
select component, cast(hour as date) as ds, max(rps) as requests_per_second
from per_component where cast(hour as date) < ? group by all order by component, ds
"""
_PLAN_DDL = """
create or replace table capacity_plan (
    resource varchar, component varchar, "limit" double, first_crossing date,
    first_crossing_upper date, current_peak double, forecast_peak double, upper_peak double,
    horizon_end date, model varchar
)"""


class CapacityConfigError(ValueError):
    """A capacity file that does not validate; the message names file, key path and expectation."""


class Limits(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cpu: float = Field(0.80, gt=0, le=1)
    memory: float = Field(0.85, gt=0, le=1)
    disk: float = Field(0.90, gt=0, le=1)
    requests_per_second: dict[str, float] = Field(default_factory=lambda: {"default": 1.0})

    @field_validator("requests_per_second")
    @classmethod
    def _positive(cls, value: dict[str, float]) -> dict[str, float]:
        bad = [k for k, v in value.items() if not v > 0]
        if bad:
            raise ValueError(f"a positive number per component (not for {', '.join(bad)})")
        return value


class CapacityConfig(BaseModel):
    """config/capacity.yaml: the horizon, the forecasting model and the limits."""

    model_config = ConfigDict(extra="forbid")

    horizon_days: int = Field(30, ge=1, le=365)
    model: Literal["prophet", "seasonal_naive", "auto"] = "prophet"
    limits: Limits = Field(default_factory=Limits)

    def limit_for(self, resource: str, component: str) -> float | None:
        """The limit of `resource` on `component`, or None when none is configured."""
        if resource == "requests_per_second":
            rps = self.limits.requests_per_second
            return rps.get(component, rps.get("default"))
        return float(getattr(self.limits, resource))


def load_capacity_config(path: str | Path | None = None) -> CapacityConfig:
    """Read and validate a capacity file (default config/capacity.yaml)."""
    path = Path(path) if path else config_dir() / "capacity.yaml"
    return load_model(path, CapacityConfig, CapacityConfigError)


def load_capacity_series(warehouse: Path) -> dict[tuple[str, str], pd.DataFrame]:
    """Daily peaks per (resource, component) as `ds,y` frames, complete days only."""
    import duckdb

    series: dict[tuple[str, str], pd.DataFrame] = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        frames = []
        for table, sql in (
            ("rpt_resources_hourly", _UTILISATION_SQL),
            ("rpt_performance_hourly", _RPS_SQL),
        ):
            last = con.execute(f"select max(cast(hour as date)) from {table}").fetchone()
            if last is None or last[0] is None:
                continue
            frames.append(con.execute(sql, [last[0]]).df())
    for frame in frames:
        for resource in [c for c in frame.columns if c in RESOURCES]:
            for component, part in frame.groupby("component", sort=True):
                ds_y = part[["ds"]].assign(y=part[resource].astype(float)).dropna()
                if not ds_y.empty:
                    series[(resource, str(component))] = ds_y.reset_index(drop=True)
    return series


def first_crossing(ds: pd.Series, values: np.ndarray | pd.Series, limit: float) -> Any:
    """The first `ds` whose value is at or above `limit` (a `datetime.date`), or None."""
    hits = np.flatnonzero(np.asarray(values, dtype=float) >= limit)
    return None if hits.size == 0 else pd.Timestamp(ds.iloc[int(hits[0])]).date()


def default_forecaster(history: pd.DataFrame, horizon: int, model: str) -> pd.DataFrame:
    """`synmon.forecasting.forecast` with its 80% band calibrated by a backtest of the same
    model (so `first_crossing_upper` rests on a measured interval); `auto` lets the backtest
    choose the model. A history too short to backtest keeps the model's raw band."""
    from synmon.forecasting import backtest, forecast

    if model == "auto":
        return forecast(history, horizon)
    try:
        scale = backtest(history, min(horizon, BACKTEST_HORIZON_DAYS), 3, model).interval_scale
    except ValueError:
        scale = 1.0
    return forecast(history, horizon, model, interval_scale=scale)


def plan_capacity(
    series: dict[tuple[str, str], pd.DataFrame],
    config: CapacityConfig,
    forecaster: Forecaster = default_forecaster,
) -> pd.DataFrame:
    """One row per (resource, component) with a limit: the first forecast day at or above the
    limit (yhat, then yhat_upper; None when it stays below within the horizon), beside the last
    observed peak and the highest forecast and upper bound.

    Serial on purpose: a forkserver process pool measured 2x slower here on a loaded 2-core
    machine (worker start and a Prophet import per worker) than 24 fits in a row."""
    keys = [
        (key, history, limit)
        for key, history in sorted(series.items())
        if (limit := config.limit_for(*key)) is not None and len(history) >= 2
    ]
    rows: list[dict[str, Any]] = []
    for (resource, component), history, limit in keys:
        pred = forecaster(history, config.horizon_days, config.model)
        rows.append(
            {
                "resource": resource,
                "component": component,
                "limit": float(limit),
                "first_crossing": first_crossing(pred["ds"], pred["yhat"], limit),
                "first_crossing_upper": first_crossing(pred["ds"], pred["yhat_upper"], limit),
                "current_peak": float(history["y"].iloc[-1]),
                "forecast_peak": float(pred["yhat"].max()),
                "upper_peak": float(pred["yhat_upper"].max()),
                "horizon_end": pd.Timestamp(pred["ds"].max()).date(),
                "model": str(pred["model"].iloc[0]) if "model" in pred else config.model,
            }
        )
    return pd.DataFrame(rows, columns=list(PLAN_COLUMNS))


def write_capacity_plan(warehouse: Path, plan: pd.DataFrame) -> None:
    """Replace the content of `capacity_plan` in one transaction."""
    import duckdb

    with duckdb.connect(str(warehouse)) as con:
        con.execute("begin")
        con.execute(_PLAN_DDL)
        if not plan.empty:
            con.register("plan_df", plan)
            cols = ", ".join(f'"{c}"' for c in PLAN_COLUMNS)
            con.execute(f"insert into capacity_plan select {cols} from plan_df")
        con.execute("commit")
