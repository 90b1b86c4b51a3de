"""`synmon alerts test RULE --at TIME` on constructed landing data, checked against the sensor."""

from __future__ import annotations

import argparse
import json
import statistics
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sensors.alerts import run_alert_tick
from synmon.commands import alerts
from synmon.commands.alerts_explain import parse_time
from synmon.settings import Paths

from .helpers import T0, minute, normal, notifications, request_lines, with_incident, write_lines


def run(capsys, data: Path, *argv: str) -> tuple[int, str]:
    parser = argparse.ArgumentParser(prog="synmon")
    parser.add_argument("--data-dir")
    alerts.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["--data-dir", str(data), "alerts", "test", *argv])
    code = args.func(args)
    return code, capsys.readouterr().out


def series(out: str) -> dict[str, dict]:
    return {s["labels"]["component"]: s for s in json.loads(out)["series"]}


@pytest.fixture
def storm(tmp_path: Path) -> Paths:
    """Two files (a window spans both): an error storm on api_gateway in minutes 30..60."""
    paths = Paths(tmp_path / "data")
    shape = with_incident("error_storm", "api_gateway", 30, 60)
    lines = list(request_lines(range(120), shape))
    half = len(lines) // 2
    write_lines(paths.landing / "requests" / "a" / "requests-1.jsonl", lines[:half])
    write_lines(paths.landing / "requests" / "requests-2.jsonl", lines[half:])
    return paths


def test_agrees_with_the_sensor_on_when_an_alert_fires(storm: Paths, capsys):
    run_alert_tick(storm, {})
    fired = [n for n in notifications(storm.data) if n["status"] == "firing"]
    assert [n["labels"]["component"] for n in fired] == ["api_gateway"]
    starts = fired[0]["starts_at"]

    code, out = run(capsys, storm.data, "HighErrorRate", "--at", starts, "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["would_fire"] is True and doc["at"] == starts
    gw = series(out)["api_gateway"]
    assert gw["state"] == "firing" and gw["since"] == starts and gw["verdict"] == "breach"
    assert gw["value"] == pytest.approx(fired[0]["value"])
    assert gw["value"] > doc["threshold"] == 0.15
    quiet = series(out)["dspy_optimizer"]
    assert quiet["state"] == "inactive" and quiet["verdict"] == "ok"
    assert quiet["reason"].startswith("not breaching:") and quiet["requests"] == 60

    # one step earlier the sensor had the alert pending, due to fire at `starts`
    before = (datetime.fromisoformat(starts) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    code, out = run(capsys, storm.data, "HighErrorRate", "--at", before, "--json")
    gw = series(out)["api_gateway"]
    assert json.loads(out)["would_fire"] is False
    assert gw["state"] == "pending" and gw["fires_at"] == starts
    assert f"fires at {starts}" in gw["reason"]


def test_window_value_is_the_error_rate_of_the_rows_in_it(storm: Paths, capsys):
    at = T0 + timedelta(minutes=50)
    code, out = run(capsys, storm.data, "HighErrorRate", "--at", at.isoformat(), "--json")
    assert code == 0
    rows = [
        json.loads(line)
        for f in sorted((storm.landing / "requests").rglob("*.jsonl"))
        for line in f.read_text().splitlines()
    ]
    lo = (at - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%S")
    window = [
        r for r in rows if r["component"] == "api_gateway" and lo <= r["ts"][:19] < minute(50)[:19]
    ]
    expected = sum(r["status"] >= 500 for r in window) / len(window)
    gw = series(out)["api_gateway"]
    assert gw["requests"] == len(window) == 60
    assert gw["value"] == pytest.approx(expected)
    assert json.loads(out)["window"] == [minute(40), minute(50)]


def test_p95_value_matches_an_independent_quantile(tmp_path: Path, capsys):
    paths = Paths(tmp_path / "data")
    shape = with_incident("latency_spike", "dspy_optimizer", 20, 60)
    lines = list(request_lines(range(60), shape))
    write_lines(paths.landing / "requests" / "r.jsonl", lines)
    code, out = run(capsys, paths.data, "HighLatencyP95", "--at", minute(45), "--json")
    assert code == 0
    rows = [json.loads(line) for line in lines]
    values = [
        r["latency_ms"]
        for r in rows
        if r["component"] == "dspy_optimizer" and minute(35) <= r["ts"][:19] + "Z" < minute(45)
    ]
    p95 = statistics.quantiles(values, n=100, method="inclusive")[94]
    spiky = series(out)["dspy_optimizer"]
    assert spiky["value"] == pytest.approx(p95)
    # spike from minute 20, breaching once >5% of the window is spike (21), for 10m -> 31
    assert spiky["state"] == "firing" and spiky["since"] == minute(31)


def test_too_few_requests_is_no_data_and_says_why(tmp_path: Path, capsys):
    paths = Paths(tmp_path / "data")
    write_lines(paths.landing / "requests" / "r.jsonl", request_lines(range(30), normal, 1))
    code, out = run(capsys, paths.data, "HighErrorRate", "--at", minute(20))
    assert code == 0
    assert "n=10" in out and "no data: 10 request(s) in the window, min_requests is 20" in out
    assert out.rstrip().endswith("would fire: no (0 of 3 firing)")


def test_buffer_source_sees_the_rows_the_sensor_kept(storm: Paths, capsys):
    run_alert_tick(storm, {})
    code, landing = run(capsys, storm.data, "HighErrorRate", "--at", minute(120), "--json")
    code, buffered = run(
        capsys, storm.data, "HighErrorRate", "--at", minute(120), "--source", "buffer", "--json"
    )
    assert code == 0 and json.loads(buffered)["source"] == "ops buffer"
    for comp, s in series(landing).items():
        assert series(buffered)[comp]["value"] == pytest.approx(s["value"])
        assert series(buffered)[comp]["requests"] == s["requests"] == 60


def test_unknown_rule_and_bad_time_exit_2(storm: Paths, capsys):
    code, out = run(capsys, storm.data, "NoSuchRule", "--at", "now")
    assert code == 2 and "HighLatencyP95, HighErrorRate" in out
    code, out = run(capsys, storm.data, "HighErrorRate", "--at", "yesterday-ish")
    assert code == 2 and "got 'yesterday-ish'" in out


def test_parse_time_forms():
    stamp = int(datetime(2026, 3, 1, 10, 30, tzinfo=UTC).timestamp())
    assert parse_time("2026-03-01T10:30:00Z") == stamp
    assert parse_time("2026-03-01 10:30") == stamp
    assert parse_time("2026-03-01T11:30:00+01:00") == stamp
    assert parse_time(str(stamp)) == stamp
    assert parse_time("now", now=123.9) == 123
