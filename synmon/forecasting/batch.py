"""Forecasting many named series at once: choose and fit each, in parallel processes when there
are enough of them to repay the start-up, and shape the results as the warehouse tables
`forecast_daily`, `forecast_hourly` and `forecast_accuracy`."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import pandas as pd

from synmon.forecasting.backtest import (
    HOURLY_CANDIDATES,
    HOURLY_EXTRA_CANDIDATES,
    MIN_TRAIN_DAYS,
    BacktestResult,
    choose_model,
    forecast,
    serving_note,
)
from synmon.forecasting.models import is_subdaily, quiet_prophet
from synmon.forecasting.warehouse import ACCURACY_COLUMNS

# Below this many series a worker pool costs more than it saves (each worker imports Prophet).
PARALLEL_MIN_SERIES = 8
MIN_BACKTEST_DAYS = 7

DAILY_COLUMNS = ["series", "ds", "yhat", "yhat_lower", "yhat_upper", "model"]

# (series name, ds/y frame, horizon in days, cutoffs)
ForecastJob = tuple[str, pd.DataFrame, int, int]


@dataclass(frozen=True)
class SeriesForecast:
    """One series' backtests per candidate, the model chosen, its forecast and whether it is
    flagged (seasonal naive serves because Prophet lost), with a note saying why."""

    series: str
    model: str
    backtests: dict[str, BacktestResult] = field(repr=False)
    forecast: pd.DataFrame = field(repr=False)
    flagged: bool = False
    note: str = ""
    cpu_seconds: float = 0.0

    @property
    def chosen(self) -> BacktestResult:
        return self.backtests[self.model]

    @property
    def hourly(self) -> bool:
        return is_subdaily(self.forecast["ds"])


def forecast_series(
    name: str, df: pd.DataFrame, horizon: int = 30, cutoffs: int = 3
) -> SeriesForecast:
    """Backtest the candidates on `df`, pick by MAE, forecast `horizon` days with the winner.

    A history too short for a `horizon`-day backtest is backtested over what it allows (at least
    a week; `horizon_days` in the accuracy rows says which); the forecast still runs `horizon`
    days. An hourly `df` gives hourly forecasts, with Prophet on the log scale tried first."""
    start = os.times()
    ds = pd.to_datetime(df["ds"])
    days = (ds.max() - ds.min()).days
    backtest_horizon = max(MIN_BACKTEST_DAYS, min(horizon, days - MIN_TRAIN_DAYS - 1))
    if is_subdaily(ds):
        model, results = choose_model(
            df, backtest_horizon, cutoffs, HOURLY_CANDIDATES, HOURLY_EXTRA_CANDIDATES
        )
    else:
        model, results = choose_model(df, backtest_horizon, cutoffs)
    flagged, note = serving_note(model, results)
    pred = forecast(df, horizon, model, results[model].interval_scale)
    return SeriesForecast(name, model, results, pred, flagged, note, _cpu_since(start))


def _cpu_since(start: os.times_result) -> float:
    """CPU seconds of this process and its finished children (Stan runs as a child process)."""
    now = os.times()
    return sum(now[i] - start[i] for i in range(4))


def _run(job: ForecastJob) -> SeriesForecast | None:
    try:
        return forecast_series(*job)
    except ValueError:  # too short to backtest (or no usable rows): nothing honest to serve
        return None


def forecast_jobs(jobs: Sequence[ForecastJob], workers: int | None = None) -> list[SeriesForecast]:
    """`forecast_series` for every job, in input order (put the slowest first: the pool hands
    jobs out in order). A series too short to backtest is left out of the result.

    With `PARALLEL_MIN_SERIES` or more jobs and more than one core, the fits run in a process
    pool started from a forkserver (forking the caller directly is not safe inside a threaded
    Dagster run); each worker imports Prophet once.
    """
    workers = workers or os.cpu_count() or 1
    if len(jobs) < PARALLEL_MIN_SERIES or workers < 2:
        return [r for r in map(_run, jobs) if r is not None]
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["synmon.forecasting"])
    with ProcessPoolExecutor(
        max_workers=min(workers, len(jobs)), mp_context=ctx, initializer=quiet_prophet
    ) as pool:
        return [r for r in pool.map(_run, jobs) if r is not None]


def forecast_many(
    series: Mapping[str, pd.DataFrame],
    horizon: int = 30,
    cutoffs: int = 3,
    workers: int | None = None,
) -> list[SeriesForecast]:
    """`forecast_series` for every named series with one horizon, in input order."""
    return forecast_jobs([(name, df, horizon, cutoffs) for name, df in series.items()], workers)


def _forecast_table(results: list[SeriesForecast]) -> pd.DataFrame:
    frames = [r.forecast.assign(series=r.series)[DAILY_COLUMNS] for r in results]
    if not frames:
        return pd.DataFrame(columns=DAILY_COLUMNS)
    return pd.concat(frames, ignore_index=True)


def forecast_daily_table(results: list[SeriesForecast]) -> pd.DataFrame:
    """Rows of `forecast_daily` (daily series only): series, ds, yhat, yhat_lower, yhat_upper,
    model."""
    return _forecast_table([r for r in results if not r.hourly])


def forecast_hourly_table(results: list[SeriesForecast]) -> pd.DataFrame:
    """Rows of `forecast_hourly` (hourly series only), same columns as `forecast_daily`."""
    return _forecast_table([r for r in results if r.hourly])


def forecast_accuracy_table(results: list[SeriesForecast]) -> pd.DataFrame:
    """Rows of `forecast_accuracy`: one per series and cutoff, for the model serving the series,
    with MAPE (NaN unless every actual > 0), the naive errors, and the flag and note."""
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
            "mape": s.mape,
            "naive_mape": s.naive_mape,
            "flagged": r.flagged,
            "note": r.note,
        }
        for r in results
        for s in r.chosen.scores
    ]
    return pd.DataFrame(rows, columns=ACCURACY_COLUMNS)
