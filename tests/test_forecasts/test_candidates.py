"""The Prophet candidates beyond the default, escalation to them, and the flag when naive serves."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from synmon.forecasting import (
    EXTRA_CANDIDATES,
    MODELS,
    backtest,
    choose_model,
    serving_note,
)
from synmon.forecasting.backtest import BacktestResult, CutoffScore
from tests.test_forecasts.conftest import trend_weekly


def _shape_change() -> pd.DataFrame:
    # The weekly shape changes for good on day 27: every Prophet variant blends the two shapes.
    before = np.array([120.0, 40, 40, 400, 40, 40, 90])
    after = np.roll(before, 3)
    t = np.arange(63)
    y = np.where(t < 27, before[t % 7], after[t % 7]) + 200
    return pd.DataFrame({"ds": pd.date_range("2024-01-01", periods=63), "y": y})


def test_log_candidate_refuses_non_positive_values_and_choice_skips_it() -> None:
    df = trend_weekly(50)
    df.loc[10, "y"] = 0.0
    with pytest.raises(ValueError, match="> 0"):
        MODELS["prophet_log"](df, pd.date_range("2024-03-01", periods=3))
    _, results = choose_model(df, horizon=7, cutoffs=1, escalate_at=math.inf)
    assert "prophet_log" not in results
    assert {"prophet", "prophet_mult", "seasonal_naive"} <= set(results)


def test_log_candidate_maps_back_to_the_original_scale() -> None:
    df = trend_weekly(42, level=5000)
    out = MODELS["prophet_log"](df, pd.date_range("2024-02-12", periods=7))
    assert out["yhat"].between(4000, 8000).all()  # exp(log forecast), not log values
    assert (out["yhat_lower"] < out["yhat"]).all() and (out["yhat"] < out["yhat_upper"]).all()


def test_extra_candidates_only_where_prophet_does_not_clearly_win() -> None:
    model, results = choose_model(trend_weekly(56), horizon=7, cutoffs=2)
    assert model == "prophet" and results["prophet"].relative_mae < 0.9
    assert set(results) == {"prophet", "seasonal_naive"}  # no escalation: Prophet already wins

    model, results = choose_model(_shape_change(), horizon=14, cutoffs=2)
    assert set(EXTRA_CANDIDATES) <= set(results)  # Prophet lost, so the extras were tried
    assert model == "seasonal_naive"
    flagged, note = serving_note(model, results)
    assert flagged and "Prophet lost" in note
    assert all(results[n].relative_mae > 1 for n in ("prophet", *EXTRA_CANDIDATES))


def _result(model: str, mae: float, naive_mae: float) -> BacktestResult:
    score = CutoffScore(pd.Timestamp("2024-01-01"), 7, 0.9, mae, 0.1, 0.8, 0.9, naive_mae, 0.1)
    return BacktestResult(model, 7, [score], pd.DataFrame())


def test_serving_note_by_hand() -> None:
    results = {"prophet": _result("prophet", 8, 10), "seasonal_naive": _result("x", 10, 10)}
    assert serving_note("prophet", results) == (
        False,
        "prophet beats seasonal naive (relative MAE 0.800)",
    )
    lost = {"prophet": _result("prophet", 12, 10), "prophet_log": _result("p", 11, 10)}
    flagged, note = serving_note("seasonal_naive", {**lost, "seasonal_naive": _result("n", 10, 10)})
    assert flagged and "best prophet_log, relative MAE 1.100" in note
    assert serving_note("seasonal_naive", {"seasonal_naive": _result("n", 10, 10)})[0]


def test_backtest_reports_mape_only_with_positive_actuals() -> None:
    df = trend_weekly(50)
    result = backtest(df, horizon=7, cutoffs=2, model="seasonal_naive")
    assert math.isfinite(result.mape) and math.isfinite(result.naive_mape)
    df.loc[df.index[-1], "y"] = 0.0  # a zero actual in the last horizon
    result = backtest(df, horizon=7, cutoffs=2, model="seasonal_naive")
    assert math.isfinite(result.scores[0].mape) and math.isnan(result.scores[1].mape)
    assert math.isnan(result.mape)
