"""The `anomalies` asset: a thin adapter over `synmon.anomaly.hourly` (the causal detector over the
hourly series per component, and its precision and recall against the simulator's labels).
"""

from typing import Any

import dagster as dg

from assets.resources import SynmonData
from synmon.anomaly.hourly import (
    detect_anomalies,
    incident_summary,
    load_hourly_series,
    load_incidents,
    write_anomalies,
)


@dg.asset(
    deps=[dg.AssetKey("rpt_performance_hourly"), dg.AssetKey("rpt_resources_hourly")],
    group_name="intelligence",
    kinds={"python", "duckdb"},
    pool="warehouse",
)
def anomalies(context: dg.AssetExecutionContext, data: SynmonData) -> dg.MaterializeResult:
    """Anomalous points of the hourly series per component (requests, error_rate, latency_p95,
    cpu): one row per series and hour the causal detector scores >= 0.5 (a new record surprise),
    with the value, the expected value, the score and a severity (low, medium, high, critical)."""
    paths = data.paths
    series = load_hourly_series(paths.warehouse)
    table = detect_anomalies(series)
    write_anomalies(paths.warehouse, table)
    metadata: dict[str, Any] = {
        "dagster/row_count": len(table),
        "series": len(series),
        "points_scored": int(sum(len(s) for s in series.values())),
    }
    for severity, count in table["severity"].value_counts().items():
        metadata[f"severity/{severity}"] = int(count)
    incidents = load_incidents(paths.labels)
    if incidents:
        summary, scores = incident_summary(table, incidents, set(series))
        metadata.update({k: dg.MetadataValue.float(v) for k, v in summary.items()})
        metadata["incidents"] = dg.MetadataValue.md(scores.to_markdown(index=False))
        context.log.info("incident detection: %s", summary)
    return dg.MaterializeResult(metadata=metadata)


ANOMALY_ASSETS: list[dg.AssetsDefinition] = [anomalies]
