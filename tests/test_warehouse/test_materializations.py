"""The one-statement materializations (dbt_project/macros/materializations.sql): a table or view
rebuild replaces the relation with the same rows, and a relation of the other type under the
model's name (a model whose materialization changed) is replaced by the right type; an incremental
build is one statement batch that fails, and changes nothing, when the table's columns and the
model's differ (on_schema_change='fail'). Its rows are checked in test_incremental.py."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from synmon.settings import Paths
from tests.test_warehouse.lake import build_lake
from tests.test_warehouse.test_incremental import dbt_build, read, write_requests

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


def run_message(paths: Paths, name: str) -> str:
    results = json.loads((paths.data / "target" / "run_results.json").read_text())["results"]
    return next(r["message"] for r in results if r["unique_id"].split(".")[2] == name)


def test_an_incremental_build_fails_on_a_schema_change_and_changes_nothing(tmp_path: Path) -> None:
    paths = Paths.from_env(tmp_path)
    build_lake(paths.data, n_requests=600)
    dbt_build(paths, select=("+int_user_days",))
    write_requests(paths.lake, "2026-03-04", "late", seed=7)
    dbt_build(paths, select=("+int_user_days",))
    # The incremental build is one batch: new rows, schema check, delete, insert, drop.
    run_sql = paths.data / "target" / "run" / "synmon" / "models" / "marts" / "int_user_days.sql"
    statements = [s.split()[:3] for s in run_sql.read_text().split(";") if s.strip()]
    assert [s[0] for s in statements] == ["create", "select", "delete", "insert", "drop"]
    assert statements[0] == ["create", "or", "replace"]
    user_days = "select * from int_user_days order by day, user_id"
    before = read(paths, user_days)
    assert "2026-03-04" in set(before["day"].astype(str))

    # A column the model does not have, then a column of another type: each fails the build,
    # and the failed build rolls back (no new day, no old day deleted).
    write_requests(paths.lake, "2026-03-05", "new", seed=8)
    for change, undo, column in [
        ("add column spare integer", "drop column spare", "spare INTEGER"),
        ("alter column user_id type blob", "alter column user_id type varchar", "user_id BLOB"),
    ]:
        alter(paths, f"alter table int_user_days {change}")
        dbt_build(paths, select=("+int_user_days",), success=False)
        message = run_message(paths, "int_user_days")
        assert "on_schema_change='fail'" in message and column in message, message
        kept = read(paths, user_days)
        assert len(kept) == len(before)
        assert set(kept["day"].astype(str)) == set(before["day"].astype(str))
        alter(paths, f"alter table int_user_days {undo}")
    dbt_build(paths, select=("+int_user_days",))
    after = read(paths, user_days)
    assert set(after["day"].astype(str)) == {*before["day"].astype(str), "2026-03-05"}


def alter(paths: Paths, sql: str) -> None:
    con = duckdb.connect(str(paths.warehouse))
    con.execute(sql)
    con.close()
