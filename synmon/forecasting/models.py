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

The intervals the models return are raw shapes: the backtest rescales them by conformal
calibration on its own out-of-sample residuals (`synmon.forecasting.calibration`), since Prophet's
in-sample noise estimate covered only 60-75% of later actuals.

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
# z of the central 80% of a normal distribution: Prophet's raw band is yhat +- Z80 * sigma_obs.
Z80 = 1.2815515655446004
# No predictive draws: the reported band is calibrated from backtest residuals instead, so the
# draws (30-40 ms of pandas per predict) would be thrown away.
UNCERTAINTY_SAMPLES = 0
# Prophet picks Newton for fewer than 100 points, which costs ~200 ms of Stan CPU per fit here
# against ~13 ms for L-BFGS with the same optimum (Prophet falls back to Newton if L-BFGS fails).
STAN_ALGORITHM = "LBFGS"
SEED = 0
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


_NS_MINUTE = 60 * 10**9
_NS_DAY = 1440 * _NS_MINUTE


def _season_key(ns: np.ndarray) -> np.ndarray:
    """Position within the week in minutes (weekday for daily data, weekday and hour for hourly)
    of nanosecond timestamps; 1970-01-01 was a Thursday (weekday 3)."""
    return ((ns // _NS_DAY + 3) % 7) * 1440 + (ns // _NS_MINUTE) % 1440


def seasonal_naive(history: pd.DataFrame, future: pd.DatetimeIndex) -> pd.DataFrame:
    """Weekly seasonal naive: each timestamp gets the last observed value at the same point of the
    week (7 days before, repeated; further back when that one is missing).

    The raw 80% band comes from the empirical 10% and 90% quantiles of the history's 7-day
    differences, widened by sqrt(k) for a point k weeks past the value it repeats (a seasonal
    random walk adds one difference per week).
    """
    if history.empty:
        raise ValueError("seasonal naive needs at least one observation")
    t = history["ds"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
    y = history["y"].to_numpy(dtype=float)
    last = dict(zip(_season_key(t).tolist(), range(len(t)), strict=True))  # sorted: last wins
    ft = np.asarray(future, dtype="datetime64[ns]").astype(np.int64)
    src = np.array([last.get(k, len(t) - 1) for k in _season_key(ft).tolist()], dtype=np.int64)
    yhat = y[src]
    weeks = np.ceil((ft - t[src]) / (7 * _NS_DAY)).clip(min=1)

    week_ago = t - 7 * _NS_DAY
    pos = np.searchsorted(t, week_ago).clip(max=len(t) - 1)
    found = t[pos] == week_ago
    diffs = y[found] - y[pos[found]]
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
    lines and the seasonality notices (both modules reset their levels on first use).

    cmdstanpy logs an ERROR when L-BFGS stops abnormally (`Chain [1] error: code '1' Operation
    not permitted`) and raises; Prophet catches that, says "Falling back to Newton" (kept, at
    WARNING) and refits, so the ERROR reports a failure that was handled. A failure Prophet does
    not handle still raises."""
    logging.getLogger("prophet.plot").setLevel(logging.CRITICAL)
    import prophet
    from cmdstanpy.utils.logging import get_logger

    del prophet
    get_logger().setLevel(logging.CRITICAL)
    logging.getLogger("prophet").setLevel(logging.WARNING)


def prophet(
    history: pd.DataFrame,
    future: pd.DatetimeIndex,
    *,
    log: bool = False,
    mode: str = "additive",
) -> pd.DataFrame:
    """Prophet with weekly seasonality (daily too for hourly data, yearly only with two years of
    history), fitted by L-BFGS with a fixed seed. The raw band is yhat +- Z80 * sigma_obs (the
    fitted observation noise, on the log scale for `log`): no draws, so reruns are identical.
    `log` fits log(y) and maps back; `mode` is Prophet's seasonality_mode."""
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
    from synmon.forecasting.lean_prophet import lean_prophet_class, point_forecast

    span_days = (history["ds"].max() - history["ds"].min()).days
    m = lean_prophet_class()(
        weekly_seasonality=True,
        yearly_seasonality=span_days >= 730,
        daily_seasonality=hourly,
        seasonality_mode=mode,
        interval_width=INTERVAL_WIDTH,
        uncertainty_samples=UNCERTAINTY_SAMPLES,
    )
    m.fit(train, seed=SEED, algorithm=STAN_ALGORITHM)
    yhat = point_forecast(m, future)
    half = Z80 * float(np.asarray(m.params["sigma_obs"]).ravel()[0]) * float(m.y_scale or 1.0)
    lower, upper = yhat - half, yhat + half
    if log:
        yhat, lower, upper = np.exp(yhat), np.exp(lower), np.exp(upper)
    return pd.DataFrame(
        {"ds": pd.DatetimeIndex(future), "yhat": yhat, "yhat_lower": lower, "yhat_upper": upper}
    )


NAIVE = "seasonal_naive"
MODELS: dict[str, Model] = {
    "prophet": prophet,
    "prophet_log": partial(prophet, log=True),
    "prophet_mult": partial(prophet, mode="multiplicative"),
    NAIVE: seasonal_naive,
}
PROPHETS = ("prophet", "prophet_log", "prophet_mult")
