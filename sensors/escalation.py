"""Escalation passes and the run-failure sensor (`INCIDENT_SENSORS`).

`run_escalation_tick` pages every open incident whose current level timed out unacknowledged
(and new incidents' first level), through the alert outbox and receivers of config/channels.yaml.
`alert_sensor` runs it inside its watch every 30 s (sensors/alert_watch.py): a sensor of its own
cost a daemon tick every 30 s for a few milliseconds of work. `run_failure_sensor` reports every
failed Dagster run to the `run_failures` receivers of config/oncall.yaml. Nothing here launches a
run; the work is in sensors/incidents.py, and delivery is serialised with the alert sensor's
(`delivery_lock`).
"""

import time
from dataclasses import dataclass

import dagster as dg

from assets.resources import sensor_paths
from sensors.channels import Channel, DeliverySummary, deliver_due
from sensors.config_cache import load_cached
from sensors.incidents import escalate_due, report_run_failure
from sensors.oncall import OncallConfig, load_oncall_config
from sensors.ops_locks import delivery_lock
from sensors.ops_store import OpsStore
from sensors.receivers_config import Delivery, build_delivery, load_channels_config
from synmon.settings import Paths, config_dir


@dataclass(frozen=True)
class EscalationResult:
    paged: list[tuple[int, int]]  # (incident id, level)
    delivery: DeliverySummary

    @property
    def summary(self) -> str:
        pages = ", ".join(f"#{i} level {lv}" for i, lv in self.paged) or "no incident due"
        d = self.delivery
        return f"paged {pages}; delivered {d.delivered}, retrying {d.retrying}, dead {d.dead}"


def _delivery(paths: Paths, channels: list[Channel] | None) -> Delivery:
    delivery = build_delivery(
        load_cached(config_dir() / "channels.yaml", load_channels_config), paths.notifications
    )
    if channels is None:
        return delivery
    return Delivery(channels, delivery.routing, delivery.policy)


def _deliver(store: OpsStore, paths: Paths, delivery: Delivery, now: float) -> DeliverySummary:
    with delivery_lock(paths.ops_db):
        return deliver_due(
            store, delivery.channels, now=now, routing=delivery.routing, policy=delivery.policy
        )


def run_escalation_tick(
    paths: Paths,
    *,
    now: float | None = None,
    oncall: OncallConfig | None = None,
    channels: list[Channel] | None = None,
) -> EscalationResult:
    """Page what is due and deliver the outbox. Receivers come from config/channels.yaml
    (or `channels`, keeping its routing and retry policy)."""
    now = time.time() if now is None else now
    oncall = oncall or load_cached(config_dir() / "oncall.yaml", load_oncall_config)
    delivery = _delivery(paths, channels)
    with OpsStore(paths.ops_db) as store:
        paged = escalate_due(store.conn, oncall, now)
        summary = _deliver(store, paths, delivery, now)
    return EscalationResult(paged, summary)


def notify_run_failure(
    paths: Paths,
    *,
    run_id: str,
    job: str,
    message: str,
    now: float | None = None,
    oncall: OncallConfig | None = None,
    channels: list[Channel] | None = None,
) -> DeliverySummary:
    """Queue and deliver the report of one failed run (once per run id)."""
    now = time.time() if now is None else now
    oncall = oncall or load_cached(config_dir() / "oncall.yaml", load_oncall_config)
    delivery = _delivery(paths, channels)
    with OpsStore(paths.ops_db) as store:
        report_run_failure(store.conn, oncall, run_id=run_id, job=job, message=message, now=now)
        return _deliver(store, paths, delivery, now)


# A run status sensor builds a DagsterInstance and reads the event log at every tick; a failed
# run is reported within two minutes, which is soon enough for batch jobs. Its cursor (event
# storage id) loses nothing between ticks. It declares no resource (see `sensor_paths`).
@dg.run_failure_sensor(
    name="run_failure_sensor",
    minimum_interval_seconds=120,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Notifies the run_failures receivers of config/oncall.yaml when a run fails.",
)
def run_failure_sensor(context: dg.RunFailureSensorContext) -> None:
    run = context.dagster_run
    message = context.failure_event.message or "run failed"
    summary = notify_run_failure(
        sensor_paths(context), run_id=run.run_id, job=run.job_name, message=message
    )
    context.log.info(f"run {run.run_id} failed: delivered {summary.delivered}")


INCIDENT_SENSORS = [run_failure_sensor]
