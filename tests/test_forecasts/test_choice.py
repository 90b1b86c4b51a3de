"""Model choice by backtest: Prophet serves only when it beats seasonal naive."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synmon.forecasting import choose_model, forecast
from tests.test_forecasts.conftest import trend_weekly


def test_naive_serves_when_the_weekly_shape_changes() -> None:
    # The weekly shape changes for good on day 27: Prophet's one seasonal profile blends the two
    # shapes, while the last week (what seasonal naive repeats) is already the new one.
    before = np.array([120.0, 40, 40, 400, 40, 40, 90])
    after = np.roll(before, 3)
    t = np.arange(63)
    y = np.where(t < 27, before[t % 7], after[t % 7]) + 200
    df = pd.DataFrame({"ds": pd.date_range("2024-01-01", periods=63), "y": y})
    model, results = choose_model(df, horizon=14, cutoffs=2)
    assert model == "seasonal_naive"
    assert results["prophet"].mae > results["seasonal_naive"].mae
    assert results["prophet"].relative_mae > 1


def test_forecast_with_chosen_model_covers_the_horizon() -> None:
    df = trend_weekly(35)
    out = forecast(df, horizon=10, model="seasonal_naive")
    assert list(out.columns) == ["ds", "yhat", "yhat_lower", "yhat_upper", "model"]
    assert out["ds"].iloc[0] == df["ds"].max() + pd.Timedelta(days=1)
    assert len(out) == 10 and set(out["model"]) == {"seasonal_naive"}
    assert (out["yhat_lower"] <= out["yhat"]).all() and (out["yhat"] <= out["yhat_upper"]).all()


def test_prophet_forecast_is_reproducible() -> None:
    df = trend_weekly(35)
    first = forecast(df, horizon=7, model="prophet")
    second = forecast(df, horizon=7, model="prophet")
    pd.testing.assert_frame_equal(first, second)  # the interval draws are seeded
    assert (first["yhat_lower"] < first["yhat_upper"]).all()
