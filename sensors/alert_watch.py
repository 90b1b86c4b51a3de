"""When a watching alert tick evaluates, escalates and ends, and what it did (Dagster-free).

Dagster charges ~0.12-0.16 CPU-s of daemon bookkeeping per sensor tick (tick records, instigator
state, gRPC to the code server), whatever the tick does. So `alert_sensor` runs few, long ticks:
each one watches the requests landing folder (a stat poll every POLL_S) for up to about 45 s,
evaluates as soon as a file lands, and ends just before a daemon loop, so the next tick starts
within a few seconds. Inside the watch it also does what short ticks used to do: an evaluation
every IDLE_EVAL_S even without new files (outbox retries, repeat notifications, a backlog larger
than one evaluation reads) and an escalation pass every ESCALATE_S (`escalation_sensor` is gone).

The watch must end well inside the daemon's gRPC timeout for a sensor evaluation
(`DAGSTER_SENSOR_GRPC_TIMEOUT_SECONDS`, else `DAGSTER_GRPC_TIMEOUT_SECONDS`, else 60 s): a tick
that overruns it is marked failed, its cursor is not stored, and its thread keeps running in the
code server while the daemon starts the next tick. That is safe (each evaluation commits state,
notifications and landing offsets to the ops store, and evaluations hold `evaluation_lock`), but
wasteful, so the budget leaves GRPC_MARGIN_S for the last evaluation.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sensors.alerts import TickResult

# Dagster's sensor daemon starts a loop every 5 s (`MIN_INTERVAL_LOOP_TIME`, a module constant)
# and skips a sensor whose previous tick is still running. A watching tick ends WATCH_MARGIN_S
# before a loop, so the daemon has recorded it when that loop looks.
LOOP_S = 5.0
WATCH_MARGIN_S = 2.0
WATCH_MAX_S = 45.0
GRPC_TIMEOUT_S = 60.0  # Dagster's default when neither variable is set
GRPC_MARGIN_S = 15.0
POLL_S = 0.2
# A collector appending all the time changes the folder at every poll: evaluations stay
# EVAL_GAP_S apart (each costs DuckDB and SQLite set-up, ~6 ms of CPU when idle).
EVAL_GAP_S = 1.0
IDLE_EVAL_S = 5.0  # the cadence of the old 5 s ticks, for retries and repeats
ESCALATE_S = 30.0  # escalation timeouts are minutes


def grpc_timeout() -> float:
    """The daemon's timeout for one sensor evaluation, as Dagster reads it (at call time)."""
    for name in ("DAGSTER_SENSOR_GRPC_TIMEOUT_SECONDS", "DAGSTER_GRPC_TIMEOUT_SECONDS"):
        raw = os.environ.get(name, "").strip()
        if raw:
            try:
                return float(raw)
            except ValueError:
                continue
    return GRPC_TIMEOUT_S


def watch_budget(timeout: float | None = None) -> float:
    """Seconds a tick may watch after it starts: WATCH_MAX_S, less if the gRPC timeout is short."""
    timeout = grpc_timeout() if timeout is None else timeout
    return max(0.0, min(WATCH_MAX_S, timeout - GRPC_MARGIN_S))


def watch_deadline(previous_tick: float | None, now: float, budget: float | None = None) -> float:
    """Until when a tick started at about `now` may watch: WATCH_MARGIN_S before the last daemon
    loop that falls within `budget` (default `watch_budget()`), never before `now`.

    Loops are LOOP_S apart in phase with the previous tick's start (the daemon passes it as
    `last_tick_completion_time`). Without a previous tick (a test, the demo, a sensor just
    started) or with a clock that went back: `now`, no watch."""
    if previous_tick is None or now < previous_tick:
        return now
    budget = watch_budget() if budget is None else budget
    loops = math.floor((now + budget + WATCH_MARGIN_S - previous_tick) / LOOP_S)
    return max(now, previous_tick + LOOP_S * loops - WATCH_MARGIN_S)


@dataclass
class WatchClock:
    """What a watching tick does next, from when it last evaluated and escalated."""

    evaluated: float
    escalated: float

    def evaluate_now(self, now: float, changed: bool) -> bool:
        """Evaluate when the folder changed (at most once per EVAL_GAP_S), or every IDLE_EVAL_S."""
        since = now - self.evaluated
        return (changed and since >= EVAL_GAP_S) or since >= IDLE_EVAL_S

    def escalate_now(self, now: float) -> bool:
        return now - self.escalated >= ESCALATE_S


@dataclass
class WatchResult:
    """What one watching tick did: its evaluations (the last holds the cursor) and pages."""

    ticks: list[TickResult]
    paged: list[tuple[int, int]] = field(default_factory=list)  # (incident id, level)
    escalations: int = 0
    escalation_error: str | None = None  # the first; the watch goes on evaluating alerts

    @property
    def worked(self) -> bool:
        """Something to log: rows read, a delivery attempt or a page."""
        return bool(self.paged) or any(
            r.chunks or r.delivery.delivered + r.delivery.retrying + r.delivery.dead
            for r in self.ticks
        )

    @property
    def summary(self) -> str:
        """The evaluations that read data (three at most, then totals), else the last one."""
        read = [r for r in self.ticks if r.chunks]
        parts = [r.summary for r in read] or [self.ticks[-1].summary]
        if len(read) > 3:
            parts = [
                f"{len(read)} evaluations read {sum(len(r.chunks) for r in read)} chunk(s), "
                f"{sum(r.rows for r in read)} row(s); "
                f"{sum(r.new_notifications for r in read)} new notification(s); "
                f"delivered {sum(r.delivery.delivered for r in self.ticks)}; last: {parts[-1]}"
            ]
        if self.paged:
            parts.append("paged " + ", ".join(f"#{i} level {lv}" for i, lv in self.paged))
        return " | ".join(parts)
