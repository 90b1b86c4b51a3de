"""A causal anomaly detector for metric series: seasonal baseline, robust scale, record surprise.

Each point is judged only on itself and the points before it (every reference statistic is shifted
by one), so appending future points never changes a past score. Per point:
1. expected value: the better (by recent error) of a local level (rolling median) and a seasonal
   baseline (median of the same phase in the previous seasons, looked up by time when timestamps
   are given so gaps do not shift the phase, moved by the change in level);
2. point surprise: the residual in robust z units (rolling median absolute residual x1.4826,
   floored so flat series do not explode), averaged over a few points;
3. shift surprise: the mean of the last `shift_window` points against the median and spread of the
   `reference_window` points before them, which catches level shifts the baseline absorbs;
4. score: each surprise divided by its own highest value over the previous `memory` points (after a
   warm-up), so >= 1 means "the most surprising thing in a long while"; the larger ratio r becomes
   r / (r + 1), i.e. 0.5 at a new record (a tie is not a record);
5. range break: a value outside everything seen so far, widened by `range_tolerance` of the range
   (the "spatial anomaly" of NAB's numenta detector), scores at least `RANGE_BREAK_SCORE`;
6. one alarm per incident: after a point scores >= 0.5, the next `suppress` points are damped
   below 0.5 (x0.49), since NAB, like an on-call engineer, counts only the first alarm of an
   incident and charges every later one as a false positive.
Scores are calibrated per series by construction, so one threshold (0.5) serves every series.

NAB standard score on the shared subset (34 files, `bench/anomaly.py`): 50.75 with steps 1-4 and
a soft repeat damping; 68.44 now (55.02 without step 5, 57.99 without step 6). The variants tried
are listed in docs/anomalies.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

MAD_TO_SIGMA = 1.4826
ANOMALY_THRESHOLD = 0.5
RANGE_BREAK_SCORE = 0.65
SUPPRESSED_FACTOR = 0.49
RECORD_MARGIN = 1e-6


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
    suppress: int = 75
    range_tolerance: float = 0.1
    z_cap: float = 12.0
    shift_cap: float = 50.0


def _past(values: pd.Series, window: int, how: str, min_periods: int = 1) -> pd.Series:
    """A rolling statistic over the `window` points strictly before each point."""
    return getattr(values.shift(1).rolling(window, min_periods=min_periods), how)()


def seasonal_lag_positions(timestamps: np.ndarray, season: int, k: int) -> np.ndarray:
    """For each point, the position of the point k seasons earlier in time, or -1 if none.

    A season is `season` steps of time, the step being the median of the first `season` gaps (so
    no point's lag depends on later timestamps; the first `season` points get none). Looked up by
    time, not by row count, so gaps in a series do not shift the phase; a match must lie within
    half a step."""
    t = np.asarray(timestamps, dtype="datetime64[ns]").astype(np.int64)
    if season < 1 or len(t) < season + 2:
        return np.full(len(t), -1)
    step = int(np.median(np.diff(t[: season + 1])))
    target = t - k * season * step
    right = np.clip(np.searchsorted(t, target), 0, len(t) - 1)
    left = np.maximum(right - 1, 0)
    pick = np.where(np.abs(t[left] - target) < np.abs(t[right] - target), left, right)
    idx = np.arange(len(t))
    ok = (np.abs(t[pick] - target) <= step // 2) & (pick < idx) & (idx > season)
    return np.where(ok, pick, -1)


def _lagged(x: pd.Series, season: int, k: int, timestamps: np.ndarray | None) -> pd.Series:
    if timestamps is None:
        return x.shift(k * season)
    pos = seasonal_lag_positions(timestamps, season, k)
    return pd.Series(np.where(pos >= 0, x.to_numpy()[np.maximum(pos, 0)], np.nan), index=x.index)


def expected_values(
    x: pd.Series,
    season: int | None,
    p: DetectorParams,
    timestamps: np.ndarray | None = None,
) -> pd.Series:
    """The causal baseline: local level, or the seasonal profile where it has been more accurate.

    With `timestamps`, the same phase of earlier seasons is found by time (gappy series)."""
    level = _past(x, p.level_window, "median")
    if season and season >= 2 and len(x) >= 2 * season:
        lags = range(1, p.seasons_back + 1)
        seasonal_raw = pd.concat([_lagged(x, season, k, timestamps) for k in lags], axis=1)
        past_level = pd.concat([_lagged(level, season, k, timestamps) for k in lags], axis=1)
        seasonal = seasonal_raw.median(axis=1) + (level - past_level.median(axis=1)).fillna(0.0)
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

    Warm-up values are left out of the history: the scale behind them is not settled yet. A record
    must beat the old one, not tie it (a periodic series repeats its largest surprise every cycle),
    so the maximum is raised by `RECORD_MARGIN` first."""
    f = f.fillna(0.0).copy()
    f.iloc[: p.warmup] = np.nan
    prev = _past(f, p.memory, "max") * (1.0 + RECORD_MARGIN)
    ratio = (f / prev.where(prev.isna() | (prev > 1e-9), 1e-9)).fillna(0.0).to_numpy().copy()
    ratio[: p.warmup] = 0.0
    return ratio


def _range_break(x: pd.Series, p: DetectorParams) -> np.ndarray:
    """True where a value leaves the range of all earlier values by more than the tolerance."""
    lo, hi = x.shift(1).cummin(), x.shift(1).cummax()
    margin = (hi - lo) * p.range_tolerance
    out = (((x > hi + margin) | (x < lo - margin)) & (hi > lo)).to_numpy().copy()
    out[: p.warmup] = False
    return out


def _one_alarm_per_incident(score: np.ndarray, window: int) -> np.ndarray:
    """Damp every score in the `window` points after an alarm below the threshold.

    An alarm is a score >= ANOMALY_THRESHOLD that is not itself damped, so this is a left-to-right
    pass over the candidate alarms only."""
    out = score.copy()
    quiet_until = -1
    for i in np.flatnonzero(score >= ANOMALY_THRESHOLD):
        if i <= quiet_until:
            continue
        out[i + 1 : i + 1 + window] *= SUPPRESSED_FACTOR
        quiet_until = i + window
    return out


def score_values(
    values: np.ndarray,
    season: int | None,
    params: DetectorParams | None = None,
    timestamps: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(expected, score 0..1) for plain values in time order; the core of `detect`.

    Pass the `timestamps` (datetime64) of a series with gaps so seasons are matched by time."""
    p = params or DetectorParams()
    x = pd.Series(np.asarray(values, dtype=float))
    expected = expected_values(x, season, p, timestamps)
    ratio = np.maximum(
        _record_ratio(_point_surprise(x, expected, p), p),
        _record_ratio(_shift_surprise(x, p), p),
    )
    score = ratio / (ratio + 1.0)
    score = np.where(_range_break(x, p), np.maximum(score, RANGE_BREAK_SCORE), score)
    return expected.to_numpy(), _one_alarm_per_incident(score, p.suppress)


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
    expected, score = score_values(values, season, params, ts.index.to_numpy())
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
