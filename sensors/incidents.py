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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sensors.oncall import OncallConfig, resolve_targets
from sensors.rules import fingerprint, iso

SCHEMA = """
create table if not exists incidents (
    id integer primary key autoincrement, group_key text not null, title text not null,
    severity text not null, component text, labels text not null, status text not null,
    policy text not null, opened_at real not null, acknowledged_at real, acknowledged_by text,
    resolved_at real, resolved_by text, level integer not null default -1,
    pass integer not null default 0, next_escalation_at real, created_at real not null);
create unique index if not exists incidents_open_group on incidents (group_key)
    where status != 'resolved';
create table if not exists incident_alerts (
    fingerprint text not null, starts_at text not null, incident_id integer not null,
    alertname text not null, labels text not null, status text not null, ends_at text,
    value real, primary key (fingerprint, starts_at));
create table if not exists incident_events (
    id integer primary key autoincrement, incident_id integer not null, at real not null,
    kind text not null, actor text not null, detail text not null);
"""
COLUMNS = ("id", "group_key", "title", "severity", "component", "labels", "status", "policy",
           "opened_at", "acknowledged_at", "acknowledged_by", "resolved_at", "resolved_by",
           "level", "pass", "next_escalation_at", "created_at")  # fmt: skip


class IncidentError(ValueError):
    """No such incident, or the change does not apply to its state."""


@dataclass(frozen=True)
class Incident:
    id: int
    group_key: str
    title: str
    severity: str
    component: str | None
    labels: dict[str, str]
    status: str  # open, acknowledged, resolved
    policy: str
    opened_at: float
    acknowledged_at: float | None
    acknowledged_by: str | None
    resolved_at: float | None
    resolved_by: str | None
    level: int
    pass_: int
    next_escalation_at: float | None
    created_at: float

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["pass"] = out.pop("pass_")
        for key in ("opened_at", "acknowledged_at", "resolved_at", "next_escalation_at"):
            out[key] = iso(None if out[key] is None else int(out[key]))
        return out


def ensure_schema(conn: sqlite3.Connection) -> None:
    conn.executescript(SCHEMA)


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    conn.execute("begin immediate")
    try:
        yield conn
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise


def _epoch(text: str | None, default: float) -> float:
    return default if not text else datetime.fromisoformat(text).timestamp()


def _row(row: Sequence[Any]) -> Incident:
    data = dict(zip(COLUMNS, row, strict=True))
    data["labels"], data["pass_"] = json.loads(data["labels"]), data.pop("pass")
    return Incident(**data)


def get_incident(conn: sqlite3.Connection, incident_id: int) -> Incident:
    ensure_schema(conn)
    return _get(conn, incident_id)


def _get(conn: sqlite3.Connection, incident_id: int) -> Incident:
    row = conn.execute(
        f"select {', '.join(COLUMNS)} from incidents where id = ?", (incident_id,)
    ).fetchone()
    if row is None:
        raise IncidentError(f"no incident #{incident_id}")
    return _row(row)


def list_incidents(
    conn: sqlite3.Connection, status: str | None = None, limit: int = 100
) -> list[Incident]:
    """Newest first; `status` open, acknowledged, resolved or `active` (not resolved)."""
    ensure_schema(conn)
    where = {None: "1", "active": "status != 'resolved'"}.get(status, "status = ?")
    args = (status,) if where == "status = ?" else ()
    rows = conn.execute(
        f"select {', '.join(COLUMNS)} from incidents where {where} order by id desc limit ?",
        (*args, limit),
    ).fetchall()
    return [_row(r) for r in rows]


def timeline(conn: sqlite3.Connection, incident_id: int) -> list[dict[str, Any]]:
    ensure_schema(conn)
    rows = conn.execute(
        "select at, kind, actor, detail from incident_events where incident_id = ? order by id",
        (incident_id,),
    ).fetchall()
    return [
        {"at": iso(int(at)), "kind": kind, "actor": actor, **json.loads(detail)}
        for at, kind, actor, detail in rows
    ]


def incident_alerts(conn: sqlite3.Connection, incident_id: int) -> list[dict[str, Any]]:
    ensure_schema(conn)
    rows = conn.execute(
        "select fingerprint, alertname, labels, status, starts_at, ends_at, value"
        " from incident_alerts where incident_id = ? order by starts_at, fingerprint",
        (incident_id,),
    ).fetchall()
    keys = ("fingerprint", "alertname", "labels", "status", "starts_at", "ends_at", "value")
    out = [dict(zip(keys, r, strict=True)) for r in rows]
    for a in out:
        a["labels"] = json.loads(a["labels"])
    return out


