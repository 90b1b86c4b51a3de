"""Error metrics, seasonal naive and backtest arithmetic against hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from synmon.forecasting import (
    backtest,
    coverage,
    cutoff_dates,
    mae,
    mape,
    prepare_series,
    seasonal_naive,
    wape,
)


def test_metrics_by_hand() -> None:
    actual, predicted = [100, 200], [110, 190]
    assert mae(actual, predicted) == pytest.approx(10.0)
    assert wape(actual, predicted) == pytest.approx(20 / 300)
    assert mape(actual, predicted) == pytest.approx((0.10 + 0.05) / 2)
    # 1 in [0, 2]; 2 not in [2.5, 3]; 3 in [3, 3] (closed); 4 not in [0, 3]
    assert coverage([1, 2, 3, 4], [0, 2.5, 3, 0], [2, 3, 3, 3]) == pytest.approx(0.5)


def test_metrics_undefined_cases() -> None:
    assert math.isnan(mape([0, 10], [1, 10]))  # MAPE only where every actual > 0
    assert math.isnan(wape([0, 0], [1, 1]))
    with pytest.raises(ValueError):
        mae([1, 2], [1])
    with pytest.raises(ValueError):
        wape([], [])


def _days(start: str, values: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"ds": pd.date_range(start, periods=len(values)), "y": values})


def test_seasonal_naive_repeats_last_week_with_widening_interval() -> None:
    hist = _days("2024-01-01", list(range(1, 15)))  # Monday Jan 1 .. Sunday Jan 14, y = 1..14
    future = pd.date_range("2024-01-15", periods=10)
    out = seasonal_naive(hist, future)
    assert out["yhat"].tolist() == [8, 9, 10, 11, 12, 13, 14, 8, 9, 10]
    # every 7-day difference is 7: the interval is [yhat, yhat + 7 * sqrt(weeks ahead)]
    assert out["yhat_lower"].tolist() == out["yhat"].tolist()
    assert out["yhat_upper"].iloc[0] == pytest.approx(8 + 7)
    assert out["yhat_upper"].iloc[7] == pytest.approx(8 + 7 * math.sqrt(2))


def test_seasonal_naive_reaches_back_over_a_gap() -> None:
    hist = _days("2024-01-01", list(range(1, 15)))
    hist = hist[hist["ds"] != "2024-01-09"]  # the last Tuesday is missing
    out = seasonal_naive(hist, pd.date_range("2024-01-16", periods=1))
    assert out["yhat"].tolist() == [2]  # Tuesday Jan 2
    assert out["yhat_upper"].iloc[0] == pytest.approx(2 + 7 * math.sqrt(2))  # two weeks back


def test_prepare_series_orders_dedupes_and_drops_junk() -> None:
    raw = pd.DataFrame(
        {
            "ds": ["2024-01-03", "2024-01-01", "not a date", "2024-01-01 12:00:00", "2024-01-02"],
            "y": ["3", "1", "9", "3", "x"],
        }
    )
    out = prepare_series(raw)
    assert out["ds"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-01", "2024-01-03"]
    assert out["y"].tolist() == [2.0, 3.0]  # Jan 1 is the mean of 1 and 3
    assert prepare_series(raw, how="sum")["y"].tolist() == [4.0, 3.0]


def test_cutoff_dates_step_back_by_horizon_or_closer() -> None:
    ds = pd.Series(pd.date_range("2024-01-01", periods=50))  # Jan 1 .. Feb 19
    got = cutoff_dates(ds, horizon=7, cutoffs=2)
    assert [c.strftime("%m-%d") for c in got] == ["02-05", "02-12"]
    # 89 days, horizon 30: 30 days of room for 3 cutoffs -> 15 days apart
    ds = pd.Series(pd.date_range("2024-01-01", periods=89))
    got = cutoff_dates(ds, horizon=30, cutoffs=3)
    assert [(got[-1] - c).days for c in got] == [30, 15, 0]
    with pytest.raises(ValueError, match="at least"):
        cutoff_dates(pd.Series(pd.date_range("2024-01-01", periods=40)), horizon=30, cutoffs=3)


def test_naive_backtest_by_hand_on_a_line() -> None:
    df = _days("2024-01-01", [float(v) for v in range(1, 51)])  # y = t, t = 1..50
    shuffled = df.sample(frac=1.0, random_state=3)  # rows in any order
    result = backtest(shuffled, horizon=7, cutoffs=2, model="seasonal_naive")
    first, second = result.scores
    # cutoff Feb 5 (t = 36): actuals 37..43, naive repeats 30..36, every error is 7
    assert first.cutoff == pd.Timestamp("2024-02-05")
    assert first.mae == pytest.approx(7.0)
    assert first.accuracy == pytest.approx(1 - 49 / 280)
    assert second.accuracy == pytest.approx(1 - 49 / 329)  # actuals 44..50
    assert first.coverage_80 == pytest.approx(1.0)  # actual = yhat + 7 = upper bound
    assert result.accuracy == pytest.approx(np.mean([1 - 49 / 280, 1 - 49 / 329]))
    assert result.relative_mae == pytest.approx(1.0)
    assert result.naive_mae == pytest.approx(7.0)
    summary = result.summary()
    assert summary["cutoffs"] == ["2024-02-05", "2024-02-12"]
    assert summary["naive"]["accuracy"] == pytest.approx(summary["accuracy"], abs=1e-6)


def test_backtest_skips_missing_days_in_the_scoring() -> None:
    df = _days("2024-01-01", [float(v) for v in range(1, 51)])
    df = df[df["ds"] != "2024-02-07"]  # t = 38 is missing from the first horizon
    first = backtest(df, horizon=7, cutoffs=2, model="seasonal_naive").scores[0]
    assert first.days == 6
    assert first.accuracy == pytest.approx(1 - 42 / (280 - 38))
