"""Fixtures: one constructed warehouse and ops store per session, and the reports rendered
from them once (rendering is the slow part)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from reports.dashboard import DashboardResult, render_dashboard
from reports.render import ReportResult, render_report
from tests.test_reports.marts import build_ops_store
from tests.test_reports.warehouse import build_warehouse

LAST_DAY = date(2026, 11, 29)  # a Sunday, so ISO week 2026-W48 is complete


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("wh") / "warehouse.duckdb", LAST_DAY)


@pytest.fixture(scope="session")
def ops_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_ops_store(tmp_path_factory.mktemp("ops") / "ops.sqlite", LAST_DAY)


@pytest.fixture(scope="session")
def rendered(
    warehouse: Path, ops_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, ReportResult]:
    out = tmp_path_factory.mktemp("reports")
    return {
        kind: render_report(kind, warehouse, out, ops_db=ops_db) for kind in ("daily", "weekly")
    }


@pytest.fixture(scope="session")
def dashboard(
    warehouse: Path, ops_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> DashboardResult:
    return render_dashboard(warehouse, tmp_path_factory.mktemp("reports"), ops_db=ops_db)
