"""Receivers and the outbox delivery loop.

A receiver turns a `Batch` (the notifications of one alert group for one receiver, each the dict
built by `sensors.rules.notification`) into a message on its medium and reports a
`DeliveryResult`; it never raises for a delivery problem. `deliver_due` sends what the ops store's
outbox holds: silenced and inhibited alerts are set aside (and listed), the rest are grouped by
route (`group_wait`, `group_interval`); a group due while its route is in a mute time interval
(or outside its active ones) is dropped as `muted`, as Alertmanager drops it; still-firing alerts
are re-sent per `repeat_interval`, after a mute, silence or inhibition ends and after a dead
letter (sensors/repeat.py). A flush carries the group's other firing alerts too (`Batch.
unchanged`), as Alertmanager sends the whole group: receivers that show a group (Slack, email,
webhook) read `Batch.latest`; PagerDuty (one event per alert) and the file read only the news,
`Batch.notifications`. Every attempt is
recorded, retryable failures are retried with exponential backoff and jitter (never sooner than a
`Retry-After`), and an entry is dead-lettered after the last attempt. The `file` receiver lives
here; email, Slack, PagerDuty and webhook receivers live in sensors/receivers_email.py and
sensors/receivers_http.py.
"""

from __future__ import annotations

import json
import os
import random
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sensors.ops_store import OpsStore, OutboxEntry
from sensors.repeat import (
    SENT,
    Firing,
    enqueue_resends,
    firing,
    firing_key_history,
    group_shown,
    record_shown,
)
from sensors.routing import Routing, flush_at, group_key, group_labels, inhibited, silenced_by


@dataclass(frozen=True)
class DeliveryResult:
    ok: bool
    detail: str = ""
    retryable: bool = False
    retry_after: float | None = None


@dataclass(frozen=True)
class Batch:
    """The notifications of one group for one receiver, oldest first (the news of this flush),
    and the group's other firing alerts, which the receiver already knows (`unchanged`)."""

    receiver: str
    group_key: str
    group_labels: dict[str, str]
    notifications: list[dict[str, Any]]
    unchanged: list[dict[str, Any]] = field(default_factory=list)

    @property
    def latest(self) -> list[dict[str, Any]]:
        """The whole group: the newest notification per alert (a firing then resolved alert shows
        as resolved), the unchanged firing alerts first."""
        by_fp: dict[str, dict[str, Any]] = {}
        for n in [*self.unchanged, *self.notifications]:
            by_fp.pop(n["fingerprint"], None)
            by_fp[n["fingerprint"]] = n
        return list(by_fp.values())

    @property
    def status(self) -> str:
        return "firing" if any(n["status"] == "firing" for n in self.latest) else "resolved"

    @property
    def common_labels(self) -> dict[str, str]:
        alerts = self.latest
        first = alerts[0]["labels"] if alerts else {}
        return {k: v for k, v in first.items() if all(a["labels"].get(k) == v for a in alerts)}


class Channel(Protocol):
    """A receiver of notifications; `name` is its key in the outbox."""

    name: str

    def send(self, batch: Batch) -> DeliveryResult: ...


