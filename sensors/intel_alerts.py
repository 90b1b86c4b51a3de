"""Alerts on the intelligence tables: capacity forecasts crossing limits, high anomaly scores.

The `intelligence:` rules of config/alerts.yaml (sensors/alert_config.py `IntelRule`) are evaluated
whenever `capacity_plan` or `anomalies` is materialized: `intelligence_alert_sensor` watches their
latest materializations and reads the warehouse read-only. Each label set is an alert instance
with the same states, notifications, routing, outbox and incidents as the request rules; these
tables are already forecasts and scores, so there is no `for` (fires at once, resolves at once).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg

from assets.resources import sensor_paths
from sensors.alert_config import AlertsConfig, IntelRule, load_alerts_config
from sensors.channels import DeliverySummary, deliver_due
from sensors.incidents import record_alerts
from sensors.oncall import load_oncall_config
from sensors.ops_locks import delivery_lock
from sensors.ops_store import OpsStore
from sensors.receivers_config import build_delivery, load_channels_config
from sensors.rules import Instance, Run, State, advance, alert_labels, fingerprint, notification
from synmon.settings import Paths, config_dir

STREAM = "intelligence"
WATCHED = ("capacity_plan", "anomalies")


@dataclass
class IntelResult:
    """What one evaluation found: breaching label sets per rule and the notifications sent."""

    breaches: dict[str, dict[str, float]] = field(
        default_factory=dict
    )  # rule -> fingerprint -> value
    new_notifications: int = 0
    incidents_opened: list[int] = field(default_factory=list)
    delivery: DeliverySummary = field(default_factory=DeliverySummary)
    missing: list[str] = field(default_factory=list)  # tables not in the warehouse yet

    @property
    def summary(self) -> str:
        firing = sum(len(b) for b in self.breaches.values())
        gone = f"; not built yet: {', '.join(self.missing)}" if self.missing else ""
        return (
            f"{len(self.breaches)} intelligence rule(s), {firing} breaching label set(s); "
            f"{self.new_notifications} new notification(s); delivered "
            f"{self.delivery.delivered}{gone}"
        )


def _capacity(con: Any, rule: IntelRule, today: date) -> list[tuple[dict[str, str], float]]:
    column = "first_crossing" if rule.bound == "forecast" else "first_crossing_upper"
    rows = con.execute(
        f'select resource, component, {column}, "limit" from capacity_plan'
        f" where {column} is not null and {column} <= ?",
        [today + timedelta(days=rule.within_days)],
    ).fetchall()
    return [
        ({"resource": r, "component": c, "limit": f"{lim:g}"}, float((day - today).days))
        for r, c, day, lim in rows
    ]


def _anomaly(con: Any, rule: IntelRule, now: datetime) -> list[tuple[dict[str, str], float]]:
    rows = con.execute(
        "select series, max(score) from anomalies where score >= ? and ts >= ?"
        " group by series order by series",
        [rule.min_score, (now - timedelta(seconds=rule.lookback)).replace(tzinfo=None)],
    ).fetchall()
    return [({"series": s}, float(score)) for s, score in rows]


def breaches(warehouse: Path, rules: list[IntelRule], now: float) -> tuple[dict, list[str]]:
    """Per rule, the label sets breaching now (labels, value); and the watched tables missing."""
    import duckdb

    at = datetime.fromtimestamp(now, UTC)
    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = {
            r[0] for r in con.sql("select table_name from information_schema.tables").fetchall()
        }
        missing = [t for t in WATCHED if t not in tables]
        for rule in rules:
            table = "capacity_plan" if rule.source == "capacity" else "anomalies"
            if table in missing:
                continue
            rows = (
                _capacity(con, rule, at.date())
                if rule.source == "capacity"
                else _anomaly(con, rule, at)
            )
            found[rule.name] = [(alert_labels(rule, labels), v) for labels, v in rows]  # type: ignore[arg-type]
    return found, missing


def evaluate(
    store: OpsStore, rules: list[IntelRule], found: dict, now: float
) -> tuple[list[Instance], list[dict[str, Any]]]:
    """Advance every instance of every evaluated rule one step: breaching fires, others resolve."""
    step = int(now)
    instances: list[Instance] = []
    notes: list[dict[str, Any]] = []
    for rule in rules:
        if rule.name not in found:
            continue  # its table is not built yet: keep the state
        known = store.instances(rule.name)
        current = {fingerprint(labels): (labels, value) for labels, value in found[rule.name]}
        for fp in sorted(set(known) | set(current)):
            labels, value = current.get(fp, ({}, None))
            inst = known.get(fp) or Instance(rule.name, fp, labels)
            verdict = "breach" if fp in current else "ok"
            inst, transitions = advance(
                replace(inst, value=value), [Run(step, step, verdict)], for_s=0, keep_firing_for_s=0
            )
            for tr in transitions:
                if tr.state in (State.FIRING, State.RESOLVED):
                    notes.append(notification(rule, inst, replace(tr, value=value)))  # type: ignore[arg-type]
            instances.append(inst)
    return instances, notes


def run_intel_tick(
    paths: Paths, *, config: AlertsConfig | None = None, now: float | None = None
) -> IntelResult:
    """Evaluate the intelligence rules once and deliver what they produce."""
    config = config or load_alerts_config(config_dir() / "alerts.yaml")
    now = time.time() if now is None else now
    result = IntelResult()
    if not config.intelligence or not paths.warehouse.exists():
        return result
    found, result.missing = breaches(paths.warehouse, config.intelligence, now)
    result.breaches = {
        name: {fingerprint(labels): v for labels, v in rows} for name, rows in found.items()
    }
    delivery = build_delivery(
        load_channels_config(config_dir() / "channels.yaml"), paths.notifications
    )
    with OpsStore(paths.ops_db) as store:
        instances, notes = evaluate(store, config.intelligence, found, now)
        result.new_notifications = store.commit_tick(
            stream=STREAM, last_step=None, offsets={}, instances=instances,
            notifications=notes, receivers=delivery.routing.receivers_for, buffer=None, now=now,
        )  # fmt: skip
        oncall_path = config_dir() / "oncall.yaml"
        if notes and oncall_path.exists():
            result.incidents_opened = record_alerts(
                store.conn, notes, load_oncall_config(oncall_path), now
            )
        with delivery_lock(paths.ops_db):
            result.delivery = deliver_due(
                store, delivery.channels, now=now, routing=delivery.routing, policy=delivery.policy
            )
    return result


def _latest_ids(instance: dg.DagsterInstance) -> dict[str, int]:
    """Storage id of the newest materialization of each watched table (absent if never built)."""
    ids = {}
    for name in WATCHED:
        records = instance.fetch_materializations(dg.AssetKey(name), limit=1).records
        if records:
            ids[name] = int(records[0].storage_id)
    return ids


@dg.sensor(
    name="intelligence_alert_sensor",
    # The tables change at most a few times a day and forecast days ahead: five minutes of delay
    # costs nothing, and each tick costs a daemon tick plus a DagsterInstance (`context.instance`).
    minimum_interval_seconds=300,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Evaluates the `intelligence:` rules of config/alerts.yaml when capacity_plan or "
    "anomalies is materialized; notifies like alert_sensor. Launches no run.",
)
def intelligence_alert_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    latest = _latest_ids(context.instance)
    seen = json.loads(context.cursor) if context.cursor else {}
    if not latest or latest == seen:
        return dg.SensorResult(skip_reason=dg.SkipReason("capacity_plan and anomalies unchanged"))
    import duckdb

    try:
        result = run_intel_tick(sensor_paths(context))
    except duckdb.IOException as exc:  # the warehouse is being written: try again next tick
        return dg.SensorResult(skip_reason=dg.SkipReason(f"warehouse busy ({exc}); retrying"))
    context.log.info(result.summary)
    return dg.SensorResult(
        cursor=json.dumps(latest, sort_keys=True), skip_reason=dg.SkipReason(result.summary)
    )
