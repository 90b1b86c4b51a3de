"""Dagster assets for forecasting: `forecast_daily`, `forecast_hourly` and `forecast_accuracy` from
the daily and hourly marts, and the `forecast_accuracy_target` check. The work happens in
`synmon.forecasting`."""

from collections.abc import Iterator
from typing import TYPE_CHECKING

import dagster as dg

from assets.resources import SynmonData

if TYPE_CHECKING:
    import pandas as pd

HORIZON_DAYS = 30
HOURLY_HORIZON_DAYS = 7
CUTOFFS = 3
TARGET_ACCURACY = 0.85
GATED_SERIES = "platform:requests"  # a miss here is an ERROR; other series WARN

MART_DEPS = [dg.AssetKey("rpt_platform_daily"), dg.AssetKey("rpt_component_daily")]
HOURLY_DEPS = [dg.AssetKey("rpt_performance_hourly"), dg.AssetKey("rpt_resources_hourly")]


@dg.multi_asset(
    name="forecasts",
    specs=[
        dg.AssetSpec(
            "forecast_daily",
            deps=MART_DEPS,
            group_name="intelligence",
            kinds={"python", "duckdb"},
            description=(
                "Daily forecasts 30 days past the last complete day: one row per series "
                "(`<platform|component>:<requests|latency_p95|error_rate|active_users|cost>`) "
                "and day, with the 80% interval and the model that serves the series (the "
                "lowest backtest MAE of the Prophet candidates and weekly seasonal naive)."
            ),
        ),
        dg.AssetSpec(
            "forecast_hourly",
            deps=HOURLY_DEPS,
            group_name="intelligence",
            kinds={"python", "duckdb"},
            description=(
                "Hourly forecasts 7 days past the last complete hour, for capacity: one row per "
                "series (`<platform|component>:hourly_requests`, `<component>:hourly_cpu`) and "
                "hour, with the 80% interval and the serving model."
            ),
        ),
        dg.AssetSpec(
            "forecast_accuracy",
            deps=MART_DEPS + HOURLY_DEPS,
            group_name="intelligence",
            kinds={"python", "duckdb"},
            description=(
                "Rolling-origin backtest of each served forecast: one row per series and cutoff "
                "(3 cutoffs, 30-day horizon or 7 for hourly series, original scale) with "
                "1 - WAPE, MAE, MAPE (where every actual > 0), the same for weekly seasonal "
                "naive, relative MAE, the share of actuals in the 80% interval, and `flagged` "
                "with a `note` when seasonal naive serves because Prophet lost."
            ),
        ),
    ],
    pool="warehouse",
    can_subset=True,
)
def forecasts(
    context: dg.AssetExecutionContext, data: SynmonData
) -> Iterator[dg.MaterializeResult]:
    from synmon.forecasting import (
        forecast_accuracy_table,
        forecast_daily_table,
        forecast_hourly_table,
        forecast_jobs,
    )
    from synmon.forecasting.warehouse import (
        load_daily_series,
        load_hourly_series,
        write_forecast_tables,
    )

    # Report jobs select only the daily pair (their upstream); the hourly part then is skipped.
    # forecast_daily and forecast_accuracy are computed together: select both or neither.
    selected = {k.to_user_string() for k in context.selected_asset_keys}
    do_hourly = "forecast_hourly" in selected
    do_daily = bool(selected & {"forecast_daily", "forecast_accuracy"})
    warehouse = data.paths.warehouse
    # hourly fits are the slowest: first, so the pool does not end on one
    jobs = []
    if do_hourly:
        hourly_series = load_hourly_series(warehouse)
        jobs += [(n, df, HOURLY_HORIZON_DAYS, CUTOFFS) for n, df in hourly_series.items()]
    if do_daily:
        daily_series = load_daily_series(warehouse)
        jobs += [(n, df, HORIZON_DAYS, CUTOFFS) for n, df in daily_series.items()]
    results = forecast_jobs(jobs)
    daily = forecast_daily_table(results)
    hourly = forecast_hourly_table(results)
    accuracy = forecast_accuracy_table(results)
    write_forecast_tables(
        warehouse, daily if do_daily else None, accuracy, hourly if do_hourly else None
    )
    context.log.info(
        "forecast %d series: %s",
        len(results),
        ", ".join(f"{r.series}={r.model} ({r.chosen.accuracy:.3f})" for r in results),
    )

    if "forecast_daily" in selected:
        yield dg.MaterializeResult(asset_key="forecast_daily", metadata=_table_meta(daily, "day"))
    if do_hourly:
        yield dg.MaterializeResult(
            asset_key="forecast_hourly", metadata=_table_meta(hourly, "hour")
        )
    if "forecast_accuracy" not in selected:
        return
    accuracy_meta: dict[str, float | int | str] = {
        "dagster/row_count": len(accuracy),
        "series": len(results),
        "skipped_series": len(jobs) - len(results),  # too short to backtest
        "flagged_series": sum(r.flagged for r in results),
        "cpu_seconds": round(sum(r.cpu_seconds for r in results), 2),
    }
    for r in results:
        accuracy_meta[f"model/{r.series}"] = r.model
        accuracy_meta[f"accuracy/{r.series}"] = _metric(r.chosen.accuracy)
        accuracy_meta[f"relative_mae/{r.series}"] = _metric(r.chosen.relative_mae)
        accuracy_meta[f"coverage_80/{r.series}"] = _metric(r.chosen.coverage_80)
        accuracy_meta[f"mape/{r.series}"] = _metric(r.chosen.mape)
    yield dg.MaterializeResult(asset_key="forecast_accuracy", metadata=accuracy_meta)


def _table_meta(table: "pd.DataFrame", unit: str) -> dict[str, float | int | str]:
    meta: dict[str, float | int | str] = {"dagster/row_count": len(table)}
    if not table.empty:
        meta["series"] = int(table["series"].nunique())
        meta[f"first_{unit}"] = str(table["ds"].min())
        meta[f"last_{unit}"] = str(table["ds"].max())
    return meta


def _metric(x: float) -> float:
    # Dagster plots floats run over run; NaN (no score) is stored as -1 to stay numeric.
    return round(float(x), 4) if x == x else -1.0


@dg.asset_check(
    asset="forecast_accuracy",
    name="forecast_accuracy_target",
    pool="warehouse",
    description=(
        f"Each series' backtest 1 - WAPE >= {TARGET_ACCURACY} and relative MAE < 1 (it beats "
        f"weekly seasonal naive). A miss by {GATED_SERIES} fails with ERROR severity; misses "
        "by other series fail with WARN."
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
            platform_miss = platform_miss or row.series == GATED_SERIES
    if GATED_SERIES not in set(table["series"]):
        misses.append(f"{GATED_SERIES} has no backtest")
        platform_miss = True
    metadata["misses"] = "; ".join(misses) or "none"
    return dg.AssetCheckResult(
        passed=not misses,
        severity=dg.AssetCheckSeverity.ERROR if platform_miss else dg.AssetCheckSeverity.WARN,
        metadata=metadata,
    )


FORECAST_ASSETS: list[dg.AssetsDefinition] = [forecasts]
FORECAST_CHECKS: list[dg.AssetChecksDefinition] = [forecast_accuracy_target]
