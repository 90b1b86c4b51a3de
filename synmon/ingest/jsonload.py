"""Loading one JSON-lines byte range into the lake: the read_json fast path and the careful one.

Content that looks like plain JSON objects is read once by `read_json` (`jsonlines.fast_sql`) into
a table, in parallel and in file order, so `rowid` is the line number and nothing serialises the
scan (`WITH ORDINALITY` would: it plans a one-thread streaming window). Rows flagged `_ok` go
straight to the lake, one COPY per date when the dates are clustered (`lk.write_days`), else one
partitioned COPY, and so do rows `_zero_one` whose line holds no JSON boolean in a number field
(`recheck`); the lines of the others (usually none) are read again by the careful reader, which
loads or quarantines them with their reasons.

For a file read from its first byte, `FastRead` starts that query in a thread before the Python
pre-scan (`content.read_new`: hash, line count, UTF-8 check), so the two overlap; the result is
used only when the scan agrees (same bytes, clean, every line a row). Content the typed read
refuses is read again untyped; anything else, or content `read_json` refuses untyped too, goes
through the careful line reader into a temp table that keeps each line's text.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from synmon.ingest import lake as lk
from synmon.ingest.content import NewContent, is_gzip
from synmon.ingest.jsonlines import _lit, fast_sql, parse_sql
from synmon.ingest.recheck import DOUBTED, FAST, doubt_zero_ones, parse_not_kept
from synmon.ingest.report import FileResult, StreamReport
from synmon.ingest.schemas import JSON_STREAMS, JsonStream

_SNIFF = 65536
_RUN = 16384  # rows of slack per date when judging whether a file's dates are clustered
_MAX_DAYS = 366  # more dates than this: one partitioned COPY, not hundreds of COPYs


class FastRead:
    """`fast_sql` over one file into temp table `fast`, running in a thread until `wait`.

    Nothing else may use the connection until `wait` returns. `close` drops the table.
    """

    def __init__(
        self, con: duckdb.DuckDBPyConnection, spec: JsonStream, path: Path, typed: bool = True
    ) -> None:
        self.con, self.spec, self.path, self.typed, self.error = con, spec, path, typed, None
        self.now = datetime.now(UTC).replace(tzinfo=None)
        # Not TEMP: `lk.write_days` reads it from several cursors (TEMP is private to one).
        self._sql = f"CREATE OR REPLACE TABLE {FAST} AS {fast_sql(spec, path, self.now, typed)}"
        self._thread = threading.Thread(target=self._run, name="synmon-fast-read", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self.con.execute(self._sql)
        except duckdb.Error as exc:
            self.error = exc

    def wait(self) -> bool:
        """Whether `read_json` took the whole file."""
        self._thread.join()
        return self.error is None

    def untyped(self) -> FastRead:
        """After a typed read refused the file: the same read with every value as text."""
        self.close()
        return FastRead(self.con, self.spec, self.path, typed=False)

    def close(self) -> None:
        self.wait()
        self.con.execute(f"DROP TABLE IF EXISTS {FAST}")


def looks_plain(path: Path, offset: int = 0) -> bool:
    """Whether the line at `offset` opens a plain JSON object (not stdout's `{"date":` shape)."""
    with path.open("rb") as fh:
        fh.seek(offset)
        head = fh.read(_SNIFF)
    return head.startswith(b"{") and not head.startswith(b'{"date":')


def start_fast(
    con: duckdb.DuckDBPyConnection, stream: str, path: Path, offset: int
) -> FastRead | None:
    """A FastRead of the whole source, when it may serve: a JSON stream, read from the start."""
    spec = JSON_STREAMS.get(stream)
    if spec is None or spec.extra or offset or is_gzip(path) or not looks_plain(path):
        return None
    return FastRead(con, spec, path)


def load_json(
    con: duckdb.DuckDBPyConnection,
    stream: str,
    content: NewContent,
    rel: str,
    lake: Path,
    slug: str,
    result: FileResult,
    out: StreamReport,
    fast: FastRead | None = None,
) -> None:
    """Load the new lines of one JSON-lines file: typed rows per date, bad ones to quarantine.

    `fast`, from `start_fast` on the same file, is used when the pre-scan agrees with it.
    """
    spec = JSON_STREAMS[stream]
    name = f"{slug}-{content.start}-{content.end}"
    counts = None
    if fast is not None and not _same_bytes(fast, content):
        fast.close()
        fast = None
    copy = fast is None and not spec.extra and content.n_lines and content.copied
    if copy and looks_plain(content.read_path):
        fast = FastRead(con, spec, content.read_path)
    if fast is not None:
        try:
            if not fast.wait() and fast.typed:
                fast = fast.untyped()
            if fast.wait():
                counts = _load_fast(con, spec, content, rel, lake, name, fast.now, out)
        except duckdb.Error:
            counts = None
        finally:
            fast.close()
        if counts is None:
            lk.remove_uncommitted(lake, spec.dataset, stream, slug, content.start)
    if counts is None:
        now = datetime.now(UTC).replace(tzinfo=None)
        counts = _load_careful(con, spec, content, rel, lake, name, now, out)
        result.reader = "lines"
    else:
        result.reader = "read_json"
    good, bad = counts
    result.records_in, result.loaded, result.quarantined = good + bad, good, bad


def _same_bytes(fast: FastRead, content: NewContent) -> bool:
    """Whether the fast read saw exactly the scanned lines: the source itself, clean, whole lines
    only, and not grown since (a grown file may have given read_json more lines)."""
    if fast.path != content.read_path or content.partial or not content.n_lines:
        return False
    try:
        return fast.path.stat().st_size == content.end
    except OSError:
        return False


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
    """The `fast` table into the lake; None when its rows are not the content's lines.

    Rows `_ok` load as read. Rows `_zero_one` load too, unless their line may hold a JSON boolean
    in a number field (`boolean_lines`); those, and the rows neither, go to the careful reader."""
    rows, not_ok, zero_one = con.execute(
        f"SELECT count(*), count(*) FILTER (NOT _ok AND NOT _zero_one), count(*) FILTER (_zero_one)"
        f" FROM {FAST}"
    ).fetchone() or (0, 0, 0)
    if rows != content.n_lines:  # read_json skipped blank lines: rowid is not the line
        return None
    keep, careful = "(_ok OR _zero_one)", not_ok
    if zero_one:
        doubted = doubt_zero_ones(con, spec, content)
        if doubted is None:
            keep, careful = "_ok", not_ok + zero_one
        elif doubted:
            keep = f"(_ok OR (_zero_one AND rowid NOT IN (SELECT r FROM {DOUBTED})))"
            careful = not_ok + doubted
    first = content.first_line
    listing = ", ".join(f'"{f.name}"' for f in spec.fields)
    relation = (
        f"SELECT {listing}, {_lit(rel)} AS _source, rowid + {first} AS _line FROM {FAST}"
        f" WHERE {keep}"
    )
    bad = 0
    try:
        if careful:
            got, bad = parse_not_kept(con, spec, content, rel, lake, now, keep)
            if got != careful:
                return None
            relation += (
                f" UNION ALL SELECT {listing}, _source, _line FROM parsed WHERE _reason IS NULL"
            )
        days = _clustered_days(con, careful, keep)
        if days is None:
            written = lk.write_partitions(con, f"({relation})", lake, spec.dataset, name)
        else:
            written = lk.write_days(con, f"({relation})", days, lake, spec.dataset, name)
        if bad:
            lk.write_quarantine(con, _quarantine_sql(spec.stream), lake, spec.stream, name)
    finally:
        con.execute("DROP TABLE IF EXISTS parsed")
        con.execute(f"DROP TABLE IF EXISTS {DOUBTED}")
    out.partitions.update(written)
    return rows - bad, bad


def _clustered_days(
    con: duckdb.DuckDBPyConnection, not_ok: int, keep: str = "_ok"
) -> list[str] | None:
    """The dates of the `fast` rows to load (and of `parsed`'s, when `not_ok`) when they are
    clustered enough for one COPY per date (`lk.write_days`), else None (a partitioned COPY).

    Clustered: summed over dates, the stretches of the table between a date's first and last row
    stay within twice the table plus `_RUN` rows a date, as in a collector's file in time order; in
    a shuffled file every date's stretch is the whole table."""
    per_day = con.execute(
        f"SELECT CAST(ts AS DATE) AS day, max(rowid) - min(rowid) + 1"
        f" FROM {FAST} WHERE {keep} GROUP BY day"
    ).fetchall()
    rows = con.execute(f"SELECT count(*) FROM {FAST}").fetchone()
    days = {str(day) for day, _ in per_day}
    if not_ok:
        days.update(
            str(day)
            for (day,) in con.execute(
                "SELECT DISTINCT CAST(ts AS DATE) FROM parsed WHERE _reason IS NULL"
            ).fetchall()
        )
    spans = sum(int(n) for _, n in per_day)
    if len(days) > _MAX_DAYS or spans > 2 * int(rows[0] if rows else 0) + _RUN * len(days):
        return None
    return sorted(days)


def _quarantine_sql(stream: str) -> str:
    return (
        f"SELECT '{stream}' AS stream, _source AS file, _line AS line, _reason AS reason,"
        " _raw AS raw, now()::TIMESTAMP AS ingested_at FROM parsed"
        " WHERE _reason IS NOT NULL ORDER BY _line"
    )


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
        lk.write_quarantine(con, _quarantine_sql(stream), lake, stream, name)
    con.execute("DROP TABLE parsed")
    return int(good), int(bad)
