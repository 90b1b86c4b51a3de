"""How the alert path reads request lines from the landing zone with DuckDB: the typed columns and
the timestamp rule (RFC 3339 `ts`, or epoch seconds in `ts` or Fluent Bit's `date`). Shared by the
alert sensor and `synmon alerts test`; Dagster-free and import-light."""

from __future__ import annotations

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
