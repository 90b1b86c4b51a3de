"""The alert sensor: new landing requests in, rule evaluation, notifications out, inside the tick.

Each tick reads the request lines that arrived since the cursor (path -> bytes consumed, complete
lines only) with an in-memory DuckDB, adds the recent rows kept in the ops store (windows that span
files), evaluates config/alerts.yaml at every evaluation step of the data's own time up to its
watermark, stores state and notifications in data/ops.sqlite in one transaction and delivers the
outbox. It launches no run and imports nothing heavy at module level (DuckDB only inside the tick).

Under the daemon a tick watches the landing zone for most of a minute (sensors/alert_watch.py):
it evaluates again as soon as a file lands, every few seconds anyway (retries, repeats), pages
due escalations, and ends just before a daemon loop. Few long ticks instead of one per 5 s loop
cut the daemon's per-tick bookkeeping, the larger part of the CPU the sensors cost when idle.
"""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg

from assets.resources import sensor_paths
from sensors.alert_config import AlertsConfig, load_alerts_config
from sensors.alert_watch import POLL_S, WatchClock, WatchResult, watch_deadline
from sensors.channels import Channel, DeliverySummary, RetryPolicy, deliver_due
from sensors.config_cache import load_cached
from sensors.escalation import run_escalation_tick
from sensors.incidents import record_alerts
from sensors.landing_sql import Chunk, landing_signature, load_rows, plan_chunks
from sensors.oncall import OncallConfig, load_oncall_config
from sensors.ops_locks import delivery_lock, evaluation_lock
from sensors.ops_store import BUFFER_COLUMNS, OpsStore
from sensors.receivers_config import build_delivery, load_channels_config
from sensors.routing import Routing
from sensors.rule_sql import evaluate_rule
from sensors.rules import Instance
from synmon.settings import Paths, config_dir

STREAM = "requests"


def needed_columns(config: AlertsConfig) -> list[str]:
    """The request columns the rules read (status always), in buffer order; only these are
    parsed from the landing lines."""
    used = {"status"}
    for rule in config.rules:
        used |= {*rule.expr.by, *(m.label for m in rule.expr.filters), rule.expr.field}
    return [c for c in BUFFER_COLUMNS[1:] if c in used]


@dataclass
class TickResult:
    cursor: dict[str, int]
    chunks: list[Chunk] = field(default_factory=list)
    rows: int = 0
    first_step: int | None = None
    last_step: int | None = None
    new_notifications: int = 0
    delivery: DeliverySummary = field(default_factory=DeliverySummary)
    incidents_opened: list[int] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # "read", each rule's name, "store"

    @property
    def summary(self) -> str:
        span = "no new evaluation steps"
        if self.first_step is not None and self.last_step is not None:
            fmt = "%Y-%m-%d %H:%M"
            span = (
                f"evaluated {datetime.fromtimestamp(self.first_step, UTC).strftime(fmt)} .. "
                f"{datetime.fromtimestamp(self.last_step, UTC).strftime(fmt)} UTC"
            )
        return (
            f"{len(self.chunks)} new chunk(s), {self.rows} row(s); {span}; "
            f"{self.new_notifications} new notification(s); delivered {self.delivery.delivered}, "
            f"retrying {self.delivery.retrying}, dead {self.delivery.dead}"
        )


def _buffer_after(con: Any, cutoff: int, columns: list[str]) -> list[tuple]:
    """Rows from `cutoff` on, as BUFFER_COLUMNS (columns not read are kept as NULL)."""
    cols = ", ".join(c if c in columns else "null" for c in BUFFER_COLUMNS[1:])
    return con.execute(
        f"select epoch_us(ts) / 1e6, {cols} from rows"
        f" where ts >= make_timestamp({cutoff * 1_000_000})"
    ).fetchall()


def _lap(seconds: dict[str, float], name: str, since: float) -> float:
    now = time.perf_counter()
    seconds[name] = round(now - since, 3)
    return now


