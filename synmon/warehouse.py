"""Read-only access to the warehouse (data/warehouse.duckdb) and the text forms of a result.

`query()` is what `synmon sql`, the demo summary and tests use: a read-only DuckDB connection, so it
never takes the write lock dbt needs, and marts resolve unqualified (everything is in schema main).
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import math
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

MARTS: tuple[str, ...] = (
    "rpt_performance_hourly",
    "rpt_component_daily",
    "rpt_platform_daily",
    "rpt_resources_hourly",
    "fct_requests",
    "rpt_performance_1m",
    "rpt_performance_5m",
    "rpt_performance_15m",
    "rpt_performance_daily",
    "rpt_quality_daily",
    "rpt_business_daily",
    "rpt_retention_weekly",
    "rpt_cost_daily",
    "rpt_slo_daily",
    "rpt_resources_1m",
)


class WarehouseError(Exception):
    """The warehouse is missing or busy, or a query failed; the message is for the user."""


def query(db: Path, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run `sql` read-only against the warehouse file `db`; return column names and rows."""
    import duckdb

    if not Path(db).exists():
        raise WarehouseError(
            f"no warehouse at {db}: run `synmon demo` or `make demo` first "
            "(or point --data-dir at a data directory that has one)"
        )
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error as exc:
        if "lock" in str(exc).lower():
            raise WarehouseError(
                f"the warehouse {db} is being written (a dbt build is running); retry when it ends"
            ) from exc
        raise WarehouseError(f"cannot open the warehouse {db}: {exc}") from exc
    try:
        cursor = con.execute(sql)
        if cursor.description is None:
            return [], []
        columns = [d[0] for d in cursor.description]
        return columns, cursor.fetchall()
    except duckdb.Error as exc:
        raise WarehouseError(str(exc)) from exc
    finally:
        con.close()


def table_metadata(db: Path) -> dict[str, tuple[int, list[tuple[str, str]]]]:
    """Row count and (column, type) pairs of every table (not view) in the warehouse's schema main.

    Exact counts: count(*) on a DuckDB table reads no data pages.
    """
    _, rows = query(
        db,
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = 'main' and table_name in (select table_name "
        "from information_schema.tables where table_schema = 'main' and table_type = 'BASE TABLE') "
        "order by table_name, ordinal_position",
    )
    schemas: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        schemas.setdefault(table, []).append((column, data_type))
    if not schemas:
        return {}
    counts = " union all ".join(
        f"select '{name}', count(*) from main.\"{name}\"" for name in schemas
    )
    return {name: (n, schemas[name]) for name, n in query(db, counts)[1]}


def plain(value: Any) -> Any:
    """A JSON-ready version of one value: ISO dates and times, floats for decimals, None for NaN."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def to_json(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A JSON array with one object per row."""
    return json.dumps([{c: plain(v) for c, v in zip(columns, row, strict=True)} for row in rows])


def to_csv(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """CSV with a header line; NULL is an empty field."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if v is None else _csv_value(plain(v)) for v in row])
    return out.getvalue()


def _csv_value(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, list | dict) else value


def _cell(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        # Four decimals for everyday magnitudes, six significant digits for ratios and extremes.
        if math.isfinite(value) and 1 <= abs(value) < 1e15:
            return f"{value:.4f}".rstrip("0").rstrip(".")
        return f"{value:.6g}"
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    return str(plain(value))


def format_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """An aligned text table (numbers right-aligned) followed by the row count."""
    cells = [[_cell(v) for v in row] for row in rows]
    numeric = [
        all(isinstance(row[i], int | float | decimal.Decimal) for row in rows if row[i] is not None)
        and any(row[i] is not None for row in rows)
        for i in range(len(columns))
    ]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]

    def line(values: Sequence[str]) -> str:
        parts = [
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    out = [line(columns), "  ".join("-" * w for w in widths)]
    out.extend(line(r) for r in cells)
    out.append(f"({len(rows)} row{'' if len(rows) == 1 else 's'})")
    return "\n".join(out)
