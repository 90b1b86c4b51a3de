"""Report partitions: the key picks the period, a partition without data renders a report that
says so, and the weekly asset renders an ISO week chosen by its Monday key."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from pypdf import PdfReader

from assets.reports import weekly_report
from assets.resources import SynmonData
from reports.periods import partition_key, period_for_partition
from reports.render import ReportResult, render_report
from synmon.settings import Paths


def test_partition_key_picks_the_period() -> None:
    day = period_for_partition("daily", "2026-03-01")
    assert (day.start, day.end, day.label) == (date(2026, 3, 1), date(2026, 3, 1), "2026-03-01")
    week = period_for_partition("weekly", "2025-12-29")
    assert (week.start, week.end, week.label) == (date(2025, 12, 29), date(2026, 1, 4), "2026-W01")
    assert partition_key(week) == "2025-12-29" and partition_key(day) == "2026-03-01"
    with pytest.raises(ValueError, match="Monday"):
        period_for_partition("weekly", "2026-11-18")


def test_weekly_partition_materializes_its_iso_week(data_paths: Paths, warehouse: Path) -> None:
    shutil.copy(warehouse, data_paths.warehouse)
    result = dg.materialize(
        [weekly_report],
        partition_key="2026-11-16",
        resources={"data": SynmonData(data_dir=str(data_paths.data))},
    )
    (mat,) = result.asset_materializations_for_node("weekly_report")
    assert mat.partition == "2026-11-16" and mat.metadata["period"].value == "2026-W47"
    pdf = data_paths.reports / "weekly" / "2026-W47.pdf"
    assert Path(mat.metadata["path"].value) == pdf and pdf.read_bytes()[:5] == b"%PDF-"
    assert (data_paths.reports / "weekly" / "2026-W47.html").is_file()


def test_partition_before_the_data_says_so(
    warehouse: Path, tmp_path: Path, rendered: dict[str, ReportResult]
) -> None:
    # The constructed warehouse holds 2026-10-26 to 2026-11-30 10:00; backfills reach further.
    result = render_report("daily", warehouse, tmp_path, date(2026, 3, 2))
    note = "No data for 2026-03-02: the warehouse holds 2026-10-26 to 2026-11-30 (UTC days)."
    assert result.summary["no_data"] is True
    assert result.summary["sentences"] == [note]
    html = result.html_path.read_text(encoding="utf-8")
    assert '<p class="no-data" role="status"><strong>No data.</strong> ' + note in html
    text = " ".join(page.extract_text() for page in PdfReader(result.pdf_path).pages)
    assert "No data for 2026-03-02" in " ".join(text.split())
    with_data = rendered["daily"]
    assert with_data.summary["no_data"] is False
    assert 'class="no-data"' not in with_data.html_path.read_text(encoding="utf-8")


def test_empty_warehouse_partition_renders_a_no_data_report(tmp_path: Path) -> None:
    duckdb.connect(str(tmp_path / "empty.duckdb")).close()
    result = render_report("weekly", tmp_path / "empty.duckdb", tmp_path, date(2026, 11, 18))
    assert result.period == "2026-W47" and result.pdf_path.is_file()
    assert result.summary["sentences"] == [
        "The warehouse holds no data yet, so there is nothing to report for 2026-W47."
    ]
