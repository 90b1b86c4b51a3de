"""The lake assets: landing files parsed, typed and validated into date-partitioned Parquet.

One multi-asset runs a single ingest pass (`synmon.ingest.ingest_landing`) over the selected
streams and reports each lake dataset; one asset check per dataset reconciles the manifests with
the rows on disk. The lead wires `INGEST_ASSETS` and `INGEST_CHECKS` into the Definitions.
"""

from collections.abc import Iterator

import dagster as dg

from assets.resources import SynmonData

STREAM_DESCRIPTIONS = {
    "requests": "One row per API request from the platform's gateways and services (Fluent Bit"
    " JSON lines), typed and validated; grain: one request. Partitioned by UTC date of `ts`.",
    "events": "One row per business or quality event (content generated, validation result,"
    " quality score, user feedback, deploy); grain: one event. Partitioned by UTC date of `ts`.",
    "metrics": "One row per Prometheus/OpenMetrics sample (histogram buckets keep `le`,"
    " summaries `quantile`); Prometheus, OpenMetrics, OTLP/JSON and Fluent Bit metrics text;"
    " grain: one sample of one series at one scrape time.",
    "logs": "One row per application log record (JSON lines in any Fluent Bit shape): ts, level,"
    " component, message, host, other keys as JSON text in `fields`; grain: one log record.",
    "access": "One row per web access log line accepted by Fluent Bit's apache2 regex, or per"
    " apache2/nginx parser record; latency_ms stays NULL; grain: one HTTP request.",
    "traces": "One row per OTLP span (trace_id, span_id, parent_span_id, name, component from"
    " service.name, ts = start, duration_ms, status); grain: one span.",
}
DATASET_OF = {"traces": "spans"}
LAKE_KEYS = {
    stream: dg.AssetKey(["lake", DATASET_OF.get(stream, stream)]) for stream in STREAM_DESCRIPTIONS
}


class IngestConfig(dg.Config):
    """Per-run switches of the lake ingest."""

    archive: bool = False  # move consumed, settled landing files to landing/_consumed/<stream>/
    settle_seconds: float = 2.0  # "settled": not written for this long (two Fluent Bit flushes)


@dg.multi_asset(
    name="lake_ingest",
    specs=[
        dg.AssetSpec(
            key,
            group_name="ingest",
            description=STREAM_DESCRIPTIONS[stream],
            kinds={"parquet", "duckdb"},
        )
        for stream, key in LAKE_KEYS.items()
    ],
    can_subset=True,
)
def lake_ingest(
    context: dg.AssetExecutionContext, data: SynmonData, config: IngestConfig
) -> Iterator[dg.MaterializeResult]:
    """Ingest every new landing file of the selected streams in one pass."""
    from synmon.ingest import ingest_landing

    paths = data.paths
    streams = [s for s, key in LAKE_KEYS.items() if key in context.selected_asset_keys]
    report = ingest_landing(
        paths.landing,
        paths.lake,
        streams,
        archive=config.archive,
        settle_seconds=config.settle_seconds,
    )
    for stream in streams:
        part = report.streams[stream]
        days = sorted(part.partitions)
        for path, error in part.errors.items():
            context.log.warning(f"{path}: unreadable: {error}")
        yield dg.MaterializeResult(
            asset_key=LAKE_KEYS[stream],
            metadata={
                **{k: dg.MetadataValue.int(v) for k, v in part.counts().items()},
                "partitions": dg.MetadataValue.json(days),
                "first_date": days[0] if days else "",
                "last_date": days[-1] if days else "",
                "unreadable_files": dg.MetadataValue.json(part.errors),
                "archived_files": dg.MetadataValue.json(part.archived),
                "path": dg.MetadataValue.path(str(paths.lake / DATASET_OF.get(stream, stream))),
            },
        )


def _reconcile_check(stream: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=LAKE_KEYS[stream],
        name="records_reconcile",
        description="Every landing record is loaded or quarantined: records_in = loaded +"
        " quarantined per file, and the lake and quarantine hold exactly those rows.",
    )
    def check(data: SynmonData) -> dg.AssetCheckResult:
        from synmon.ingest.audit import reconcile

        rec = reconcile(data.paths.lake, stream)
        return dg.AssetCheckResult(
            passed=rec.ok,
            metadata={
                "files": rec.files,
                "records_in": rec.records_in,
                "loaded": rec.loaded,
                "quarantined": rec.quarantined,
                "lake_rows": rec.lake_rows,
                "quarantine_rows": rec.quarantine_rows,
                "unbalanced_files": dg.MetadataValue.json(rec.unbalanced_files),
                "unreadable_files": dg.MetadataValue.json(rec.unreadable_files),
            },
        )

    return check


INGEST_ASSETS: list[dg.AssetsDefinition] = [lake_ingest]
INGEST_CHECKS: list[dg.AssetChecksDefinition] = [_reconcile_check(s) for s in LAKE_KEYS]
