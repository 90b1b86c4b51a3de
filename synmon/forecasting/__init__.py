"""Forecasting for synmon: candidate models (Prophet additive, on the log scale and multiplicative;
weekly seasonal naive), rolling-origin backtests with hand-checkable metrics, per-series model
choice by backtest MAE with a flag when naive serves, and the `forecast_daily`, `forecast_hourly`
and `forecast_accuracy` warehouse tables. Framework-free: the Dagster asset, the
CLI and the tests call the same functions."""

from synmon.forecasting.backtest import (
    DEFAULT_CANDIDATES,
    EXTRA_CANDIDATES,
    BacktestResult,
    CutoffScore,
    backtest,
    choose_model,
    cutoff_dates,
    forecast,
    serving_note,
)
from synmon.forecasting.batch import (
    SeriesForecast,
    forecast_accuracy_table,
    forecast_daily_table,
    forecast_hourly_table,
    forecast_jobs,
    forecast_many,
    forecast_series,
)
from synmon.forecasting.metrics import coverage, mae, mape, wape
from synmon.forecasting.models import MODELS, NAIVE, PROPHETS, prepare_series, seasonal_naive

__all__ = [
    "DEFAULT_CANDIDATES",
    "EXTRA_CANDIDATES",
    "MODELS",
    "NAIVE",
    "PROPHETS",
    "BacktestResult",
    "CutoffScore",
    "SeriesForecast",
    "backtest",
    "choose_model",
    "coverage",
    "cutoff_dates",
    "forecast",
    "forecast_accuracy_table",
    "forecast_daily_table",
    "forecast_hourly_table",
    "forecast_jobs",
    "forecast_many",
    "forecast_series",
    "mae",
    "mape",
    "prepare_series",
    "seasonal_naive",
    "serving_note",
    "wape",
]
