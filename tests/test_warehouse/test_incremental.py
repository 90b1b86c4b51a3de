"""Incremental request marts: built twice, then over late data and a new day, equal to a full
refresh of the same lake row for row, with unique keys, no gaps and the fine rollups' retention;
the day-limited data tests check the refreshed days, and a day that failed until it passes."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from synmon.settings import DBT_PROJECT_DIR, Paths
from tests.test_warehouse.lake import REQUEST_COLUMNS, START, _requests, build_lake

pytestmark = pytest.mark.slow

# mart -> its key, the day or window column last; every one is incremental by UTC day.
MARTS = {
    "rpt_performance_1m": ["component", "endpoint", "domain", "ts_window"],
    "rpt_performance_5m": ["component", "endpoint", "domain", "ts_window"],
    "rpt_performance_15m": ["component", "endpoint", "domain", "ts_window"],
    "rpt_performance_hourly": ["component", "endpoint", "hour"],
    "rpt_performance_daily": ["component", "endpoint", "domain", "day"],
    "rpt_platform_daily": ["day"],
    "rpt_component_daily": ["component", "day"],
    "rpt_cost_daily": ["component", "domain", "day"],
    "int_user_days": ["user_id", "day"],
    "int_slo_hourly": ["component", "slo", "hour"],
}
# Tables rebuilt whole from the incremental marts above: equal after a full refresh too.
TABLES = {
    "rpt_business_daily": ["day"],
    "rpt_slo_daily": ["day", "component", "slo"],
    "rpt_retention_weekly": ["cohort_week", "week_offset"],
}
# The column holding each mart's request count (a request counts once per SLO in int_slo_hourly).
COUNTS = {"int_slo_hourly": "total_requests"}
# fct_requests' one data test: its key (unique request_id) and row rules, over the checked days.
UNIQUE_TEST = "row_checks_fct_requests"
# Sharp day sets: no lookback, so a build rebuilds exactly the days whose files changed.
VARS = {"lookback_days": 0, "rollup_retention_days": {"1m": 1, "5m": 2}}


def dbt_build(
    paths: Paths,
    *extra: str,
    dates: dict[str, list[str]] | None = None,
    select: tuple[str, ...] = tuple(f"+{m}" for m in [*MARTS, *TABLES]),
    success: bool = True,
) -> dict[str, str]:
    """`dbt build` of the marts and their parents, in process over `paths`; returns each node's
    compiled SQL by name (models and tests that ran, not skipped). Only these marts and their
    parents: the others are not incremental."""
    dates = dates or {}
    from dbt.cli.main import dbtRunner

    from orchestration.dbt import dbt_environ

    target = paths.data / "target"
    args = ["build", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
            str(DBT_PROJECT_DIR), "--target-path", str(target), "--log-path", str(target),
            "--vars", json.dumps({**VARS, **dates}), "--quiet", "--select", *select,
            *extra]  # fmt: skip
    with dbt_environ(paths):
        result = dbtRunner().invoke(args)
    assert result.success is success, result.exception
    results = json.loads((target / "run_results.json").read_text())["results"]
    return {
        r["unique_id"].split(".")[2]: r["compiled_code"]
        for r in results
        if r["status"] != "skipped"
    }


def built_marts(compiled: dict[str, str]) -> dict[str, str]:
    return {name: sql for name, sql in compiled.items() if name in MARTS}


def rebuilt_days(sql: str) -> list[str]:
    """The days a compiled incremental mart or test read (the ts ranges of days_filter), or
    ['all']. A row_checks test repeats its day filter once per rule: each day counts once."""
    starts = [part.split("'")[1] for part in sql.split("ts >= cast(")[1:]]
    stops = [part.split("'")[1] for part in sql.split("ts < cast(")[1:]]
    if not starts:
        return ["all"]
    days = []
    for start, stop in zip(starts, stops, strict=True):
        days += [str(d.date()) for d in pd.date_range(start, stop, inclusive="left")]
    return list(dict.fromkeys(days))


def write_requests(lake: Path, day: str, name: str, seed: int, n: int = 400) -> pd.DataFrame:
    """n requests on `day`, as one new Parquet file in the day's folder (late or new data)."""
    req = _requests(np.random.default_rng(seed), n)
    req["ts"] = pd.Timestamp(day) + (req["ts"] - START) / 3  # the first of the lake's 3 days
    req["request_id"] = [f"{name}-{i}" for i in range(n)]
    req["_source"] = f"requests/{name}.jsonl"
    folder = lake / "requests" / f"date={day}"
    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.register("part", req)
    con.execute(
        f"copy (select {REQUEST_COLUMNS} from part) to '{folder / name}.parquet' (format parquet)"
    )
    con.close()
    return req


