"""The alert tick's fast path under the daemon: the watch until the next loop, the parsed-config
cache, and the landing signature the watch polls."""

import json
import threading
import time
from pathlib import Path

import dagster as dg
import pytest

from assets.resources import SynmonData
from sensors import config_cache
from sensors.alert_config import load_alerts_config
from sensors.alerts import (
    LOOP_S,
    WATCH_MARGIN_S,
    WATCH_MAX_S,
    alert_sensor,
    run_alert_tick,
    watch_and_tick,
    watch_deadline,
)
from sensors.config_cache import load_cached
from sensors.landing_sql import landing_signature
from synmon.settings import CONFIG_DIR, Paths

from .helpers import notifications, request_lines, with_incident, write_lines

P = 1_800_000_000.0  # the previous tick's start


@pytest.mark.parametrize(
    ("now", "deadline"),
    [
        (P + 5.1, P + 2 * LOOP_S - WATCH_MARGIN_S),  # the usual tick, one loop after the last
        (P + 4.7, P + 2 * LOOP_S - WATCH_MARGIN_S),  # a tick that started a little early
        (P + 10.2, P + 3 * LOOP_S - WATCH_MARGIN_S),  # the daemon skipped a loop
        (P + 7.6, P + 7.6 + 0.4),  # a slow start leaves less to watch
        (P + 9.0, P + 9.0),  # too late to watch: answer at once
    ],
)
def test_watch_ends_before_the_next_loop(now: float, deadline: float):
    assert watch_deadline(P, now) == pytest.approx(deadline)


def test_no_watch_without_a_previous_tick_or_past_the_cap():
    assert watch_deadline(None, P) == P  # tests, the demo, a sensor just started
    assert watch_deadline(P + 1.0, P) == P  # a clock that went back
    assert watch_deadline(P, P + 0.01) == pytest.approx(P + 0.01 + WATCH_MAX_S)


def _storm(paths: Paths, name: str, minutes: range) -> None:
    shape = with_incident("error_storm", "domain_validator", 20, 50)
    write_lines(paths.landing / "requests" / name, request_lines(minutes, shape))


def test_watch_evaluates_a_file_that_lands_while_it_waits(tmp_path: Path):
    paths = Paths(tmp_path / "data")
    _storm(paths, "a.jsonl", range(0, 40))
    first = run_alert_tick(paths, {})  # the storm fires; the data ends before it resolves
    assert [n["status"] for n in notifications(paths.data)] == ["firing"]

    def land_later() -> None:  # written aside, then renamed in, as collectors land files
        time.sleep(0.5)
        _storm(paths, ".b.jsonl", range(40, 90))
        (paths.landing / "requests/.b.jsonl").rename(paths.landing / "requests/b.jsonl")

    writer = threading.Thread(target=land_later)
    writer.start()
    results = watch_and_tick(paths, first.cursor, time.time() + 3.0)
    writer.join()
    assert len(results) >= 2
    assert not results[0].chunks  # nothing new when the watch began
    assert [c.rel for r in results for c in r.chunks] == ["b.jsonl"]
    assert [n["status"] for n in notifications(paths.data)] == ["firing", "resolved"]
    assert results[-1].cursor["b.jsonl"] == (paths.landing / "requests/b.jsonl").stat().st_size


def test_watch_without_changes_evaluates_once(tmp_path: Path):
    paths = Paths(tmp_path / "data")
    _storm(paths, "a.jsonl", range(0, 30))
    results = watch_and_tick(paths, {}, time.time() + 0.5)
    assert len(results) == 1 and [c.rel for c in results[0].chunks] == ["a.jsonl"]


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