def incident_detail(conn: sqlite3.Connection, incident_id: int) -> dict[str, Any]:
    """The incident with its `alerts` and `timeline`: `synmon incidents show --json`'s object
    and the input of the post-incident report."""
    out = get_incident(conn, incident_id).as_dict()
    out["alerts"] = incident_alerts(conn, incident_id)
    out["timeline"] = timeline(conn, incident_id)
    return out


def _event(conn: sqlite3.Connection, incident_id: int, at: float, kind: str, actor: str,
           **detail: Any) -> None:  # fmt: skip
    conn.execute(
        "insert into incident_events (incident_id, at, kind, actor, detail) values (?, ?, ?, ?, ?)",
        (incident_id, at, kind, actor, json.dumps(detail, sort_keys=True)),
    )


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
    _event(conn, inc.id, now, kind, "synmon", level=level + 1, targets=people,
           receivers=spec.receivers, timeout_s=spec.timeout)  # fmt: skip


def _open(conn: sqlite3.Connection, config: OncallConfig, note: dict[str, Any], group: str,
          group_labels: dict[str, str], now: float) -> Incident:  # fmt: skip
    opened = _epoch(note["starts_at"], now)
    title = " ".join(group_labels.values()) or note["alertname"]
    cur = conn.execute(  # due for its first page at once: the escalation sensor sends it
        "insert into incidents (group_key, title, severity, component, labels, status, policy,"
        " opened_at, created_at, next_escalation_at) values (?, ?, ?, ?, ?, 'open', ?, ?, ?, ?)",
        (group, title, note["severity"], note["labels"].get("component"),
         json.dumps(group_labels, sort_keys=True), config.incidents.escalation_policy, opened,
         now, now),
    )  # fmt: skip
    inc = _get(conn, int(cur.lastrowid or 0))
    _event(conn, inc.id, opened, "opened", "synmon", title=title, severity=inc.severity)
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
            inc = _get(conn, row[0]) if row else _open(conn, config, n, group, labels, now)
            opened += [] if row else [inc.id]
            conn.execute(
                "insert into incident_alerts values (?, ?, ?, ?, ?, 'firing', null, ?)",
                (n["fingerprint"], n["starts_at"], inc.id, n["alertname"],
                 json.dumps(n["labels"], sort_keys=True), n.get("value")),
            )  # fmt: skip
            _event(conn, inc.id, _epoch(n["starts_at"], now), "alert_firing", "synmon",
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
    inc_id, at = row[0], _epoch(n["ends_at"], 0.0)
    conn.execute(
        "update incident_alerts set status = 'resolved', ends_at = ? where fingerprint = ?"
        " and starts_at = ?",
        (n["ends_at"], n["fingerprint"], n["starts_at"]),
    )
    _event(conn, inc_id, at, "alert_resolved", "synmon", alertname=n["alertname"],
           labels=n["labels"])  # fmt: skip
    still = conn.execute(
        "select count(*) from incident_alerts where incident_id = ? and status = 'firing'",
        (inc_id,),
    ).fetchone()[0]
    inc = _get(conn, inc_id)
    if auto_resolve and not still and inc.status != "resolved":
        _close(conn, inc, "synmon", "all alerts resolved (auto-resolve)", max(at, inc.opened_at))


def _close(conn: sqlite3.Connection, inc: Incident, by: str, note: str, now: float) -> None:
    conn.execute(
        "update incidents set status = 'resolved', resolved_at = ?, resolved_by = ?,"
        " next_escalation_at = null where id = ?",
        (now, by, inc.id),
    )
    _event(conn, inc.id, now, "resolved", by, note=note)


def acknowledge(conn: sqlite3.Connection, incident_id: int, *, by: str, note: str = "",
                now: float) -> Incident:  # fmt: skip
    """Someone owns the incident: escalation stops. Only an open incident can be acknowledged."""
    ensure_schema(conn)
    with transaction(conn):
        inc = _get(conn, incident_id)
        if inc.status != "open":
            raise IncidentError(f"incident #{incident_id} is {inc.status}, not open")
        conn.execute(
            "update incidents set status = 'acknowledged', acknowledged_at = ?,"
            " acknowledged_by = ?, next_escalation_at = null where id = ?",
            (now, by, incident_id),
        )
        _event(conn, incident_id, now, "acknowledged", by, note=note)
    return _get(conn, incident_id)


def resolve(conn: sqlite3.Connection, incident_id: int, *, by: str, note: str = "",
            now: float) -> Incident:  # fmt: skip
    """Close an open or acknowledged incident (its alerts may still fire: a new firing opens a
    new incident)."""
    ensure_schema(conn)
    with transaction(conn):
        inc = _get(conn, incident_id)
        if inc.status == "resolved":
            raise IncidentError(f"incident #{incident_id} is already resolved")
        _close(conn, inc, by, note, now)
    return _get(conn, incident_id)


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
            inc = _get(conn, inc_id)
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
