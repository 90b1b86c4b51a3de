"""A causal anomaly detector for metric series: seasonal baseline, robust scale, record surprise.

Each point is judged only on itself and the points before it (every reference statistic is shifted
by one), so appending future points never changes a past score. Per point:
1. expected value: the better (by recent error) of a local level (rolling median) and a seasonal
   baseline (median of the same phase in the previous seasons, moved by the change in level);
2. point surprise: the residual in robust z units (rolling median absolute residual x1.4826,
   floored so flat series do not explode), averaged over a few points;
3. shift surprise: the mean of the last `shift_window` points against the median and spread of the
   `reference_window` points before them, which catches level shifts the baseline absorbs;
4. score: each surprise divided by its own highest value over the previous `memory` points (after a
   warm-up), so >= 1 means "the most surprising thing in a long while"; the larger ratio r becomes
   r / (r + 1), i.e. 0.5 at a new record;
5. repeat suppression: a score that does not beat the highest score of the previous `suppress`
   points is halved, since only the first alarm of an incident is news.
Scores are calibrated per series by construction, so one threshold (0.5) serves every series.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

MAD_TO_SIGMA = 1.4826
ANOMALY_THRESHOLD = 0.5


@dataclass(frozen=True)
class DetectorParams:
    """Tuning knobs, in points; tuned on the shared NAB subset as a whole, never per file."""

    level_window: int = 24
    scale_window: int = 500
    seasons_back: int = 3
    point_window: int = 6
    shift_window: int = 24
    reference_window: int = 288
    memory: int = 5000
    warmup: int = 100
    suppress: int = 200
    z_cap: float = 12.0
    shift_cap: float = 50.0


def _past(values: pd.Series, window: int, how: str, min_periods: int = 1) -> pd.Series:
    """A rolling statistic over the `window` points strictly before each point."""
    return getattr(values.shift(1).rolling(window, min_periods=min_periods), how)()


def expected_values(x: pd.Series, season: int | None, p: DetectorParams) -> pd.Series:
    """The causal baseline: local level, or the seasonal profile where it has been more accurate."""
    level = _past(x, p.level_window, "median")
    if season and season >= 2 and len(x) >= 2 * season:
        lags = range(1, p.seasons_back + 1)
        seasonal_raw = pd.concat([x.shift(k * season) for k in lags], axis=1).median(axis=1)
        past_level = pd.concat([level.shift(k * season) for k in lags], axis=1).median(axis=1)
        seasonal = seasonal_raw + (level - past_level).fillna(0.0)
        err_level = _past((x - level).abs(), season, "mean")
        err_season = _past((x - seasonal).abs(), season, "mean")
        level = seasonal.where((err_season < err_level) & seasonal.notna(), level)
    return level.fillna(x.shift(1)).fillna(x)


def _point_surprise(x: pd.Series, expected: pd.Series, p: DetectorParams) -> pd.Series:
    resid = x - expected
    mad = _past(resid.abs(), p.scale_window, "median") * MAD_TO_SIGMA
    spread = _past(x, p.scale_window, "std", min_periods=2)
    scale = np.maximum(mad.fillna(0.0), 0.1 * spread.fillna(0.0))
    scale = scale.where(scale > 0, 1e-9 + 1e-6 * float(x.abs().max()))
    z = (resid.abs() / scale).clip(upper=p.z_cap)
    return z.rolling(p.point_window, min_periods=1).mean()


def _shift_surprise(x: pd.Series, p: DetectorParams) -> pd.Series:
    recent = x.rolling(p.shift_window, min_periods=1).mean()
    before = x.shift(p.shift_window).rolling(p.reference_window, min_periods=2)
    base, spread = before.median(), before.std()
    return ((recent - base).abs() / spread.where(spread > 1e-9, 1e-9)).clip(upper=p.shift_cap)


def _record_ratio(f: pd.Series, p: DetectorParams) -> np.ndarray:
    """f divided by its maximum over the previous `memory` points; 0 until there is a history.

    Warm-up values are left out of the history: the scale behind them is not settled yet."""
    f = f.fillna(0.0).copy()
    f.iloc[: p.warmup] = np.nan
    prev = _past(f, p.memory, "max")
    ratio = (f / prev.where(prev.isna() | (prev > 1e-9), 1e-9)).fillna(0.0).to_numpy().copy()
    ratio[: p.warmup] = 0.0
    return ratio


def _suppress(score: np.ndarray, window: int) -> np.ndarray:
    prev_max = _past(pd.Series(score), window, "max").fillna(0.0).to_numpy()
    return np.where(score > prev_max, score, 0.5 * score)


def score_values(
    values: np.ndarray, season: int | None, params: DetectorParams | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(expected, score 0..1) for plain values in time order; the core of `detect`."""
    p = params or DetectorParams()
    x = pd.Series(np.asarray(values, dtype=float))
    expected = expected_values(x, season, p)
    ratio = np.maximum(
        _record_ratio(_point_surprise(x, expected, p), p),
        _record_ratio(_shift_surprise(x, p), p),
    )
    return expected.to_numpy(), _suppress(ratio / (ratio + 1.0), p.suppress)


def severity_of(score: np.ndarray) -> np.ndarray:
    """none below a record (0.5); low, medium, high, critical at 1x, 1.5x, 2.3x, 4x the record."""
    bins = np.array([ANOMALY_THRESHOLD, 0.6, 0.7, 0.8])
    labels = np.array(["none", "low", "medium", "high", "critical"], dtype=object)
    return labels[np.searchsorted(bins, score, side="right")]


def detect(
    ts: pd.Series, season: int | None = None, params: DetectorParams | None = None
) -> pd.DataFrame:
    """Score a series with a DatetimeIndex in time order, causally.

    Returns columns value, expected, score (0..1; >= 0.5 is an anomaly) and severity, indexed like
    `ts`. `season` is the number of points in one season (288 for a day of 5-minute points); None
    means no seasonal baseline (`points_per_day` gives the usual choice)."""
    if not isinstance(ts.index, pd.DatetimeIndex):
        raise TypeError("detect() needs a series with a DatetimeIndex")
    if not ts.index.is_monotonic_increasing:
        raise ValueError("detect() needs a series in time order")
    values = ts.to_numpy(dtype=float)
    expected, score = score_values(values, season, params)
    return pd.DataFrame(
        {"value": values, "expected": expected, "score": score, "severity": severity_of(score)},
        index=ts.index,
    )


def points_per_day(index: pd.DatetimeIndex) -> int | None:
    """Points in a day at the usual step, or None when the series spans fewer than 3 days."""
    if len(index) < 3 or index[-1] - index[0] < pd.Timedelta(days=3):
        return None
    step = pd.Series(index).diff().median()
    if step <= pd.Timedelta(0):
        return None
    per_day = round(pd.Timedelta(days=1) / step)
    return per_day if per_day >= 2 else None
