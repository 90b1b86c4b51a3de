"""Loading the formats parsed in Python: metrics pages and documents, and OTLP spans.

The metrics stream takes three formats, told apart by the new content itself: OTLP/JSON (a line
starting `{`), Fluent Bit's out_file metrics text (`<RFC3339 ts> name{labels} = value`), and
otherwise Prometheus text exposition or OpenMetrics. All become rows of the `metrics` dataset;
the traces stream's OTLP/JSON becomes the `spans` dataset. Rows are staged as NDJSON for DuckDB
(`lake.stage_rows`) and written with the same partitioned, rename-into-place writes as the rest.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from synmon.ingest import fbmetrics, otlp
from synmon.ingest import lake as lk
from synmon.ingest.content import NewContent, open_content
from synmon.ingest.prometheus import MetricRow, parse_exposition
from synmon.ingest.report import FileResult, StreamReport
from synmon.ingest.schemas import RAW_LIMIT

METRIC_COLUMNS = {
    "ts": "TIMESTAMP",
    "name": "VARCHAR",
    "type": "VARCHAR",
    "value": "DOUBLE",
    "host": "VARCHAR",
    "component": "VARCHAR",
    "le": "VARCHAR",
    "quantile": "VARCHAR",
    "labels": "VARCHAR",
    "_source": "VARCHAR",
    "_line": "BIGINT",
}
SPAN_COLUMNS = {
    "ts": "TIMESTAMP",
    "trace_id": "VARCHAR",
    "span_id": "VARCHAR",
    "parent_span_id": "VARCHAR",
    "name": "VARCHAR",
    "component": "VARCHAR",
    "kind": "VARCHAR",
    "end_ts": "TIMESTAMP",
    "duration_ms": "DOUBLE",
    "status": "VARCHAR",
    "status_message": "VARCHAR",
    "attributes": "VARCHAR",
    "_source": "VARCHAR",
    "_line": "BIGINT",
}
QUARANTINE_STAGE = {
    "stream": "VARCHAR",
    "file": "VARCHAR",
    "line": "BIGINT",
    "reason": "VARCHAR",
    "raw": "VARCHAR",
}


def _bytes(path: Path, end: int) -> bytes:
    with open_content(path) as fh:
        return fh.read(end)


def _first(text: str) -> str:
    return next((ln for ln in text.split("\n") if ln.strip()), "")


def load_metrics(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    content: NewContent,
    rel: str,
    lake: Path,
    name: str,
    result: FileResult,
    out: StreamReport,
) -> None:
    """The new lines of one metrics file, in whichever of the three formats it is."""
    now = datetime.now(UTC).replace(tzinfo=None)
    data = _bytes(path, content.end)
    whole, new = data.decode("utf-8", "replace"), data[content.start :].decode("utf-8", "replace")
    first = _first(new).lstrip()
    if first.startswith("{"):
        rows, rejects = [], []
        for line, doc, raw in otlp.documents(new, content.first_line):
            if doc is None:
                rejects.append((line, "not valid JSON", raw))
                continue
            got, bad = otlp.metric_rows(doc, line, rel, now)
            rows += got
            rejects += bad
        result.reader = "otlp"
    elif fbmetrics.looks_like(first):
        rows, rejects, _ = fbmetrics.parse_text(new, rel, content.first_line, now)
        result.reader = "fluent-bit text"
    else:
        # The whole page up to the consumed end, so `# TYPE` lines above the new samples still
        # type them and line numbers stay absolute; only samples on new lines are kept.
        scrape = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        rows, rejects, _ = parse_exposition(whole, rel, content.first_line, scrape, now)
        result.reader = "prometheus"
    _write(con, lake, "metrics", "metrics", name, _metric_dicts(rows), METRIC_COLUMNS, out)
    _quarantine(con, lake, "metrics", rel, name, rejects)
    result.records_in = len(rows) + len(rejects)
    result.loaded, result.quarantined = len(rows), len(rejects)


def _metric_dicts(rows: list[MetricRow]) -> list[dict[str, Any]]:
    # vars(), not asdict(): asdict deep-copies every field, a third of the metrics time.
    return [{**vars(r), "value": repr(r.value)} for r in rows]


def load_spans(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    content: NewContent,
    rel: str,
    lake: Path,
    name: str,
    result: FileResult,
    out: StreamReport,
) -> None:
    """The new OTLP/JSON trace documents of one traces file into the `spans` dataset."""
    now = datetime.now(UTC).replace(tzinfo=None)
    new = _bytes(path, content.end)[content.start :].decode("utf-8", "replace")
    rows: list[dict[str, Any]] = []
    rejects: list[otlp.Reject] = []
    for line, doc, raw in otlp.documents(new, content.first_line):
        if doc is None:
            rejects.append((line, "not valid JSON", raw))
            continue
        got, bad = otlp.span_rows(doc, line, rel, now)
        rows += got
        rejects += bad
    _write(con, lake, "spans", "traces", name, rows, SPAN_COLUMNS, out)
    _quarantine(con, lake, "traces", rel, name, rejects)
    result.reader = "otlp"
    result.records_in = len(rows) + len(rejects)
    result.loaded, result.quarantined = len(rows), len(rejects)


def _write(
    con: duckdb.DuckDBPyConnection,
    lake: Path,
    dataset: str,
    stream: str,
    name: str,
    rows: list[dict[str, Any]],
    columns: dict[str, str],
    out: StreamReport,
) -> None:
    if rows:
        relation = lk.stage_rows(rows, columns, lake)
        out.partitions.update(lk.write_partitions(con, relation, lake, dataset, name))


def _quarantine(
    con: duckdb.DuckDBPyConnection,
    lake: Path,
    stream: str,
    rel: str,
    name: str,
    rejects: Iterable[tuple[int, str, str]],
) -> None:
    bad = [
        {"stream": stream, "file": rel, "line": n, "reason": why, "raw": raw[:RAW_LIMIT]}
        for n, why, raw in rejects
    ]
    if bad:
        relation = lk.stage_rows(bad, QUARANTINE_STAGE, lake)
        sql = f"SELECT *, now()::TIMESTAMP AS ingested_at FROM {relation} ORDER BY line"
        lk.write_quarantine(con, sql, lake, stream, name)
