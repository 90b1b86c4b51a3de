"""Calibrated 80% intervals: split-conformal rescaling of a model's raw band by its own backtest.

A model's raw band (Prophet's fitted noise, seasonal naive's weekly differences) says how the
uncertainty is shaped but not how wide it really is out of sample: Prophet's covered 60-75% of
later actuals. So each backtest point gets a nonconformity score, |y - yhat| over the raw
half-width at that point, and the band is stretched by a conformal quantile of those scores:

    lower, upper = yhat -+ q * (raw_upper - raw_lower) / 2

with q the ceil((n + 1) * 0.8)-th smallest of n scores (split conformal: at least 80% coverage
for a new point exchangeable with the n). A cutoff is scored with the q of the *other* cutoffs
(no point calibrates its own interval); the served forecast uses the q of all of them. The band
is symmetric around yhat even when the raw one was not.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from synmon.forecasting.metrics import ArrayLike

LEVEL = 0.8
# A raw half-width of zero (a flat history) would make every score infinite: floor it, relative to
# the level, so a constant floor turns q * floor back into the quantile of |residual| itself.
_FLOOR = 1e-9


def half_widths(yhat: ArrayLike, lower: ArrayLike, upper: ArrayLike) -> np.ndarray:
    """Half the raw band's width at each point, floored just above zero."""
    yhat = np.asarray(yhat, dtype=float)
    half = (np.asarray(upper, dtype=float) - np.asarray(lower, dtype=float)) / 2
    floor = _FLOOR * np.maximum(1.0, np.abs(yhat))
    return np.maximum(np.nan_to_num(half, nan=0.0), floor)


def scores(actual: ArrayLike, yhat: ArrayLike, lower: ArrayLike, upper: ArrayLike) -> np.ndarray:
    """Nonconformity per point: |y - yhat| in units of the raw half-width."""
    resid = np.abs(np.asarray(actual, dtype=float) - np.asarray(yhat, dtype=float))
    return resid / half_widths(yhat, lower, upper)


def conformal_scale(values: ArrayLike, level: float = LEVEL) -> float:
    """The ceil((n + 1) * level)-th smallest score, or the largest when n is too small for that
    rank (fewer than 4 scores at 80%); 1.0 (the raw band) when there are none."""
    s = np.sort(np.asarray(values, dtype=float)[np.isfinite(values)])
    if s.size == 0:
        return 1.0
    rank = math.ceil((s.size + 1) * level)
    return float(s[min(rank, s.size) - 1])


def leave_one_out(per_cutoff: Sequence[np.ndarray], level: float = LEVEL) -> list[float]:
    """For each cutoff, the conformal scale of the scores of every other cutoff (1.0, the raw
    band, when there is no other cutoff)."""
    out = []
    for k in range(len(per_cutoff)):
        others = [s for j, s in enumerate(per_cutoff) if j != k]
        out.append(conformal_scale(np.concatenate(others), level) if others else 1.0)
    return out


def calibrate(
    yhat: ArrayLike, lower: ArrayLike, upper: ArrayLike, scale: float
) -> tuple[np.ndarray, np.ndarray]:
    """The calibrated band yhat -+ scale * raw half-width."""
    half = scale * half_widths(yhat, lower, upper)
    centre = np.asarray(yhat, dtype=float)
    return centre - half, centre + half
