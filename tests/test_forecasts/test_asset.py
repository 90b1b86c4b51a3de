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
from tests.test_forecasts.conftest import trend_weekly

DAYS = 70  # complete days; one more, partial, day follows


def _build_marts(warehouse: Path) -> pd.Timestamp:
    platform = trend_weekly(DAYS + 1, level=6000, seed=1)
    platform.loc[DAYS, "y"] = 150  # the partial last day: must not reach the model
    component = trend_weekly(DAYS + 1, level=2000, seed=2)
    component.loc[DAYS, "y"] = 40
    with duckdb.connect(str(warehouse)) as con:
        con.register("p", platform)
        con.execute(
            "create table rpt_platform_daily as select ds::date as day, y::bigint as requests, "
            "0.01 as error_rate, 250.0 as latency_p95_ms, 100 as active_users, 1.5 as cost_usd "
            "from p"
        )
        con.register("c", component)
        con.execute(
            "create table rpt_component_daily as select 'api_gateway' as component, "
            "ds::date as day, y::bigint as requests from c"
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
    assert [r[0] for r in rows] == ["api_gateway:requests", "platform:requests"]
    for _, first, last, n, model in rows:
        assert pd.Timestamp(first) == partial_day  # the partial day is forecast, not trained on
        assert n == 30 and (pd.Timestamp(last) - pd.Timestamp(first)).days == 29
        assert model == "prophet"  # trend + weekly seasonality: Prophet beats seasonal naive
    assert types["ds"] == "DATE"


def test_accuracy_metadata_and_check(materialized) -> None:
    paths, result = materialized
    meta = result.asset_materializations_for_node("forecasts")
    acc_meta = next(m for m in meta if m.asset_key == dg.AssetKey("forecast_accuracy")).metadata
    platform = acc_meta["accuracy/platform:requests"].value
    assert isinstance(platform, float) and platform >= 0.85
    assert acc_meta["relative_mae/platform:requests"].value < 1
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        n, cutoffs, horizon = con.execute(
            "select count(*), count(distinct cutoff), max(horizon_days) from forecast_accuracy"
        ).fetchone()
    assert (n, cutoffs, horizon) == (6, 3, 30)
    (check,) = result.get_asset_check_evaluations()
    assert check.check_name == "forecast_accuracy_target" and check.passed


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
