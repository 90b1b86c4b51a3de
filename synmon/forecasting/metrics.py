"""Forecast error metrics on the original scale, with arithmetic simple enough to check by hand.

Every function takes actuals and predictions (or interval bounds) as equal-length sequences and
ignores no value: callers align and drop missing days before scoring.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

ArrayLike = Sequence[float] | np.ndarray


def _pair(actual: ArrayLike, predicted: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(actual, dtype=float)
    p = np.asarray(predicted, dtype=float)
    if a.shape != p.shape:
        raise ValueError(f"actual has {a.size} values, predicted {p.size}")
    if a.size == 0:
        raise ValueError("no values to score")
    return a, p


def mae(actual: ArrayLike, predicted: ArrayLike) -> float:
    """Mean absolute error: mean(|y - yhat|)."""
    a, p = _pair(actual, predicted)
    return float(np.mean(np.abs(a - p)))


def wape(actual: ArrayLike, predicted: ArrayLike) -> float:
    """Weighted absolute percentage error: sum(|y - yhat|) / sum(|y|); accuracy is 1 - WAPE.

    NaN when every actual is zero (the ratio has no meaning there).
    """
    a, p = _pair(actual, predicted)
    denom = float(np.sum(np.abs(a)))
    return float(np.sum(np.abs(a - p)) / denom) if denom > 0 else float("nan")


def mape(actual: ArrayLike, predicted: ArrayLike) -> float:
    """Mean absolute percentage error: mean(|y - yhat| / |y|), defined only when every y > 0.

    NaN otherwise, as the issue asks: MAPE is reported only where every actual is positive.
    """
    a, p = _pair(actual, predicted)
    if not np.all(a > 0):
        return float("nan")
    return float(np.mean(np.abs(a - p) / a))


def coverage(actual: ArrayLike, lower: ArrayLike, upper: ArrayLike) -> float:
    """Share of actuals inside the closed interval [lower, upper]."""
    a, lo = _pair(actual, lower)
    _, hi = _pair(actual, upper)
    return float(np.mean((a >= lo) & (a <= hi)))
