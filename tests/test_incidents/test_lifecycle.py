"""An error storm in constructed landing data, end to end: alert fires, incident opens, the
first level is paged, the next level after the timeout, ack stops escalation, resolve, the
timeline, and the marts with MTTA and MTTR."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from assets.incidents import build_incident_marts
from sensors.alerts import run_alert_tick
from sensors.escalation import run_escalation_tick
from sensors.incident_store import IncidentError, list_incidents, timeline
from sensors.incidents import acknowledge, resolve
from sensors.oncall import parse_oncall_config
from sensors.ops_store import OpsStore
from synmon.settings import Paths
from tests.test_sensors.helpers import (
    T0,
    minute,
    notifications,
    request_lines,
    with_incident,
    write_lines,
)

ONCALL = parse_oncall_config({
    "incidents": {"escalation_policy": "p", "auto_resolve": True},
    "schedules": [{"name": "primary", "time_zone": "UTC", "rotation": {
        "type": "daily", "members": ["alice", "bob"], "start": "2026-03-01", "handoff": "00:00"}}],
    "escalation_policies": [{"name": "p", "repeat": 0, "levels": [
        {"targets": [{"schedule": "primary"}], "receivers": ["file"], "timeout": "10m"},
        {"targets": [{"user": "lead"}], "receivers": ["file"], "timeout": "10m"}]}],
    "run_failures": {"receivers": ["file"]},
})  # fmt: skip


def at(n: float) -> float:
    return (T0 + timedelta(minutes=n)).timestamp()


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    return Paths(tmp_path / "data")


def pages(paths: Paths) -> list[tuple[str, str, str]]:
    return [
        (n["labels"]["incident"], n["labels"]["level"], n["labels"]["oncall"])
        for n in notifications(paths.data)
        if n["alertname"] == "IncidentPage"
    ]


def test_error_storm_incident_lifecycle(paths: Paths):
    storm = with_incident("error_storm", "domain_validator", 20, 400)
    write_lines(paths.landing / "requests" / "r.jsonl", request_lines(range(120), storm))
    tick = run_alert_tick(paths, {}, oncall=ONCALL, now=at(120))
    assert tick.incidents_opened == [1]
    firing = [n for n in notifications(paths.data) if n["alertname"] == "HighErrorRate"]
    assert [n["status"] for n in firing] == ["firing"]

    # a replayed tick, and more storm data, join the same incident
    tick = run_alert_tick(paths, {}, oncall=ONCALL, now=at(120))
    assert tick.incidents_opened == []
    assert run_escalation_tick(paths, now=at(120), oncall=ONCALL).paged == [(1, 1)]
    assert pages(paths) == [("1", "1", "alice")]
    assert run_escalation_tick(paths, now=at(129), oncall=ONCALL).paged == []
    assert run_escalation_tick(paths, now=at(130), oncall=ONCALL).paged == [(1, 2)]
    assert pages(paths) == [("1", "1", "alice"), ("1", "2", "lead")]
    # the last level with no repeat: nothing more, however long
    assert run_escalation_tick(paths, now=at(200), oncall=ONCALL).paged == []

    with OpsStore(paths.ops_db) as store:
        inc = acknowledge(store.conn, 1, by="alice", note="looking", now=at(135))
        assert (inc.status, inc.acknowledged_by, inc.next_escalation_at) == (
            "acknowledged", "alice", None)  # fmt: skip
        with pytest.raises(IncidentError, match="not open"):
            acknowledge(store.conn, 1, by="bob", now=at(136))
        inc = resolve(store.conn, 1, by="alice", note="rolled back", now=at(150))
        with pytest.raises(IncidentError, match="already resolved"):
            resolve(store.conn, 1, by="bob", now=at(151))
        events = timeline(store.conn, 1)
    assert [e["kind"] for e in events] == [
        "opened", "alert_firing", "paged", "escalated", "acknowledged", "resolved"]  # fmt: skip
    assert events[0]["at"] == firing[0]["starts_at"]
    assert events[2]["targets"] == ["alice"] and events[3]["targets"] == ["lead"]
    assert events[4] == {"at": minute(135), "kind": "acknowledged", "actor": "alice",
                         "note": "looking"}  # fmt: skip

    counts = build_incident_marts(paths.ops_db, paths.warehouse)
    assert counts == {"rpt_incidents": 1, "rpt_incident_metrics_weekly": 1}
    opened = firing[0]["starts_at"]
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        row = con.execute(
            "select severity, component, strftime(opened_at, '%Y-%m-%dT%H:%M:%SZ'),"
            " time_to_acknowledge_s, time_to_resolve_s, alerts, pages from rpt_incidents"
        ).fetchone()
        weekly = con.execute(
            "select iso_week, severity, incidents, mtta_median_s, mttr_p90_s"
            " from rpt_incident_metrics_weekly"
        ).fetchone()
    mins = int(opened[14:16]) + 60 * int(opened[11:13])
    assert row == ("critical", "domain_validator", opened, (135 - mins) * 60.0,
                   (150 - mins) * 60.0, 1, 2)  # fmt: skip
    assert weekly == ("2026-W09", "critical", 1, (135 - mins) * 60.0, (150 - mins) * 60.0)


def test_storm_that_ends_auto_resolves_and_pages_nobody(paths: Paths):
    storm = with_incident("error_storm", "api_gateway", 20, 50)
    write_lines(paths.landing / "requests" / "r.jsonl", request_lines(range(120), storm))
    assert run_alert_tick(paths, {}, oncall=ONCALL, now=at(120)).incidents_opened == [1]
    assert run_escalation_tick(paths, now=at(200), oncall=ONCALL).paged == []
    with OpsStore(paths.ops_db) as store:
        (inc,) = list_incidents(store.conn)
        kinds = [e["kind"] for e in timeline(store.conn, inc.id)]
    resolved = [n for n in notifications(paths.data) if n["status"] == "resolved"]
    assert (inc.status, inc.resolved_by, inc.acknowledged_at) == ("resolved", "synmon", None)
    assert minute((inc.resolved_at - T0.timestamp()) / 60) == resolved[0]["ends_at"]
    assert kinds == ["opened", "alert_firing", "alert_resolved", "resolved"]
    assert pages(paths) == []


def test_warning_alerts_open_no_incident(paths: Paths):
    config = ONCALL.model_copy(
        update={"incidents": ONCALL.incidents.model_copy(update={"severities": ["info"]})}
    )
    storm = with_incident("error_storm", "api_gateway", 20, 400)
    write_lines(paths.landing / "requests" / "r.jsonl", request_lines(range(120), storm))
    assert run_alert_tick(paths, {}, oncall=config, now=at(120)).incidents_opened == []
    with OpsStore(paths.ops_db) as store:
        assert list_incidents(store.conn) == []