def read(paths: Paths, sql: str) -> pd.DataFrame:
    # Not read-only: in-process dbt keeps the file open, and DuckDB shares one instance per file
    # and configuration within a process.
    con = duckdb.connect(str(paths.warehouse))
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def marts(paths: Paths, tables: dict[str, list[str]] = MARTS) -> dict[str, pd.DataFrame]:
    return {
        m: read(paths, f"select * from {m} order by {', '.join(key)}") for m, key in tables.items()
    }


def check_keys_and_days(got: dict[str, pd.DataFrame], requests: pd.DataFrame) -> None:
    """Keys unique, every request counted once, and every day with requests present."""
    days = sorted(set(requests["ts"].dt.date))
    newest = days[-1]
    for mart, key in MARTS.items():
        table = got[mart]
        assert not table.duplicated(key).any(), mart
        window = key[-1]
        table_days = sorted(set(pd.to_datetime(table[window]).dt.date))
        kept = VARS["rollup_retention_days"].get(mart.removeprefix("rpt_performance_"))
        want_days = [d for d in days if kept is None or (newest - d).days <= kept]
        assert table_days == want_days, mart
        slos = table["slo"].nunique() if "slo" in table else 1
        if kept is None and mart != "int_user_days":
            assert table[COUNTS.get(mart, "requests")].sum() == len(requests) * slos, mart


def test_incremental_builds_equal_a_full_refresh(tmp_path: Path) -> None:
    paths = Paths.from_env(tmp_path)
    lake = build_lake(paths.data, n_requests=3000)
    first = dbt_build(paths)
    assert set(built_marts(first)) == set(MARTS)
    assert all(rebuilt_days(sql) == ["all"] for sql in built_marts(first).values())
    assert rebuilt_days(first[UNIQUE_TEST]) == ["all"]
    built = marts(paths)
    check_keys_and_days(built, lake.requests)

    again = dbt_build(paths)  # nothing changed: only the newest day (lookback 0) again
    assert {m: rebuilt_days(sql) for m, sql in built_marts(again).items()} == {
        m: ["2026-03-03"] for m in MARTS
    }
    assert rebuilt_days(again[UNIQUE_TEST]) == ["2026-03-03"]
    for mart, table in marts(paths).items():
        pd.testing.assert_frame_equal(table, built[mart], check_exact=False, rtol=1e-12)

    late = write_requests(lake.root, "2026-03-01", "late-2026-03-01", seed=11)
    new = write_requests(lake.root, "2026-03-04", "new-2026-03-04", seed=12)
    third = dbt_build(paths)
    assert {m: rebuilt_days(sql) for m, sql in built_marts(third).items()} == {
        m: ["2026-03-01", "2026-03-04"] for m in MARTS
    }
    assert rebuilt_days(third[UNIQUE_TEST]) == ["2026-03-01", "2026-03-04"]
    requests = pd.concat([lake.requests, late, new], ignore_index=True)
    incremental = marts(paths)
    check_keys_and_days(incremental, requests)
    state = read(paths, "select model, count(*) as days from _incremental_state group by 1")
    state_days = dict(zip(state["model"], state["days"], strict=True))
    assert {m: state_days[m] for m in MARTS} == {m: 4 for m in MARTS}
    tables = marts(paths, TABLES)

    forced = dbt_build(paths, dates={"dates": ["2026-03-03"]})  # those too (one range here)
    assert {m: rebuilt_days(sql) for m, sql in built_marts(forced).items()} == {
        m: ["2026-03-03", "2026-03-04"] for m in MARTS
    }
    for mart, table in marts(paths).items():
        pd.testing.assert_frame_equal(table, incremental[mart], check_exact=False, rtol=1e-12)

    refreshed = dbt_build(paths, "--full-refresh")
    assert all(rebuilt_days(sql) == ["all"] for sql in built_marts(refreshed).values())
    assert rebuilt_days(refreshed[UNIQUE_TEST]) == ["all"]
    full = marts(paths)
    for mart in MARTS:
        assert len(full[mart]) == len(incremental[mart]), mart
        pd.testing.assert_frame_equal(incremental[mart], full[mart], check_exact=False, rtol=1e-12)
    for mart, table in marts(paths, TABLES).items():
        pd.testing.assert_frame_equal(tables[mart], table, check_exact=False, rtol=1e-12)
    check_row_checks(paths, refreshed["row_checks_rpt_platform_daily"])


