"""The incident tables of the ops store (data/ops.sqlite): schema, the `Incident` record and reads.

`incidents` (one row per incident), `incident_alerts` (the alerts that joined it) and
`incident_events` (its timeline). The lifecycle that writes them is sensors/incidents.py; the CLI,
the Dagster jobs and the post-incident report read through the functions here.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sensors.rules import iso

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


def epoch_of(text: str | None, default: float) -> float:
    """Epoch seconds of an ISO time (an alert's `starts_at`), or `default` when there is none."""
    return default if not text else datetime.fromisoformat(text).timestamp()


def _row(row: Sequence[Any]) -> Incident:
    data = dict(zip(COLUMNS, row, strict=True))
    data["labels"], data["pass_"] = json.loads(data["labels"]), data.pop("pass")
    return Incident(**data)


def get_incident(conn: sqlite3.Connection, incident_id: int) -> Incident:
    ensure_schema(conn)
    return read_incident(conn, incident_id)


def read_incident(conn: sqlite3.Connection, incident_id: int) -> Incident:
    """The incident `incident_id` (schema assumed present, e.g. inside a transaction)."""
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


def add_event(conn: sqlite3.Connection, incident_id: int, at: float, kind: str, actor: str,
           **detail: Any) -> None:  # fmt: skip
    conn.execute(
        "insert into incident_events (incident_id, at, kind, actor, detail) values (?, ?, ?, ?, ?)",
        (incident_id, at, kind, actor, json.dumps(detail, sort_keys=True)),
    )
