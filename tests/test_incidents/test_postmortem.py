"""The post-incident report end to end: an incident opened by record_alerts (with hostile label
values), paged, acknowledged, then resolved through the `resolve_incident` Dagster job, which
writes data/reports/incidents/<id>.pdf; the PDF text holds the headings, the timeline and the id;
hostile values are escaped. Auto-resolved incidents get theirs from the `incident_marts` asset;
`synmon incidents report ID` renders one on demand."""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest
from pypdf import PdfReader

from assets.incidents import INCIDENT_ASSETS, INCIDENT_JOBS, IncidentChange
from assets.resources import SynmonData
from reports.postmortem import render_postmortem
from sensors.incident_store import incident_detail
from sensors.incidents import record_alerts
from sensors.ops_store import OpsStore
from synmon.commands import incidents as incidents_cli
from synmon.settings import Paths
from tests.test_incidents.history import (
    HOSTILE_ENDPOINT,
    HOSTILE_LABEL,
    HOSTILE_NOTE,
    alert,
    epoch,
    incident,
    oncall,
    performance_1m,
)

T0 = datetime(2026, 11, 27, 12, 0)  # the 1-minute rollup starts here
OPENED = T0 + timedelta(minutes=90)
HEADINGS = ("Post-incident report", "Incident", "Timeline", "Alerts",
            "Key metrics around the incident", "Notes")  # fmt: skip


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def test_resolve_job_writes_the_post_incident_pdf(data_paths: Paths) -> None:
    performance_1m(data_paths.warehouse, "api_gateway", T0, storm=(90, 120))
    with OpsStore(data_paths.ops_db) as store:
        inc_id = incident(store.conn, oncall(), "api_gateway", "critical", OPENED, ack_min=6,
                          page=True, note=HOSTILE_NOTE, endpoint=HOSTILE_ENDPOINT,
                          team=HOSTILE_LABEL)  # fmt: skip
    data = SynmonData(data_dir=str(data_paths.data))
    result = INCIDENT_JOBS[1].execute_in_process(
        run_config=dg.RunConfig(ops={"resolve_incident_op": IncidentChange(
            incident_id=inc_id, note="rolled back release 4.2", who="alice")}),
        resources={"data": data},
    )  # fmt: skip
    assert result.success
    pdf = data_paths.reports / "incidents" / f"{inc_id}.pdf"
    html = pdf.with_suffix(".html").read_text(encoding="utf-8")
    text = pdf_text(pdf)
    for heading in HEADINGS:
        assert heading in text, heading
    assert f"Incident #{inc_id}" in text and "HighErrorRate api_gateway" in text
    for kind in ("opened", "alert_firing", "paged", "acknowledged", "resolved"):
        assert kind in text, kind
    assert "rolled back release 4.2" in text and "level 1: alice" in text
    assert "6 min" in text  # MTTA: acknowledged 6 minutes after opening
    # the metrics come from the 1-minute rollup: the calm hour before (1 error in 60 requests,
    # p95 120 ms) and the storm's p95 peak; the job resolves at the wall clock, so the incident
    # phase itself depends on when the test runs
    assert "rpt_performance_1m" in html and "Peak p95 900 ms" in html
    before = html.split("Hour before")[1].split("</tr>")[0]
    assert "1.67 %" in before and "120 ms" in before and "7,200" in before
    assert "data:image/svg+xml;base64," in html
    # hostile values appear escaped, never as markup
    assert HOSTILE_ENDPOINT not in html and "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#39;x&#39;)" in html
    assert HOSTILE_LABEL in html and HOSTILE_LABEL in text
    assert "<script>alert('x')</script> rolled back" in text  # shown as text in the PDF


def test_marts_asset_renders_auto_resolved_incidents_once(data_paths: Paths) -> None:
    performance_1m(data_paths.warehouse, "api_gateway", T0, storm=(90, 120))
    firing = alert("api_gateway", "critical", OPENED)
    done = {**firing, "status": "resolved", "ends_at": "2026-11-27T14:00:00Z"}
    with OpsStore(data_paths.ops_db) as store:
        record_alerts(store.conn, [firing], oncall(auto_resolve=True), epoch(OPENED))
        record_alerts(store.conn, [done], oncall(auto_resolve=True), epoch(OPENED))
        assert incident_detail(store.conn, 1)["status"] == "resolved"
    data = SynmonData(data_dir=str(data_paths.data))
    runs = [dg.materialize(INCIDENT_ASSETS, resources={"data": data}) for _ in range(2)]
    rendered = [
        r.asset_materializations_for_node("incident_marts")[0].metadata["postmortems_rendered"]
        for r in runs
    ]
    pdf = data_paths.reports / "incidents" / "1.pdf"
    assert [x.value for x in rendered] == [[str(pdf)], []]  # the second run finds it rendered
    text = pdf_text(pdf)
    assert "all alerts resolved (auto-resolve)" in text and "alert_resolved" in text


def test_cli_report_and_a_missing_warehouse_said_plainly(
    data_paths: Paths, capsys: pytest.CaptureFixture[str]
) -> None:
    with OpsStore(data_paths.ops_db) as store:
        incident(store.conn, oncall(), "api_gateway", "high", OPENED, ack_min=3, resolve_min=30)
    parser = argparse.ArgumentParser(prog="synmon")
    parser.add_argument("--data-dir")
    incidents_cli.register(parser.add_subparsers(dest="command", required=True))

    def run(*argv: str) -> tuple[int, str]:
        args = parser.parse_args(["--data-dir", str(data_paths.data), "incidents", *argv])
        return args.func(args), capsys.readouterr().out

    code, out = run("report", "1", "--json")
    shown = json.loads(out)
    assert code == 0 and shown["metrics_from"] is None and shown["pages"] >= 1
    html = Path(shown["html"]).read_text(encoding="utf-8")
    assert "no warehouse (warehouse.duckdb) was found" in html
    assert "30 min" in pdf_text(Path(shown["pdf"]))  # MTTR
    assert run("report", "9")[0] == 1


def test_fetches_nothing(tmp_path: Path) -> None:
    detail = {"id": 3, "title": "t", "severity": "high", "status": "resolved",
              "component": None, "labels": {"x": '<link rel="stylesheet" href="http://x/a.css">'},
              "policy": "p", "opened_at": "2026-11-27T12:00:00Z", "acknowledged_at": None,
              "acknowledged_by": None, "resolved_at": "2026-11-27T12:30:00Z",
              "resolved_by": "bob", "alerts": [], "timeline": []}  # fmt: skip
    result = render_postmortem(detail, tmp_path, None)
    assert result.refused_urls == [] and result.pages >= 1
    assert "Nobody wrote a note" in result.html_path.read_text(encoding="utf-8")