def failures(paths: Paths, sql: str) -> dict[str, int]:
    """What a compiled row_checks test finds: its broken rules and their counts."""
    rows = read(paths, sql)
    return dict(zip(rows["rule"], rows["failing_rows"], strict=True))


def check_row_checks(paths: Paths, sql: str) -> None:
    """The merged row_checks test (tests/generic/row_checks.sql) finds what one unique, one
    not_null and one between test would: its compiled query names each broken rule with its
    count (duplicated keys for unique, rows for the others)."""
    assert failures(paths, sql) == {}
    con = duckdb.connect(str(paths.warehouse))
    con.execute(
        "insert into rpt_platform_daily (day, requests, error_rate) values"
        " (null, 1, 0.5), (date '2030-01-01', 1, 1.5), (date '2030-01-02', 1, -0.1),"
        " (date '2030-01-03', 1, null)"  # null is not out of range: not_null tests nulls
    )
    assert failures(paths, sql) == {"not_null(day)": 1, "between(error_rate, 0, 1)": 2}
    con.execute(  # 2030-01-01 twice, 2030-01-05 three times: two duplicated keys
        "insert into rpt_platform_daily (day, requests, error_rate) values"
        " (date '2030-01-01', 1, 0.5), (date '2030-01-05', 1, 0.5), (date '2030-01-05', 1, 0.5),"
        " (date '2030-01-05', 1, 0.5)"
    )
    con.close()
    assert failures(paths, sql) == {
        "unique(day)": 2,
        "not_null(day)": 1,
        "between(error_rate, 0, 1)": 2,
    }


def test_a_failing_day_is_checked_until_it_passes(tmp_path: Path) -> None:
    """A day-limited test that fails keeps its old state: the next build checks the day again
    although its files did not change since, and the day's marts wait for it."""
    paths = Paths.from_env(tmp_path)
    lake = build_lake(paths.data, n_requests=600)
    only_requests = ("+fct_requests", "rpt_platform_daily")
    dbt_build(paths, select=only_requests)
    duplicate = write_requests(lake.root, "2026-03-01", "dup-2026-03-01", seed=13, n=5)
    duplicate["request_id"] = lake.requests["request_id"].iloc[:5].to_numpy()
    bad = lake.root / "requests" / "date=2026-03-01" / "dup-2026-03-01.parquet"
    con = duckdb.connect()
    con.register("part", duplicate)
    con.execute(f"copy (select {REQUEST_COLUMNS} from part) to '{bad}' (format parquet)")
    con.close()

    for _ in range(2):  # the second build sees no new file, and still checks 2026-03-01
        failed = dbt_build(paths, select=only_requests, success=False)
        assert rebuilt_days(failed[UNIQUE_TEST]) == ["2026-03-01", "2026-03-03"]
        assert failures(paths, failed[UNIQUE_TEST]) == {"unique(request_id)": 5}
        assert "rpt_platform_daily" not in failed  # skipped: its test parent failed

    write_requests(lake.root, "2026-03-01", "dup-2026-03-01", seed=13, n=5)  # fixed ids
    passed = dbt_build(paths, select=only_requests)
    assert rebuilt_days(passed[UNIQUE_TEST]) == ["2026-03-01", "2026-03-03"]
    assert rebuilt_days(passed["rpt_platform_daily"]) == ["2026-03-01", "2026-03-03"]
    state = read(paths, "select model, count(*) as days from _incremental_state group by 1")
    assert set(state["days"]) == {3}  # the tests that passed and the mart recorded every day
    assert len(state) == 1 + 1, state  # fct_requests' row_checks, rpt_platform_daily
