"""What a validation looks at: the rows of a lake dataset in scope, read with DuckDB.

A large lake is not validated whole: the scope is the latest N date partitions (0 = all) and, if
those still hold more than `max_rows` rows, a repeatable reservoir sample of them. The `Scope`
says which, so check metadata can tell a user exactly what was checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

SAMPLE_SEED = 42


@dataclass(frozen=True)
class Scope:
    """The part of a dataset that was validated."""

    dataset: str
    partitions: tuple[str, ...] = ()
    partitions_total: int = 0
    rows_in_scope: int = 0
    rows_checked: int = 0
    sampled: bool = False
    files: int = 0

    def describe(self) -> str:
        if not self.partitions:
            return f"{self.dataset}: no date partitions in the lake, nothing checked"
        span = (
            self.partitions[0]
            if len(self.partitions) == 1
            else f"{self.partitions[0]}..{self.partitions[-1]}"
        )
        text = f"latest {len(self.partitions)} of {self.partitions_total} partitions ({span})"
        if self.sampled:
            text += f", a reservoir sample of {self.rows_checked} of {self.rows_in_scope} rows"
        else:
            text += f", all {self.rows_checked} rows"
        return text


def lake_partitions(lake: Path, dataset: str) -> list[str]:
    """The dates (YYYY-MM-DD) of the dataset's partitions that hold at least one Parquet file."""
    root = lake / dataset
    if not root.is_dir():
        return []
    return sorted(
        p.name.removeprefix("date=")
        for p in root.glob("date=*")
        if p.is_dir() and any(p.glob("*.parquet"))
    )


def read_scope(
    lake: Path,
    dataset: str,
    *,
    latest_partitions: int = 7,
    max_rows: int = 1_000_000,
    derived: dict[str, str] | None = None,
) -> tuple[pd.DataFrame, Scope]:
    """Rows of the latest `latest_partitions` partitions (0 = all), sampled down to `max_rows`.

    The frame has the dataset's columns, `date` (the partition, text) and one boolean or value
    column per `derived` entry (name -> DuckDB SQL expression over the row).
    """
    import duckdb
    import pandas as pd

    days = lake_partitions(lake, dataset)
    chosen = days[-latest_partitions:] if latest_partitions > 0 else days
    if not chosen:
        return pd.DataFrame(), Scope(dataset=dataset, partitions_total=len(days))
    files = [
        str(f) for day in chosen for f in sorted((lake / dataset / f"date={day}").glob("*.parquet"))
    ]
    extra = "".join(f", ({expr}) as {_ident(name)}" for name, expr in (derived or {}).items())
    con = duckdb.connect()
    try:
        listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
        con.execute(
            "create temp view scope as select * exclude (date), cast(date as varchar) as date"
            f"{extra} from read_parquet([{listed}], hive_partitioning = true, union_by_name = true)"
        )
        (rows,) = con.execute("select count(*) from scope").fetchone() or (0,)
        sampled = rows > max_rows > 0
        query = "select * from scope"
        if sampled:
            query += f" using sample reservoir({int(max_rows)} rows) repeatable ({SAMPLE_SEED})"
        frame = con.execute(query).df()
    finally:
        con.close()
    return frame, Scope(
        dataset=dataset,
        partitions=tuple(chosen),
        partitions_total=len(days),
        rows_in_scope=int(rows),
        rows_checked=len(frame),
        sampled=sampled,
        files=len(files),
    )


def _ident(name: str) -> str:
    if not name.isidentifier():
        raise ValueError(f"derived column name {name!r} is not an identifier")
    return f'"{name}"'
