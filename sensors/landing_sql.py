"""How the alert path reads request lines from the landing zone: which bytes are new (complete
lines past the cursor), the typed columns and the timestamp rule (RFC 3339 `ts`, or epoch seconds
in `ts` or Fluent Bit's `date`), and a cheap signature of the landing files for watching. Shared
by the alert sensor and `synmon alerts test`; Dagster-free and import-light (DuckDB only through
the connection a caller passes in)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sensors.ops_store import BUFFER_COLUMNS

COLUMN_TYPES = {
    "status": "integer",
    "latency_ms": "double",
    "tokens_in": "bigint",
    "tokens_out": "bigint",
    "cost_usd": "double",
}

_TS = """coalesce(
    try_cast(ts as timestamp),
    make_timestamp(try_cast(try_cast(coalesce(ts, "date") as double) * 1e6 as bigint))
) as ts"""


def column_type(column: str) -> str:
    """The DuckDB type a request column is read as."""
    return COLUMN_TYPES.get(column, "varchar")


def read_requests_sql(columns: list[str], *, ignore_errors: bool) -> str:
    """A query over `read_json(?)` (one parameter: a file or list of files) giving `ts` and
    `columns`, typed; unparseable values become NULL and rows without a timestamp are dropped."""
    spec = ", ".join(f"'{c}': 'VARCHAR'" for c in ("ts", "date", *columns))
    typed = "".join(
        f", try_cast({c} as {COLUMN_TYPES[c]}) as {c}" if c in COLUMN_TYPES else f", {c}"
        for c in columns
    )
    return (
        f"select * from (select {_TS}{typed} from read_json(?, format='newline_delimited',"
        f" ignore_errors={str(ignore_errors).lower()}, columns={{{spec}}})) where ts is not null"
    )


@dataclass(frozen=True)
class Chunk:
    """Bytes `start..end` of a landing file; `end` is just past a newline (complete lines)."""

    path: Path
    rel: str
    start: int
    end: int
    whole: bool


def _last_newline(path: Path, start: int, limit: int) -> int:
    """Offset just past the last b'\\n' in [start, limit), or `start` if there is none."""
    with path.open("rb") as fh:
        pos = limit
        while pos > start:
            lo = max(start, pos - 65536)
            fh.seek(lo)
            block = fh.read(pos - lo)
            idx = block.rfind(b"\n")
            if idx >= 0:
                return lo + idx + 1
            pos = lo
    return start


def plan_chunks(landing: Path, consumed: dict[str, int], budget: int) -> list[Chunk]:
    """New complete lines of every landing file, in name order, up to `budget` bytes in all.

    A file smaller than what was consumed was truncated or replaced: it is read from the start.
    Gzipped dumps are immutable: read whole, once.
    """
    chunks: list[Chunk] = []
    if not landing.is_dir():
        return chunks
    for path in sorted(p for p in landing.rglob("*") if p.is_file()):
        rel = path.relative_to(landing).as_posix()
        if budget <= 0 or any(part.startswith(".") for part in Path(rel).parts):
            continue
        size, start = path.stat().st_size, consumed.get(rel, 0)
        if path.suffix == ".gz":
            if start == 0 and size > 0:
                chunks.append(Chunk(path, rel, 0, size, True))
                budget -= size
            continue
        start = 0 if size < start else start
        end = _last_newline(path, start, min(size, start + budget)) if size > start else start
        if end > start:
            chunks.append(Chunk(path, rel, start, end, start == 0 and end == size))
            budget -= end - start
    return chunks


def landing_signature(landing: Path) -> tuple[tuple[str, int, int], ...]:
    """(path, size, mtime_ns) of every visible file under `landing`, sorted: what a watcher
    compares between polls. One `os.scandir` per directory, so polling it a few times a second
    costs well under a millisecond per poll for hundreds of files."""
    found: list[tuple[str, int, int]] = []
    stack = [landing]
    while stack:
        try:
            entries = list(os.scandir(stack.pop()))
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                stack.append(Path(entry.path))
            elif entry.is_file():
                try:
                    st = entry.stat()
                except FileNotFoundError:  # renamed or removed between listing and stat
                    continue
                found.append((entry.path, st.st_size, st.st_mtime_ns))
    return tuple(sorted(found))


def load_rows(
    con: Any,
    chunks: list[Chunk],
    buffer: list[tuple],
    tmp: Path,
    columns: list[str],
) -> int:
    """Create table `rows` (ts and `columns`) from the new chunks plus the buffered rows (whose
    columns are the ops store's BUFFER_COLUMNS); returns how many new rows were read."""
    files = []
    for i, chunk in enumerate(chunks):
        if chunk.whole:
            files.append(str(chunk.path))
            continue
        part = tmp / f"chunk-{i}.jsonl"
        with chunk.path.open("rb") as src, part.open("wb") as dst:
            src.seek(chunk.start)
            dst.write(src.read(chunk.end - chunk.start))
        files.append(str(part))
    types = "".join(f", {c} {column_type(c)}" for c in columns)
    con.execute(f"create table rows (ts timestamp{types})")
    if files:
        con.execute(f"insert into rows {read_requests_sql(columns, ignore_errors=True)}", [files])
    new_rows = con.execute("select count(*) from rows").fetchone()[0]
    if buffer:
        path = tmp / "buffer.jsonl"
        names = ("date", *BUFFER_COLUMNS[1:])
        with path.open("w", encoding="utf-8") as fh:
            for row in buffer:
                fh.write(json.dumps(dict(zip(names, row, strict=True))))
                fh.write("\n")
        con.execute(
            f"insert into rows {read_requests_sql(columns, ignore_errors=False)}", [str(path)]
        )
    return int(new_rows)
