"""Hourly series: seasonal naive by weekday and hour, hourly Prophet, and the 7-day backtest."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from synmon.forecasting import backtest, choose_model, forecast, prepare_series, seasonal_naive
from synmon.forecasting.backtest import HOURLY_CANDIDATES, HOURLY_EXTRA_CANDIDATES
from synmon.forecasting.models import future_index
from tests.test_forecasts.conftest import hourly_load


def test_seasonal_naive_repeats_the_same_hour_a_week_before() -> None:
    ds = pd.date_range("2024-01-01", periods=14 * 24, freq="h")  # two full weeks
    hist = pd.DataFrame({"ds": ds, "y": np.arange(len(ds), dtype=float)})
    future = pd.date_range(ds[-1] + pd.Timedelta(hours=1), periods=170, freq="h")
    out = seasonal_naive(hist, future)
    # Monday 00:00 of week 3 repeats Monday 00:00 of week 2 (index 168)
    assert out["yhat"].iloc[0] == 168 and out["yhat"].iloc[167] == 335
    assert out["yhat"].iloc[168] == 168  # a second week ahead repeats the same hour again
    # every 168-hour difference is 168: the upper bound widens by sqrt(2) in week two
    assert out["yhat_upper"].iloc[0] == pytest.approx(168 + 168)
    assert out["yhat_upper"].iloc[168] == pytest.approx(168 + 168 * math.sqrt(2))


def test_prepare_series_keeps_hours() -> None:
    raw = pd.DataFrame({"ds": ["2024-01-01 10:15", "2024-01-01 10:45", "2024-01-01T11:00Z"]})
    raw["y"] = [1, 3, 5]
    out = prepare_series(raw, how="sum", freq="h")
    assert out["ds"].dt.hour.tolist() == [10, 11] and out["y"].tolist() == [4.0, 5.0]


def test_hourly_forecast_and_backtest() -> None:
    df = hourly_load(44)
    fc = forecast(df, horizon=7, model="prophet_log")
    assert len(fc) == 7 * 24
    assert fc["ds"].iloc[0] == df["ds"].max() + pd.Timedelta(hours=1)
    assert list(future_index(df, 1)) == list(fc["ds"].iloc[:24])
    assert (fc["yhat_lower"] < fc["yhat_upper"]).all()


def test_hourly_choice_prefers_log_prophet_on_a_multiplicative_cycle() -> None:
    df = hourly_load(44)
    model, results = choose_model(
        df, 7, 3, candidates=HOURLY_CANDIDATES, extra=HOURLY_EXTRA_CANDIDATES
    )
    chosen = results["prophet_log"]
    assert len(chosen.scores) == 3 and all(s.days == 7 * 24 for s in chosen.scores)
    # the daily cycle scales with the level: on the log scale it is additive again
    assert model == "prophet_log" and chosen.accuracy > 0.9 and chosen.relative_mae < 0.9
    assert set(results) == {"prophet_log", "seasonal_naive"}  # a clear win: nothing else tried
    additive = backtest(df, horizon=7, cutoffs=3, model="prophet")
    assert additive.relative_mae > chosen.relative_mae
