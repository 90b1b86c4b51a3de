"""The Dagster sensor itself, and outbox delivery with a channel that fails for real."""

import json
from pathlib import Path

import dagster as dg

from assets.resources import SynmonData
from sensors.alerts import ALERT_SENSORS, alert_sensor, run_alert_tick
from sensors.channels import FileChannel, deliver_due
from sensors.ops_store import OpsStore
from synmon.settings import Paths

from .helpers import notifications, request_lines, with_incident, write_lines


def _tick(data_dir: Path, cursor: str | None) -> dg.SensorResult:
    context = dg.build_sensor_context(
        cursor=cursor, resources={"data": SynmonData(data_dir=str(data_dir))}
    )
    return alert_sensor(context)


def test_sensor_tick_sends_notifications_and_advances_cursor(tmp_path: Path):
    data = tmp_path / "data"
    shape = with_incident("error_storm", "domain_validator", 20, 50)
    write_lines(data / "landing/requests/requests-1.jsonl", request_lines(range(90), shape))
    assert [alert_sensor] == ALERT_SENSORS
    assert alert_sensor.minimum_interval_seconds == 1  # the daemon loop (5 s) sets the pace

    result = _tick(data, None)
    assert not result.run_requests
    assert json.loads(result.cursor) == {
        "requests-1.jsonl": (data / "landing/requests/requests-1.jsonl").stat().st_size
    }
    assert "2 new notification(s)" in result.skip_reason.skip_message
    assert [n["status"] for n in notifications(data)] == ["firing", "resolved"]

    again = _tick(data, result.cursor)
    assert again.cursor == result.cursor
    assert "0 new chunk(s)" in again.skip_reason.skip_message
    assert len(notifications(data)) == 2


def test_undelivered_notifications_are_retried_then_dead_lettered(tmp_path: Path):
    paths = Paths(tmp_path / "data")
    shape = with_incident("latency_spike", "api_gateway", 60, 100)
    write_lines(paths.landing / "requests/a.jsonl", request_lines(range(180), shape))
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the channel needs a directory")
    broken = FileChannel(blocked, name="file")

    first = run_alert_tick(paths, {}, channels=[broken], now=1000.0)
    assert (first.new_notifications, first.delivery.retrying) == (2, 2)
    # nothing is due before the backoff has passed; then the repaired channel delivers
    working = FileChannel(paths.notifications, name="file")
    with OpsStore(paths.ops_db) as store:
        assert store.due(1000.0, ["file"]) == []
        later = deliver_due(store, [working], now=2000.0)
        assert later.delivered == 2
        assert store.outbox_counts() == {"delivered": 2}
        attempts = store.conn.execute("select ok from deliveries order by id").fetchall()
    assert [a[0] for a in attempts] == [0, 0, 1, 1]
    assert [n["status"] for n in notifications(paths.data)] == ["firing", "resolved"]


def test_dead_letter_after_max_attempts(tmp_path: Path):
    paths = Paths(tmp_path / "data")
    shape = with_incident("latency_spike", "api_gateway", 60, 100)
    write_lines(paths.landing / "requests/a.jsonl", request_lines(range(180), shape))
    blocked = tmp_path / "blocked"
    blocked.write_text("not a directory")
    broken = FileChannel(blocked, name="file")
    run_alert_tick(paths, {}, channels=[broken], now=0.0)
    with OpsStore(paths.ops_db) as store:
        for i in range(1, 10):
            deliver_due(store, [broken], now=i * 10_000.0, max_attempts=3)
        assert store.outbox_counts() == {"dead": 2}
        errors = store.conn.execute("select distinct last_error from outbox").fetchall()
    assert "NotADirectoryError" in errors[0][0] or "FileExistsError" in errors[0][0]
