"""Tables not built yet: the report still renders and says so plainly."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from reports.data import load_report_data
from reports.render import render_html, render_report, resolve_period
from reports.summary import sentences
from reports.warehouse import Warehouse
from tests.test_reports.conftest import LAST_DAY
from tests.test_reports.marts import INTEL_TABLES, ISSUE4_TABLES
from tests.test_reports.warehouse import build_warehouse


def test_foundation_marts_only(tmp_path: Path) -> None:
    path = build_warehouse(
        tmp_path / "w.duckdb",
        LAST_DAY,
        days=9,
        tables=("rpt_performance_hourly", "rpt_platform_daily"),
    )
    with Warehouse(path) as wh:
        period, last = resolve_period(wh, "daily", None)
        data = load_report_data(wh, period, last)
    html = render_html(data, "daily", sentences(data))
    assert "Not available yet" in html
    for table in ("rpt_resources_hourly", "forecast_daily", *ISSUE4_TABLES, *INTEL_TABLES):
        assert f"<code>{table}</code>" in html, table
    assert html.count('<section id="') == 10  # no section disappears
    assert "rpt_component_daily not built yet" in html  # derived from the hourly mart
    assert "marl_coordinator" in html
    cpu = next(k for k in data.kpis if k.key == "cpu_utilization")
    assert cpu.value is None and cpu.missing == ("rpt_resources_hourly",)


def test_empty_or_absent_warehouse_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        render_report("daily", tmp_path / "absent.duckdb", tmp_path / "out")
    duckdb.connect(str(tmp_path / "empty.duckdb")).close()
    with pytest.raises(LookupError):
        render_report("daily", tmp_path / "empty.duckdb", tmp_path / "out")
    assert not (tmp_path / "out").exists()
