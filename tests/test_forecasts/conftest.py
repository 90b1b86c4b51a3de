"""Constructed daily series for the forecast tests."""

from __future__ import annotations

import numpy as np
import pandas as pd


def trend_weekly(days: int, start: str = "2024-01-01", level: float = 1000.0, seed: int = 1):
    """Daily requests with a growth trend, weekly seasonality and a little noise."""
    t = np.arange(days)
    rng = np.random.default_rng(seed)
    y = (
        level * (1 + 0.005 * t)
        + 0.15 * level * np.sin(2 * np.pi * t / 7)
        + rng.normal(0, 0.02 * level, days)
    )
    return pd.DataFrame({"ds": pd.date_range(start, periods=days, freq="D"), "y": y.round()})


def hourly_load(days: int, start: str = "2024-01-01", level: float = 100.0, seed: int = 3):
    """Hourly requests with a daily cycle, a weekend dip, slow growth and a little noise."""
    ds = pd.date_range(start, periods=days * 24, freq="h")
    t = np.arange(len(ds))
    rng = np.random.default_rng(seed)
    daily = 1 + 0.5 * np.sin(2 * np.pi * (ds.hour.to_numpy() - 6) / 24)
    weekend = np.where(ds.dayofweek.to_numpy() >= 5, 0.7, 1.0)
    y = level * (1 + 0.0005 * t) * daily * weekend + rng.normal(0, 0.02 * level, len(ds))
    return pd.DataFrame({"ds": ds, "y": y.round(2)})
