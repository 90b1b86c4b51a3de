"""Candidate forecasting models for daily and hourly series and the series preparation they share.

A model is a function `(history, future) -> frame`: `history` is a prepared `ds,y` frame (one row
per observed day or hour, sorted, gaps allowed), `future` the timestamps to predict; the result has
one row per future timestamp with `ds, yhat, yhat_lower, yhat_upper` (an 80% interval). `MODELS`
lists the candidates model choice compares:

- `seasonal_naive`: the value one week before (the baseline every other model must beat);
- `prophet`: additive trend and seasonalities (weekly; daily for hourly data; yearly with two
  years of history);
- `prophet_log`: the same fitted on log(y) and mapped back with exp (the interval maps exactly,
  `yhat` becomes the median): for strictly positive series whose swings grow with the level;
- `prophet_mult`: multiplicative seasonality (the weekly shape scales with the trend).

A model that cannot apply to a history (log of a non-positive value) raises ValueError and model
choice skips it. Prophet is imported inside its function: the CLI and naive path do not pay for it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

import numpy as np
import pandas as pd

INTERVAL_WIDTH = 0.8
# 200 draws put 20 in each 10% tail: enough for the 80% interval we report, not for a 99% one.
# (100 draws measured no faster here: predict's cost is mostly pandas, not the draws.)
UNCERTAINTY_SAMPLES = 200
SEED = 0
SEASON = pd.Timedelta(days=7)
# Hourly Prophet fits the last 4 weeks only: the capacity horizon is 7 days, and 672 points fit
# several times faster than 2,000.
HOURLY_TRAIN_DAYS = 28
FREQS = {"D": "day", "h": "hour"}

Model = Callable[[pd.DataFrame, pd.DatetimeIndex], pd.DataFrame]


def prepare_series(df: pd.DataFrame, how: str = "mean", freq: str = "D") -> pd.DataFrame:
    """A clean `ds,y` frame from any `ds,y` input: timestamps parsed (to naive UTC) and truncated
    to the day (`freq` "D") or hour ("h"), unparseable or missing values dropped, repeated
    timestamps combined (`how`: mean or sum), sorted.

    Missing days stay missing (no filling): each model decides how to treat gaps.
    """
    if how not in ("mean", "sum"):
        raise ValueError(f"how must be 'mean' or 'sum', not {how!r}")
    if freq not in FREQS:
        raise ValueError(f"freq must be one of {sorted(FREQS)}, not {freq!r}")
    if not {"ds", "y"} <= set(df.columns):
        raise ValueError(f"expected columns ds and y, got {list(df.columns)}")
    ds = pd.to_datetime(df["ds"], errors="coerce", utc=True, format="mixed")
    out = pd.DataFrame(
        {
            "ds": ds.dt.tz_localize(None).dt.floor(freq),
            "y": pd.to_numeric(df["y"], errors="coerce"),
        }
    )
    out = out[out["ds"].notna() & np.isfinite(out["y"])]
    out = out.groupby("ds", as_index=False)["y"].agg(how)
    return out.sort_values("ds", ignore_index=True).astype({"ds": "datetime64[ns]", "y": float})


def is_subdaily(ds: pd.Series | pd.DatetimeIndex) -> bool:
    """True when any timestamp has a time of day (an hourly series)."""
    idx = pd.DatetimeIndex(ds)
    return bool(len(idx)) and bool((idx != idx.normalize()).any())


def future_index(history: pd.DataFrame, horizon_days: int) -> pd.DatetimeIndex:
    """The `horizon_days` days after the last observation: one timestamp per day, or per hour for
    an hourly history."""
    freq = "h" if is_subdaily(history["ds"]) else "D"
    step = pd.Timedelta(1, freq)
    periods = horizon_days * (24 if freq == "h" else 1)
    return pd.date_range(history["ds"].max() + step, periods=periods, freq=freq)


def future_days(history: pd.DataFrame, horizon: int) -> pd.DatetimeIndex:
    """The `horizon` days after the last observed day (kept for daily callers)."""
    return future_index(history, horizon)


def _season_key(idx: pd.DatetimeIndex) -> np.ndarray:
    """Position within the week in minutes: weekday for daily data, weekday and hour for hourly."""
    return np.asarray(idx.dayofweek * 1440 + idx.hour * 60 + idx.minute)


def seasonal_naive(history: pd.DataFrame, future: pd.DatetimeIndex) -> pd.DataFrame:
    """Weekly seasonal naive: each timestamp gets the last observed value at the same point of the
    week (7 days before, repeated; further back when that one is missing).

    The 80% interval comes from the empirical 10% and 90% quantiles of the history's 7-day
    differences, widened by sqrt(k) for a point k weeks past the value it repeats (a seasonal
    random walk adds one difference per week).
    """
    if history.empty:
        raise ValueError("seasonal naive needs at least one observation")
    hist = history.set_index("ds")["y"]
    key = _season_key(pd.DatetimeIndex(hist.index))
    last_value = hist.groupby(key).last()
    last_date = pd.Series(hist.index, index=hist.index).groupby(key).last()
    fallback_value, fallback_date = hist.iloc[-1], hist.index[-1]

    fkey = _season_key(future)
    yhat = np.array([last_value.get(k, fallback_value) for k in fkey], dtype=float)
    src = pd.DatetimeIndex([last_date.get(k, fallback_date) for k in fkey])
    weeks = np.ceil(((future - src) / SEASON).to_numpy(dtype=float)).clip(min=1)

    lagged = hist.reindex(hist.index - SEASON).to_numpy()
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


def prophet(
    history: pd.DataFrame,
    future: pd.DatetimeIndex,
    *,
    log: bool = False,
    mode: str = "additive",
) -> pd.DataFrame:
    """Prophet with weekly seasonality (daily too for hourly data, yearly only with two years of
    history), an 80% interval from `UNCERTAINTY_SAMPLES` draws, numpy seeded so a rerun gives the
    same interval. `log` fits log(y) and maps back; `mode` is Prophet's seasonality_mode."""
    hourly = is_subdaily(history["ds"])
    if hourly:
        start = history["ds"].max() - pd.Timedelta(days=HOURLY_TRAIN_DAYS)
        history = history[history["ds"] > start]
    train = history[["ds", "y"]]
    if log:
        if not (train["y"] > 0).all():
            raise ValueError("prophet_log needs every value > 0")
        train = train.assign(y=np.log(train["y"]))
    quiet_prophet()
    from prophet import Prophet

    span_days = (history["ds"].max() - history["ds"].min()).days
    m = Prophet(
        weekly_seasonality=True,
        yearly_seasonality=span_days >= 730,
        daily_seasonality=hourly,
        seasonality_mode=mode,
        interval_width=INTERVAL_WIDTH,
        uncertainty_samples=UNCERTAINTY_SAMPLES,
    )
    m.fit(train, seed=SEED)
    np.random.seed(SEED)
    pred = m.predict(pd.DataFrame({"ds": future}))
    out = pred[["ds", "yhat", "yhat_lower", "yhat_upper"]].reset_index(drop=True)
    if log:
        out[["yhat", "yhat_lower", "yhat_upper"]] = np.exp(
            out[["yhat", "yhat_lower", "yhat_upper"]]
        )
    return out


NAIVE = "seasonal_naive"
MODELS: dict[str, Model] = {
    "prophet": prophet,
    "prophet_log": partial(prophet, log=True),
    "prophet_mult": partial(prophet, mode="multiplicative"),
    NAIVE: seasonal_naive,
}
PROPHETS = ("prophet", "prophet_log", "prophet_mult")
