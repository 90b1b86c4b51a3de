"""Fixtures: constructed warehouses (built once per module) and reports rendered from them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from reports.render import ReportResult, render_report
from tests.test_reports.warehouse import build_warehouse

LAST_DAY = date(2026, 11, 29)  # a Sunday, so ISO week 2026-W48 is complete


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("wh") / "warehouse.duckdb", LAST_DAY)


@pytest.fixture(scope="module")
def rendered(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, ReportResult]:
    out = tmp_path_factory.mktemp("reports")
    return {kind: render_report(kind, warehouse, out) for kind in ("daily", "weekly")}
