"""The Dagster assets and the `synmon report` command, on a constructed warehouse."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import dagster as dg
import pytest

from assets.reports import REPORT_ASSETS, daily_report
from assets.resources import SynmonData
from synmon.cli import main
from synmon.settings import Paths


def test_report_assets_keys_group_and_deps() -> None:
    keys = {a.key.to_user_string(): a for a in REPORT_ASSETS}
    assert set(keys) == {"daily_report", "weekly_report"}
    for asset in REPORT_ASSETS:
        spec = next(iter(asset.specs))
        assert spec.group_name == "reports"
        deps = {d.asset_key.to_user_string() for d in spec.deps}
        assert {"rpt_platform_daily", "rpt_performance_hourly", "forecast_daily"} <= deps


def test_daily_report_asset_materializes(data_paths: Paths, warehouse: Path) -> None:
    shutil.copy(warehouse, data_paths.warehouse)
    result = dg.materialize(
        [daily_report], resources={"data": SynmonData(data_dir=str(data_paths.data))}
    )
    assert result.success
    (mat,) = result.asset_materializations_for_node("daily_report")
    meta = mat.metadata
    assert meta["period"].value == "2026-11-29"
    assert meta["pages"].value >= 2
    assert Path(meta["path"].value) == data_paths.reports / "daily" / "2026-11-29.pdf"
    assert Path(meta["path"].value).is_file()
    assert "Daily report 2026-11-29" in meta["summary"].value


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
