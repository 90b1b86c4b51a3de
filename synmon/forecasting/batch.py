"""Forecasting many named series at once: choose and fit each, in parallel processes when there
are enough of them to repay the start-up, and shape the results as the warehouse tables
`forecast_daily` and `forecast_accuracy`."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import pandas as pd

from synmon.forecasting.backtest import MIN_TRAIN_DAYS, BacktestResult, choose_model, forecast
from synmon.forecasting.models import quiet_prophet

# Below this many series a worker pool costs more than it saves (each worker imports Prophet).
PARALLEL_MIN_SERIES = 8
MIN_BACKTEST_DAYS = 7

DAILY_COLUMNS = ["series", "ds", "yhat", "yhat_lower", "yhat_upper", "model"]
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
]


@dataclass(frozen=True)
class SeriesForecast:
    """One series' backtests per candidate, the model chosen and its forecast."""

    series: str
    model: str
    backtests: dict[str, BacktestResult] = field(repr=False)
    forecast: pd.DataFrame = field(repr=False)

    @property
    def chosen(self) -> BacktestResult:
        return self.backtests[self.model]


def forecast_series(
    name: str, df: pd.DataFrame, horizon: int = 30, cutoffs: int = 3
) -> SeriesForecast:
    """Backtest the candidates on `df`, pick by MAE, forecast `horizon` days with the winner.

    A history too short for a `horizon`-day backtest is backtested over what it allows (at least
    a week; `horizon_days` in the accuracy rows says which); the forecast still runs `horizon`
    days."""
    days = (pd.to_datetime(df["ds"]).max() - pd.to_datetime(df["ds"]).min()).days
    backtest_horizon = max(MIN_BACKTEST_DAYS, min(horizon, days - MIN_TRAIN_DAYS - 1))
    model, results = choose_model(df, backtest_horizon, cutoffs)
    return SeriesForecast(name, model, results, forecast(df, horizon, model))


def _forecast_args(args: tuple[str, pd.DataFrame, int, int]) -> SeriesForecast:
    return forecast_series(*args)


def forecast_many(
    series: Mapping[str, pd.DataFrame],
    horizon: int = 30,
    cutoffs: int = 3,
    workers: int | None = None,
) -> list[SeriesForecast]:
    """`forecast_series` for every named series, in input order.

    With `PARALLEL_MIN_SERIES` or more series and more than one core, the fits run in a process
    pool started from a forkserver (forking the caller directly is not safe inside a threaded
    Dagster run); each worker imports Prophet once.
    """
    jobs = [(name, df, horizon, cutoffs) for name, df in series.items()]
    workers = workers or os.cpu_count() or 1
    if len(jobs) < PARALLEL_MIN_SERIES or workers < 2:
        return [_forecast_args(job) for job in jobs]
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["synmon.forecasting"])
    with ProcessPoolExecutor(
        max_workers=min(workers, len(jobs)), mp_context=ctx, initializer=quiet_prophet
    ) as pool:
        return list(pool.map(_forecast_args, jobs))


def forecast_daily_table(results: list[SeriesForecast]) -> pd.DataFrame:
    """Rows of `forecast_daily`: series, ds, yhat, yhat_lower, yhat_upper, model."""
    frames = [r.forecast.assign(series=r.series)[DAILY_COLUMNS] for r in results]
    if not frames:
        return pd.DataFrame(columns=DAILY_COLUMNS)
    return pd.concat(frames, ignore_index=True)


def forecast_accuracy_table(results: list[SeriesForecast]) -> pd.DataFrame:
    """Rows of `forecast_accuracy`: one per series and cutoff, for the model serving the series."""
    rows = [
        {
            "series": r.series,
            "cutoff": s.cutoff,
            "horizon_days": r.chosen.horizon,
            "accuracy": s.accuracy,
            "mae": s.mae,
            "naive_accuracy": s.naive_accuracy,
            "naive_mae": s.naive_mae,
            "relative_mae": s.relative_mae,
            "coverage_80": s.coverage_80,
            "model": r.model,
        }
        for r in results
        for s in r.chosen.scores
    ]
    return pd.DataFrame(rows, columns=ACCURACY_COLUMNS)
