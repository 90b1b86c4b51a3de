"""The alert tick's fast path under the daemon: the long watch (when it ends, what it evaluates
and pages), what a killed or timed-out watch leaves behind, the parsed-config cache, and the
landing signature the watch polls."""

import json
import threading
import time
from pathlib import Path

import dagster as dg
import pytest

from assets.resources import SynmonData
from sensors import alert_watch, config_cache
from sensors.alert_config import load_alerts_config
from sensors.alert_watch import (
    ESCALATE_S,
    EVAL_GAP_S,
    IDLE_EVAL_S,
    LOOP_S,
    WATCH_MARGIN_S,
    WATCH_MAX_S,
    WatchClock,
    WatchResult,
    watch_budget,
    watch_deadline,
)
from sensors.alerts import TickResult, alert_sensor, run_alert_tick, watch_and_tick
from sensors.config_cache import load_cached
from sensors.landing_sql import Chunk, landing_signature
from sensors.ops_locks import evaluation_lock
from sensors.ops_store import OpsStore
from synmon.settings import CONFIG_DIR, Paths

from .helpers import notifications, request_lines, with_incident, write_lines

P = 1_800_000_000.0  # the previous tick's start


@pytest.mark.parametrize(
    ("now", "budget", "deadline"),
    [
        # a tick one loop after the last watches to the last loop within 45 s, less the margin
        (P + 5.1, 45.0, P + 10 * LOOP_S - WATCH_MARGIN_S),
        (P + 4.7, 45.0, P + 10 * LOOP_S - WATCH_MARGIN_S),  # started a little early
        (P + 10.2, 45.0, P + 11 * LOOP_S - WATCH_MARGIN_S),  # the daemon skipped a loop
        (P + 50.1, 45.0, P + 19 * LOOP_S - WATCH_MARGIN_S),  # the next long tick, same phase
        (P + 5.1, 3.0, P + 2 * LOOP_S - WATCH_MARGIN_S),  # a short budget: the next loop
        (P + 7.6, 3.0, P + 2 * LOOP_S - WATCH_MARGIN_S),  # a slow start leaves less to watch
        (P + 9.0, 3.0, P + 9.0),  # too late for the next loop: answer at once
        (P + 5.1, 0.0, P + 5.1),  # no budget (a short gRPC timeout): no watch
    ],
)
def test_watch_ends_before_a_daemon_loop(now: float, budget: float, deadline: float):
    assert watch_deadline(P, now, budget) == pytest.approx(deadline, abs=1e-6)


def test_no_watch_without_a_previous_tick_or_with_a_clock_gone_back():
    assert watch_deadline(None, P) == P  # tests, the demo, a sensor just started
    assert watch_deadline(P + 1.0, P) == P


