"""Re-sends of still-firing alerts, and the whole group on every flush, as Alertmanager has them.

Alertmanager flushes a group every `group_interval` and notifies (the whole group: every firing
alert that no silence or inhibition mutes) when the group holds an alert the receiver was not
shown, or when `repeat_interval` has passed since the last notification; a successful
notification restarts that clock. The outbox holds one entry per alert transition and receiver,
so here a re-send is a new outbox entry for one receiver, carrying the alert's firing
notification under its own dedup key `<fingerprint>:firing:<startsAt>:<kind>@<time>`:

- `repeat@<due>`: the receiver got the alert's latest notification and `repeat_interval` has
  passed since the group's last notification (checked at the group's flushes);
- `unmuted@<now>` / `unsilenced@<now>` / `uninhibited@<now>`: its latest notification was
  dropped by a mute time interval, a silence or an inhibition that no longer holds, so the
  receiver is told at the group's next flush;
- `retry@<due>`: its latest notification was dead-lettered; the group's first flush at least
  `max(group_interval, retry_wait)` later tries again (Alertmanager gives a failed notification
  up at the end of its flush and tries again at the next one; `retry_wait` keeps a receiver that
  refuses with a 4xx from being called on every tick of a `group_interval: 0s` route).

Each key is computed from stored times, so a replayed tick queues nothing twice; PagerDuty's
`dedup_key` stays the fingerprint (a repeat re-triggers the same incident). `group_shown` lists
the group's other firing alerts for a flush (so Slack, email and webhook bodies show the whole
group) and `record_shown` stores them as delivered `group@<now>` entries once the flush succeeded,
so an alert the receiver saw in a group is neither caught up nor retried again.
`enqueue_resends` runs at the start of every `deliver_due`, which every alert tick calls whether
or not new landing data arrived, so a repeat falls due with the passing of time alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sensors.ops_store import OpsStore
from sensors.routing import (
    Routing,
    Silence,
    group_key,
    inhibited,
    next_flush_at,
    repeat_due_at,
    silenced_by,
)
from sensors.rules import iso

SENT = ("delivered", "dead")  # handed to the receiver's retry loop to the end
DROPPED = {"muted": "unmuted", "silenced": "unsilenced", "inhibited": "uninhibited"}
REASONS = {
    "repeat": "repeat interval elapsed",
    "unmuted": "mute time interval ended",
    "unsilenced": "silence ended",
    "uninhibited": "inhibition ended",
    "retry": "previous notification dead-lettered",
    "group": "shown with its group",
}
Firing = list[tuple[str, dict[str, str], int]]


def history(store: OpsStore, firing_key: str, receiver: str) -> list[tuple[str, str, float]]:
    """(dedup key, state, next attempt) of an alert's firing notification and its re-sends for
    one receiver, oldest first; a dead entry's next attempt is when it was dead-lettered."""
    return store.conn.execute(
        "select o.dedup_key, o.state, o.next_attempt_at from outbox o"
        " join notifications n using (dedup_key) where o.receiver = ? and (o.dedup_key = ?"
        " or (o.dedup_key > ? and o.dedup_key < ?)) order by n.rowid",  # re-sends via the key
        (receiver, firing_key, f"{firing_key}:", f"{firing_key};"),
    ).fetchall()


def firing_key_history(store: OpsStore, firing_key: str, receiver: str) -> list[str]:
    """Outbox states of an alert's firing notification and its re-sends for one receiver."""
    return [state for _, state, _ in history(store, firing_key, receiver)]


def firing(store: OpsStore) -> Firing:
    """(fingerprint, labels, fired_at) of every firing alert instance."""
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


def _queue(store: OpsStore, note: dict[str, Any], receiver: str, now: float,
           state: str = "pending") -> bool:  # fmt: skip
    """Add `note` to the outbox for `receiver` (inside the caller's transaction); False if it
    was there. Two receivers may share a re-send's key, so the notification row is shared."""
    c = store.conn
    c.execute(
        "insert or ignore into notifications values (?, ?, ?, ?, ?, ?)",
        (note["dedup_key"], note["alertname"], note["fingerprint"], note["status"],
         json.dumps(note, sort_keys=True), now),
    )  # fmt: skip
    cur = c.execute(
        "insert or ignore into outbox (dedup_key, receiver, state, attempts, next_attempt_at)"
        " values (?, ?, ?, ?, ?)",
        (note["dedup_key"], receiver, state, int(state != "pending"), now),
    )
    return bool(cur.rowcount)


