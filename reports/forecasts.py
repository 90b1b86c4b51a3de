"""The forecast a report shows: the main series' history, forecast and interval band, and every
series' measured backtest accuracy (mean over its rolling-origin cutoffs), from `forecast_daily`
and `forecast_accuracy`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from reports.performance import PLATFORM
from reports.warehouse import Warehouse

FORECAST = "forecast_daily"
ACCURACY = "forecast_accuracy"
MAIN_SERIES = "platform:requests"
HISTORY_DAYS = 56


@dataclass(frozen=True)
class Forecast:
    series: str
    model: str
    history: list[tuple[date, float]]
    points: list[tuple[date, float, float, float]]  # ds, yhat, lower, upper
    accuracy: list[dict[str, Any]]
    next_7_days: float | None


def backtest_accuracy(wh: Warehouse) -> list[dict[str, Any]]:
    """Per series, the mean over its rolling-origin backtests (cutoffs), the platform first."""
    return wh.rows(
        f"""
        select series, count(*) as backtests, cast(max(cutoff) as date) as cutoff,
            max(horizon_days) as horizon_days, avg(accuracy) as accuracy,
            avg(naive_accuracy) as naive_accuracy, avg(coverage_80) as coverage_80
        from {ACCURACY} group by series
        order by series <> ?, series
        """,
        [MAIN_SERIES],
    )


# Column order of the accuracy matrix; other metrics follow alphabetically.
METRIC_ORDER = ("requests", "latency_p95", "error_rate", "active_users", "cost")


def accuracy_matrix(accuracy: list[dict[str, Any]]) -> dict[str, Any]:
    """The per-series backtest rows as one row per scope (platform first, then components) and
    one column per metric (`<scope>:<metric>` series), with the spans the caption states once:
    backtests, horizon, latest cutoff and the range of 80 % interval coverage."""
    scopes: dict[str, dict[str, dict[str, Any]]] = {}
    for a in accuracy:
        scope, _, metric = str(a["series"]).rpartition(":")
        scopes.setdefault(scope or "–", {})[metric] = a
    metrics = sorted(
        {m for cells in scopes.values() for m in cells},
        key=lambda m: (METRIC_ORDER.index(m) if m in METRIC_ORDER else len(METRIC_ORDER), m),
    )
    order = sorted(scopes, key=lambda sc: (sc != "platform", sc))

    def span(key: str) -> tuple[Any, Any] | None:
        values = [a[key] for a in accuracy if a.get(key) is not None]
        return (min(values), max(values)) if values else None

    return {
        "metrics": metrics,
        "rows": [{"scope": sc, "cells": [scopes[sc].get(m) for m in metrics]} for sc in order],
        "backtests": span("backtests"),
        "horizon_days": span("horizon_days"),
        "cutoff": span("cutoff"),
        "coverage_80": span("coverage_80"),
    }


def forecast(wh: Warehouse, last_day: date, accuracy: list[dict[str, Any]]) -> Forecast | None:
    series = [r["series"] for r in wh.rows(f"select distinct series from {FORECAST}")]
    if not series:
        return None
    name = MAIN_SERIES if MAIN_SERIES in series else sorted(series)[0]
    first = last_day - timedelta(days=HISTORY_DAYS - 1)
    history: list[tuple[date, float]] = []
    if wh.has(PLATFORM) and name == MAIN_SERIES:
        history = [
            (r["day"], float(r["requests"]))
            for r in wh.rows(
                f"select day, requests from {PLATFORM} where day between ? and ? order by day",
                [first, last_day],
            )
        ]
    rows = wh.rows(
        f"select cast(ds as date) as ds, yhat, yhat_lower, yhat_upper, model from {FORECAST} "
        "where series = ? and cast(ds as date) >= ? order by ds",
        [name, first],
    )
    ahead = [r["yhat"] for r in rows if last_day < r["ds"] <= last_day + timedelta(days=7)]
    return Forecast(
        series=name,
        model=str(rows[0]["model"]) if rows else "",
        history=history,
        points=[(r["ds"], r["yhat"], r["yhat_lower"], r["yhat_upper"]) for r in rows],
        accuracy=[a for a in accuracy if a["series"] == name],
        next_7_days=sum(ahead) if len(ahead) == 7 else None,
    )
