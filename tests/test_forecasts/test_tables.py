"""The warehouse tables from hand-built results: columns, the flag, null MAPE, empty hourly."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pandas as pd

from synmon.forecasting import (
    SeriesForecast,
    backtest,
    forecast,
    forecast_accuracy_table,
    forecast_daily_table,
    forecast_hourly_table,
    serving_note,
)
from synmon.forecasting.warehouse import ACCURACY_COLUMNS, read_accuracy, write_forecast_tables
from tests.test_forecasts.conftest import trend_weekly


def _naive_result(name: str, df: pd.DataFrame) -> SeriesForecast:
    results = {"seasonal_naive": backtest(df, horizon=7, cutoffs=2, model="seasonal_naive")}
    flagged, note = serving_note("seasonal_naive", results)
    fc = forecast(df, horizon=7, model="seasonal_naive")
    return SeriesForecast(name, "seasonal_naive", results, fc, flagged, note)


def test_tables_round_trip(tmp_path: Path) -> None:
    positive = trend_weekly(50)
    with_zero = trend_weekly(50, seed=5)
    with_zero.loc[with_zero.index[-1], "y"] = 0.0
    results = [_naive_result("a:requests", positive), _naive_result("b:cost", with_zero)]
    accuracy = forecast_accuracy_table(results)
    assert list(accuracy.columns) == ACCURACY_COLUMNS and len(accuracy) == 4
    assert forecast_hourly_table(results).empty

    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:  # the foundation's older, narrower table
        con.execute("create table forecast_accuracy (series varchar, accuracy double)")
    hourly = forecast_hourly_table(results)
    write_forecast_tables(warehouse, forecast_daily_table(results), accuracy, hourly)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from forecast_hourly").fetchone() == (0,)
        assert con.execute("select count(*) from forecast_daily").fetchone() == (14,)
        nulls = con.execute(
            "select series, count(*) filter (where mape is null) from forecast_accuracy "
            "group by 1 order by 1"
        ).fetchall()
    assert nulls == [("a:requests", 0), ("b:cost", 1)]  # MAPE only where every actual > 0
    table = read_accuracy(warehouse).set_index("series")
    assert bool(table.loc["a:requests", "flagged"])  # naive serves, no Prophet tried
    assert table.loc["a:requests", "relative_mae"] == 1.0
    assert math.isnan(table.loc["b:cost", "mape"])


def test_hourly_rewrite_keeps_the_daily_rows(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    daily = [_naive_result("a:requests", trend_weekly(50))]
    write_forecast_tables(warehouse, forecast_daily_table(daily), forecast_accuracy_table(daily))
    hourly_acc = forecast_accuracy_table([_naive_result("a:hourly_cpu", trend_weekly(50))])
    write_forecast_tables(warehouse, None, hourly_acc, hourly=forecast_daily_table([]))
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("select series, count(*) from forecast_accuracy group by 1 order by 1")
        assert rows.fetchall() == [("a:hourly_cpu", 2), ("a:requests", 2)]
        assert con.execute("select count(*) from forecast_daily").fetchone() == (7,)


def test_too_short_series_are_left_out() -> None:
    from synmon.forecasting import forecast_jobs

    jobs = [("short:requests", trend_weekly(20), 30, 3)]
    assert forecast_jobs(jobs, workers=1) == []
