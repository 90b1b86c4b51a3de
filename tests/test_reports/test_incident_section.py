"""Section 9 reads the incident marts: MTTA and MTTR (median, p90) for the period and the one
before, by severity (the weekly report from `rpt_incident_metrics_weekly` itself), and the
incidents open at the period's end with their age and owner or escalation level. The incident
history is made by the real lifecycle functions and the marts by `build_incident_marts`."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pytest

from assets.incidents import build_incident_marts
from reports.data import ReportData, load_report_data
from reports.periods import Period, ReportKind
from reports.render import render_html
from reports.summary import sentences
from reports.warehouse import Warehouse
from sensors.ops_store import OpsStore
from tests.test_incidents.history import incident, oncall
from tests.test_reports.conftest import LAST_DAY
from tests.test_reports.warehouse import build_warehouse

HOSTILE = "<b>x</b>"
# component, severity, opened, minutes to ack, minutes to resolve, acked by, page
HISTORY = [
    ("api_gateway", "critical", datetime(2026, 11, 18, 10), 20, 120, "alice", False),
    ("dspy_optimizer", "critical", datetime(2026, 11, 24, 9), 5, 30, "alice", False),
    ("domain_validator", "critical", datetime(2026, 11, 26, 14), 15, 90, "bob", False),
    ("marl_coordinator", "high", datetime(2026, 11, 29, 8), 10, 60, "bob", False),
    (HOSTILE, "critical", datetime(2026, 11, 29, 20), 10, None, "carol", False),
    ("api_gateway", "high", datetime(2026, 11, 29, 22), None, None, "", True),
]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("incidents")
    path = build_warehouse(tmp / "warehouse.duckdb", LAST_DAY, days=15)
    with OpsStore(tmp / "ops.sqlite") as store:
        for comp, sev, opened, ack, res, by, page in HISTORY:
            incident(store.conn, oncall(), comp, sev, opened, ack, res, page=page, by=by)
    assert build_incident_marts(tmp / "ops.sqlite", path)["rpt_incidents"] == len(HISTORY)
    return path


def load(path: Path, kind: ReportKind, day: date = LAST_DAY) -> ReportData:
    with Warehouse(path) as wh:
        return load_report_data(wh, Period.containing(kind, day), LAST_DAY)


def stats(rows: list[tuple]) -> dict[str, float | None]:
    tta = [r[3] for r in rows if r[3] is not None]
    ttr = [r[4] for r in rows if r[4] is not None]

    def q(xs: list[float], p: float) -> float | None:
        return float(np.percentile(xs, p)) if xs else None

    return {"incidents": len(rows), "mtta_median_min": q(tta, 50), "mtta_p90_min": q(tta, 90),
            "mttr_median_min": q(ttr, 50), "mttr_p90_min": q(ttr, 90)}  # fmt: skip


def in_period(kind: ReportKind, day: date) -> list[tuple]:
    p = Period.containing(kind, day)
    return [h for h in HISTORY if p.start_ts <= h[2] < p.end_ts]


@pytest.mark.parametrize("kind", ["daily", "weekly"])
def test_mtta_and_mttr_for_the_period_and_the_one_before(warehouse: Path, kind: ReportKind) -> None:
    data = load(warehouse, kind)
    assert data.incidents is not None
    for got, day in ((data.incidents["current"], LAST_DAY),
                     (data.incidents["previous"], data.previous.start)):  # fmt: skip
        for key, want in stats(in_period(kind, day)).items():
            assert got[key] == pytest.approx(want), (kind, day, key)


def test_weekly_by_severity_is_the_weekly_mart(warehouse: Path) -> None:
    data = load(warehouse, "weekly")
    assert data.incidents is not None and data.incidents["source"] == "rpt_incident_metrics_weekly"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        mart = con.execute(
            "select severity, incidents, mttr_median_s / 60, mttr_p90_s / 60 "
            "from rpt_incident_metrics_weekly where iso_week = '2026-W48' order by severity"
        ).fetchall()
    got = [(r["severity"], r["incidents"], r["mttr_median_min"], r["mttr_p90_min"])
           for r in sorted(data.incidents["by_severity"], key=lambda r: r["severity"])]  # fmt: skip
    assert got == mart and [r[1] for r in got] == [3, 2]
    critical = next(r for r in data.incidents["by_severity"] if r["severity"] == "critical")
    assert critical["prev_incidents"] == 1 and critical["prev_mttr_median_min"] == 120
    daily = load(warehouse, "daily")
    assert daily.incidents is not None and daily.incidents["source"] == "rpt_incidents"
    assert [(r["severity"], r["incidents"]) for r in daily.incidents["by_severity"]] == [
        ("critical", 1), ("high", 2)]  # fmt: skip


def test_open_incidents_with_age_and_owner_or_level(warehouse: Path) -> None:
    data = load(warehouse, "daily")
    assert data.incidents is not None
    got = [(i["component"], i["age_h"], i["owner"], i["level"], i["oncall"])
           for i in data.incidents["open"]]  # fmt: skip
    assert got == [(HOSTILE, 4.0, "carol", None, None), ("api_gateway", 2.0, None, 1, "alice")]
    # a week earlier, the open ones had not opened and the others were resolved
    before = load(warehouse, "daily", date(2026, 11, 22)).incidents
    assert before is not None and before["open"] == []
    html = render_html(data, "daily", sentences(data))
    section = html[html.index("<h3>Incidents</h3>") :]
    assert "3 incidents opened in 2026-11-29" in section
    assert "acknowledged by carol" in section and "paged level 1 (alice)" in section
    assert HOSTILE not in html and "&lt;b&gt;x&lt;/b&gt;" in section
    assert "MTTA" in section and "10 min" in section and "rpt_incidents" in section


def test_without_incident_marts_the_section_says_so(tmp_path: Path) -> None:
    path = build_warehouse(
        tmp_path / "w.duckdb", LAST_DAY, days=3, tables=["rpt_performance_hourly"]
    )
    data = load(path, "daily")
    html = render_html(data, "daily", sentences(data))
    section = html[html.index("<h3>Incidents</h3>") :]
    assert "Not available yet" in section and "<code>rpt_incidents</code>" in section
    assert html.count('<section id="') == 10
