"""The served forecast: its shape and reproducibility (model choice: test_candidates.py)."""

from __future__ import annotations

import pandas as pd

from synmon.forecasting import forecast
from tests.test_forecasts.conftest import trend_weekly


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
