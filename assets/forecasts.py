"""Dagster assets for forecasting: `forecast_daily` and `forecast_accuracy` from the daily request
marts, and the `forecast_accuracy_target` check. The work happens in `synmon.forecasting`."""

from collections.abc import Iterator

import dagster as dg

from assets.resources import SynmonData

HORIZON_DAYS = 30
CUTOFFS = 3
TARGET_ACCURACY = 0.85
PLATFORM_PREFIX = "platform:"

MART_DEPS = [dg.AssetKey("rpt_platform_daily"), dg.AssetKey("rpt_component_daily")]


@dg.multi_asset(
    name="forecasts",
    specs=[
        dg.AssetSpec(
            "forecast_daily",
            deps=MART_DEPS,
            group_name="intelligence",
            kinds={"python", "duckdb"},
            description=(
                "Daily requests forecast 30 days past the last complete day: one row per series "
                "(`platform:requests`, `<component>:requests`) and day, with the 80% interval "
                "and the model that serves the series (the lower backtest MAE of Prophet and "
                "weekly seasonal naive)."
            ),
        ),
        dg.AssetSpec(
            "forecast_accuracy",
            deps=MART_DEPS,
            group_name="intelligence",
            kinds={"python", "duckdb"},
            description=(
                "Rolling-origin backtest of each served forecast: one row per series and cutoff "
                "(3 cutoffs, 30-day horizon, original scale) with 1 - WAPE, MAE, the same for "
                "weekly seasonal naive, relative MAE and the share of actuals in the 80% interval."
            ),
        ),
    ],
    pool="warehouse",
)
def forecasts(
    context: dg.AssetExecutionContext, data: SynmonData
) -> Iterator[dg.MaterializeResult]:
    from synmon.forecasting import (
        forecast_accuracy_table,
        forecast_daily_table,
        forecast_many,
    )
    from synmon.forecasting.warehouse import load_request_series, write_forecast_tables

    warehouse = data.paths.warehouse
    series = load_request_series(warehouse)
    results = forecast_many(series, HORIZON_DAYS, CUTOFFS)
    daily = forecast_daily_table(results)
    accuracy = forecast_accuracy_table(results)
    write_forecast_tables(warehouse, daily, accuracy)
    context.log.info(
        "forecast %d series: %s",
        len(results),
        ", ".join(f"{r.series}={r.model} ({r.chosen.accuracy:.3f})" for r in results),
    )

    daily_meta: dict[str, float | int | str] = {"dagster/row_count": len(daily)}
    if not daily.empty:
        daily_meta["first_day"] = str(daily["ds"].min().date())
        daily_meta["last_day"] = str(daily["ds"].max().date())
    accuracy_meta: dict[str, float | int | str] = {"dagster/row_count": len(accuracy)}
    for r in results:
        daily_meta[f"model/{r.series}"] = r.model
        accuracy_meta[f"accuracy/{r.series}"] = _metric(r.chosen.accuracy)
        accuracy_meta[f"relative_mae/{r.series}"] = _metric(r.chosen.relative_mae)
        accuracy_meta[f"coverage_80/{r.series}"] = _metric(r.chosen.coverage_80)
    yield dg.MaterializeResult(asset_key="forecast_daily", metadata=daily_meta)
    yield dg.MaterializeResult(asset_key="forecast_accuracy", metadata=accuracy_meta)


def _metric(x: float) -> float:
    # Dagster plots floats run over run; NaN (no score) is stored as -1 to stay numeric.
    return round(float(x), 4) if x == x else -1.0


@dg.asset_check(
    asset="forecast_accuracy",
    name="forecast_accuracy_target",
    pool="warehouse",
    description=(
        f"Each series' backtest 1 - WAPE >= {TARGET_ACCURACY} and relative MAE < 1 (it beats "
        "weekly seasonal naive). A platform series that misses fails with ERROR severity; "
        "component series that miss fail with WARN."
    ),
)
def forecast_accuracy_target(data: SynmonData) -> dg.AssetCheckResult:
    from synmon.forecasting.warehouse import read_accuracy

    table = read_accuracy(data.paths.warehouse)
    misses: list[str] = []
    platform_miss = False
    metadata: dict[str, float | str] = {}
    for row in table.itertuples(index=False):
        acc, rel = float(row.accuracy), float(row.relative_mae)
        metadata[f"accuracy/{row.series}"] = _metric(acc)
        metadata[f"relative_mae/{row.series}"] = _metric(rel)
        if not (acc >= TARGET_ACCURACY and rel < 1):
            misses.append(f"{row.series} (1 - WAPE {acc:.3f}, relative MAE {rel:.3f})")
            platform_miss = platform_miss or row.series.startswith(PLATFORM_PREFIX)
    if table.empty:
        misses.append("forecast_accuracy is empty")
        platform_miss = True
    metadata["misses"] = "; ".join(misses) or "none"
    return dg.AssetCheckResult(
        passed=not misses,
        severity=dg.AssetCheckSeverity.ERROR if platform_miss else dg.AssetCheckSeverity.WARN,
        metadata=metadata,
    )


FORECAST_ASSETS: list[dg.AssetsDefinition] = [forecasts]
FORECAST_CHECKS: list[dg.AssetChecksDefinition] = [forecast_accuracy_target]
