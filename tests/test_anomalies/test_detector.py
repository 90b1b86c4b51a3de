"""The detector on a synthetic seasonal series: it finds an injected spike and a level shift, stays
quiet elsewhere once it has a history, and is causal."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synmon.anomaly.detector import (
    ANOMALY_THRESHOLD,
    RANGE_BREAK_SCORE,
    DetectorParams,
    detect,
    expected_values,
    points_per_day,
    seasonal_lag_positions,
)

SPIKE, SHIFT = 1300, 1600


@pytest.fixture
def series() -> pd.Series:
    rng = np.random.default_rng(7)
    t = np.arange(24 * 80)
    x = 100 + 20 * np.sin(2 * np.pi * t / 24) + rng.normal(0, 2, len(t))
    x[SPIKE] += 25
    x[SHIFT:] += 15
    return pd.Series(x, index=pd.date_range("2026-01-01", periods=len(t), freq="h"))


def test_finds_spike_and_level_shift(series: pd.Series) -> None:
    out = detect(series, season=24)
    assert list(out.columns) == ["value", "expected", "score", "severity"]
    score = out["score"].to_numpy()
    assert score.min() >= 0.0 and score.max() <= 1.0
    assert score[SPIKE] >= ANOMALY_THRESHOLD
    assert score[SHIFT : SHIFT + 12].max() >= ANOMALY_THRESHOLD
    quiet = np.r_[1000:SPIKE, SPIKE + 10 : SHIFT, SHIFT + 30 : len(score)]
    assert score[quiet].max() < ANOMALY_THRESHOLD
    assert out["severity"].iloc[SPIKE] != "none"
    assert (out["severity"].iloc[quiet] == "none").all()
    # the seasonal baseline tracks the daily cycle: expected is near the noise-free value
    clean = 100 + 20 * np.sin(2 * np.pi * np.arange(1000, 1200) / 24)
    assert np.abs(out["expected"].to_numpy()[1000:1200] - clean).mean() < 4.0


def test_causal_appending_never_changes_the_past(series: pd.Series) -> None:
    cut = SPIKE + 5
    head = detect(series.iloc[:cut], season=24)
    full = detect(series, season=24)
    extended = series.copy()
    extended.iloc[cut:] = 1e6  # an absurd future must not leak backwards
    wild = detect(extended, season=24)
    for other in (full, wild):
        np.testing.assert_array_equal(head["score"], other["score"].iloc[:cut])
        np.testing.assert_array_equal(head["expected"], other["expected"].iloc[:cut])


def test_flat_series_then_change_scores_high() -> None:
    x = np.full(600, 5.0)
    x[400] = 6.0
    out = detect(pd.Series(x, index=pd.date_range("2026-01-01", periods=600, freq="5min")))
    assert out["score"].iloc[:400].max() < ANOMALY_THRESHOLD
    assert out["score"].iloc[400] >= ANOMALY_THRESHOLD


def test_input_validation() -> None:
    with pytest.raises(TypeError):
        detect(pd.Series([1.0, 2.0, 3.0]))
    backwards = pd.Series([1.0, 2.0], index=pd.to_datetime(["2026-01-02", "2026-01-01"]))
    with pytest.raises(ValueError):
        detect(backwards)


def test_points_per_day() -> None:
    assert points_per_day(pd.date_range("2026-01-01", periods=2000, freq="5min")) == 288
    assert points_per_day(pd.date_range("2026-01-01", periods=200, freq="h")) == 24
    assert points_per_day(pd.date_range("2026-01-01", periods=20, freq="h")) is None


def _noise(n: int, seed: int = 3) -> pd.Series:
    x = 50 + np.random.default_rng(seed).normal(0, 1, n)
    return pd.Series(x, index=pd.date_range("2026-01-01", periods=n, freq="5min"))


def test_value_outside_the_range_seen_so_far_is_an_anomaly() -> None:
    series = _noise(800)
    lo, hi = series.iloc[:600].min(), series.iloc[:600].max()
    series.iloc[600] = hi + 0.2 * (hi - lo)
    series.iloc[700] = hi + 0.05 * (hi - lo)  # inside the 10% tolerance: no range break
    params = DetectorParams(range_tolerance=0.1, suppress=0)
    out = detect(series, params=params)["score"]
    assert out.iloc[600] >= RANGE_BREAK_SCORE
    assert out.iloc[700] < RANGE_BREAK_SCORE
    wider = detect(series, params=DetectorParams(range_tolerance=0.3, suppress=0))["score"]
    assert wider.iloc[600] < RANGE_BREAK_SCORE


def test_one_alarm_per_incident() -> None:
    series = _noise(1200)
    for i in (600, 640, 900):
        series.iloc[i] += 30
    damped = detect(series, params=DetectorParams(suppress=100))["score"].to_numpy()
    undamped = detect(series, params=DetectorParams(suppress=0))["score"].to_numpy()
    alarms = np.flatnonzero(damped >= ANOMALY_THRESHOLD)
    assert len(alarms) >= 2 and np.diff(alarms).min() > 100
    assert set(alarms) <= set(np.flatnonzero(undamped >= ANOMALY_THRESHOLD))
    assert (damped <= undamped).all()
    # the second spike, 40 points after the first, is the same incident: damped, still visible
    assert undamped[640:646].max() >= ANOMALY_THRESHOLD
    assert 0.0 < damped[640:646].max() < ANOMALY_THRESHOLD
    # 300 points later the quiet period is long over
    assert damped[900:906].max() >= ANOMALY_THRESHOLD


def test_seasonal_lags_are_found_by_time_across_gaps() -> None:
    hours = pd.date_range("2026-01-01", periods=24 * 6, freq="h")
    gappy = hours.delete(range(30, 40))  # ten hours missing on day 2
    pos = seasonal_lag_positions(gappy.to_numpy(), season=24, k=1)
    for i in range(len(gappy)):
        if pos[i] >= 0:
            assert gappy[i] - gappy[pos[i]] == pd.Timedelta(days=1)
        else:  # first day, or yesterday's point fell into the gap
            assert i <= 24 or gappy[i] - pd.Timedelta(days=1) not in gappy
    assert (pos >= 0).sum() == len(gappy) - 25 - 10  # the first season + 1 points have none
    assert pos[-1] == len(gappy) - 25  # a row-count lag of 24 would land 10 hours off


def test_gappy_series_keeps_its_daily_phase() -> None:
    index = pd.date_range("2026-01-01", periods=24 * 40, freq="h")
    rng = np.random.default_rng(11)
    keep = np.sort(rng.choice(len(index), size=len(index) * 3 // 4, replace=False))
    index = index[keep]
    hour = index.hour.to_numpy()
    series = pd.Series(100 + 30 * np.sin(2 * np.pi * hour / 24) + rng.normal(0, 1, len(index)))
    series.index = index
    by_time = detect(series, season=24)["expected"].to_numpy()
    by_rows = expected_values(pd.Series(series.to_numpy()), 24, DetectorParams()).to_numpy()
    clean = 100 + 30 * np.sin(2 * np.pi * hour / 24)
    tail = slice(len(index) // 2, None)
    err_time = np.abs(by_time[tail] - clean[tail]).mean()
    err_rows = np.abs(by_rows[tail] - clean[tail]).mean()
    assert err_time < 6.0 and err_time < 0.5 * err_rows


def test_future_timestamps_do_not_change_past_scores(series: pd.Series) -> None:
    head = detect(series.iloc[:1500], season=24)
    later = pd.Series(
        np.full(200, 1e6), index=pd.date_range(series.index[1499], periods=201, freq="7min")[1:]
    )
    out = detect(pd.concat([series.iloc[:1500], later]), season=24)
    np.testing.assert_array_equal(head["score"], out["score"].iloc[:1500])
    np.testing.assert_array_equal(head["expected"], out["expected"].iloc[:1500])
