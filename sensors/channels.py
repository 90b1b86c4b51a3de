"""Notification channels and the outbox delivery loop.

A channel turns one notification (the dict built by `sensors.rules.notification`) into a message on
its medium and reports a `DeliveryResult`; it never raises for a delivery problem. `deliver_due`
sends what the ops store's outbox holds, records every attempt, retries retryable failures with
exponential backoff and jitter (honouring `retry_after`) and dead-letters after `max_attempts`.
Only the `file` channel exists yet; email, Slack, PagerDuty and webhook channels implement the same
`Channel` protocol (escaping label values their own way) and plug into `deliver_due` unchanged.
"""

from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sensors.ops_store import OpsStore


@dataclass(frozen=True)
class DeliveryResult:
    ok: bool
    detail: str = ""
    retryable: bool = False
    retry_after: float | None = None


class Channel(Protocol):
    """A receiver of notifications; `name` is its key in the outbox."""

    name: str

    def send(self, notification: dict[str, Any]) -> DeliveryResult: ...


class FileChannel:
    """Appends each notification as one JSON line to `<directory>/<filename>`."""

    def __init__(self, directory: Path, *, name: str = "file", filename: str = "alerts.jsonl"):
        self.name = name
        self.path = Path(directory) / filename

    def send(self, notification: dict[str, Any]) -> DeliveryResult:
        line = json.dumps(notification, sort_keys=True, ensure_ascii=False) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            return DeliveryResult(False, f"{type(exc).__name__}: {exc}", retryable=True)
        return DeliveryResult(True, str(self.path))


def backoff_seconds(attempts: int, *, base: float = 2.0, cap: float = 300.0) -> float:
    """Full-jitter exponential backoff before retry number `attempts` (1 = first retry)."""
    return random.uniform(0, min(cap, base * 2 ** max(attempts - 1, 0)))


@dataclass(frozen=True)
class DeliverySummary:
    delivered: int = 0
    retrying: int = 0
    dead: int = 0


def deliver_due(
    store: OpsStore, channels: list[Channel], *, now: float, max_attempts: int = 8
) -> DeliverySummary:
    """Send every due outbox entry through its channel and record the outcome."""
    by_name = {c.name: c for c in channels}
    delivered = retrying = dead = 0
    for key, receiver, payload, attempts in store.due(now, list(by_name)):
        try:
            result = by_name[receiver].send(payload)
        except Exception as exc:  # a channel bug must not lose the notification
            result = DeliveryResult(False, f"{type(exc).__name__}: {exc}", retryable=True)
        retry_at = None
        if result.ok:
            delivered += 1
        elif result.retryable and attempts + 1 < max_attempts:
            wait = max(backoff_seconds(attempts + 1), result.retry_after or 0.0)
            retry_at = now + wait
            retrying += 1
        else:
            dead += 1
        store.record_attempt(
            key, receiver, ok=result.ok, detail=result.detail, now=now, retry_at=retry_at
        )
    return DeliverySummary(delivered, retrying, dead)
