"""Ingestion's pure core: landing files in, typed Parquet lake, quarantine and manifests out.

`ingest_landing(landing, lake, streams)` is the one entry point the CLI, the Dagster assets and the
tests call. Formats live in `jsonlines` (with the field rules of `schemas`; `jsonload` picks its
fast or careful reader) and `prometheus`; bytes and growth in `content`; the on-disk layout in
`lake`; listing quarantined records in `audit`.
"""

from synmon.ingest.core import DEFAULT_STREAMS, SUPPORTED_STREAMS, ingest_landing, landing_files
from synmon.ingest.report import FileResult, IngestReport, StreamReport

__all__ = [
    "DEFAULT_STREAMS",
    "SUPPORTED_STREAMS",
    "FileResult",
    "IngestReport",
    "StreamReport",
    "ingest_landing",
    "landing_files",
]
