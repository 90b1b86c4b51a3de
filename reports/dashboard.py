"""The dashboard page: the report's ten sections over the last 24 hours in the warehouse, as one
self-contained HTML file at `<reports>/dashboard/index.html` (no PDF; it reloads itself every
5 minutes in a browser, and is re-rendered by the dashboard asset)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from reports.data import load_report_data
from reports.performance import HOURLY, PLATFORM
from reports.periods import Window
from reports.render import atomic_write, render_html
from reports.summary import sentences, summary_dict
from reports.warehouse import Warehouse


@dataclass(frozen=True)
class DashboardResult:
    path: Path
    window: str
    summary: dict[str, Any]


def latest_window(wh: Warehouse) -> Window:
    """The 24 hours ending after the last hour in the hourly mart (else the last daily row)."""
    if wh.has(HOURLY):
        last = wh.one(f"select max(hour) as h from {HOURLY}").get("h")
        if last is not None:
            return Window.ending(last + timedelta(hours=1))
    if wh.has(PLATFORM):
        day = wh.one(f"select max(day) as d from {PLATFORM}").get("d")
        if day is not None:
            return Window.ending(datetime.combine(day + timedelta(days=1), time()))
    raise LookupError("the warehouse holds no hourly or daily data (rpt_* marts empty)")


def render_dashboard(warehouse: Path, out_dir: Path, ops_db: Path | None = None) -> DashboardResult:
    """Render `out_dir/dashboard/index.html` for the last 24 hours in the warehouse."""
    with Warehouse(warehouse) as wh:
        window = latest_window(wh)
        data = load_report_data(wh, window, window.end, ops_db)
    lines = sentences(data)
    html = render_html(data, "dashboard", lines)
    path = Path(out_dir) / "dashboard" / "index.html"
    atomic_write(path, html.encode("utf-8"))
    return DashboardResult(path, window.label, summary_dict(data, lines))
