"""The `capacity_plan` and `insights` assets, and `INTELLIGENCE_ASSETS` (with `anomalies`) for
the one Definitions. The work happens in `synmon.capacity` and `synmon.insights`."""

import dagster as dg

from assets.anomalies import ANOMALY_ASSETS
from assets.resources import SynmonData


@dg.asset(
    deps=[dg.AssetKey("rpt_resources_hourly"), dg.AssetKey("rpt_performance_hourly")],
    group_name="intelligence",
    kinds={"python", "duckdb"},
    pool="warehouse",
)
def capacity_plan(context: dg.AssetExecutionContext, data: SynmonData) -> dg.MaterializeResult:
    """Capacity plan: one row per resource (cpu, memory, disk, requests_per_second) and
    component, with its limit from config/capacity.yaml and the first day within the horizon the
    forecast of the daily busiest-hour peak (and its 80% upper bound) reaches it, or null."""
    from synmon.capacity import (
        load_capacity_config,
        load_capacity_series,
        plan_capacity,
        write_capacity_plan,
    )

    config = load_capacity_config()
    warehouse = data.paths.warehouse
    plan = plan_capacity(load_capacity_series(warehouse), config)
    write_capacity_plan(warehouse, plan)
    crossing = plan[plan["first_crossing"].notna()]
    upper = plan[plan["first_crossing_upper"].notna()]
    context.log.info("capacity: %d resources, %d forecast to cross", len(plan), len(crossing))
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(plan),
            "horizon_days": config.horizon_days,
            "forecast_crossings": len(crossing),
            "upper_bound_crossings": len(upper),
            "crossings": dg.MetadataValue.md(
                upper.drop(columns=["model"]).to_markdown(index=False) if len(upper) else "none"
            ),
        }
    )


@dg.asset(
    deps=[
        dg.AssetKey("anomalies"),
        dg.AssetKey("capacity_plan"),
        dg.AssetKey("rpt_platform_daily"),
        dg.AssetKey("rpt_component_daily"),
        dg.AssetKey("rpt_performance_hourly"),
        dg.AssetKey("fct_requests"),
    ],
    group_name="intelligence",
    kinds={"python", "duckdb"},
    pool="warehouse",
)
def insights(context: dg.AssetExecutionContext, data: SynmonData) -> dg.MaterializeResult:
    """Ranked findings, one row each: week-over-week regressions with the component, endpoint
    and domain that drive them, capacity warnings, cost spikes and open anomalies, each with its
    numbers (evidence, JSON) and the SQL query that shows them (run it with `synmon sql`)."""
    from synmon.capacity import load_capacity_config
    from synmon.insights import build_insights, write_insights

    warehouse = data.paths.warehouse
    findings = build_insights(warehouse, load_capacity_config().horizon_days)
    write_insights(warehouse, findings)
    kinds: dict[str, int] = {}
    for f in findings:
        kinds[f.kind] = kinds.get(f.kind, 0) + 1
    context.log.info("insights: %d findings %s", len(findings), kinds)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(findings),
            **{f"kind/{k}": v for k, v in sorted(kinds.items())},
            "top": dg.MetadataValue.md(
                "\n".join(f"{i}. {f.title}" for i, f in enumerate(findings[:10], 1)) or "none"
            ),
        }
    )


INTELLIGENCE_ASSETS: list[dg.AssetsDefinition] = [*ANOMALY_ASSETS, capacity_plan, insights]
