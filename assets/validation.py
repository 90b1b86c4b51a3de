"""Great Expectations suites as Dagster asset checks on the lake datasets.

One check, `expectations`, per lake asset (`lake/requests`, `lake/events`, `lake/metrics`). Each
runs that dataset's suite (`config/expectations/<dataset>.yaml`) through `synmon.quality` over the
latest date partitions and reports, per expectation, success, unexpected count and percent, rows
checked and a few unexpected values. A failed hard contract rule fails with ERROR severity; only
soft rules failing (or no data at all) fails with WARN. The lead wires `VALIDATION_CHECKS`.
"""

from typing import Any

import dagster as dg

from assets.resources import SynmonData

DATASETS = ("requests", "events", "metrics")


class ValidationConfig(dg.Config):
    """How much of the lake a check validates."""

    latest_partitions: int = 7
    """Validate the latest N date partitions; 0 validates every partition."""
    max_rows: int = 1_000_000
    """Above this many rows in scope, validate a repeatable reservoir sample of this size."""


def _expectations_check(dataset: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(["lake", dataset]),
        name="expectations",
        description=f"Great Expectations suite config/expectations/{dataset}.yaml over the latest"
        " date partitions of the lake dataset: hard contract rules fail with ERROR, soft rules"
        " with WARN.",
        blocking=False,
    )
    def check(
        context: dg.AssetCheckExecutionContext, config: ValidationConfig, data: SynmonData
    ) -> dg.AssetCheckResult:
        from synmon.quality import validate_dataset

        result = validate_dataset(
            data.paths.lake,
            dataset,
            latest_partitions=config.latest_partitions,
            max_rows=config.max_rows,
        )
        context.log.info(
            f"{dataset}: {result.scope.describe()}; {len(result.failed)} of"
            f" {len(result.outcomes)} expectations failed in {result.seconds:.1f} s"
        )
        return dg.AssetCheckResult(
            passed=result.passed,
            severity=dg.AssetCheckSeverity.ERROR
            if result.severity == "error"
            else dg.AssetCheckSeverity.WARN,
            description=_summary(result),
            metadata=check_metadata(result),
        )

    return check


def check_metadata(result: Any) -> dict[str, Any]:
    """The check's metadata: scope, counts, then per expectation success and unexpected rows."""
    scope = result.scope
    meta: dict[str, Any] = {
        "suite": f"config/expectations/{result.dataset}.yaml",
        "scope": scope.describe(),
        "rows_checked": dg.MetadataValue.int(scope.rows_checked),
        "rows_in_scope": dg.MetadataValue.int(scope.rows_in_scope),
        "sampled": dg.MetadataValue.bool(scope.sampled),
        "partitions_checked": dg.MetadataValue.json(list(scope.partitions)),
        "partitions_total": dg.MetadataValue.int(scope.partitions_total),
        "expectations": dg.MetadataValue.int(len(result.outcomes)),
        "failed": dg.MetadataValue.int(len(result.failed)),
        "failed_expectations": ", ".join(o.id for o in result.failed) or "none",
        "seconds": dg.MetadataValue.float(round(result.seconds, 3)),
        "results": dg.MetadataValue.md(_table(result)),
    }
    for o in result.outcomes:
        meta[f"unexpected/{o.id}"] = dg.MetadataValue.int(o.unexpected_count)
        meta[f"expectation/{o.id}"] = dg.MetadataValue.json(
            {
                "expectation": o.expectation,
                "column": o.column,
                "severity": o.severity,
                "success": o.success,
                "element_count": o.element_count,
                "unexpected_count": o.unexpected_count,
                "unexpected_percent": o.unexpected_percent,
                "missing_count": o.missing_count,
                "sample": o.sample,
                "error": o.error,
            }
        )
    return meta


def _summary(result: Any) -> str:
    if not result.outcomes:
        return result.scope.describe()
    if result.passed:
        return f"all {len(result.outcomes)} expectations hold on {result.scope.describe()}"
    return "failed: " + "; ".join(
        f"{o.id} ({o.severity}, {o.unexpected_count} rows{', ' + o.error if o.error else ''})"
        for o in result.failed
    )


def _table(result: Any) -> str:
    lines = [
        "| expectation | column | severity | ok | unexpected | % | rows |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for o in result.outcomes:
        lines.append(
            f"| {o.id} | {o.column} | {o.severity} | {'yes' if o.success else '**no**'} |"
            f" {o.unexpected_count} | {o.unexpected_percent:g} | {o.element_count} |"
        )
    return "\n".join(lines)


VALIDATION_CHECKS: list[dg.AssetChecksDefinition] = [_expectations_check(d) for d in DATASETS]
