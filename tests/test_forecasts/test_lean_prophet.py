"""`LeanProphet` builds Prophet's own component matrix and `point_forecast` gives predict's yhat."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synmon.forecasting.lean_prophet import lean_prophet_class, point_forecast
from synmon.forecasting.models import quiet_prophet
from tests.test_forecasts.conftest import hourly_load, trend_weekly


@pytest.mark.parametrize(
    ("mode", "hourly", "regressor"),
    [("additive", False, False), ("multiplicative", False, False), ("additive", True, True)],
)
def test_same_matrix_and_yhat_as_prophet(mode: str, hourly: bool, regressor: bool) -> None:
    quiet_prophet()
    from prophet import Prophet

    df = hourly_load(10) if hourly else trend_weekly(60)
    model = lean_prophet_class()(
        seasonality_mode=mode, daily_seasonality=hourly, uncertainty_samples=0
    )
    if regressor:  # a group the stock code fills: extra_regressors_additive
        model.add_regressor("x", mode="additive")
        df = df.assign(x=np.arange(len(df)) % 3)
    model.fit(df, seed=0, algorithm="LBFGS")
    features, _, ours, _ = model.make_all_seasonality_features(model.history)
    theirs, _ = Prophet.regressor_column_matrix(model, features, _base_modes(model))
    pd.testing.assert_frame_equal(ours, theirs)
    if not regressor:
        future = pd.date_range(df["ds"].max(), periods=15, freq="h" if hourly else "D")[1:]
        expected = model.predict(pd.DataFrame({"ds": future}))["yhat"].to_numpy()
        np.testing.assert_allclose(point_forecast(model, future), expected, rtol=1e-12)


def _base_modes(model: object) -> dict[str, list[str]]:
    modes: dict[str, list[str]] = {"additive": [], "multiplicative": []}
    for name, props in model.seasonalities.items():
        modes[props["mode"]].append(name)
    for name, props in model.extra_regressors.items():
        modes[props["mode"]].append(name)
    return modes