@pytest.mark.parametrize(
    ("env", "budget"),
    [
        ({}, WATCH_MAX_S),  # Dagster's default 60 s timeout leaves room for the full watch
        ({"DAGSTER_GRPC_TIMEOUT_SECONDS": "40"}, 25.0),
        ({"DAGSTER_GRPC_TIMEOUT_SECONDS": "40", "DAGSTER_SENSOR_GRPC_TIMEOUT_SECONDS": "300"}, 45),
        ({"DAGSTER_SENSOR_GRPC_TIMEOUT_SECONDS": "10"}, 0.0),
        ({"DAGSTER_SENSOR_GRPC_TIMEOUT_SECONDS": "soon"}, WATCH_MAX_S),
    ],
)
def test_watch_budget_stays_inside_the_grpc_timeout(env: dict, budget: float, monkeypatch):
    for name in ("DAGSTER_GRPC_TIMEOUT_SECONDS", "DAGSTER_SENSOR_GRPC_TIMEOUT_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert watch_budget() == budget
    assert watch_deadline(P, P + 5.1) - (P + 5.1) <= budget


@pytest.mark.parametrize(
    ("since_eval", "changed", "evaluate"),
    [
        (0.2, True, False),  # a collector appending all the time: evaluations stay apart
        (EVAL_GAP_S, True, True),
        (EVAL_GAP_S, False, False),
        (IDLE_EVAL_S - 0.1, False, False),
        (IDLE_EVAL_S, False, True),  # retries, repeats and a backlog need no new file
    ],
)
def test_watch_clock_evaluates_on_change_and_every_few_seconds(
    since_eval: float, changed: bool, evaluate: bool
):
    clock = WatchClock(evaluated=P, escalated=P)
    assert clock.evaluate_now(P + since_eval, changed) is evaluate
    assert not clock.escalate_now(P + ESCALATE_S - 0.1)
    assert clock.escalate_now(P + ESCALATE_S)


def test_a_busy_watch_sums_up_its_evaluations(tmp_path: Path):
    def read(n: int) -> TickResult:
        chunk = Chunk(tmp_path / f"{n}.jsonl", f"{n}.jsonl", 0, 10, True)
        return TickResult(cursor={f"{n}.jsonl": 10}, chunks=[chunk], rows=2, new_notifications=1)

    idle = TickResult(cursor={})
    assert WatchResult([idle]).summary == idle.summary and not WatchResult([idle]).worked
    few = WatchResult([read(1), idle, read(2)], paged=[(4, 2)])
    assert few.summary == f"{read(1).summary} | {read(2).summary} | paged #4 level 2"
    many = WatchResult([read(n) for n in range(5)])
    assert many.worked
    assert many.summary.startswith("5 evaluations read 5 chunk(s), 10 row(s); 5 new notif")
    assert many.summary.endswith(f"last: {read(4).summary}")


def _storm(paths: Paths, name: str, minutes: range) -> None:
    shape = with_incident("error_storm", "domain_validator", 20, 50)
    write_lines(paths.landing / "requests" / name, request_lines(minutes, shape))


def _land_later(paths: Paths, name: str, minutes: range, delay: float) -> threading.Thread:
    def land() -> None:  # written aside, then renamed in, as collectors land files
        time.sleep(delay)
        _storm(paths, f".{name}", minutes)
        (paths.landing / "requests" / f".{name}").rename(paths.landing / "requests" / name)

    writer = threading.Thread(target=land)
    writer.start()
    return writer


def _alerts(paths: Paths) -> list[tuple[str, str]]:
    return [(n["alertname"], n["status"]) for n in notifications(paths.data)]


def test_watch_evaluates_a_file_that_lands_while_it_waits(tmp_path: Path):
    paths = Paths(tmp_path / "data")
    _storm(paths, "a.jsonl", range(0, 40))
    first = run_alert_tick(paths, {})  # the storm fires; the data ends before it resolves
    assert _alerts(paths) == [("HighErrorRate", "firing")]

    writer = _land_later(paths, "b.jsonl", range(40, 90), 0.5)
    watch = watch_and_tick(paths, first.cursor, time.time() + 3.0)
    writer.join()
    assert len(watch.ticks) >= 2
    assert not watch.ticks[0].chunks  # nothing new when the watch began
    assert [c.rel for r in watch.ticks for c in r.chunks] == ["b.jsonl"]
    # the critical alert opened an incident; the watch's escalation pass paged its first level
    assert watch.paged == [(1, 1)] and watch.escalation_error is None
    assert _alerts(paths) == [
        ("HighErrorRate", "firing"),
        ("IncidentPage", "firing"),
        ("HighErrorRate", "resolved"),
    ]
    size = (paths.landing / "requests/b.jsonl").stat().st_size
    assert watch.ticks[-1].cursor["b.jsonl"] == size


def test_watch_without_changes_evaluates_every_few_seconds(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(alert_watch, "IDLE_EVAL_S", 0.3)
    paths = Paths(tmp_path / "data")
    _storm(paths, "a.jsonl", range(0, 30))
    watch = watch_and_tick(paths, {}, time.time() + 2.5, escalate=False)
    assert [c.rel for c in watch.ticks[0].chunks] == ["a.jsonl"]
    # the folder never changed: every later evaluation is an idle one
    assert len(watch.ticks) >= 2 and not any(r.chunks for r in watch.ticks[1:])
    assert watch.escalations == 0


def test_watch_escalates_every_escalation_interval(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(alert_watch, "ESCALATE_S", 0.4)
    paths = Paths(tmp_path / "data")
    watch = watch_and_tick(paths, {}, time.time() + 1.5)
    assert watch.escalations >= 3 and watch.paged == []


def test_a_killed_or_timed_out_watch_notifies_nothing_twice(tmp_path: Path):
    """Each evaluation commits state, notifications and landing offsets to the ops store; the
    Dagster cursor is stored only when the tick ends. A tick killed or timed out half-way leaves
    the old cursor: the next tick must neither re-read nor re-notify."""
    data = tmp_path / "data"
    paths = Paths(data)
    _storm(paths, "a.jsonl", range(0, 40))
    writer = _land_later(paths, "b.jsonl", range(40, 90), 0.4)
    watch = watch_and_tick(paths, {}, time.time() + 2.0)  # its cursor is never stored
    writer.join()
    sent = _alerts(paths)
    assert sent.count(("HighErrorRate", "firing")) == 1
    assert sent.count(("HighErrorRate", "resolved")) == 1

    context = dg.build_sensor_context(
        cursor=None, resources={"data": SynmonData(data_dir=str(data))}
    )
    replay = alert_sensor(context)  # the next tick, from the cursor before the watch
    assert "0 new chunk(s)" in replay.skip_reason.skip_message
    assert _alerts(paths) == sent
    assert json.loads(replay.cursor) == watch.ticks[-1].cursor


def test_evaluations_wait_for_each_other(tmp_path: Path):
    """A tick that overran the gRPC timeout still runs when the next one starts: evaluations
    hold the ops store's evaluation lock, so neither writes back state older than the other's."""
    paths = Paths(tmp_path / "data")
    _storm(paths, "a.jsonl", range(0, 90))
    outcome: list = []
    with evaluation_lock(paths.ops_db):
        other = threading.Thread(target=lambda: outcome.append(run_alert_tick(paths, {})))
        other.start()
        other.join(timeout=1.0)
        assert other.is_alive() and not outcome and notifications(paths.data) == []
    other.join()
    assert outcome[0].new_notifications == 2
    assert _alerts(paths).count(("HighErrorRate", "resolved")) == 1


def test_sensor_outside_the_daemon_does_not_watch(tmp_path: Path):
    data = tmp_path / "data"
    _storm(Paths(data), "a.jsonl", range(0, 90))
    context = dg.build_sensor_context(resources={"data": SynmonData(data_dir=str(data))})
    result = alert_sensor(context)
    assert "watched" not in result.skip_reason.skip_message
    assert "2 new notification(s)" in result.skip_reason.skip_message
    assert json.loads(result.cursor) == {
        "a.jsonl": (data / "landing/requests/a.jsonl").stat().st_size
    }


def test_no_escalation_without_an_oncall_file(tmp_path: Path, monkeypatch):
    config = tmp_path / "config"
    config.mkdir()
    for name in ("alerts.yaml", "channels.yaml"):
        (config / name).write_text((CONFIG_DIR / name).read_text())
    monkeypatch.setenv("SYNMON_CONFIG_DIR", str(config))
    paths = Paths(tmp_path / "data")
    _storm(paths, "a.jsonl", range(0, 90))
    watch = watch_and_tick(paths, {}, time.time())
    assert watch.escalations == 0 and watch.ticks[0].new_notifications == 2


def test_an_escalation_failure_fails_the_tick_after_the_alert_work(tmp_path: Path):
    data = tmp_path / "data"
    paths = Paths(data)
    with OpsStore(paths.ops_db) as store:  # an ops store whose incidents table is not ours
        store.conn.execute("create table incidents (id integer primary key)")
    _storm(paths, "a.jsonl", range(0, 10))  # too short to fire: no incident is recorded
    context = dg.build_sensor_context(resources={"data": SynmonData(data_dir=str(data))})
    with pytest.raises(Exception, match=r"escalation failed: OperationalError.*1 new chunk"):
        alert_sensor(context)
    with OpsStore(paths.ops_db) as store:  # the evaluation was committed all the same
        assert store.source_offsets() == {
            "a.jsonl": (paths.landing / "requests/a.jsonl").stat().st_size
        }


def test_parsed_config_is_reused_until_the_file_changes(tmp_path: Path, monkeypatch):
    path = tmp_path / "alerts.yaml"
    path.write_text((CONFIG_DIR / "alerts.yaml").read_text())
    calls: list[Path] = []

    def counting_loader(p: Path):
        calls.append(p)
        return load_alerts_config(p)

    monkeypatch.setattr(config_cache, "_PARSED", {})
    first = load_cached(path, counting_loader)
    assert load_cached(path, counting_loader) is first
    assert len(calls) == 1
    path.write_text(path.read_text().replace("threshold: 0.15", "threshold: 0.25"))
    changed = load_cached(path, counting_loader)
    assert len(calls) == 2
    assert {r.name: r.threshold for r in changed.rules}["HighErrorRate"] == 0.25


def test_a_broken_config_is_not_cached(tmp_path: Path, monkeypatch):
    path = tmp_path / "alerts.yaml"
    path.write_text("groups: [{name: g, rules: [{name: r}]}]\n")
    monkeypatch.setattr(config_cache, "_PARSED", {})
    for _ in range(2):
        with pytest.raises(Exception, match=r"alerts\.yaml"):
            load_cached(path, load_alerts_config)
    assert config_cache._PARSED == {}


def test_landing_signature_sees_new_and_grown_files_not_hidden_ones(tmp_path: Path):
    landing = tmp_path / "requests"
    assert landing_signature(landing) == ()
    write_lines(landing / "day/a.jsonl", ["{}"])
    write_lines(landing / ".part.jsonl", ["{}"])
    write_lines(landing / ".hidden/b.jsonl", ["{}"])
    first = landing_signature(landing)
    assert [Path(p).name for p, *_ in first] == ["a.jsonl"]
    write_lines(landing / "day/a.jsonl", ["{}"], mode="a")
    grown = landing_signature(landing)
    assert grown != first and grown[0][1] == first[0][1] + 3
