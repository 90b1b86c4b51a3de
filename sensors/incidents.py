"""Incidents in the ops store (data/ops.sqlite): open, page, escalate, acknowledge, resolve.

A firing alert of an incident severity (config/oncall.yaml) opens an incident for its group (the
`group_by` labels), one per group while it is open; later alerts of the group join it. A new
incident is due for a page at once: `escalate_due` (the escalation sensor) pages the policy's
first level, then the next level each time a level's timeout passes unacknowledged (and starts
over `repeat` times); an incident resolved before its first page (history replayed at once)
pages nobody. Pages and run-failure reports are
notifications in the alert outbox (`notifications` + `outbox` tables), so routing, silences,
retries and dead letters apply as for alerts. Every change is a row in `incident_events` (the
timeline). Times are epoch seconds; an incident opens at its first alert's `starts_at`.
Dagster-free and light: the alert tick, the escalation sensor, the CLI and the jobs share it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from sensors.incident_store import (
    Incident,
    IncidentError,
    add_event,
    ensure_schema,
    epoch_of,
    read_incident,
    transaction,
)
from sensors.oncall import OncallConfig, resolve_targets
from sensors.rules import fingerprint, iso


def enqueue(conn: sqlite3.Connection, note: dict[str, Any], receivers: Sequence[str],
            now: float) -> bool:  # fmt: skip
    """Queue a notification for `receivers` in the alert outbox (inside the caller's
    transaction); False if its dedup_key was queued before."""
    cur = conn.execute(
        "insert or ignore into notifications values (?, ?, ?, ?, ?, ?)",
        (note["dedup_key"], note["alertname"], note["fingerprint"], note["status"],
         json.dumps(note, sort_keys=True), now),
    )  # fmt: skip
    if cur.rowcount:
        conn.executemany(
            "insert or ignore into outbox (dedup_key, receiver, next_attempt_at) values (?, ?, ?)",
            [(note["dedup_key"], r, now) for r in receivers],
        )
    return bool(cur.rowcount)


def notification(labels: dict[str, str], annotations: dict[str, str], dedup_key: str,
                 at: float) -> dict[str, Any]:  # fmt: skip
    """A firing notification shaped like an alert's, so every receiver can send it."""
    return {
        "status": "firing", "alertname": labels["alertname"], "severity": labels["severity"],
        "labels": labels, "annotations": annotations, "value": None,
        "starts_at": iso(int(at)), "ends_at": None, "fingerprint": fingerprint(labels),
        "dedup_key": dedup_key,
    }  # fmt: skip


def _page(conn: sqlite3.Connection, config: OncallConfig, inc: Incident, level: int, pass_: int,
          now: float) -> None:  # fmt: skip
    """Page one level of the incident's policy and schedule the next escalation."""
    policy = config.policy(inc.policy)
    spec = policy.levels[level]
    people = resolve_targets(config, spec, now)
    labels = {
        **{k: v for k, v in inc.labels.items() if k != "alertname"},
        "alertname": "IncidentPage", "severity": inc.severity, "rule": inc.labels.get(
            "alertname", ""), "incident": str(inc.id), "level": str(level + 1),
        "oncall": ",".join(people),
    }  # fmt: skip
    verb = "opened" if level == 0 and pass_ == 0 else "unacknowledged, escalating"
    summary = f"Incident #{inc.id} {verb}: {inc.title}; paging level {level + 1}: " + (
        ", ".join(people) or "nobody on call"
    )
    key = f"incident:{inc.id}:page:{pass_ * len(policy.levels) + level}"
    enqueue(conn, notification(labels, {"summary": summary}, key, now), spec.receivers, now)
    last = level == len(policy.levels) - 1 and pass_ >= policy.repeat
    conn.execute(
        "update incidents set level = ?, pass = ?, next_escalation_at = ? where id = ?",
        (level, pass_, None if last else now + spec.timeout, inc.id),
    )
    kind = "paged" if level == 0 and pass_ == 0 else "escalated"
    add_event(conn, inc.id, now, kind, "synmon", level=level + 1, targets=people,
           receivers=spec.receivers, timeout_s=spec.timeout)  # fmt: skip


def _open(conn: sqlite3.Connection, config: OncallConfig, note: dict[str, Any], group: str,
          group_labels: dict[str, str], now: float) -> Incident:  # fmt: skip
    opened = epoch_of(note["starts_at"], now)
    title = " ".join(group_labels.values()) or note["alertname"]
    cur = conn.execute(  # due for its first page at once: the escalation sensor sends it
        "insert into incidents (group_key, title, severity, component, labels, status, policy,"
        " opened_at, created_at, next_escalation_at) values (?, ?, ?, ?, ?, 'open', ?, ?, ?, ?)",
        (group, title, note["severity"], note["labels"].get("component"),
         json.dumps(group_labels, sort_keys=True), config.incidents.escalation_policy, opened,
         now, now),
    )  # fmt: skip
    inc = read_incident(conn, int(cur.lastrowid or 0))
    add_event(conn, inc.id, opened, "opened", "synmon", title=title, severity=inc.severity)
    return inc