def run_alert_tick(
    paths: Paths,
    cursor: dict[str, int],
    *,
    config: AlertsConfig | None = None,
    channels: list[Channel] | None = None,
    routing: Routing | None = None,
    policy: RetryPolicy | None = None,
    now: float | None = None,
    oncall: OncallConfig | None = None,
) -> TickResult:
    """One evaluation: new landing requests -> rules -> ops store -> deliveries.

    Without `channels`, receivers, routing and retry policy come from config/channels.yaml;
    with `channels` and no `routing`, every notification goes to every channel. Critical and
    high alerts open incidents per config/oncall.yaml (or `oncall`), if that file exists."""
    import duckdb

    config = config or load_cached(config_dir() / "alerts.yaml", load_alerts_config)
    if channels is None:
        delivery = build_delivery(
            load_cached(config_dir() / "channels.yaml", load_channels_config), paths.notifications
        )
        channels, routing = delivery.channels, routing or delivery.routing
        policy = policy or delivery.policy
    routing = routing or Routing.broadcast([c.name for c in channels])
    now = time.time() if now is None else now
    step = config.evaluation.interval
    if oncall is None and (config_dir() / "oncall.yaml").exists():
        oncall = load_cached(config_dir() / "oncall.yaml", load_oncall_config)
    with (
        evaluation_lock(paths.ops_db),
        OpsStore(paths.ops_db) as store,
        tempfile.TemporaryDirectory() as tmp,
    ):
        consumed = {**cursor}
        for rel, done in store.source_offsets().items():
            consumed[rel] = max(done, consumed.get(rel, 0))
        chunks = plan_chunks(paths.landing / STREAM, consumed, config.evaluation.max_tick_bytes)
        result = TickResult(cursor=consumed, chunks=chunks)
        offsets = {c.rel: c.end for c in chunks}
        if chunks:
            con = duckdb.connect()
            clock = time.perf_counter()
            columns = needed_columns(config)
            result.rows = load_rows(con, chunks, store.buffer_rows(), Path(tmp), columns)
            lo, hi = con.execute("select epoch(min(ts)), epoch(max(ts)) from rows").fetchone()
            clock = _lap(result.seconds, "read", clock)
            prev = store.last_step(STREAM)
            first = prev + step if prev is not None else (int(lo) // step + 1) * step
            last = int(hi) // step * step if hi is not None else first - step
            instances: list[Instance] = []
            notes: list[dict[str, Any]] = []
            if last >= first:
                result.first_step, result.last_step = first, last
                for rule in config.rules:
                    out = evaluate_rule(
                        con, rule, step=step, first=first, last=last,
                        instances=store.instances(rule.name),
                    )  # fmt: skip
                    instances += out.instances
                    notes += out.notifications
                    clock = _lap(result.seconds, rule.name, clock)
            notes.sort(key=lambda n: (n["ends_at"] or n["starts_at"], n["alertname"]))
            done = max(last, prev or last)
            result.new_notifications = store.commit_tick(
                stream=STREAM,
                last_step=done if hi is not None else None,
                offsets=offsets,
                instances=instances,
                notifications=notes,
                receivers=routing.receivers_for,
                buffer=_buffer_after(con, done + step - config.max_window, columns),
                now=now,
            )
            con.close()
            if oncall is not None and notes:
                result.incidents_opened = record_alerts(store.conn, notes, oncall, now)
            _lap(result.seconds, "store", clock)
        result.cursor = {**consumed, **offsets}
        with delivery_lock(paths.ops_db):
            result.delivery = deliver_due(store, channels, now=now, routing=routing, policy=policy)
    return result


def replay_all(
    paths: Paths,
    cursor: dict[str, int] | None = None,
    *,
    config: AlertsConfig | None = None,
    channels: list[Channel] | None = None,
    max_ticks: int = 1000,
) -> list[TickResult]:
    """Tick until a tick reads nothing new (history landed at once); one result per tick, the
    last one the empty tick. Each tick continues from the previous tick's cursor."""
    config = config or load_alerts_config(config_dir() / "alerts.yaml")
    results: list[TickResult] = []
    cursor = dict(cursor or {})
    for _ in range(max_ticks):
        result = run_alert_tick(paths, cursor, config=config, channels=channels)
        results.append(result)
        cursor = result.cursor
        if not result.chunks:
            break
    return results


def parse_cursor(raw: str | None) -> dict[str, int]:
    """The sensor cursor: a JSON object of landing path (relative to the stream) -> bytes read."""
    if not raw:
        return {}
    data = json.loads(raw)
    return {str(k): int(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _escalate(watch: WatchResult, paths: Paths) -> None:
    """One escalation pass (page what is due, deliver), if config/oncall.yaml exists. An error
    is kept for the end of the tick, after the alert work."""
    if not (config_dir() / "oncall.yaml").exists():
        return
    watch.escalations += 1
    try:
        watch.paged += run_escalation_tick(paths).paged
    except Exception as exc:
        watch.escalation_error = watch.escalation_error or f"{type(exc).__name__}: {exc}"


def watch_and_tick(
    paths: Paths, cursor: dict[str, int], deadline: float, *, escalate: bool = True
) -> WatchResult:
    """One evaluation now and (with `escalate`) an escalation pass; then, until `deadline`
    (time.time()), an evaluation each time the requests landing folder changed (at most one per
    EVAL_GAP_S) and every IDLE_EVAL_S anyway, and an escalation pass every ESCALATE_S and right
    after an evaluation that opened an incident."""
    landing = paths.landing / STREAM
    seen = landing_signature(landing)
    watch = WatchResult([run_alert_tick(paths, cursor)])
    clock = WatchClock(evaluated=time.time(), escalated=time.time())
    if escalate:
        _escalate(watch, paths)
    while time.time() + POLL_S < deadline:
        time.sleep(POLL_S)
        current = landing_signature(landing)
        if clock.evaluate_now(time.time(), current != seen):
            seen, clock.evaluated = current, time.time()
            watch.ticks.append(run_alert_tick(paths, watch.ticks[-1].cursor))
            if watch.ticks[-1].incidents_opened:
                clock.escalated = float("-inf")  # page a new incident's first level now
        if escalate and clock.escalate_now(time.time()):
            clock.escalated = time.time()
            _escalate(watch, paths)
    return watch


@dg.sensor(
    name="alert_sensor",
    # The daemon's 5 s loop and the watch set the pace: a tick watches for up to ~45 s and ends
    # just before a loop, and the next loop starts the next tick.
    minimum_interval_seconds=1,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Evaluates config/alerts.yaml on new landing requests and sends notifications "
    "inside the tick (state and outbox in data/ops.sqlite), watching the landing folder for up "
    "to ~45 s per tick; pages escalations of config/oncall.yaml every 30 s. Launches no run.",
)
def alert_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    started = time.time()
    deadline = watch_deadline(context.last_tick_completion_time, started)
    watch = watch_and_tick(sensor_paths(context), parse_cursor(context.cursor), deadline)
    summary = watch.summary
    if deadline > started:
        summary += f" ({len(watch.ticks)} evaluation(s), watched {time.time() - started:.1f} s)"
    # Idle ticks log nothing: the first `context.log` call of a tick builds a DagsterInstance
    # (~0.12 CPU-s). The summary is the tick's skip reason in the UI either way.
    if watch.worked:
        context.log.info(summary)
    if watch.escalation_error:
        # Alert state, notifications and offsets are committed; the tick fails visibly so a
        # broken pager does not go unnoticed (the ops store offsets make the lost cursor moot).
        raise RuntimeError(f"escalation failed: {watch.escalation_error}; alerts: {summary}")
    return dg.SensorResult(
        cursor=json.dumps(watch.ticks[-1].cursor, sort_keys=True),
        skip_reason=dg.SkipReason(summary),
    )


ALERT_SENSORS = [alert_sensor]
