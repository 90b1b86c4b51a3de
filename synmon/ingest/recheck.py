"""The rows of the fast read that need their lines again.

`FastRead` leaves table `fast` with typed columns, `_zero_one` and `_ok` per line. A row
`_zero_one` holds a 0 or 1 that a JSON boolean would also read as: `doubt_zero_ones` looks at just
those lines (`lines.boolean_lines`) and lists the doubtful ones in table `doubted`. The rows not
kept (neither `_ok` nor an undoubted `_zero_one`) are parsed by the careful reader alone, their
lines picked out by the offsets the pre-scan noted (`parse_not_kept`).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path

import duckdb

from synmon.ingest import lake as lk
from synmon.ingest.content import NewContent
from synmon.ingest.jsonlines import parse_sql, picked_lines_sql
from synmon.ingest.lines import boolean_lines, pick_lines
from synmon.ingest.schemas import JsonStream

FAST = "fast"  # the table FastRead fills
DOUBTED = "doubted"  # rowids (`r`) of `fast` rows whose 0 or 1 may be a JSON boolean


def pickable(content: NewContent) -> bool:
    return content.line_ends is not None and len(content.line_ends) == content.n_lines


def doubt_zero_ones(
    con: duckdb.DuckDBPyConnection, spec: JsonStream, content: NewContent
) -> int | None:
    """The `fast` rows `_zero_one` whose line may hold a JSON boolean in a number field, into
    table `doubted` (column `r`, the rowid); how many. None when lines cannot be picked out."""
    if not pickable(content):
        return None
    zero_ones = con.execute(f"SELECT rowid FROM {FAST} WHERE _zero_one ORDER BY 1").fetchnumpy()
    keys = [k for f in spec.fields if f.kind in ("int", "double") for k in (f.name, *f.aliases)]
    doubted = boolean_lines(content, zero_ones["rowid"], keys)
    if doubted:
        con.execute(
            f"CREATE OR REPLACE TABLE {DOUBTED} AS SELECT unnest(?::BIGINT[]) AS r", [doubted]
        )
    return len(doubted)


def parse_not_kept(
    con: duckdb.DuckDBPyConnection,
    spec: JsonStream,
    content: NewContent,
    rel: str,
    lake: Path,
    now: datetime,
    keep: str = "_ok",
) -> tuple[int, int]:
    """The careful reader over the lines of the `fast` rows not kept (`keep`), into table
    `parsed`; (rows, quarantined). Those lines are picked out by the offsets the pre-scan noted,
    so the file is not read again (a line-numbered re-read costs a single-threaded window)."""
    pick = lake / lk.TMP_DIR / f"{uuid.uuid4().hex}.picked"
    try:
        if pickable(content):
            rows = con.execute(f"SELECT rowid FROM {FAST} WHERE NOT {keep} ORDER BY 1")
            pick.parent.mkdir(parents=True, exist_ok=True)
            pick_lines(content, rows.fetchnumpy()["rowid"], pick)
            sql = parse_sql(spec, content, rel, now, lines=picked_lines_sql(pick))
        else:
            only = f"SELECT rowid + {content.first_line} FROM {FAST} WHERE NOT {keep}"
            sql = parse_sql(spec, content, rel, now, only)
        con.execute(f"CREATE OR REPLACE TABLE parsed AS {sql}")
    finally:
        pick.unlink(missing_ok=True)
    got, bad = con.execute(
        "SELECT count(*), count(*) FILTER (_reason IS NOT NULL) FROM parsed"
    ).fetchone() or (0, 0)
    return int(got), int(bad)