def record_alerts(
    conn: sqlite3.Connection, notes: Sequence[dict[str, Any]], config: OncallConfig, now: float
) -> list[int]:
    """Fold alert notifications into incidents: a firing alert of an incident severity opens
    (or joins) its group's incident; a resolved one is marked, and with auto_resolve the
    incident resolves when all of its alerts have. Replaying a notification changes nothing.
    Returns the ids of incidents opened."""
    ensure_schema(conn)
    settings, opened = config.incidents, []
    with transaction(conn):
        for n in notes:
            if n["status"] == "resolved":
                _alert_resolved(conn, n, settings.auto_resolve)
                continue
            if (
                n["severity"] not in settings.severities
                or conn.execute(
                    "select 1 from incident_alerts where fingerprint = ? and starts_at = ?",
                    (n["fingerprint"], n["starts_at"]),
                ).fetchone()
            ):
                continue
            labels = {k: str(n["labels"][k]) for k in settings.group_by if k in n["labels"]}
            group = json.dumps(labels, sort_keys=True)
            row = conn.execute(
                "select id from incidents where group_key = ? and status != 'resolved'", (group,)
            ).fetchone()
            inc = read_incident(conn, row[0]) if row else _open(conn, config, n, group, labels, now)
            opened += [] if row else [inc.id]
            conn.execute(
                "insert into incident_alerts values (?, ?, ?, ?, ?, 'firing', null, ?)",
                (n["fingerprint"], n["starts_at"], inc.id, n["alertname"],
                 json.dumps(n["labels"], sort_keys=True), n.get("value")),
            )  # fmt: skip
            add_event(conn, inc.id, epoch_of(n["starts_at"], now), "alert_firing", "synmon",
                   alertname=n["alertname"], labels=n["labels"], value=n.get("value"),
                   summary=n.get("annotations", {}).get("summary", ""))  # fmt: skip
    return opened


def _alert_resolved(conn: sqlite3.Connection, n: dict[str, Any], auto_resolve: bool) -> None:
    row = conn.execute(
        "select incident_id from incident_alerts where fingerprint = ? and starts_at = ?"
        " and status = 'firing'",
        (n["fingerprint"], n["starts_at"]),
    ).fetchone()
    if row is None:
        return
    inc_id, at = row[0], epoch_of(n["ends_at"], 0.0)
    conn.execute(
        "update incident_alerts set status = 'resolved', ends_at = ? where fingerprint = ?"
        " and starts_at = ?",
        (n["ends_at"], n["fingerprint"], n["starts_at"]),
    )
    add_event(conn, inc_id, at, "alert_resolved", "synmon", alertname=n["alertname"],
           labels=n["labels"])  # fmt: skip
    still = conn.execute(
        "select count(*) from incident_alerts where incident_id = ? and status = 'firing'",
        (inc_id,),
    ).fetchone()[0]
    inc = read_incident(conn, inc_id)
    if auto_resolve and not still and inc.status != "resolved":
        _close(conn, inc, "synmon", "all alerts resolved (auto-resolve)", max(at, inc.opened_at))


def _close(conn: sqlite3.Connection, inc: Incident, by: str, note: str, now: float) -> None:
    conn.execute(
        "update incidents set status = 'resolved', resolved_at = ?, resolved_by = ?,"
        " next_escalation_at = null where id = ?",
        (now, by, inc.id),
    )
    add_event(conn, inc.id, now, "resolved", by, note=note)


def acknowledge(conn: sqlite3.Connection, incident_id: int, *, by: str, note: str = "",
                now: float) -> Incident:  # fmt: skip
    """Someone owns the incident: escalation stops. Only an open incident can be acknowledged."""
    ensure_schema(conn)
    with transaction(conn):
        inc = read_incident(conn, incident_id)
        if inc.status != "open":
            raise IncidentError(f"incident #{incident_id} is {inc.status}, not open")
        conn.execute(
            "update incidents set status = 'acknowledged', acknowledged_at = ?,"
            " acknowledged_by = ?, next_escalation_at = null where id = ?",
            (now, by, incident_id),
        )
        add_event(conn, incident_id, now, "acknowledged", by, note=note)
    return read_incident(conn, incident_id)


def resolve(conn: sqlite3.Connection, incident_id: int, *, by: str, note: str = "",
            now: float) -> Incident:  # fmt: skip
    """Close an open or acknowledged incident (its alerts may still fire: a new firing opens a
    new incident)."""
    ensure_schema(conn)
    with transaction(conn):
        inc = read_incident(conn, incident_id)
        if inc.status == "resolved":
            raise IncidentError(f"incident #{incident_id} is already resolved")
        _close(conn, inc, by, note, now)
    return read_incident(conn, incident_id)


def escalate_due(
    conn: sqlite3.Connection, config: OncallConfig, now: float
) -> list[tuple[int, int]]:
    """Page the next level of every open incident whose level timed out unacknowledged;
    returns (incident id, level paged, 1-based)."""
    ensure_schema(conn)
    paged = []
    with transaction(conn):
        rows = conn.execute(
            "select id from incidents where status = 'open' and next_escalation_at <= ?"
            " order by id",
            (now,),
        ).fetchall()
        for (inc_id,) in rows:
            inc = read_incident(conn, inc_id)
            n_levels = len(config.policy(inc.policy).levels)
            level, pass_ = (
                (inc.level + 1, inc.pass_) if inc.level + 1 < n_levels else (0, inc.pass_ + 1)
            )
            _page(conn, config, inc, level, pass_, now)
            paged.append((inc_id, level + 1))
    return paged


def report_run_failure(conn: sqlite3.Connection, config: OncallConfig, *, run_id: str, job: str,
                       message: str, now: float) -> bool:  # fmt: skip
    """Queue a notification that a Dagster run failed for the run_failures receivers."""
    labels = {"alertname": "DagsterRunFailed", "severity": "high", "job": job, "run_id": run_id}
    note = notification(
        labels, {"summary": f"Dagster run {run_id[:8]} of {job} failed", "description": message},
        f"run-failure:{run_id}", now,
    )  # fmt: skip
    with transaction(conn):
        return enqueue(conn, note, config.run_failures.receivers, now)
