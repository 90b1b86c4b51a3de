"""Rule evaluation on constructed landing data, through the tick the sensor runs."""

from pathlib import Path

import pytest

from sensors.alerts import run_alert_tick
from sensors.ops_store import OpsStore
from synmon.settings import Paths

from .helpers import (
    minute,
    normal,
    notifications,
    request_lines,
    with_incident,
    write_lines,
)


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    return Paths(tmp_path / "data")


def landing(paths: Paths, name: str) -> Path:
    return paths.landing / "requests" / name


def test_normal_traffic_never_fires(paths: Paths):
    write_lines(landing(paths, "requests-a.jsonl"), request_lines(range(240), normal))
    result = run_alert_tick(paths, {})
    assert result.rows == 240 * 3 * 6
    assert result.first_step is not None
    assert notifications(paths.data) == []


def test_latency_spike_fires_then_resolves(paths: Paths):
    shape = with_incident("latency_spike", "dspy_optimizer", 60, 100)
    write_lines(landing(paths, "requests-a.jsonl"), request_lines(range(180), shape))
    result = run_alert_tick(paths, {})
    sent = notifications(paths.data)
    assert [(n["status"], n["alertname"], n["labels"]["component"]) for n in sent] == [
        ("firing", "HighLatencyP95", "dspy_optimizer"),
        ("resolved", "HighLatencyP95", "dspy_optimizer"),
    ]
    firing, resolved = sent
    # the window [t-10m, t) first holds >5% spike rows at 61 (pending), for 10m: firing at 71;
    # the last spike rows leave the 95th percentile when fewer than 5% remain (at 110)
    assert firing["starts_at"] == minute(71)
    assert resolved["starts_at"] == minute(71)
    assert resolved["ends_at"] == minute(110)
    assert firing["value"] > 2500 and firing["ends_at"] is None
    assert firing["dedup_key"] == f"{firing['fingerprint']}:firing:{minute(71)}"
    assert "dspy_optimizer" in firing["annotations"]["summary"]
    assert firing["labels"] == {
        "alertname": "HighLatencyP95",
        "severity": "high",
        "team": "platform",
        "component": "dspy_optimizer",
    }
    assert result.new_notifications == 2 and result.delivery.delivered == 2


def test_error_storm_fires_critical(paths: Paths):
    shape = with_incident("error_storm", "api_gateway", 30, 60)
    write_lines(landing(paths, "requests-a.jsonl"), request_lines(range(120), shape))
    run_alert_tick(paths, {})
    sent = notifications(paths.data)
    assert {(n["status"], n["alertname"], n["severity"]) for n in sent} == {
        ("firing", "HighErrorRate", "critical"),
        ("resolved", "HighErrorRate", "critical"),
    }
    assert all(n["labels"]["component"] == "api_gateway" for n in sent)


def test_incident_split_over_two_files_and_ticks_matches_one_pass(tmp_path: Path):
    shape = with_incident("latency_spike", "api_gateway", 60, 100)
    lines = list(request_lines(range(180), shape))
    one = Paths(tmp_path / "one")
    write_lines(landing(one, "all.jsonl"), lines)
    run_alert_tick(one, {})

    two = Paths(tmp_path / "two")
    cut = len(lines) * 75 // 180  # in the middle of the incident and of a window
    write_lines(landing(two, "requests-1.jsonl"), lines[:cut])
    first = run_alert_tick(two, {})
    assert [n["status"] for n in notifications(two.data)] == ["firing"]
    write_lines(landing(two, "requests-2.jsonl"), lines[cut:])
    second = run_alert_tick(two, first.cursor)
    assert [c.rel for c in second.chunks] == ["requests-2.jsonl"]
    assert notifications(two.data) == notifications(one.data)


def test_grown_file_reads_only_complete_new_lines(paths: Paths):
    shape = with_incident("latency_spike", "api_gateway", 60, 100)
    lines = list(request_lines(range(180), shape))
    path = landing(paths, "live.jsonl")
    write_lines(path, lines[:1000])
    with path.open("a") as fh:
        fh.write(lines[1000][:40])  # a line still being written
    first = run_alert_tick(paths, {})
    assert first.cursor == {"live.jsonl": sum(len(x) + 1 for x in lines[:1000])}
    with path.open("a") as fh:
        fh.write(lines[1000][40:] + "\n")
    write_lines(path, lines[1001:], mode="a")
    second = run_alert_tick(paths, first.cursor)
    assert first.rows + second.rows == len(lines)
    assert [n["status"] for n in notifications(paths.data)] == ["firing", "resolved"]


def test_rerunning_a_tick_on_the_same_cursor_sends_nothing_twice(paths: Paths):
    shape = with_incident("latency_spike", "api_gateway", 60, 100)
    write_lines(landing(paths, "requests-a.jsonl"), request_lines(range(180), shape))
    run_alert_tick(paths, {})
    again = run_alert_tick(paths, {})  # the cursor was never saved: same bytes, same ops store
    assert again.chunks == [] and again.new_notifications == 0
    assert len(notifications(paths.data)) == 2
    with OpsStore(paths.ops_db) as store:
        assert store.outbox_counts() == {"delivered": 2}


def test_unparseable_lines_are_skipped(paths: Paths):
    lines = list(request_lines(range(30), normal))
    junk = ["not json", "{broken", 'app.access: [1.0, {"ts": "x"}]', '{"ts": "yesterday"}', "[]"]
    write_lines(landing(paths, "requests-a.jsonl"), lines[:50] + junk + lines[50:])
    result = run_alert_tick(paths, {})
    assert result.rows == len(lines)


def test_windows_span_ticks_through_the_buffer(paths: Paths):
    """A window that needs rows from the previous tick sees them (kept in ops.sqlite)."""
    shape = with_incident("latency_spike", "api_gateway", 50, 75)
    lines = list(request_lines(range(120), shape))
    cut = len(lines) * 58 // 120
    write_lines(landing(paths, "a.jsonl"), lines[:cut])
    first = run_alert_tick(paths, {})
    assert notifications(paths.data) == []  # pending since 51, not yet 10 minutes
    write_lines(landing(paths, "b.jsonl"), lines[cut:])
    run_alert_tick(paths, first.cursor)
    firing = notifications(paths.data)[0]
    assert (firing["status"], firing["starts_at"]) == ("firing", minute(61))
