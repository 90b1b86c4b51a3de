"""What a rolling-origin backtest measured: per-cutoff errors of a model and of seasonal naive
(`CutoffScore`) and their averages over cutoffs (`BacktestResult`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class CutoffScore:
    """Errors of one model and of seasonal naive over one cutoff's horizon (original scale)."""

    cutoff: pd.Timestamp
    days: int
    accuracy: float
    mae: float
    mape: float
    coverage_80: float
    naive_accuracy: float
    naive_mae: float
    naive_mape: float
    # the conformal scale this cutoff's interval got from the other cutoffs (1.0: raw band)
    interval_scale: float = 1.0

    @property
    def relative_mae(self) -> float:
        return _ratio(self.mae, self.naive_mae)


@dataclass(frozen=True)
class BacktestResult:
    """A model's rolling-origin backtest: one `CutoffScore` per cutoff, averaged by the properties.

    `predictions` holds every scored day: cutoff, ds, y, yhat, yhat_lower, yhat_upper (the
    calibrated band), naive. `interval_scale` is the conformal scale of the raw band calibrated
    on every cutoff: the served forecast's band is the raw one stretched by it.
    """

    model: str
    horizon: int
    scores: list[CutoffScore]
    predictions: pd.DataFrame = field(repr=False)
    interval_scale: float = 1.0

    def _mean(self, name: str) -> float:
        values = [getattr(s, name) for s in self.scores]
        return float(np.mean(values)) if values and np.all(np.isfinite(values)) else float("nan")

    @property
    def accuracy(self) -> float:
        return self._mean("accuracy")

    @property
    def mae(self) -> float:
        return self._mean("mae")

    @property
    def mape(self) -> float:
        return self._mean("mape")

    @property
    def coverage_80(self) -> float:
        return self._mean("coverage_80")

    @property
    def naive_accuracy(self) -> float:
        return self._mean("naive_accuracy")

    @property
    def naive_mae(self) -> float:
        return self._mean("naive_mae")

    @property
    def naive_mape(self) -> float:
        return self._mean("naive_mape")

    @property
    def relative_mae(self) -> float:
        """Mean MAE over mean naive MAE: below 1 exactly when the model wins model choice."""
        return _ratio(self.mae, self.naive_mae)

    def summary(self) -> dict[str, Any]:
        """The averages over cutoffs as plain JSON values (NaN becomes None)."""
        return {
            "model": self.model,
            "accuracy": _num(self.accuracy),
            "mae": _num(self.mae),
            "mape": _num(self.mape),
            "relative_mae": _num(self.relative_mae),
            "coverage_80": _num(self.coverage_80),
            "naive": {
                "accuracy": _num(self.naive_accuracy),
                "mae": _num(self.naive_mae),
                "mape": _num(self.naive_mape),
            },
            "horizon_days": self.horizon,
            "cutoffs": [s.cutoff.date().isoformat() for s in self.scores],
        }


def _ratio(a: float, b: float) -> float:
    if not (np.isfinite(a) and np.isfinite(b)):
        return float("nan")
    if b == 0:
        return 1.0 if a == 0 else float("inf")
    return a / b


def _num(x: float) -> float | None:
    return round(float(x), 6) if np.isfinite(x) else None
