"""Forecast accuracy and speed: the rolling-origin backtest (3 cutoffs x 30 days, original scale)
of Prophet and weekly seasonal naive on the shared real series, then the time to choose and fit
many synthetic daily series with `forecast_many`.

    .venv/bin/python bench/forecast.py [--series 100] [--workers N]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from synmon.forecasting import choose_model, forecast_many, prepare_series

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
# (label, file, log values, aggregate): Wikipedia values are logs, scored on exp(y)
SERIES = [
    ("peyton_manning (exp)", "prophet_examples/example_wp_log_peyton_manning.csv", True, "mean"),
    ("pedestrians_covid", "prophet_examples/example_pedestrians_covid.csv", False, "mean"),
    ("nyc_taxi (daily sum)", "nab/data/realKnownCause/nyc_taxi.csv", False, "sum"),
]


def _load(path: Path, log: bool, how: str) -> pd.DataFrame:
    raw = pd.read_csv(path)
    raw.columns = ["ds", "y"]
    series = prepare_series(raw, how=how)
    if log:
        series["y"] = np.exp(series["y"])
    return series


def real_series() -> None:
    print(
        f"{'series':<24}{'days':>6}{'model':>16}{'1-WAPE':>8}{'naive':>8}{'rel MAE':>9}"
        f"{'cov80':>7}{'prophet':>9}{'seconds':>9}"
    )
    for label, rel, log, how in SERIES:
        path = REAL / rel
        if not path.exists():
            print(f"{label:<24} missing: {path}")
            continue
        series = _load(path, log, how)
        t0 = time.perf_counter()
        model, results = choose_model(series, horizon=30, cutoffs=3)
        seconds = time.perf_counter() - t0
        chosen, prophet = results[model], results["prophet"]
        print(
            f"{label:<24}{len(series):>6}{model:>16}{chosen.accuracy:>8.3f}"
            f"{chosen.naive_accuracy:>8.3f}{chosen.relative_mae:>9.3f}{chosen.coverage_80:>7.2f}"
            f"{prophet.accuracy:>9.3f}{seconds:>9.1f}"
        )


def synthetic(n: int, days: int = 120, seed: int = 7) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    ds = pd.date_range("2026-01-01", periods=days)
    out = {}
    for i in range(n):
        level, growth, amp = rng.uniform(500, 5000), rng.uniform(-0.002, 0.006), rng.uniform(0, 0.3)
        y = level * (1 + growth * t) * (1 + amp * np.sin(2 * np.pi * (t + i) / 7))
        out[f"s{i:03d}:requests"] = pd.DataFrame({"ds": ds, "y": y * rng.normal(1, 0.03, days)})
    return out


def many(n: int, workers: int | None) -> None:
    series = synthetic(n)
    t0 = time.perf_counter()
    results = forecast_many(series, horizon=30, cutoffs=3, workers=workers)
    seconds = time.perf_counter() - t0
    prophet = sum(r.model == "prophet" for r in results)
    acc = np.mean([r.chosen.accuracy for r in results])
    print(
        f"\n{n} synthetic series x 120 days (3 cutoffs + final fit): {seconds:.1f} s "
        f"({seconds / n:.2f} s per series), prophet serves {prophet}, naive {n - prophet}, "
        f"mean 1 - WAPE {acc:.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=24, help="synthetic series (default 24)")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: cores)")
    args = parser.parse_args()
    real_series()
    if args.series:
        many(args.series, args.workers)


if __name__ == "__main__":
    main()
