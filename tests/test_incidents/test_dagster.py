"""The Dagster side: launchpad jobs with config, the marts asset, escalation inside the alert
sensor's tick and the run-failure sensor, each on a temporary data directory."""

from __future__ import annotations

import json
import time

import dagster as dg
import duckdb

from assets.incidents import INCIDENT_ASSETS, INCIDENT_JOBS, IncidentChange
from assets.resources import SynmonData
from sensors.alerts import alert_sensor
from sensors.escalation import INCIDENT_SENSORS, run_failure_sensor
from sensors.incident_store import get_incident, timeline
from sensors.incidents import record_alerts
from sensors.oncall import load_oncall_config
from sensors.ops_store import OpsStore
from synmon.settings import CONFIG_DIR, Paths


def _firing(now: float) -> dict:
    labels = {"alertname": "HighErrorRate", "severity": "critical", "component": "api_gateway"}
    start = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 60))
    return {"status": "firing", "alertname": "HighErrorRate", "severity": "critical",
            "labels": labels, "annotations": {}, "value": 0.4, "starts_at": start,
            "ends_at": None, "fingerprint": "f1", "dedup_key": f"f1:firing:{start}"}  # fmt: skip


def _open_incident(paths: Paths) -> int:
    with OpsStore(paths.ops_db) as store:
        (inc_id,) = record_alerts(
            store.conn, [_firing(time.time())], load_oncall_config(CONFIG_DIR / "oncall.yaml"),
            time.time(),
        )  # fmt: skip
    return inc_id


def _lines(paths: Paths) -> list[dict]:
    path = paths.notifications / "alerts.jsonl"
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


def test_alert_sensor_pages_then_jobs_ack_and_resolve_then_marts(data_paths: Paths):
    inc_id = _open_incident(data_paths)
    data = SynmonData(data_dir=str(data_paths.data))
    with dg.build_sensor_context(resources={"data": data}) as context:
        skip = alert_sensor(context).skip_reason  # escalation runs inside the alert tick
    assert "paged #1 level 1" in skip.skip_message
    (page,) = _lines(data_paths)
    assert page["labels"]["incident"] == "1" and page["labels"]["oncall"]

    ack, res = INCIDENT_JOBS
    for job, note in ((ack, "mine"), (res, "fixed")):
        result = job.execute_in_process(
            run_config=dg.RunConfig(
                ops={f"{job.name}_op": IncidentChange(incident_id=inc_id, note=note, who="ui")}
            ),
            resources={"data": data},
        )
        assert result.success
    with OpsStore(data_paths.ops_db) as store:
        inc = get_incident(store.conn, inc_id)
        assert (inc.status, inc.acknowledged_by, inc.resolved_by) == ("resolved", "ui", "ui")
        assert [e["kind"] for e in timeline(store.conn, inc_id)][-2:] == [
            "acknowledged", "resolved"]  # fmt: skip

    failed = ack.execute_in_process(
        run_config=dg.RunConfig(ops={"acknowledge_incident_op": IncidentChange(incident_id=99)}),
        resources={"data": data}, raise_on_error=False,
    )  # fmt: skip
    assert not failed.success

    result = dg.materialize(INCIDENT_ASSETS, resources={"data": data})
    assert result.success
    (mat,) = result.asset_materializations_for_node("incident_marts")
    assert mat.metadata["dagster/row_count"].value == 1
    with duckdb.connect(str(data_paths.warehouse), read_only=True) as con:
        assert con.execute("select status from rpt_incidents").fetchall() == [("resolved",)]


def test_run_failure_sensor_notifies_the_ops_receiver(data_paths: Paths):
    @dg.op
    def boom() -> None:
        raise RuntimeError("disk full")

    @dg.job
    def doomed() -> None:
        boom()

    instance = dg.DagsterInstance.ephemeral()
    result = doomed.execute_in_process(instance=instance, raise_on_error=False)
    context = dg.build_run_status_sensor_context(
        sensor_name="run_failure_sensor",
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        dagster_event=result.get_run_failure_event(),
        resources={"data": SynmonData(data_dir=str(data_paths.data))},
    ).for_run_failure()
    run_failure_sensor(context)
    run_failure_sensor(context)  # a replayed tick reports the run once
    (note,) = _lines(data_paths)
    assert note["alertname"] == "DagsterRunFailed"
    assert note["labels"]["job"] == "doomed"
    assert note["labels"]["run_id"] == result.run_id
    # escalation_sensor is gone: alert_sensor escalates inside its watch (docs/incidents.md)
    assert [s.name for s in INCIDENT_SENSORS] == ["run_failure_sensor"]
    assert run_failure_sensor.minimum_interval_seconds == 120
