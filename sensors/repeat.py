"""Re-sends of still-firing alerts: `repeat_interval`, and the catch-up after a mute interval.

Alertmanager notifies an unchanged group again once `repeat_interval` has passed since its last
notification (checked when the group flushes, every `group_interval`), and at the first flush
after a mute time interval it notifies the firing alerts the mute dropped. The outbox holds one
entry per alert transition and receiver, so a re-send is a new outbox entry for one receiver: the
alert's firing notification with its own dedup key, `<fingerprint>:firing:<startsAt>:repeat@<due>`
or `...:unmuted@<now>`, so the outbox queues each once while receivers keep their own keys
(PagerDuty's `dedup_key` stays the fingerprint: a repeat re-triggers the same incident).
`enqueue_resends` runs at the start of every `deliver_due`, which every alert tick calls whether
or not new landing data arrived, so a repeat falls due with the passing of time alone.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from sensors.incidents import enqueue
from sensors.ops_store import OpsStore
from sensors.routing import Routing, Silence, group_key, inhibited, repeat_due_at, silenced_by
from sensors.rules import iso

SENT = ("delivered", "dead")  # handed to the receiver's retry loop to the end
REASONS = {"repeat": "repeat interval elapsed", "unmuted": "mute time interval ended"}


def firing_key_history(store: OpsStore, firing_key: str, receiver: str) -> list[str]:
    """Outbox states of an alert's firing notification and its re-sends for one receiver."""
    rows = store.conn.execute(
        "select state from outbox where receiver = ? and (dedup_key = ?"
        " or (dedup_key > ? and dedup_key < ?))",  # the key's re-sends, via the primary key
        (receiver, firing_key, f"{firing_key}:", f"{firing_key};"),
    ).fetchall()
    return [state for (state,) in rows]


def _firing(store: OpsStore) -> list[tuple[str, dict[str, str], int]]:
    rows = store.conn.execute(
        "select fingerprint, labels, fired_at from instances"
        " where state = 'firing' and fired_at is not null order by rule, fingerprint"
    ).fetchall()
    return [(fp, json.loads(labels), int(fired_at)) for fp, labels, fired_at in rows]


def _payload(store: OpsStore, dedup_key: str) -> dict | None:
    row = store.conn.execute(
        "select payload from notifications where dedup_key = ?", (dedup_key,)
    ).fetchone()
    return None if row is None else json.loads(row[0])


def resend_key(
    store: OpsStore, routing: Routing, receiver: str, labels: Mapping[str, str], firing_key: str,
    now: float,
) -> tuple[str, str] | None:  # fmt: skip
    """(dedup key, reason) of the re-send of a firing alert due for `receiver` now, if any."""
    route = routing.route_for(receiver, labels)
    if routing.muted_by(route, now):
        return None
    states = firing_key_history(store, firing_key, receiver)
    if not states or "pending" in states:  # never routed here, or on its way already
        return None
    if any(s in SENT for s in states):
        last = store.group_flushed_at(receiver, group_key(route, labels))
        if last is None or now < (due := repeat_due_at(route, last)):
            return None
        return f"{firing_key}:repeat@{iso(int(due))}", "repeat"
    if "muted" in states:
        return f"{firing_key}:unmuted@{iso(int(now))}", "unmuted"
    return None  # silenced or inhibited and never sent: stays as it is


def enqueue_resends(
    store: OpsStore,
    routing: Routing,
    receivers: Sequence[str],
    now: float,
    muting: tuple[list[Silence], list[dict[str, str]]],
) -> int:
    """Queue every re-send due at `now` for the firing alerts; returns how many were queued.

    A silenced or inhibited alert, or a route inside a mute interval, gets none (nothing to
    drop later). Resolved alerts are never repeated: only firing instances are looked at."""
    silences, firing_labels = muting
    firing = _firing(store)
    if not firing:  # the common idle tick: no write transaction
        return 0
    queued = 0
    store.conn.execute("begin immediate")
    try:
        for fp, labels, fired_at in firing:
            if silenced_by(labels, silences, now) or inhibited(
                labels, firing_labels, routing.inhibit_rules
            ):
                continue
            firing_key = f"{fp}:firing:{iso(fired_at)}"
            for receiver in routing.receivers_for({"labels": labels, "status": "firing"}):
                due = receiver in receivers and resend_key(
                    store, routing, receiver, labels, firing_key, now
                )
                payload = _payload(store, firing_key) if due else None
                if due and payload is not None:
                    key, reason = due
                    note = {**payload, "dedup_key": key, "notify_reason": REASONS[reason]}
                    queued += enqueue(store.conn, note, [receiver], now)
        store.conn.execute("commit")
    except BaseException:
        store.conn.execute("rollback")
        raise
    return queued
