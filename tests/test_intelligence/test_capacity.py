"""Capacity planning: limits config, crossing dates, and the plan on constructed series."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from synmon.capacity import (
    CapacityConfig,
    CapacityConfigError,
    first_crossing,
    load_capacity_config,
    load_capacity_series,
    plan_capacity,
    write_capacity_plan,
)
from tests.test_intelligence.warehouses import END, hourly_marts


def test_first_crossing_is_the_first_day_at_or_above_the_limit() -> None:
    ds = pd.Series(pd.date_range("2026-01-01", periods=5, freq="D"))
    assert first_crossing(ds, [0.5, 0.79, 0.8, 0.7, 0.9], 0.8) == date(2026, 1, 3)
    assert first_crossing(ds, [0.5, 0.6, 0.7, 0.7, 0.79], 0.8) is None


def test_repo_config_loads_and_limits_resolve() -> None:
    config = load_capacity_config()
    assert config.limits.cpu == 0.80 and config.limits.memory == 0.85
    assert config.limit_for("cpu", "api_gateway") == 0.80
    assert (
        config.limit_for("requests_per_second", "no_such_component")
        == (config.limits.requests_per_second["default"])
    )


def test_config_errors_name_the_file_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "capacity.yaml"
    bad.write_text("limits:\n  cpu: 1.5\n  requests_per_second: {api_gateway: -1}\n")
    with pytest.raises(CapacityConfigError) as err:
        load_capacity_config(bad)
    text = str(err.value)
    assert f"{bad}: limits.cpu: expected" in text
    assert "limits.requests_per_second" in text and "api_gateway" in text


def test_plan_dates_a_growing_cpu_and_leaves_flat_resources_null(tmp_path: Path) -> None:
    # Daily peak = 0.45 + 0.004 * day (+ <0.004 noise): 0.69 at day 60, reaches 0.80 about
    # 28 days after the last complete day; memory (0.50) and disk (0.30) stay flat.
    db = tmp_path / "warehouse.duckdb"
    hourly_marts(db, days=61, cpu_start=0.40, cpu_slope=0.004)
    series = load_capacity_series(db)
    assert set(series) == {
        (r, c)
        for r in ("cpu", "memory", "disk", "requests_per_second")
        for c in ("api_gateway", "reasoning_tracer")
    }
    last_day = series[("cpu", "api_gateway")]["ds"].max()
    assert last_day.date() == (END - timedelta(days=1)).date()  # the partial day is left out

    config = CapacityConfig.model_validate({"horizon_days": 45})
    # Prophet fits cost seconds on a busy machine: plan one growing and two flat series.
    chosen = {(r, "api_gateway") for r in ("cpu", "memory", "disk")}
    picked = {k: v for k, v in series.items() if k in chosen}
    plan = plan_capacity(picked, config).set_index(["resource", "component"])
    cpu = plan.loc[("cpu", "api_gateway")]
    expected = last_day.date() + timedelta(days=round((0.80 - 0.4535 - 0.004 * 60) / 0.004))
    assert abs((cpu["first_crossing"] - expected).days) <= 4
    assert cpu["first_crossing_upper"] <= cpu["first_crossing"]
    assert cpu["forecast_peak"] > 0.80 > cpu["current_peak"]
    for resource in ("memory", "disk"):
        row = plan.loc[(resource, "api_gateway")]
        assert pd.isna(row["first_crossing"]) and pd.isna(row["first_crossing_upper"])

    write_capacity_plan(db, plan.reset_index())
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "select resource, first_crossing from capacity_plan "
            "where component = 'api_gateway' and first_crossing is not null"
        ).fetchall()
    assert rows == [("cpu", cpu["first_crossing"])]


def test_seasonal_naive_cannot_date_a_crossing_it_has_not_seen(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    hourly_marts(db, days=40, cpu_start=0.40, cpu_slope=0.004)
    series = {k: v for k, v in load_capacity_series(db).items() if k[0] == "cpu"}
    config = CapacityConfig.model_validate({"horizon_days": 30, "model": "seasonal_naive"})
    plan = plan_capacity(series, config)
    assert plan["first_crossing"].isna().all()
    assert (plan["model"] == "seasonal_naive").all()
