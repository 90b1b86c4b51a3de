"""Rolling-origin backtests, per-series model choice and the served forecast.

A backtest refits a model at each cutoff on the data up to it and scores the next `horizon` days
(daily or hourly points) against the actuals there, beside the weekly seasonal-naive forecast from
the same cutoff. Model choice runs the backtest for every candidate and keeps the one with the
lowest mean MAE, so a series Prophet cannot beat is served by seasonal naive and is flagged.

The expensive candidates (Prophet on the log scale, multiplicative Prophet) are backtested only
where they can matter: when plain Prophet does not beat seasonal naive by a clear margin
(`ESCALATE_RELATIVE_MAE`). Choosing among several candidates on the same cutoffs flatters the
winner a little; the accuracy stored is the winner's backtest, as measured. Only the winner is
refitted on the whole history for the served forecast.

Intervals: each model's raw band is rescaled by split-conformal calibration on the backtest's own
residuals (`synmon.forecasting.calibration`), each cutoff scored with the scale of the others.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from synmon.forecasting import calibration
from synmon.forecasting.metrics import coverage, mae, mape, wape
from synmon.forecasting.models import (
    MODELS,
    NAIVE,
    PROPHETS,
    future_index,
    is_subdaily,
    prepare_series,
)
from synmon.forecasting.results import BacktestResult, CutoffScore

MIN_TRAIN_DAYS = 28
HOUR_NS = 3600 * 10**9
DEFAULT_CANDIDATES = ("prophet", NAIVE)
EXTRA_CANDIDATES = ("prophet_log", "prophet_mult")
# Hourly load has a multiplicative daily cycle (night is a fraction of the day, at any level):
# Prophet on the log scale goes first there, the others only when it does not clearly win.
HOURLY_CANDIDATES = ("prophet_log", NAIVE)
HOURLY_EXTRA_CANDIDATES = ("prophet", "prophet_mult")
# Try the extra candidates when the best so far has relative MAE at or above this.
ESCALATE_RELATIVE_MAE = 0.9

__all__ = ["BacktestResult", "CutoffScore", "backtest", "choose_model", "forecast"]


def _prepare(df: pd.DataFrame) -> pd.DataFrame:
    """`prepare_series` keeping the hours of an hourly series (days otherwise); a frame that is
    already prepared (model choice backtests one frame several times) is returned as it is."""
    if (
        list(df.columns) == ["ds", "y"]
        and df["ds"].dtype == "datetime64[ns]"
        and df["y"].dtype == float
        and df["ds"].is_monotonic_increasing
        and df["ds"].is_unique
        and bool(np.isfinite(df["y"].to_numpy()).all())
        and not (df["ds"].to_numpy().astype(np.int64) % HOUR_NS).any()
    ):
        return df
    if "ds" not in df:
        return prepare_series(df)  # raises, naming the columns
    ds = pd.to_datetime(df["ds"], errors="coerce", utc=True, format="mixed").dt.tz_localize(None)
    return prepare_series(df, freq="h" if is_subdaily(ds.dropna()) else "D")


def cutoff_dates(
    ds: pd.Series, horizon: int, cutoffs: int, min_train: int = MIN_TRAIN_DAYS
) -> list[pd.Timestamp]:
    """Cutoffs ending `horizon` days before the last day and stepping back `horizon` days apart,
    or closer (Prophet's default is half a horizon) when the history is too short for that; each
    keeps at least `min_train` days before it. Fewer cutoffs when even a 1-day step does not fit."""
    if horizon < 1 or cutoffs < 1:
        raise ValueError("horizon and cutoffs must be at least 1")
    first, last = ds.min(), ds.max()
    room = (last - first).days - horizon - min_train
    if room < 0:
        need = horizon + min_train + 1
        raise ValueError(f"a {horizon}-day backtest needs at least {need} days of data")
    step = horizon if cutoffs == 1 else max(1, min(horizon, room // (cutoffs - 1)))
    n = min(cutoffs, room // step + 1)
    end = last - pd.Timedelta(days=horizon)
    return [end - pd.Timedelta(days=step * k) for k in reversed(range(n))]


def backtest(
    df: pd.DataFrame, horizon: int = 30, cutoffs: int = 3, model: str = "prophet"
) -> BacktestResult:
    """Rolling-origin backtest of `model` on a `ds,y` frame (any row order, gaps allowed).

    At each cutoff the model and seasonal naive are fitted on the days up to and including it and
    scored on the observed days in the `horizon` that follows. The model's 80% interval at a
    cutoff is its raw band calibrated on the other cutoffs' residuals (`calibration`); the result's
    `interval_scale` (calibrated on every cutoff) is what the served forecast applies.
    """
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; choose from {sorted(MODELS)}")
    series = _prepare(df)
    if series.empty:
        raise ValueError("no usable rows: need a date column ds and a numeric column y")
    runs: list[tuple[pd.Timestamp, pd.DataFrame, np.ndarray, np.ndarray]] = []
    for cutoff in cutoff_dates(series["ds"], horizon, cutoffs):
        train = series[series["ds"] <= cutoff]
        end = cutoff + pd.Timedelta(days=horizon)
        test = series[(series["ds"] > cutoff) & (series["ds"] <= end)]
        if test.empty:
            continue
        future = pd.DatetimeIndex(test["ds"])
        pred = MODELS[model](train, future)
        naive = MODELS[NAIVE](train, future) if model != NAIVE else pred
        runs.append((cutoff, pred, test["y"].to_numpy(), naive["yhat"].to_numpy()))
    if not runs:
        raise ValueError("no cutoff has observed days in its horizon")
    per_cutoff = [
        calibration.scores(y, p["yhat"], p["yhat_lower"], p["yhat_upper"]) for _, p, y, _ in runs
    ]
    scales = calibration.leave_one_out(per_cutoff)
    scores: list[CutoffScore] = []
    frames: list[pd.DataFrame] = []
    for (cutoff, pred, y, nhat), scale in zip(runs, scales, strict=True):
        yhat = pred["yhat"].to_numpy()
        lower, upper = calibration.calibrate(yhat, pred["yhat_lower"], pred["yhat_upper"], scale)
        scores.append(
            CutoffScore(
                cutoff=cutoff,
                days=len(y),
                accuracy=1 - wape(y, yhat),
                mae=mae(y, yhat),
                mape=mape(y, yhat),
                coverage_80=coverage(y, lower, upper),
                naive_accuracy=1 - wape(y, nhat),
                naive_mae=mae(y, nhat),
                naive_mape=mape(y, nhat),
                interval_scale=scale,
            )
        )
        frames.append(
            pd.DataFrame(
                {
                    "cutoff": cutoff,
                    "ds": pred["ds"].to_numpy(),
                    "y": y,
                    "yhat": yhat,
                    "yhat_lower": lower,
                    "yhat_upper": upper,
                    "naive": nhat,
                }
            )
        )
    return BacktestResult(
        model,
        horizon,
        scores,
        pd.concat(frames, ignore_index=True),
        calibration.conformal_scale(np.concatenate(per_cutoff)),
    )


def choose_model(
    df: pd.DataFrame,
    horizon: int = 30,
    cutoffs: int = 3,
    candidates: tuple[str, ...] = DEFAULT_CANDIDATES,
    extra: tuple[str, ...] = EXTRA_CANDIDATES,
    escalate_at: float = ESCALATE_RELATIVE_MAE,
) -> tuple[str, dict[str, BacktestResult]]:
    """Backtest every candidate and pick the lowest mean MAE; ties go to the earlier candidate.

    `extra` candidates are backtested too when no candidate so far reaches a relative MAE below
    `escalate_at` (pass `escalate_at=inf` to always try them, `extra=()` never). A candidate
    that fails to fit (too little data, log of a non-positive value, a solver error) is skipped;
    seasonal naive always fits, so keep it among `candidates`.
    """
    results: dict[str, BacktestResult] = {}
    errors: dict[str, str] = {}
    df = _prepare(df)

    def run(names: tuple[str, ...]) -> None:
        for name in names:
            if name in results:
                continue
            try:
                results[name] = backtest(df, horizon, cutoffs, name)
            except (RuntimeError, ValueError) as exc:
                errors[name] = str(exc)

    run(candidates)
    fitted = [r.relative_mae for n, r in results.items() if n != NAIVE]
    clear_win = any(rel < escalate_at for rel in fitted) and escalate_at != math.inf
    if extra and not clear_win:
        run(extra)
    if not results:
        raise ValueError(f"no candidate model could be backtested: {errors}")
    best = min(results, key=lambda n: float(np.nan_to_num(results[n].mae, nan=np.inf)))
    return best, results


def serving_note(model: str, results: dict[str, BacktestResult]) -> tuple[bool, str]:
    """(flagged, note) for the model chosen from `results`: flagged when seasonal naive serves
    because every Prophet candidate backtested lost to it."""
    tried = {n: r for n, r in results.items() if n in PROPHETS}
    if model != NAIVE:
        return (
            False,
            f"{model} beats seasonal naive (relative MAE {results[model].relative_mae:.3f})",
        )
    if not tried:
        return True, "seasonal naive serves: no Prophet candidate could be fitted"
    best = min(tried, key=lambda n: float(np.nan_to_num(tried[n].relative_mae, nan=np.inf)))
    return True, (
        f"seasonal naive serves: Prophet lost (best {best}, relative MAE "
        f"{tried[best].relative_mae:.3f} over {', '.join(sorted(tried))})"
    )


def forecast(
    df: pd.DataFrame,
    horizon: int = 30,
    model: str | None = None,
    interval_scale: float = 1.0,
) -> pd.DataFrame:
    """The `horizon` days after the last observation from `model` fitted on all of `df`, as
    `ds, yhat, yhat_lower, yhat_upper, model` (hourly rows for an hourly `df`), the raw band
    stretched by `interval_scale` (a backtest's `interval_scale`). Without `model`, the backtest
    chooses it and calibrates the band."""
    series = _prepare(df)
    if series.empty:
        raise ValueError("no usable rows: need a date column ds and a numeric column y")
    if model is None:
        model, results = choose_model(series, horizon)
        interval_scale = results[model].interval_scale
    pred = MODELS[model](series, future_index(series, horizon))
    lower, upper = calibration.calibrate(
        pred["yhat"], pred["yhat_lower"], pred["yhat_upper"], interval_scale
    )
    return pred.assign(yhat_lower=lower, yhat_upper=upper, model=model)
