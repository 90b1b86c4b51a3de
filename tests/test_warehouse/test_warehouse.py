"""The warehouse end to end: a small lake in tmp, `dbt build` through Dagster, marts vs numpy."""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
from pathlib import Path
from typing import Any

import dagster as dg
import numpy as np
import pandas as pd
import pytest
from dagster_dbt import DbtProject

from assets.resources import SynmonData
from synmon.commands import sql as sql_command
from synmon.settings import DBT_PROJECT_DIR, Paths
from synmon.warehouse import MARTS, WarehouseError, query
from tests.test_warehouse.conftest import frame
from tests.test_warehouse.lake import GAUGES

pytestmark = pytest.mark.slow


def test_materialize_succeeds_with_checks_and_metadata(built: Any) -> None:
    _, _, result = built
    assert result.success
    checks = result.get_asset_check_evaluations()
    assert len(checks) >= 20
    assert all(c.passed for c in checks), [c.check_name for c in checks if not c.passed]
    keys = {c.asset_key.to_user_string() for c in checks}
    assert {"stg_lake__requests", *MARTS} <= keys
    by_mart = {
        m: {c.check_name for c in checks if c.asset_key.to_user_string() == m} for m in MARTS
    }
    assert by_mart == {m: {f"row_checks_{m}"} for m in MARTS}  # keys are a rule of row_checks
    events = {e.asset_key.to_user_string(): e for e in result.get_asset_materialization_events()}
    assert set(MARTS) <= set(events)
    daily = events["rpt_platform_daily"].materialization.metadata
    assert daily["dagster/row_count"].value == 3
    column_names = {c.name for c in daily["dagster/column_schema"].schema.columns}
    assert column_names == {
        "day",
        "requests",
        "error_rate",
        "latency_p95_ms",
        "active_users",
        "cost_usd",
        "latency_p50_ms",
    }


def test_asset_graph_groups_keys_and_lake_lineage() -> None:
    from orchestration.dbt import dbt_resource, load_dbt_assets

    assets = load_dbt_assets()
    defs = dg.Definitions(assets=[assets], resources={"dbt": dbt_resource(), "data": SynmonData()})
    specs = {s.key.to_user_string(): s for s in defs.resolve_all_asset_specs()}
    assert {k: specs[k].group_name for k in ("stg_lake__metrics", *MARTS)} == {
        "stg_lake__metrics": "staging",
        **{m: "marts" for m in MARTS},
    }
    for dataset in ("requests", "events", "metrics"):
        deps = {d.asset_key for d in specs[f"stg_lake__{dataset}"].deps}
        assert deps == {dg.AssetKey(["lake", dataset])}
    assert assets.op.pool == "warehouse"
    assert any(c.asset_key == dg.AssetKey("rpt_performance_hourly") for c in assets.check_specs)


def test_performance_hourly_matches_numpy(built: Any) -> None:
    paths, lake, _ = built
    got = (
        frame(paths, "select * from rpt_performance_hourly")
        .set_index(["component", "endpoint", "hour"])
        .sort_index()
    )
    req = lake.requests.assign(hour=lake.requests["ts"].dt.floor("h"))
    rows = []
    for (component, endpoint, hour), g in req.groupby(["component", "endpoint", "hour"]):
        errors = int((g["status"] >= 500).sum())
        p50, p95, p99 = np.percentile(g["latency_ms"], [50, 95, 99])
        rows.append(
            (
                component,
                endpoint,
                hour,
                len(g),
                errors,
                errors / len(g),
                p50,
                p95,
                p99,
                len(g) / 3600,
            )
        )
    want = pd.DataFrame(rows, columns=["component", "endpoint", "hour", *got.columns])
    want = want.set_index(["component", "endpoint", "hour"]).sort_index()
    assert list(got.index) == [(c, e, h.to_pydatetime()) for c, e, h in want.index]
    np.testing.assert_array_equal(got[["requests", "errors"]], want[["requests", "errors"]])
    np.testing.assert_allclose(
        got.drop(columns=["requests", "errors"]).astype(float),
        want.drop(columns=["requests", "errors"]),
        rtol=1e-9,
    )


def test_component_and_platform_daily_match_numpy(built: Any) -> None:
    paths, lake, _ = built
    req = lake.requests.assign(day=lake.requests["ts"].dt.date)
    comp = frame(paths, "select * from rpt_component_daily order by component, day")
    for (component, day), g in req.groupby(["component", "day"]):
        row = comp[(comp["component"] == component) & (comp["day"] == day)].iloc[0]
        assert row["requests"] == len(g)
        assert row["errors"] == (g["status"] >= 500).sum()
        assert row["active_users"] == g["user_id"].nunique()
        assert row["cost_usd"] == pytest.approx(g["cost_usd"].sum(), rel=1e-9)
        for q in (50, 95, 99):
            assert row[f"latency_p{q}_ms"] == pytest.approx(np.percentile(g["latency_ms"], q))
    assert len(comp) == req.groupby(["component", "day"]).ngroups

    plat = frame(paths, "select * from rpt_platform_daily order by day")
    assert [d.isoformat() for d in plat["day"]] == ["2026-03-01", "2026-03-02", "2026-03-03"]
    for row, (_, g) in zip(plat.itertuples(), req.groupby("day"), strict=True):
        assert row.requests == len(g)
        assert row.error_rate == pytest.approx((g["status"] >= 500).mean(), rel=1e-12)
        assert row.latency_p95_ms == pytest.approx(np.percentile(g["latency_ms"], 95), rel=1e-12)
        assert row.latency_p50_ms == pytest.approx(np.percentile(g["latency_ms"], 50), rel=1e-12)
        assert row.active_users == g["user_id"].nunique()
        assert row.cost_usd == pytest.approx(g["cost_usd"].sum(), rel=1e-9)


