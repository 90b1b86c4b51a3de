"""Incremental request marts: built twice, then over late data and a new day, equal to a full
refresh of the same lake row for row, with unique keys, no gaps and the fine rollups' retention."""

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

# mart -> its key; every one is incremental by UTC day.
MARTS = {
    "rpt_performance_1m": ["component", "endpoint", "domain", "ts_window"],
    "rpt_performance_5m": ["component", "endpoint", "domain", "ts_window"],
    "rpt_performance_15m": ["component", "endpoint", "domain", "ts_window"],
    "rpt_performance_hourly": ["component", "endpoint", "hour"],
    "rpt_performance_daily": ["component", "endpoint", "domain", "day"],
    "rpt_platform_daily": ["day"],
    "rpt_component_daily": ["component", "day"],
}
# Sharp day sets: no lookback, so a build rebuilds exactly the days whose files changed.
VARS = {"lookback_days": 0, "rollup_retention_days": {"1m": 1, "5m": 2}}


def dbt_build(
    paths: Paths, *extra: str, dates: dict[str, list[str]] | None = None
) -> dict[str, str]:
    """`dbt build` of the marts and their parents, in process over `paths`; returns each mart's
    compiled SQL. Only the request marts: the others cost time and are not incremental."""
    dates = dates or {}
    from dbt.cli.main import dbtRunner

    from orchestration.dbt import dbt_environ

    target = paths.data / "target"
    args = ["build", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
            str(DBT_PROJECT_DIR), "--target-path", str(target), "--log-path", str(target),
            "--vars", json.dumps({**VARS, **dates}), "--quiet", "--select",
            *(f"+{m}" for m in MARTS), *extra]  # fmt: skip
    with dbt_environ(paths):
        result = dbtRunner().invoke(args)
    assert result.success, result.exception
    results = json.loads((target / "run_results.json").read_text())["results"]
    return {
        r["unique_id"].split(".")[-1]: r["compiled_code"]
        for r in results
        if r["unique_id"].split(".")[-1] in MARTS
    }


def rebuilt_days(sql: str) -> list[str]:
    """The days a compiled incremental mart read (the ts ranges of days_filter), or ['all']."""
    starts = [part.split("'")[1] for part in sql.split("ts >= cast(")[1:]]
    stops = [part.split("'")[1] for part in sql.split("ts < cast(")[1:]]
    if not starts:
        return ["all"]
    days = []
    for start, stop in zip(starts, stops, strict=True):
        days += [str(d.date()) for d in pd.date_range(start, stop, inclusive="left")]
    return days


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


def marts(paths: Paths) -> dict[str, pd.DataFrame]:
    return {
        m: read(paths, f"select * from {m} order by {', '.join(key)}") for m, key in MARTS.items()
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
        if kept is None:
            assert table["requests"].sum() == len(requests), mart


def test_incremental_builds_equal_a_full_refresh(tmp_path: Path) -> None:
    paths = Paths.from_env(tmp_path)
    lake = build_lake(paths.data, n_requests=3000)
    first = dbt_build(paths)
    assert set(first) == set(MARTS)
    assert all(rebuilt_days(sql) == ["all"] for sql in first.values())
    built = marts(paths)
    check_keys_and_days(built, lake.requests)

    again = dbt_build(paths)  # nothing changed: only the newest day (lookback 0) again
    assert {m: rebuilt_days(sql) for m, sql in again.items()} == {m: ["2026-03-03"] for m in MARTS}
    for mart, table in marts(paths).items():
        pd.testing.assert_frame_equal(table, built[mart], check_exact=False, rtol=1e-12)

    late = write_requests(lake.root, "2026-03-01", "late-2026-03-01", seed=11)
    new = write_requests(lake.root, "2026-03-04", "new-2026-03-04", seed=12)
    third = dbt_build(paths)
    assert {m: rebuilt_days(sql) for m, sql in third.items()} == {
        m: ["2026-03-01", "2026-03-04"] for m in MARTS
    }
    requests = pd.concat([lake.requests, late, new], ignore_index=True)
    incremental = marts(paths)
    check_keys_and_days(incremental, requests)
    state = read(paths, "select model, count(*) as days from _incremental_state group by 1")
    assert dict(zip(state["model"], state["days"], strict=True)) == {m: 4 for m in MARTS}

    forced = dbt_build(paths, dates={"dates": ["2026-03-03"]})  # those too (one range here)
    assert {m: rebuilt_days(sql) for m, sql in forced.items()} == {
        m: ["2026-03-03", "2026-03-04"] for m in MARTS
    }
    for mart, table in marts(paths).items():
        pd.testing.assert_frame_equal(table, incremental[mart], check_exact=False, rtol=1e-12)

    refreshed = dbt_build(paths, "--full-refresh")
    assert all(rebuilt_days(sql) == ["all"] for sql in refreshed.values())
    full = marts(paths)
    for mart in MARTS:
        assert len(full[mart]) == len(incremental[mart]), mart
        pd.testing.assert_frame_equal(incremental[mart], full[mart], check_exact=False, rtol=1e-12)
