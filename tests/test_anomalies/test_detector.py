"""The detector on a synthetic seasonal series: it finds an injected spike and a level shift, stays
quiet elsewhere once it has a history, and is causal."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synmon.anomaly.detector import ANOMALY_THRESHOLD, detect, points_per_day

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
