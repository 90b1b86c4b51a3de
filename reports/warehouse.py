"""Read-only access to the DuckDB warehouse: rows as dicts, and which tables exist."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb


class Warehouse:
    """A read-only connection to the DuckDB warehouse and the set of tables it holds."""

    def __init__(self, path: Path) -> None:
        if not Path(path).is_file():
            raise FileNotFoundError(f"warehouse not found: {path} (run `synmon demo` first)")
        # One thread: parallel float sums add in varying order, and the same warehouse must give
        # the same report (golden tests, re-renders); report queries read small marts.
        self._con = duckdb.connect(str(path), read_only=True, config={"threads": 1})
        names = self._con.execute(
            "select table_name from information_schema.tables where table_schema = 'main'"
        ).fetchall()
        self.tables: frozenset[str] = frozenset(n for (n,) in names)

    def has(self, table: str) -> bool:
        return table in self.tables

    def columns(self, table: str) -> frozenset[str]:
        """The column names of `table` (empty when it does not exist)."""
        rows = self._con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'main' and table_name = ?",
            [table],
        ).fetchall()
        return frozenset(c for (c,) in rows)

    def rows(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        cur = self._con.execute(sql, params or [])
        cols = [d[0] for d in cur.description]
        # DECIMAL sums (e.g. of a DECIMAL cost column) would not mix with float arithmetic.
        return [
            {c: float(v) if isinstance(v, Decimal) else v for c, v in zip(cols, r, strict=True)}
            for r in cur.fetchall()
        ]

    def one(self, sql: str, params: list[Any] | None = None) -> dict[str, Any]:
        rows = self.rows(sql, params)
        return rows[0] if rows else {}

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
