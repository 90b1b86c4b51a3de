"""Loading the formats parsed in Python: metrics pages and documents, and OTLP spans.

The metrics stream takes three formats, told apart by the new content itself: OTLP/JSON (a line
starting `{`), Fluent Bit's out_file metrics text (`<RFC3339 ts> name{labels} = value`), and
otherwise Prometheus text exposition or OpenMetrics. All become rows of the `metrics` dataset;
the traces stream's OTLP/JSON becomes the `spans` dataset. Rows are staged as NDJSON for DuckDB
(`lake.stage_rows`) and written with the same partitioned, rename-into-place writes as the rest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from synmon.ingest import fbmetrics, otlp, otlpdocs
from synmon.ingest import lake as lk
from synmon.ingest.content import BOM, NewContent, is_gzip, open_content
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
    "temporality": "VARCHAR",
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


@dataclass(frozen=True)
class Consumed:
    """How far a reader got when it left the end of the new content for the next run."""

    end: int  # content offset
    lines: int  # complete lines consumed past the content's start
    sha256: str  # of content bytes [0, end)


def _bytes(path: Path, end: int) -> bytes:
    with open_content(path) as fh:
        return fh.read(end)


def _first(text: str) -> str:
    return next((ln for ln in text.split("\n") if ln.strip()), "")


def _consumed(data: bytes, content: NewContent, stop: int) -> Consumed | None:
    if stop >= content.end:
        return None
    lines = data[content.start : stop].count(b"\n")
    return Consumed(stop, lines, hashlib.sha256(data[:stop]).hexdigest())


def _body(content: NewContent) -> int:
    """Where the new text starts: past a byte order mark at the start of the file."""
    return content.start + (len(BOM) if content.bom and content.start == 0 else 0)


def _otlp_docs(
    path: Path, data: bytes, content: NewContent
) -> tuple[list[otlpdocs.Doc], Consumed | None]:
    """The complete documents of the new content; a last one still being written waits."""
    body = _body(content)
    text = data[body:].decode("utf-8", "surrogateescape")
    docs, used = otlpdocs.split(text, content.first_line, final=is_gzip(path))
    stop = body + len(text[:used].encode("utf-8", "surrogateescape"))
    return docs, _consumed(data, content, stop)


def load_metrics(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    content: NewContent,
    rel: str,
    lake: Path,
    name: str,
    result: FileResult,
    out: StreamReport,
) -> Consumed | None:
    """The new lines of one metrics file, in whichever of the three formats it is; returns how
    far it read when an unfinished last line or document was left for the next run."""
    now = datetime.now(UTC).replace(tzinfo=None)
    data = _bytes(path, content.end)
    first = _first(data[_body(content) :].decode("utf-8", "replace")).lstrip()
    if first.startswith(("{", "[")):
        docs, consumed = _otlp_docs(path, data, content)
        rows, rejects = [], []
        for doc in docs:
            if doc.value is None:
                rejects.append((doc.line, doc.reason, doc.raw))
                continue
            got, bad = otlp.metric_rows(doc.value, doc.line, rel, now)
            rows += got
            rejects += bad
        result.reader = "otlp"
    else:
        complete = content.end - content.tail
        if data[complete:].strip() == b"# EOF":  # an OpenMetrics page saved without its newline
            complete = content.end
        consumed = _consumed(data, content, complete)
        whole = data[:complete].decode("utf-8-sig", "replace")
        new = data[content.start : complete].decode(
            "utf-8-sig" if content.start == 0 else "utf-8", "replace"
        )
        if fbmetrics.looks_like(_first(new).lstrip()):
            rows, rejects, _ = fbmetrics.parse_text(new, rel, content.first_line, now)
            result.reader = "fluent-bit text"
        else:
            # The whole page up to the consumed end, so `# TYPE` lines above the new samples
            # still type them and line numbers stay absolute; only samples on new lines are kept.
            scrape = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            rows, rejects, _ = parse_exposition(whole, rel, content.first_line, scrape, now)
            result.reader = "prometheus"
    _write(con, lake, "metrics", "metrics", name, _metric_dicts(rows), METRIC_COLUMNS, out)
    _quarantine(con, lake, "metrics", rel, name, rejects)
    result.records_in = len(rows) + len(rejects)
    result.loaded, result.quarantined = len(rows), len(rejects)
    if consumed is not None:
        result.note = "the last line or document is unfinished: it waits for the next run"
    return consumed


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
) -> Consumed | None:
    """The new OTLP/JSON trace documents of one traces file into the `spans` dataset."""
    now = datetime.now(UTC).replace(tzinfo=None)
    docs, consumed = _otlp_docs(path, _bytes(path, content.end), content)
    rows: list[dict[str, Any]] = []
    rejects: list[otlp.Reject] = []
    for doc in docs:
        if doc.value is None:
            rejects.append((doc.line, doc.reason, doc.raw))
            continue
        got, bad = otlp.span_rows(doc.value, doc.line, rel, now)
        rows += got
        rejects += bad
    _write(con, lake, "spans", "traces", name, rows, SPAN_COLUMNS, out)
    _quarantine(con, lake, "traces", rel, name, rejects)
    result.reader = "otlp"
    result.records_in = len(rows) + len(rejects)
    result.loaded, result.quarantined = len(rows), len(rejects)
    if consumed is not None:
        result.note = "the last document is unfinished: it waits for the next run"
    return consumed


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
