"""The alert sensor: new landing requests in, rule evaluation, notifications out, inside the tick.

Each tick reads the request lines that arrived since the cursor (path -> bytes consumed, complete
lines only) with an in-memory DuckDB, adds the recent rows kept in the ops store (windows that span
files), evaluates config/alerts.yaml at every evaluation step of the data's own time up to its
watermark, stores state and notifications in data/ops.sqlite in one transaction and delivers the
outbox. It launches no run and imports nothing heavy at module level (DuckDB only inside the tick).

Under the daemon a tick also watches the landing zone until shortly before the daemon's next loop
and evaluates again as soon as a file lands (`watch_deadline`): the daemon starts ticks every 5 s
at best, so without the watch a file waits up to 5 s plus the tick's own overhead before anything
reads it.
"""

from __future__ import annotations

import json
import math
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg

from assets.resources import sensor_paths
from sensors.alert_config import AlertsConfig, load_alerts_config
from sensors.channels import Channel, DeliverySummary, RetryPolicy, deliver_due
from sensors.config_cache import load_cached
from sensors.incidents import record_alerts
from sensors.landing_sql import Chunk, landing_signature, load_rows, plan_chunks
from sensors.oncall import OncallConfig, load_oncall_config
from sensors.ops_store import BUFFER_COLUMNS, OpsStore, delivery_lock
from sensors.receivers_config import build_delivery, load_channels_config
from sensors.routing import Routing
from sensors.rule_sql import evaluate_rule
from sensors.rules import Instance
from synmon.settings import Paths, config_dir

STREAM = "requests"
# Dagster's sensor daemon starts a loop every 5 s (`MIN_INTERVAL_LOOP_TIME`, a module constant) and
# skips a sensor whose previous tick is still running. A watching tick ends WATCH_MARGIN_S before
# the next loop, so the daemon can record it in time; WATCH_MAX_S caps it, POLL_S is its poll.
# A collector appending all the time changes the folder at every poll: evaluations stay
# EVAL_GAP_S apart (each costs DuckDB and SQLite set-up).
LOOP_S = 5.0
WATCH_MARGIN_S = 2.0
WATCH_MAX_S = 3.0
POLL_S = 0.2
EVAL_GAP_S = 1.0


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
    with OpsStore(paths.ops_db) as store, tempfile.TemporaryDirectory() as tmp:
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


def watch_deadline(previous_tick: float | None, now: float) -> float:
    """Until when a tick started at about `now` may keep watching for new landing files: shortly
    before the daemon's next loop, estimated from the previous tick's start (the daemon starts
    ticks on its 5 s loop and passes that start as `last_tick_completion_time`). `now` (no
    watch) without a previous tick: a test, the demo or a sensor just started."""
    if previous_tick is None or now < previous_tick:
        return now
    loops = math.floor((now - previous_tick + 0.5) / LOOP_S)  # this tick may start a bit early
    next_loop = previous_tick + LOOP_S * (max(loops, 1) + 1)
    return max(now, min(now + WATCH_MAX_S, next_loop - WATCH_MARGIN_S))


def watch_and_tick(paths: Paths, cursor: dict[str, int], deadline: float) -> list[TickResult]:
    """One evaluation now, then one more each time the requests landing folder changed (at most
    one per EVAL_GAP_S), until `deadline` (time.time()); one result per evaluation, the last one
    holding the cursor."""
    landing = paths.landing / STREAM
    seen, evaluated = landing_signature(landing), time.time()
    results = [run_alert_tick(paths, cursor)]
    while time.time() + POLL_S < deadline:
        time.sleep(POLL_S)
        if time.time() - evaluated < EVAL_GAP_S:
            continue
        current = landing_signature(landing)
        if current != seen:
            seen, evaluated = current, time.time()
            results.append(run_alert_tick(paths, results[-1].cursor))
    return results


@dg.sensor(
    name="alert_sensor",
    # The daemon's 5 s loop sets the pace. A 5 s minimum here made the daemon skip each loop in
    # which this tick had started a little later than in the loop before (10 s between ticks).
    minimum_interval_seconds=1,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Evaluates config/alerts.yaml on new landing requests and sends notifications "
    "inside the tick (state and outbox in data/ops.sqlite), watching the landing folder until "
    "shortly before the next tick. Launches no run.",
)
def alert_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    started = time.time()
    deadline = watch_deadline(context.last_tick_completion_time, started)
    results = watch_and_tick(sensor_paths(context), parse_cursor(context.cursor), deadline)
    worked = [r.summary for r in results if r.chunks] or [results[-1].summary]
    summary = " | ".join(worked)
    if deadline > started:
        summary += f" ({len(results)} evaluation(s), watched {time.time() - started:.1f} s)"
    # Idle ticks log nothing: the first `context.log` call of a tick builds a DagsterInstance
    # (~0.12 CPU-s). The summary is the tick's skip reason in the UI either way.
    if any(
        r.chunks or r.delivery.delivered + r.delivery.retrying + r.delivery.dead for r in results
    ):
        context.log.info(summary)
    return dg.SensorResult(
        cursor=json.dumps(results[-1].cursor, sort_keys=True),
        skip_reason=dg.SkipReason(summary),
    )


ALERT_SENSORS = [alert_sensor]
