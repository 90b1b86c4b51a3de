"""Loading one JSON-lines byte range into the lake: the read_json fast path and the careful one.

Plain content (every line a JSON object) goes from `read_json` through the stream's checks straight
into one partitioned COPY; rows with a reason are counted there and only their lines are read
again, for the quarantine. Anything else, or plain content that `read_json` refuses or miscounts,
goes through the line reader into a temp table that keeps each line's text.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb

from synmon.ingest import lake as lk
from synmon.ingest.content import NewContent
from synmon.ingest.jsonlines import parse_sql, raw_lines_sql
from synmon.ingest.report import FileResult, StreamReport
from synmon.ingest.schemas import JSON_STREAMS, RAW_LIMIT, JsonStream


def load_json(
    con: duckdb.DuckDBPyConnection,
    stream: str,
    content: NewContent,
    rel: str,
    lake: Path,
    slug: str,
    result: FileResult,
    out: StreamReport,
) -> None:
    """Load the new lines of one JSON-lines file: typed rows per date, bad ones to quarantine."""
    spec = JSON_STREAMS[stream]
    name = f"{slug}-{content.start}-{content.end}"
    now = datetime.now(UTC).replace(tzinfo=None)
    counts = None
    if content.plain and not spec.extra:
        # read_json fails as a whole on any malformed line; the careful reader then names it.
        try:
            counts = _load_fast(con, spec, content, rel, lake, name, now, out)
        except duckdb.Error:
            counts = None
        con.execute("DROP VIEW IF EXISTS fast")
        if counts is None:
            lk.remove_uncommitted(lake, spec.dataset, stream, slug, content.start)
    if counts is None:
        counts = _load_careful(con, spec, content, rel, lake, name, now, out)
        result.reader = "lines"
    else:
        result.reader = "read_json"
    good, bad = counts
    result.records_in, result.loaded, result.quarantined = good + bad, good, bad


def _load_fast(
    con: duckdb.DuckDBPyConnection,
    spec: JsonStream,
    content: NewContent,
    rel: str,
    lake: Path,
    name: str,
    now: datetime,
    out: StreamReport,
) -> tuple[int, int] | None:
    """Plain content straight from read_json into the lake in one scan; None if it did not fit."""
    sql = parse_sql(spec, content, rel, now, fast=True)
    con.execute(f"CREATE OR REPLACE TEMP VIEW fast AS {sql}")
    written = lk.write_partitions(
        con,
        "fast",
        lake,
        spec.dataset,
        name,
        reject="_reason IS NOT NULL",
        drop=("_reason", "_raw"),
    )
    bad = written.pop(lk.REJECTED, 0)
    good = sum(written.values())
    if good + bad != content.n_lines:
        return None
    if bad:
        # read_json keeps no text: the lines of the (few) bad records are read again.
        con.execute(
            "CREATE OR REPLACE TEMP TABLE bad AS"
            " SELECT _source, _line, _reason FROM fast WHERE _reason IS NOT NULL"
        )
        lines = raw_lines_sql(content, "SELECT _line FROM bad")
        lk.write_quarantine(
            con,
            f"SELECT '{spec.stream}' AS stream, _source AS file, _line AS line,"
            f" _reason AS reason, left(r.raw, {RAW_LIMIT}) AS raw,"
            " now()::TIMESTAMP AS ingested_at"
            f" FROM bad JOIN {lines} r USING (_line) ORDER BY _line",
            lake,
            spec.stream,
            name,
        )
        con.execute("DROP TABLE bad")
    out.partitions.update(written)
    return good, bad


def _load_careful(
    con: duckdb.DuckDBPyConnection,
    spec: JsonStream,
    content: NewContent,
    rel: str,
    lake: Path,
    name: str,
    now: datetime,
    out: StreamReport,
) -> tuple[int, int]:
    """Any shape, line by line in SQL, through a temp table that also keeps each bad line's text."""
    columns = [f.name for f in spec.fields] + (["fields"] if spec.extra else [])
    sql = parse_sql(spec, content, rel, now)
    return load_parsed(con, sql, spec.stream, spec.dataset, columns, lake, name, out)


def load_parsed(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    stream: str,
    dataset: str,
    columns: list[str],
    lake: Path,
    name: str,
    out: StreamReport,
) -> tuple[int, int]:
    """Rows of `sql` (`columns`, `_source`, `_line`, `_reason`, `_raw`): good ones to the lake,
    the others to quarantine; returns (loaded, quarantined)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE parsed AS {sql}")
    good, bad = con.execute(
        "SELECT count(*) FILTER (_reason IS NULL), count(*) FILTER (_reason IS NOT NULL)"
        " FROM parsed"
    ).fetchone() or (0, 0)
    listing = ", ".join(f'"{c}"' for c in columns)
    if good:
        con.execute(
            "CREATE OR REPLACE TEMP VIEW parsed_good AS"
            f" SELECT {listing}, _source, _line FROM parsed WHERE _reason IS NULL"
        )
        out.partitions.update(lk.write_partitions(con, "parsed_good", lake, dataset, name))
    if bad:
        lk.write_quarantine(
            con,
            f"SELECT '{stream}' AS stream, _source AS file, _line AS line, _reason AS reason,"
            " _raw AS raw, now()::TIMESTAMP AS ingested_at FROM parsed"
            " WHERE _reason IS NOT NULL ORDER BY _line",
            lake,
            stream,
            name,
        )
    con.execute("DROP TABLE parsed")
    return int(good), int(bad)
