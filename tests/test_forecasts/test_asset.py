"""The forecast assets and accuracy check through `dg.materialize` on a constructed warehouse."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from assets.forecasts import FORECAST_ASSETS, FORECAST_CHECKS, forecast_accuracy_target
from assets.resources import SynmonData
from synmon.settings import Paths
from tests.test_forecasts.conftest import hourly_load, trend_weekly

DAYS = 70  # complete days; one more, partial, day follows
HOURLY_DAYS = 36


def _build_marts(warehouse: Path) -> pd.Timestamp:
    """Daily marts with every documented column (most of them zero, so only four daily series
    carry data and the test stays quick) and hourly marts for one component."""
    platform = trend_weekly(DAYS + 1, level=6000, seed=1)
    platform.loc[DAYS, "y"] = 150  # the partial last day: must not reach the model
    platform["p95"] = trend_weekly(DAYS + 1, level=250, seed=4)["y"]
    component = trend_weekly(DAYS + 1, level=2000, seed=2)
    component.loc[DAYS, "y"] = 40
    hourly = hourly_load(HOURLY_DAYS)
    hourly.loc[hourly.index[-1], "y"] = 1.0  # the partial last hour
    with duckdb.connect(str(warehouse)) as con:
        con.register("p", platform)
        con.execute(
            "create table rpt_platform_daily as select ds::date as day, y::bigint as requests, "
            "0.0 as error_rate, p95 as latency_p95_ms, 0 as active_users, 0.0 as cost_usd "
            "from p"
        )
        con.register("c", component)
        con.execute(
            "create table rpt_component_daily as select 'api_gateway' as component, "
            "ds::date as day, y::bigint as requests, 0 as errors, 0.0 as error_rate, "
            "0.0 as latency_p50_ms, 0.0 as latency_p95_ms, 0.0 as latency_p99_ms, "
            "0.0 as cost_usd, 0 as active_users from c"
        )
        con.register("h", hourly)
        con.execute(
            "create table rpt_performance_hourly as select 'api_gateway' as component, "
            "'/v1/x' as endpoint, ds as hour, y::bigint as requests, 0 as errors, "
            "0.0 as error_rate, 0.0 as latency_p50_ms, 0.0 as latency_p95_ms, "
            "0.0 as latency_p99_ms, y / 3600 as throughput_rps from h"
        )
        con.execute(
            "create table rpt_resources_hourly as select 'api_gateway-0' as host, ds as hour, "
            "'api_gateway' as component, y / 400 as cpu_utilization, 0.5 as memory_utilization, "
            "0.5 as disk_utilization from h"
        )
    return platform["ds"].iloc[-1]


@pytest.fixture(scope="module")
def materialized(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Paths, dg.ExecuteInProcessResult]:
    paths = Paths.from_env(tmp_path_factory.mktemp("forecast") / "data")
    paths.data.mkdir(parents=True)
    _build_marts(paths.warehouse)
    result = dg.materialize(
        [*FORECAST_ASSETS, *FORECAST_CHECKS],
        resources={"data": SynmonData(data_dir=str(paths.data))},
    )
    return paths, result


def test_tables_hold_30_days_after_the_last_complete_day(materialized) -> None:
    paths, result = materialized
    assert result.success
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        rows = con.execute(
            "select series, min(ds), max(ds), count(*), any_value(model) from forecast_daily "
            "group by 1 order by 1"
        ).fetchall()
        types = dict(con.execute("describe forecast_daily").fetchall()[i][:2] for i in range(6))
    partial_day = pd.Timestamp("2024-01-01") + pd.Timedelta(days=DAYS)
    # zero-throughout series (error rate, cost, users here) have nothing to forecast
    assert [r[0] for r in rows] == [
        "api_gateway:requests",
        "platform:latency_p95",
        "platform:requests",
    ]
    for _, first, last, n, _model in rows:
        assert pd.Timestamp(first) == partial_day  # the partial day is forecast, not trained on
        assert n == 30 and (pd.Timestamp(last) - pd.Timestamp(first)).days == 29
    # trend + weekly seasonality: Prophet beats seasonal naive
    assert dict((r[0], r[4]) for r in rows)["platform:requests"] == "prophet"
    assert types["ds"] == "DATE"


def test_hourly_table_holds_7_days_after_the_last_complete_hour(materialized) -> None:
    paths, _ = materialized
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        rows = con.execute(
            "select series, min(ds), count(*) from forecast_hourly group by 1 order by 1"
        ).fetchall()
        horizons = dict(
            con.execute(
                "select series, max(horizon_days) from forecast_accuracy group by 1"
            ).fetchall()
        )
    partial_hour = pd.Timestamp("2024-01-01") + pd.Timedelta(hours=HOURLY_DAYS * 24 - 1)
    assert [r[0] for r in rows] == [
        "api_gateway:hourly_cpu",
        "api_gateway:hourly_requests",
        "platform:hourly_requests",
    ]
    for series, first, n in rows:
        assert pd.Timestamp(first) == partial_hour and n == 7 * 24
        assert horizons[series] == 7


def test_accuracy_metadata_and_check(materialized) -> None:
    paths, result = materialized
    meta = result.asset_materializations_for_node("forecasts")
    acc_meta = next(m for m in meta if m.asset_key == dg.AssetKey("forecast_accuracy")).metadata
    platform = acc_meta["accuracy/platform:requests"].value
    assert isinstance(platform, float) and platform >= 0.85
    assert acc_meta["relative_mae/platform:requests"].value < 1
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        n, cutoffs = con.execute(
            "select count(*), count(distinct cutoff) from forecast_accuracy where horizon_days = 30"
        ).fetchone()
        mape, flagged, note = con.execute(
            "select avg(mape), bool_or(flagged), any_value(note) from forecast_accuracy "
            "where series = 'platform:requests'"
        ).fetchone()
    assert (n, cutoffs) == (9, 3)  # three daily series x three cutoffs
    assert 0 < mape < 0.15 and flagged is False and "beats seasonal naive" in note
    assert acc_meta["mape/platform:requests"].value == pytest.approx(mape, abs=1e-4)
    (check,) = result.get_asset_check_evaluations()
    assert check.check_name == "forecast_accuracy_target"
    assert check.passed or check.severity == dg.AssetCheckSeverity.WARN


def test_check_fails_with_error_when_platform_misses(materialized) -> None:
    paths, _ = materialized
    with duckdb.connect(str(paths.warehouse)) as con:
        con.execute(
            "update forecast_accuracy set accuracy = 0.5 where series = 'platform:requests'"
        )
    result = dg.materialize(
        [*FORECAST_ASSETS, *FORECAST_CHECKS],
        resources={"data": SynmonData(data_dir=str(paths.data))},
        selection=dg.AssetSelection.checks(forecast_accuracy_target),
        raise_on_error=False,
    )
    (check,) = result.get_asset_check_evaluations()
    assert not check.passed
    assert check.severity == dg.AssetCheckSeverity.ERROR
    assert "platform:requests" in check.metadata["misses"].value


def test_check_warns_when_only_other_series_miss(materialized) -> None:
    paths, _ = materialized
    with duckdb.connect(str(paths.warehouse)) as con:
        con.execute("update forecast_accuracy set accuracy = 0.99, mae = 0.5 * naive_mae")
        con.execute(
            "update forecast_accuracy set accuracy = 0.5 where series = 'platform:latency_p95'"
        )
    result = dg.materialize(
        [*FORECAST_ASSETS, *FORECAST_CHECKS],
        resources={"data": SynmonData(data_dir=str(paths.data))},
        selection=dg.AssetSelection.checks(forecast_accuracy_target),
        raise_on_error=False,
    )
    (check,) = result.get_asset_check_evaluations()
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    assert check.metadata["misses"].value.startswith("platform:latency_p95")
