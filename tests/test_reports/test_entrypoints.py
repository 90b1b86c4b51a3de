"""The Dagster assets and the `synmon report` command, on a constructed warehouse."""

from __future__ import annotations

import argparse
import json
import shutil
from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from assets.reports import DASHBOARD_ASSETS, REPORT_ASSETS, daily_report
from assets.resources import SynmonData
from synmon.cli import main
from synmon.settings import Paths


def test_report_assets_keys_group_deps_and_partitions() -> None:
    keys = {a.key.to_user_string(): a for a in REPORT_ASSETS}
    assert set(keys) == {"daily_report", "weekly_report"}
    for asset in REPORT_ASSETS:
        spec = next(iter(asset.specs))
        assert spec.group_name == "reports"
        deps = {d.asset_key.to_user_string() for d in spec.deps}
        assert {"rpt_platform_daily", "rpt_performance_hourly", "forecast_daily"} <= deps
    assert isinstance(keys["daily_report"].partitions_def, dg.DailyPartitionsDefinition)
    weekly = keys["weekly_report"].partitions_def
    assert isinstance(weekly, dg.WeeklyPartitionsDefinition)
    # ISO weeks: every key is a Monday, and ISO week 2026-W01 (Mon 2025-12-29) is the first.
    assert weekly.get_first_partition_key() == "2025-12-29"
    assert all(date.fromisoformat(k).weekday() == 0 for k in weekly.get_partition_keys()[:60])


def test_daily_report_partition_materializes(data_paths: Paths, warehouse: Path) -> None:
    shutil.copy(warehouse, data_paths.warehouse)
    result = dg.materialize(
        [daily_report],
        partition_key="2026-11-25",
        resources={"data": SynmonData(data_dir=str(data_paths.data))},
    )
    assert result.success
    (mat,) = result.asset_materializations_for_node("daily_report")
    assert mat.partition == "2026-11-25"
    meta = mat.metadata
    assert meta["period"].value == "2026-11-25"
    assert meta["pages"].value >= 2
    assert meta["no_data"].value is False
    assert Path(meta["path"].value) == data_paths.reports / "daily" / "2026-11-25.pdf"
    assert Path(meta["path"].value).is_file()
    assert Path(meta["html"].value) == data_paths.reports / "daily" / "2026-11-25.html"
    assert "Daily report 2026-11-25" in meta["summary"].value
    assert "email" not in meta  # the shipped config/reports.yaml sends nothing


def test_cli_renders_a_chosen_week(
    data_paths: Paths, warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(warehouse, data_paths.warehouse)
    argv = ["--data-dir", str(data_paths.data), "report", "weekly", "--date", "2026-11-18"]
    assert main([*argv, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["period"] == "2026-W47"
    assert out["pdf"] == str(data_paths.reports / "weekly" / "2026-W47.pdf")
    assert Path(out["html"]).is_file() and out["pages"] >= 2


def test_cli_fails_cleanly_without_a_warehouse(
    data_paths: Paths, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--data-dir", str(data_paths.data), "report", "daily"]) == 1
    assert "warehouse not found" in capsys.readouterr().err


def test_dashboard_asset_and_cli(
    data_paths: Paths, warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(warehouse, data_paths.warehouse)
    result = dg.materialize(
        DASHBOARD_ASSETS, resources={"data": SynmonData(data_dir=str(data_paths.data))}
    )
    (mat,) = result.asset_materializations_for_node("dashboard")
    index = data_paths.reports / "dashboard" / "index.html"
    assert Path(mat.metadata["path"].value) == index and index.is_file()
    assert mat.metadata["window"].value == "24 h to 2026-11-30 10:00 UTC"
    argv = ["--data-dir", str(data_paths.data), "report", "dashboard", "--json"]
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["html"] == str(index)
    assert main([*argv[:-1], "--date", "2026-11-20"]) == 2


def test_serve_refuses_a_missing_reports_folder(
    data_paths: Paths, capsys: pytest.CaptureFixture[str]
) -> None:
    from synmon.commands import serve

    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir")
    serve.register(parser.add_subparsers())
    args = parser.parse_args(["--data-dir", str(data_paths.data), "serve", "--port", "0"])
    assert args.func(args) == 1
    assert "no reports folder" in capsys.readouterr().err
