"""Calibrated intervals: the conformal arithmetic by hand, leave-one-cutoff-out in the backtest,
and coverage near 80% on constructed series whose noise distribution we know."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synmon.forecasting import backtest, forecast
from synmon.forecasting import calibration as cal
from synmon.forecasting.models import Z80


def test_scores_and_conformal_scale_by_hand() -> None:
    # residuals 1, 2, 3, 4 over half-widths 1, 1, 2, 2 -> scores 1, 2, 1.5, 2
    s = cal.scores([11, 12, 13, 14], [10, 10, 10, 10], [9, 9, 8, 8], [11, 11, 12, 12])
    np.testing.assert_allclose(s, [1, 2, 1.5, 2])
    # 9 scores 1..9: rank ceil(10 * 0.8) = 8 -> 8
    assert cal.conformal_scale(np.arange(1.0, 10.0)) == 8.0
    # 3 scores: rank ceil(4 * 0.8) = 4 > 3 -> the largest
    assert cal.conformal_scale([3.0, 1.0, 2.0]) == 3.0
    assert cal.conformal_scale([]) == 1.0  # nothing to calibrate on: the raw band
    lower, upper = cal.calibrate([10, 20], [9, 18], [11, 22], 1.5)
    np.testing.assert_allclose(lower, [8.5, 17.0])
    np.testing.assert_allclose(upper, [11.5, 23.0])


def test_leave_one_out_never_uses_the_cutoffs_own_scores() -> None:
    per_cutoff = [np.full(10, 1.0), np.full(10, 2.0), np.full(10, 3.0)]
    assert cal.leave_one_out(per_cutoff) == [3.0, 3.0, 2.0]
    assert cal.leave_one_out([np.ones(5)]) == [1.0]


def test_zero_width_band_calibrates_to_the_residual_quantile() -> None:
    s = cal.scores([1.0, -2.0, 3.0, 0.0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0])
    lower, upper = cal.calibrate([0.0], [0.0], [0.0], cal.conformal_scale(s))
    assert upper[0] == pytest.approx(3.0) and lower[0] == pytest.approx(-3.0)


def test_backtest_scores_each_cutoff_with_the_scale_of_the_others() -> None:
    rng = np.random.default_rng(5)
    days = 160
    y = 500 + 40 * np.sin(2 * np.pi * np.arange(days) / 7) + rng.normal(0, 20, days)
    df = pd.DataFrame({"ds": pd.date_range("2025-01-01", periods=days), "y": y})
    result = backtest(df, horizon=14, cutoffs=3, model="seasonal_naive")
    preds = result.predictions
    raw = []
    for score in result.scores:
        part = preds[preds["cutoff"] == score.cutoff]
        inside = (part["y"] >= part["yhat_lower"]) & (part["y"] <= part["yhat_upper"])
        assert score.coverage_80 == pytest.approx(inside.mean())
        raw.append(score.interval_scale)
    assert len(set(raw)) > 1  # each cutoff got its own out-of-sample scale


@pytest.mark.parametrize("noise", ["normal", "laplace"])
def test_prophet_interval_is_calibrated_on_known_noise(noise: str) -> None:
    sigma, days = 30.0, 150
    rng = np.random.default_rng(11)
    t = np.arange(days)
    eps = rng.normal(0, sigma, days) if noise == "normal" else rng.laplace(0, sigma / 2**0.5, days)
    y = 1000 + 2 * t + 120 * np.sin(2 * np.pi * t / 7) + eps
    df = pd.DataFrame({"ds": pd.date_range("2025-01-01", periods=days), "y": y})
    result = backtest(df, horizon=30, cutoffs=3, model="prophet")
    assert 0.65 <= result.coverage_80 <= 0.95
    # the served band's half-width against the noise's own 80% half-width (both sd sigma):
    # normal 1.2816 sigma, Laplace 1.1380 sigma; parameter error adds a little on top
    true_half = Z80 * sigma if noise == "normal" else np.log(5) * sigma / 2**0.5
    out = forecast(df, horizon=30, model="prophet", interval_scale=result.interval_scale)
    half = float(((out["yhat_upper"] - out["yhat_lower"]) / 2).mean())
    assert 0.8 * true_half <= half <= 1.6 * true_half
