"""Builds incident histories in a real ops store through the lifecycle functions (record_alerts,
escalate_due, acknowledge, resolve), with chosen times, and a small 1-minute performance rollup
around them, for the incident-section and post-incident report tests."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from sensors.incidents import acknowledge, escalate_due, record_alerts, resolve
from sensors.oncall import OncallConfig, parse_oncall_config

HOSTILE_ENDPOINT = '<img src="file:///etc/passwd">'
HOSTILE_LABEL = "{{ 7*7 }}"
HOSTILE_NOTE = "<script>alert('x')</script> rolled back"


def oncall(auto_resolve: bool = False) -> OncallConfig:
    return parse_oncall_config({
        "incidents": {"escalation_policy": "p", "auto_resolve": auto_resolve,
                      "group_by": ["alertname", "component"]},
        "schedules": [{"name": "primary", "time_zone": "UTC", "rotation": {
            "type": "daily", "members": ["alice"], "start": "2026-01-01", "handoff": "00:00"}}],
        "escalation_policies": [{"name": "p", "repeat": 0, "levels": [
            {"targets": [{"schedule": "primary"}], "receivers": ["file"], "timeout": "10m"},
            {"targets": [{"user": "lead"}], "receivers": ["file"], "timeout": "10m"}]}],
        "run_failures": {"receivers": ["file"]},
    })  # fmt: skip


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch(t: datetime) -> float:
    return t.replace(tzinfo=UTC).timestamp()


def alert(
    component: str, severity: str, start: datetime, value: float = 0.4, **extra: str
) -> dict[str, Any]:
    """An alert notification as the alert sensor writes it (naive UTC times)."""
    labels = {"alertname": "HighErrorRate", "severity": severity, "component": component, **extra}
    fp = hashlib.sha1(repr(sorted(labels.items())).encode()).hexdigest()[:16]
    return {"status": "firing", "alertname": "HighErrorRate", "severity": severity,
            "labels": labels, "annotations": {"summary": f"5xx rate {value:.0%} on {component}"},
            "value": value, "starts_at": iso(start), "ends_at": None, "fingerprint": fp,
            "dedup_key": f"{fp}:firing:{iso(start)}"}  # fmt: skip


def incident(conn: Any, config: OncallConfig, component: str, severity: str, opened: datetime,
             ack_min: float | None = None, resolve_min: float | None = None, page: bool = False,
             by: str = "alice", note: str = "", **labels: str) -> int:  # fmt: skip
    """Open an incident at `opened` and acknowledge / resolve it so many minutes later."""
    (inc_id,) = record_alerts(conn, [alert(component, severity, opened, **labels)], config,
                              epoch(opened))  # fmt: skip
    if page:
        escalate_due(conn, config, epoch(opened))
    if ack_min is not None:
        acknowledge(conn, inc_id, by=by, note=note,
                    now=epoch(opened + timedelta(minutes=ack_min)))  # fmt: skip
    if resolve_min is not None:
        resolve(conn, inc_id, by=by, note=note, now=epoch(opened + timedelta(minutes=resolve_min)))
    return inc_id


def performance_1m(warehouse: Path, component: str, start: datetime, storm: tuple[int, int],
                   minutes: int = 240) -> None:  # fmt: skip
    """`rpt_performance_1m` rows for two endpoints of `component` from `start`: 60 requests a
    minute each, 1 of them a server error, 24 (40 %) in the storm minutes `[storm[0], storm[1])`."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            """
            create or replace table rpt_performance_1m as
            with m as (select unnest(range(?)) as i),
            e as (select unnest(['POST /v1/generate', 'GET /v1/status']) as endpoint)
            select ? as component, endpoint, 'science' as domain,
                ? + to_minutes(i) as ts_window, 60 as requests,
                case when i >= ? and i < ? then 24 else 1 end as server_errors,
                0 as client_errors,
                case when i >= ? and i < ? then 0.4 else 1 / 60 end as error_rate,
                1.0 as throughput_rps,
                case when i >= ? and i < ? then 900.0 else 120.0 end as latency_p95_ms
            from m, e
            """,
            [minutes, component, start, *storm, *storm, *storm],
        )