def resend_key(
    store: OpsStore, routing: Routing, receiver: str, labels: Mapping[str, str], firing_key: str,
    now: float, retry_wait: float = 300.0,
) -> tuple[str, str] | None:  # fmt: skip
    """(dedup key, reason) of the re-send of a firing alert due for `receiver` now, if any.

    Decided by the alert's latest outbox entry for the receiver: delivered -> repeat; dropped by
    a mute, silence or inhibition -> catch up; dead-lettered -> retry at a later flush."""
    route = routing.route_for(receiver, labels)
    if routing.muted_by(route, now):
        return None
    rows = history(store, firing_key, receiver)
    if not rows or any(state == "pending" for _, state, _ in rows):  # never routed, or on its way
        return None
    _, state, at = rows[-1]
    last = store.group_flushed_at(receiver, group_key(route, labels))
    if state == "delivered":
        if last is None or now < (due := repeat_due_at(route, last)):
            return None
        return f"{firing_key}:repeat@{iso(int(due))}", "repeat"
    if state == "dead":
        due = next_flush_at(route, last, at + max(route.group_interval, retry_wait))
        return None if now < due else (f"{firing_key}:retry@{iso(int(due))}", "retry")
    kind = DROPPED.get(state)
    return None if kind is None else (f"{firing_key}:{kind}@{iso(int(now))}", kind)


def enqueue_resends(
    store: OpsStore,
    routing: Routing,
    receivers: Sequence[str],
    now: float,
    muting: tuple[list[Silence], list[dict[str, str]]],
    retry_wait: float = 300.0,
) -> int:
    """Queue every re-send due at `now` for the firing alerts; returns how many were queued.

    A silenced or inhibited alert, or a route inside a mute interval, gets none (nothing to
    drop later). Resolved alerts are never repeated: only firing instances are looked at."""
    silences, firing_labels = muting
    alerts = firing(store)
    if not alerts:  # the common idle tick: no write transaction
        return 0
    queued = 0
    store.conn.execute("begin immediate")
    try:
        for fp, labels, fired_at in alerts:
            if silenced_by(labels, silences, now) or inhibited(
                labels, firing_labels, routing.inhibit_rules
            ):
                continue
            firing_key = f"{fp}:firing:{iso(fired_at)}"
            for receiver in routing.receivers_for({"labels": labels, "status": "firing"}):
                due = receiver in receivers and resend_key(
                    store, routing, receiver, labels, firing_key, now, retry_wait
                )
                payload = _payload(store, firing_key) if due else None
                if due and payload is not None:
                    key, reason = due
                    note = {**payload, "dedup_key": key, "notify_reason": REASONS[reason]}
                    queued += _queue(store, note, receiver, now)
        store.conn.execute("commit")
    except BaseException:
        store.conn.execute("rollback")
        raise
    return queued


def group_shown(
    store: OpsStore,
    routing: Routing,
    receiver: str,
    key: str,
    skip: Iterable[str],
    muting: tuple[list[Silence], list[dict[str, str]]],
    now: float,
    alerts: Firing,
) -> list[dict[str, Any]]:
    """The firing notifications of the other alerts of group `key` that a flush to `receiver`
    shows beside its news: firing now, routed there, neither silenced nor inhibited, and not
    among the fingerprints in `skip` (the flush's own notifications)."""
    silences, firing_labels = muting
    skip, shown = set(skip), []
    for fp, labels, fired_at in alerts:
        if fp in skip or group_key(routing.route_for(receiver, labels), labels) != key:
            continue
        if receiver not in routing.receivers_for({"labels": labels, "status": "firing"}):
            continue
        if silenced_by(labels, silences, now) or inhibited(
            labels, firing_labels, routing.inhibit_rules
        ):
            continue
        firing_key = f"{fp}:firing:{iso(fired_at)}"
        payload = _payload(store, firing_key) if history(store, firing_key, receiver) else None
        if payload is not None:
            shown.append(payload)
    return shown


def record_shown(
    store: OpsStore, receiver: str, shown: Sequence[dict[str, Any]], detail: str, now: float
) -> None:
    """Store the alerts a successful flush showed beside its news as delivered `group@<now>`
    entries (one delivery each), so their history says the receiver saw them at `now`."""
    if not shown:
        return
    c = store.conn
    c.execute("begin immediate")
    try:
        for payload in shown:
            firing_key = f"{payload['fingerprint']}:firing:{payload['starts_at']}"
            note = {**payload, "dedup_key": f"{firing_key}:group@{iso(int(now))}",
                    "notify_reason": REASONS["group"]}  # fmt: skip
            if _queue(store, note, receiver, now, state="delivered"):
                c.execute(
                    "insert into deliveries (dedup_key, receiver, attempted_at, ok, detail)"
                    " values (?, ?, ?, 1, ?)",
                    (note["dedup_key"], receiver, now, f"shown with its group: {detail}"),
                )
        c.execute("commit")
    except BaseException:
        c.execute("rollback")
        raise
