"""The one-statement table and view materializations (dbt_project/macros/materializations.sql):
a rebuild replaces the relation with the same rows, and a relation of the other type under the
model's name (a model whose materialization changed) is replaced by the right type."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from synmon.settings import Paths
from tests.test_warehouse.lake import build_lake
from tests.test_warehouse.test_incremental import dbt_build, read

pytestmark = pytest.mark.slow

SELECT = ("+rpt_business_daily",)
KINDS = "select table_name, table_type from information_schema.tables"


def kinds(paths: Paths) -> dict[str, str]:
    rows = read(paths, KINDS)
    return dict(zip(rows["table_name"], rows["table_type"], strict=True))


def test_tables_and_views_are_replaced_in_one_statement(tmp_path: Path) -> None:
    paths = Paths.from_env(tmp_path)
    build_lake(paths.data, n_requests=600)
    compiled = dbt_build(paths, select=SELECT)
    # The run SQL of a table model is the materialization's single statement.
    run_sql = (paths.data / "target" / "run" / "synmon" / "models" / "marts").glob(
        "rpt_business_daily.sql"
    )
    assert [p.read_text().lstrip().startswith("create or replace table") for p in run_sql] == [True]
    assert "rpt_business_daily" in compiled
    first = read(paths, "select * from rpt_business_daily order by day")
    assert len(first) == 3
    built = kinds(paths)
    assert built["rpt_business_daily"] == "BASE TABLE"
    assert built["stg_lake__requests"] == "VIEW"

    # Swap the types, as a change of a model's materialization leaves them, then build again.
    con = duckdb.connect(str(paths.warehouse))
    con.execute("drop table rpt_business_daily")
    con.execute("create view rpt_business_daily as select 1 as day")
    con.execute("drop view stg_lake__requests cascade")
    con.execute("create table stg_lake__requests as select 1 as ts")
    con.close()
    dbt_build(paths, select=SELECT)
    rebuilt = kinds(paths)
    assert rebuilt["rpt_business_daily"] == "BASE TABLE"
    assert rebuilt["stg_lake__requests"] == "VIEW"
    again = read(paths, "select * from rpt_business_daily order by day")
    assert again.equals(first)
    assert not any(name.endswith(("__dbt_tmp", "__dbt_backup")) for name in rebuilt)
