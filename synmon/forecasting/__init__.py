"""Daily forecasting for synmon: candidate models (Prophet, weekly seasonal naive), rolling-origin
backtests with hand-checkable metrics, per-series model choice by backtest MAE, and the
`forecast_daily` / `forecast_accuracy` warehouse tables. Framework-free: the Dagster asset, the
CLI and the tests call the same functions."""

from synmon.forecasting.backtest import (
    BacktestResult,
    CutoffScore,
    backtest,
    choose_model,
    cutoff_dates,
    forecast,
)
from synmon.forecasting.batch import (
    SeriesForecast,
    forecast_accuracy_table,
    forecast_daily_table,
    forecast_many,
    forecast_series,
)
from synmon.forecasting.metrics import coverage, mae, mape, wape
from synmon.forecasting.models import MODELS, NAIVE, prepare_series, seasonal_naive

__all__ = [
    "MODELS",
    "NAIVE",
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
    "forecast_many",
    "forecast_series",
    "mae",
    "mape",
    "prepare_series",
    "seasonal_naive",
    "wape",
]
