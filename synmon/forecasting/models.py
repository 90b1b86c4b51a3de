"""Candidate forecasting models for daily series and the series preparation they share.

A model is a function `(history, future) -> frame`: `history` is a prepared `ds,y` frame (one row
per observed day, sorted, gaps allowed), `future` the days to predict; the result has one row per
future day with `ds, yhat, yhat_lower, yhat_upper` (an 80% interval). `MODELS` lists the candidates
that model choice compares; issue 6 adds more here (ETS, ARIMA, hourly Prophet).
Prophet is imported inside its function: the CLI and the seasonal-naive path do not pay for it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import pandas as pd

INTERVAL_WIDTH = 0.8
UNCERTAINTY_SAMPLES = 200
SEED = 0
SEASON_DAYS = 7

Model = Callable[[pd.DataFrame, pd.DatetimeIndex], pd.DataFrame]


def prepare_series(df: pd.DataFrame, how: str = "mean") -> pd.DataFrame:
    """A clean daily `ds,y` frame from any `ds,y` input: dates parsed and truncated to the day,
    unparseable or missing values dropped, repeated days combined (`how`: mean or sum), sorted.

    Missing days stay missing (no filling): each model decides how to treat gaps.
    """
    if how not in ("mean", "sum"):
        raise ValueError(f"how must be 'mean' or 'sum', not {how!r}")
    if not {"ds", "y"} <= set(df.columns):
        raise ValueError(f"expected columns ds and y, got {list(df.columns)}")
    ds = pd.to_datetime(df["ds"], errors="coerce", utc=True, format="mixed")
    out = pd.DataFrame(
        {
            "ds": ds.dt.tz_localize(None).dt.normalize(),
            "y": pd.to_numeric(df["y"], errors="coerce"),
        }
    )
    out = out[out["ds"].notna() & np.isfinite(out["y"])]
    out = out.groupby("ds", as_index=False)["y"].agg(how)
    return out.sort_values("ds", ignore_index=True).astype({"ds": "datetime64[ns]", "y": float})


def future_days(history: pd.DataFrame, horizon: int) -> pd.DatetimeIndex:
    """The `horizon` days after the last observed day."""
    return pd.date_range(history["ds"].max() + pd.Timedelta(days=1), periods=horizon, freq="D")


def seasonal_naive(history: pd.DataFrame, future: pd.DatetimeIndex) -> pd.DataFrame:
    """Weekly seasonal naive: each day gets the last observed value on the same weekday (the value
    7 days before, repeated; further back when that day is missing).

    The 80% interval comes from the empirical 10% and 90% quantiles of the history's 7-day
    differences, widened by sqrt(k) for a day k weeks past the value it repeats (a seasonal random
    walk adds one difference per week).
    """
    if history.empty:
        raise ValueError("seasonal naive needs at least one observed day")
    hist = history.set_index("ds")["y"]
    weekday = hist.index.dayofweek
    last_value = hist.groupby(weekday).last()
    last_date = pd.Series(hist.index, index=hist.index).groupby(weekday).last()
    fallback_value, fallback_date = hist.iloc[-1], hist.index[-1]

    wd = future.dayofweek
    yhat = np.array([last_value.get(d, fallback_value) for d in wd], dtype=float)
    src = pd.DatetimeIndex([last_date.get(d, fallback_date) for d in wd])
    weeks = np.ceil((future - src).days.to_numpy() / SEASON_DAYS).clip(min=1)

    lagged = hist.reindex(hist.index - pd.Timedelta(days=SEASON_DAYS)).to_numpy()
    diffs = hist.to_numpy() - lagged
    diffs = diffs[np.isfinite(diffs)]
    tail = (1 - INTERVAL_WIDTH) / 2
    lo_q, hi_q = np.quantile(diffs, [tail, 1 - tail]) if diffs.size >= 2 else (0.0, 0.0)
    scale = np.sqrt(weeks)
    return pd.DataFrame(
        {
            "ds": future,
            "yhat": yhat,
            "yhat_lower": yhat + min(lo_q, 0.0) * scale,
            "yhat_upper": yhat + max(hi_q, 0.0) * scale,
        }
    )


def quiet_prophet() -> None:
    """Import Prophet without its notices: the plotly warning at import, the per-fit cmdstanpy
    INFO lines and the seasonality notices (both modules reset their levels on first use)."""
    logging.getLogger("prophet.plot").setLevel(logging.CRITICAL)
    import prophet
    from cmdstanpy.utils.logging import get_logger

    del prophet
    get_logger().setLevel(logging.WARNING)
    logging.getLogger("prophet").setLevel(logging.WARNING)


def prophet(history: pd.DataFrame, future: pd.DatetimeIndex) -> pd.DataFrame:
    """Prophet with weekly seasonality (yearly only with two years of history), an 80% interval
    from `UNCERTAINTY_SAMPLES` draws, and numpy seeded so a rerun gives the same interval."""
    quiet_prophet()
    from prophet import Prophet

    span_days = (history["ds"].max() - history["ds"].min()).days
    m = Prophet(
        weekly_seasonality=True,
        yearly_seasonality=span_days >= 730,
        daily_seasonality=False,
        interval_width=INTERVAL_WIDTH,
        uncertainty_samples=UNCERTAINTY_SAMPLES,
    )
    m.fit(history[["ds", "y"]], seed=SEED)
    np.random.seed(SEED)
    pred = m.predict(pd.DataFrame({"ds": future}))
    return pred[["ds", "yhat", "yhat_lower", "yhat_upper"]].reset_index(drop=True)


MODELS: dict[str, Model] = {"prophet": prophet, "seasonal_naive": seasonal_naive}
NAIVE = "seasonal_naive"