class FileChannel:
    """Appends each notification of a batch as one JSON line to `<directory>/<filename>`."""

    def __init__(self, directory: Path, *, name: str = "file", filename: str = "alerts.jsonl"):
        self.name = name
        self.path = Path(directory) / filename

    def send(self, batch: Batch) -> DeliveryResult:
        return self.send_many([batch])[0]

    def send_many(self, batches: list[Batch]) -> list[DeliveryResult]:
        """Append every batch, then fsync once: one disk flush per tick, not per group."""
        lines = "".join(
            json.dumps(n, sort_keys=True, ensure_ascii=False) + "\n"
            for batch in batches
            for n in batch.notifications
        )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(lines)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            return [DeliveryResult(False, f"{type(exc).__name__}: {exc}", retryable=True)] * len(
                batches
            )
        return [DeliveryResult(True, str(self.path))] * len(batches)


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts per notification and receiver, and the backoff between them (seconds).

    The defaults keep retrying for at least `min_retry_seconds()` (about 15 minutes) before a
    notification is dead-lettered, so a receiver that is down for ten minutes loses nothing."""

    max_attempts: int = 12
    backoff_base: float = 5.0
    backoff_cap: float = 300.0

    def min_retry_seconds(self) -> float:
        """The shortest time from the first attempt to the dead letter (every jitter at its low)."""
        return sum(
            min(self.backoff_cap, self.backoff_base * 2 ** (n - 1)) / 2
            for n in range(1, self.max_attempts)
        )


def backoff_seconds(attempts: int, *, base: float = 5.0, cap: float = 300.0) -> float:
    """Exponential backoff with equal jitter before retry number `attempts` (1 = first retry):
    uniform between half and all of min(cap, base * 2^(attempts-1)). Half is guaranteed, so the
    retry period has a floor; the jitter spreads receivers that recover at once."""
    delay = min(cap, base * 2 ** max(attempts - 1, 0))
    return delay / 2 + random.uniform(0, delay / 2)


@dataclass(frozen=True)
class DeliverySummary:
    delivered: int = 0
    retrying: int = 0
    dead: int = 0
    suppressed: int = 0  # silenced, inhibited or muted
    waiting: int = 0  # held back by group_wait / group_interval


def _suppression(
    store: OpsStore, entry: OutboxEntry, routing: Routing, muting: tuple[list, list], now: float
) -> tuple[str, str] | None:
    """('silenced' | 'inhibited', why) if this entry must not be sent, else None."""
    n = entry.payload
    if n["status"] != "firing":  # a resolved alert whose firing was never sent stays muted
        firing_key = f"{n['fingerprint']}:firing:{n['starts_at']}"
        state = store.outbox_state(firing_key, entry.receiver)
        if state not in ("silenced", "inhibited", "muted"):
            return None
        states = firing_key_history(store, firing_key, entry.receiver)
        if any(s in (*SENT, "pending") for s in states):  # a re-send told the receiver
            return None
        return state, f"its firing notification was {state}"
    silences, firing = muting
    silence = silenced_by(n["labels"], silences, now)
    if silence:
        return "silenced", f"silence {silence}"
    if inhibited(n["labels"], firing, routing.inhibit_rules):
        return "inhibited", "a firing source alert inhibits it"
    return None


def _send(channel: Channel, batches: list[Batch]) -> list[DeliveryResult]:
    """One result per batch; a receiver with `send_many` (the file) takes them all at once."""
    try:
        if hasattr(channel, "send_many"):
            return channel.send_many(batches)
        return [_send_one(channel, b) for b in batches]
    except Exception as exc:  # a receiver bug must not lose the notification
        return [DeliveryResult(False, f"{type(exc).__name__}: {exc}", retryable=True)] * len(
            batches
        )


def _send_one(channel: Channel, batch: Batch) -> DeliveryResult:
    try:
        return channel.send(batch)
    except Exception as exc:  # a receiver bug must not lose the notification
        return DeliveryResult(False, f"{type(exc).__name__}: {exc}", retryable=True)


def _record(
    store: OpsStore, e: OutboxEntry, result: DeliveryResult, policy: RetryPolicy, now: float
) -> str:
    """Store one attempt's outcome; returns the summary field it counts toward."""
    retry_at, outcome = None, "dead"
    if result.ok:
        outcome = "delivered"
    elif result.retryable and e.attempts + 1 < policy.max_attempts:
        wait = backoff_seconds(e.attempts + 1, base=policy.backoff_base, cap=policy.backoff_cap)
        retry_at, outcome = now + max(wait, result.retry_after or 0.0), "retrying"
    store.record_attempt(
        e.dedup_key, e.receiver, ok=result.ok, detail=result.detail, now=now, retry_at=retry_at
    )
    return outcome


def deliver_due(
    store: OpsStore,
    channels: list[Channel],
    *,
    now: float,
    max_attempts: int | None = None,
    routing: Routing | None = None,
    policy: RetryPolicy | None = None,
) -> DeliverySummary:
    """Send every due outbox entry through its receiver, one message per group, and record it."""
    policy = policy or RetryPolicy()
    if max_attempts is not None:
        policy = RetryPolicy(max_attempts, policy.backoff_base, policy.backoff_cap)
    by_name = {c.name: c for c in channels}
    routing = routing or Routing.broadcast(list(by_name))
    muting = (store.silences(now), store.firing_labels())
    enqueue_resends(store, routing, list(by_name), now, muting, policy.backoff_cap)
    counts = defaultdict(int)
    batches: dict[tuple[str, str], list[OutboxEntry]] = defaultdict(list)
    for entry in store.due_entries(now, list(by_name)):
        muted = _suppression(store, entry, routing, muting, now)
        if muted:
            store.suppress(entry.dedup_key, entry.receiver, *muted)
            counts["suppressed"] += 1
            continue
        route = routing.route_for(entry.receiver, entry.payload["labels"])
        batches[(entry.receiver, group_key(route, entry.payload["labels"]))].append(entry)
    ready: dict[str, list[tuple[str, list[OutboxEntry], Batch]]] = defaultdict(list)
    alerts: Firing | None = None  # read once, and only when some group flushes
    for (receiver, key), entries in batches.items():
        labels = entries[0].payload["labels"]
        route = routing.route_for(receiver, labels)
        retry = any(e.attempts for e in entries)
        first = min(e.queued_at for e in entries)
        if not retry and flush_at(route, first, store.group_flushed_at(receiver, key)) > now:
            counts["waiting"] += len(entries)
            continue
        mute = None if retry else routing.muted_by(route, now)
        if mute:  # dropped, not deferred: the group notifies after the interval if still firing
            for e in entries:
                store.suppress(e.dedup_key, e.receiver, "muted", mute)
            counts["suppressed"] += len(entries)
            continue
        alerts = firing(store) if alerts is None else alerts
        news = [e.payload for e in entries]
        shown = group_shown(store, routing, receiver, key, (n["fingerprint"] for n in news),
                            muting, now, alerts)  # fmt: skip
        ready[receiver].append((key, entries, Batch(receiver, key, group_labels(route, labels),
                                                    news, shown)))  # fmt: skip
    for receiver, items in ready.items():
        for (key, entries, batch), result in zip(
            items, _send(by_name[receiver], [b for _, _, b in items]), strict=True
        ):
            for e in entries:
                counts[_record(store, e, result, policy, now)] += 1
            if result.ok:  # the flush restarts the group's repeat clock
                store.set_group_flushed(receiver, key, now)
                record_shown(store, receiver, batch.unchanged, result.detail, now)
    return DeliverySummary(**counts)