def test_resources_hourly(built: Any) -> None:
    paths, lake, _ = built
    got = frame(paths, "select * from rpt_resources_hourly order by host, hour")
    m = lake.metrics[lake.metrics["name"].isin(GAUGES)]
    want = (
        m.assign(hour=m["ts"].dt.floor("h"))
        .pivot_table(index=["host", "hour"], columns="name", values="value", aggfunc="mean")
        .reset_index()
    )
    assert len(got) == len(want) == 2 * 5
    assert list(got["component"]) == [h.split("-")[0] for h in got["host"]]
    for metric in ("cpu", "memory", "disk"):
        np.testing.assert_allclose(
            got[f"{metric}_utilization"], want[f"synmon_{metric}_utilization_ratio"], rtol=1e-12
        )


def run_sql(
    paths: Paths,
    argv: list[str],
    capsys: pytest.CaptureFixture[str],
    stdin: str | None = None,
    monkeypatch: pytest.MonkeyPatch | None = None,
) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="synmon")
    parser.add_argument("--data-dir")
    sql_command.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["--data-dir", str(paths.data), "sql", *argv])
    if stdin is not None and monkeypatch is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = args.func(args)
    out, err = capsys.readouterr()
    return code, out, err


SQL = "select day, requests, latency_p95_ms from rpt_platform_daily order by day"


def test_sql_json_csv_and_table(built: Any, capsys: pytest.CaptureFixture[str]) -> None:
    paths, _, _ = built
    _, rows = query(paths.warehouse, SQL)

    code, out, _ = run_sql(paths, ["--json", SQL], capsys)
    assert code == 0
    assert json.loads(out) == [
        {"day": d.isoformat(), "requests": n, "latency_p95_ms": p} for d, n, p in rows
    ]

    code, out, _ = run_sql(paths, ["--csv", SQL], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "day,requests,latency_p95_ms"
    assert lines[1].split(",")[:2] == [rows[0][0].isoformat(), str(rows[0][1])]
    assert float(lines[1].split(",")[2]) == rows[0][2]

    code, out, _ = run_sql(paths, [SQL], capsys)
    assert code == 0
    table = out.splitlines()
    assert table[0].split() == ["day", "requests", "latency_p95_ms"]
    assert set(table[1]) == {"-", " "}
    assert table[2].split()[:2] == ["2026-03-01", str(rows[0][1])]
    assert table[-1] == "(3 rows)"
    assert len({len(line) for line in table[:2]}) == 1, "header and rule are aligned"


def test_sql_reads_file_and_stdin(
    built: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    paths, _, _ = built
    query_file = tmp_path / "q.sql"
    query_file.write_text("select count(*) as n from rpt_performance_hourly\n")
    code, out, _ = run_sql(paths, ["--json", "-f", str(query_file)], capsys)
    assert code == 0 and json.loads(out)[0]["n"] > 0
    code, out, _ = run_sql(
        paths, ["--csv", "-"], capsys, stdin="select 1 as one, null as two", monkeypatch=monkeypatch
    )
    assert (code, out) == (0, "one,two\n1,\n")


def test_sql_errors_exit_non_zero(
    built: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths, _, _ = built
    code, out, err = run_sql(paths, ["select * from no_such_mart"], capsys)
    assert code != 0 and out == "" and "no_such_mart" in err
    code, _, err = run_sql(paths, ["create table t as select 1"], capsys)
    assert code != 0 and "read-only" in err.lower()
    missing = Paths.from_env(tmp_path / "empty")
    code, _, err = run_sql(missing, ["select 1"], capsys)
    assert code != 0 and "run `synmon demo` or `make demo` first" in err
    with pytest.raises(WarehouseError, match="synmon demo"):
        query(missing.warehouse, "select 1")


def test_manifest_staleness(tmp_path: Path) -> None:
    from orchestration.dbt import _manifest_is_stale

    project_dir = tmp_path / "proj"
    shutil.copytree(DBT_PROJECT_DIR, project_dir, ignore=shutil.ignore_patterns("target", "logs"))
    project = DbtProject(project_dir=project_dir)
    assert _manifest_is_stale(project)
    project.manifest_path.parent.mkdir()
    project.manifest_path.write_text("{}")
    assert not _manifest_is_stale(project)
    model = project_dir / "models" / "marts" / "rpt_platform_daily.sql"
    later = project.manifest_path.stat().st_mtime + 5
    os.utime(model, (later, later))
    assert _manifest_is_stale(project)


def test_dbt_env_points_at_the_data_dir(tmp_path: Path) -> None:
    from orchestration.dbt import dbt_env

    paths = Paths.from_env(tmp_path)
    env = dbt_env(paths)
    assert {k: v for k, v in env.items() if k != "SYNMON_SLOS"} == {
        "SYNMON_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
        "SYNMON_LAKE": str(tmp_path / "lake"),
    }
    slos = json.loads(env["SYNMON_SLOS"])
    assert {(s["component"], s["slo"]) for s in slos} >= {("*", "availability"), ("*", "latency")}


def test_dbt_resource_skips_the_in_process_adapter() -> None:
    """orchestration/dbt.py overrides the hook DbtCliResource.cli calls to load dbt in-process
    (~5 CPU-s a build); if dagster-dbt renames it, the override would silently stop working."""
    from dagster_dbt import DbtCliResource

    from orchestration.dbt import dbt_resource

    assert callable(DbtCliResource.__dict__["_initialize_dbt_core_adapter"])
    assert dbt_resource()._initialize_dbt_core_adapter(["build"]) is None
