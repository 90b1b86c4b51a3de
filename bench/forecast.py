"""Forecast accuracy and speed, three tables:

1. every candidate's rolling-origin backtest (3 cutoffs x 30 days, original scale) on the shared
   real series, with the model the production policy serves (no per-file tuning);
2. the time to choose and fit N synthetic daily series with `forecast_many` (wall and CPU);
3. with --warehouse, the forecast asset's whole workload on a demo warehouse (every daily and
   hourly series, the same jobs the asset runs), wall and CPU per series; with --landing, the
   demo's daily series computed straight from a simulated landing zone (`synmon generate`), for
   when no warehouse is built: requests, latency p95, error rate (status >= 500), active users
   and cost per day, for the platform and each component, as the daily marts define them.

    .venv/bin/python bench/forecast.py [--series 100] [--workers N] [--warehouse PATH]
        [--landing DIR]

CPU seconds count the Stan child processes too; on a busy machine wall time grows with the load
while CPU seconds / cores approximates the idle wall time.
"""

from __future__ import annotations

import argparse
import math
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from synmon.forecasting import choose_model, forecast_jobs, forecast_many, prepare_series
from synmon.forecasting.backtest import (
    DEFAULT_CANDIDATES,
    ESCALATE_RELATIVE_MAE,
    EXTRA_CANDIDATES,
    NAIVE,
)

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
        f"{'series':<22}{'days':>6} {'candidate':<16}{'1-WAPE':>8}{'rel MAE':>9}{'MAPE':>7}"
        f"{'cov80':>7}  served by policy"
    )
    for label, rel, log, how in SERIES:
        path = REAL / rel
        if not path.exists():
            print(f"{label:<22} missing: {path}")
            continue
        series = _load(path, log, how)
        t0 = time.perf_counter()
        _, every = choose_model(series, horizon=30, cutoffs=3, escalate_at=math.inf)
        seconds = time.perf_counter() - t0
        # the production policy, replayed on the same backtests: extras only without a clear win
        used = list(DEFAULT_CANDIDATES)
        if not any(every[n].relative_mae < ESCALATE_RELATIVE_MAE for n in used if n != NAIVE):
            used += EXTRA_CANDIDATES
        served = min(
            (n for n in used if n in every), key=lambda n: np.nan_to_num(every[n].mae, nan=np.inf)
        )
        for name, r in every.items():
            mark = "*" if name == served else ""
            tried = "" if name in used else "(not tried)"
            print(
                f"{label:<22}{len(series):>6} {name:<16}{r.accuracy:>8.3f}{r.relative_mae:>9.3f}"
                f"{r.mape:>7.3f}{r.coverage_80:>7.2f}  {mark}{tried}"
            )
        print(f"{'':<22}{'':>6} ({seconds:.1f} s, every candidate)")
    print(f"* serves: lowest MAE of those tried (extras when rel MAE >= {ESCALATE_RELATIVE_MAE})")


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


def _summary(label: str, results: list, seconds: float, workers: int) -> None:
    cpu = sum(r.cpu_seconds for r in results)
    models: dict[str, int] = {}
    for r in results:
        models[r.model] = models.get(r.model, 0) + 1
    print(
        f"\n{label}: wall {seconds:.1f} s on {workers} workers, CPU {cpu:.1f} s "
        f"(CPU / workers {cpu / workers:.1f} s; load average now {os.getloadavg()[0]:.1f}); "
        f"served: {models}; flagged {sum(r.flagged for r in results)}; "
        f"mean 1 - WAPE {np.nanmean([r.chosen.accuracy for r in results]):.3f}; "
        f"mean coverage_80 {np.nanmean([r.chosen.coverage_80 for r in results]):.3f}"
    )


def many(n: int, workers: int) -> None:
    series = synthetic(n)
    t0 = time.perf_counter()
    results = forecast_many(series, horizon=30, cutoffs=3, workers=workers)
    label = f"{n} synthetic daily series x 120 days (3 cutoffs + final fit)"
    _summary(label, results, time.perf_counter() - t0, workers)


_LANDING_SQL = """
with r as (
    select cast(ts as date) as day, component, status, latency_ms, user_id, cost_usd
    from read_json_auto('{glob}', format = 'newline_delimited')
),
scoped as (
    select day, 'platform' as scope, * exclude (day, component) from r
    union all select day, component as scope, * exclude (day, component) from r
)
select scope, day as ds, count(*) as requests,
    quantile_cont(latency_ms, 0.95) as latency_p95,
    avg(case when status >= 500 then 1.0 else 0.0 end) as error_rate,
    count(distinct user_id) as active_users, sum(cost_usd) as cost
from scoped where day < (select max(day) from r) group by all order by scope, ds
"""


def landing_series(landing: Path) -> dict[str, pd.DataFrame]:
    """The demo's daily series from `landing/requests/*.jsonl`, the last (partial) day dropped."""
    import duckdb

    glob = str(landing / "requests" / "*.jsonl")
    frame = duckdb.sql(_LANDING_SQL.format(glob=glob)).df()
    out = {}
    for scope, part in frame.groupby("scope", sort=True):
        for metric in ("requests", "latency_p95", "error_rate", "active_users", "cost"):
            if part[metric].abs().sum() > 0:  # as the warehouse loader: all-zero series skipped
                out[f"{scope}:{metric}"] = part[["ds", metric]].set_axis(["ds", "y"], axis=1)
    return out


def demo(warehouse: Path | None, landing: Path | None, workers: int) -> None:
    from synmon.forecasting.warehouse import load_daily_series, load_hourly_series

    t0 = time.perf_counter()
    if warehouse:
        hourly, daily = load_hourly_series(warehouse), load_daily_series(warehouse)
        source = f"demo warehouse {warehouse}"
    else:
        assert landing is not None
        hourly, daily = {}, landing_series(landing)
        source = f"simulated landing {landing}"
    jobs = [(n, df, 7, 3) for n, df in hourly.items()] + [(n, df, 30, 3) for n, df in daily.items()]
    results = forecast_jobs(jobs, workers)
    label = f"{source}: {len(daily)} daily + {len(hourly)} hourly series"
    _summary(label, results, time.perf_counter() - t0, workers)
    print(f"{'series':<34}{'model':<16}{'1-WAPE':>8}{'rel MAE':>9}{'cov80':>7}{'CPU s':>7}")
    for r in results:
        c = r.chosen
        print(
            f"{r.series:<34}{r.model:<16}{c.accuracy:>8.3f}{c.relative_mae:>9.3f}"
            f"{c.coverage_80:>7.2f}{r.cpu_seconds:>7.1f}{'  flagged' if r.flagged else ''}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=100, help="synthetic series (default 100)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes")
    parser.add_argument("--warehouse", type=Path, help="a demo warehouse.duckdb to time")
    parser.add_argument("--landing", type=Path, help="a simulated landing zone to time")
    parser.add_argument("--skip-real", action="store_true", help="skip the real-series table")
    args = parser.parse_args()
    if not args.skip_real:
        real_series()
    if args.series:
        many(args.series, args.workers)
    if args.warehouse or args.landing:
        demo(args.warehouse, args.landing, args.workers)


if __name__ == "__main__":
    main()
