"""repeat_interval re-sends and mute / active time intervals, as Alertmanager has them: interval
membership as tables of cases (DST in named zones, weekday ranges, negative days of the month),
config errors naming the key path, the outbox against a real PagerDuty-like server, and the alert
tick end to end with its clock advanced (no sleeps)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sensors.alerts import run_alert_tick
from sensors.channels import deliver_due
from sensors.ops_store import OpsStore
from sensors.receivers_config import (
    ChannelConfigError,
    build_delivery,
    parse_channels_config,
    routing_of,
)
from sensors.receivers_http import PagerDutyReceiver
from sensors.routing import Route, Routing, repeat_due_at
from sensors.rules import Instance, State
from sensors.time_intervals import TimeInterval, TimeIntervalSpec
from synmon.settings import Paths

from .channel_servers import http_receiver, note
from .helpers import notifications, request_lines, with_incident, write_lines


def at(text: str) -> float:
    """Epoch seconds of a UTC time written `2026-03-09 13:30`."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC).timestamp()


NINE_TO_FIVE_NY = {"times": [{"start_time": "09:00", "end_time": "17:00"}],
                   "location": "America/New_York"}  # fmt: skip
BERLIN_2_TO_3 = {"times": [{"start_time": "02:00", "end_time": "03:00"}],
                 "location": "Europe/Berlin"}  # fmt: skip


@pytest.mark.parametrize(
    ("spec", "utc", "inside"),
    [
        # New York moves to EDT on 2026-03-08: 09:00 local is 14:00Z before, 13:00Z after
        (NINE_TO_FIVE_NY, "2026-03-06 13:30", False),
        (NINE_TO_FIVE_NY, "2026-03-06 14:00", True),
        (NINE_TO_FIVE_NY, "2026-03-09 13:30", True),
        (NINE_TO_FIVE_NY, "2026-03-09 20:59", True),
        (NINE_TO_FIVE_NY, "2026-03-09 21:00", False),  # 17:00 EDT: the end is exclusive
        # Berlin falls back on 2026-10-25: 02:00-03:00 local happens twice, both inside
        (BERLIN_2_TO_3, "2026-10-25 00:30", True),
        (BERLIN_2_TO_3, "2026-10-25 01:30", True),
        (BERLIN_2_TO_3, "2026-10-25 02:30", False),
        # ... and springs forward on 2026-03-29: 02:00-03:00 local never happens
        (BERLIN_2_TO_3, "2026-03-29 00:59", False),
        (BERLIN_2_TO_3, "2026-03-29 01:00", False),
        ({"weekdays": ["monday:friday"]}, "2026-03-07 12:00", False),  # a Saturday
        ({"weekdays": ["monday:friday"]}, "2026-03-09 00:00", True),
        ({"weekdays": ["saturday", "sunday"]}, "2026-03-08 23:59", True),
        ({"weekdays": ["Monday:Wednesday"]}, "2026-03-12 12:00", False),  # a Thursday
        # Friday 12:00Z is already Saturday 01:00 in Auckland
        ({"weekdays": ["saturday"], "location": "Pacific/Auckland"}, "2026-03-06 12:00", True),
        ({"days_of_month": ["-1"]}, "2026-02-28 12:00", True),  # February 2026 has 28 days
        ({"days_of_month": ["-1"]}, "2026-03-28 12:00", False),
        ({"days_of_month": ["-1"]}, "2024-02-29 12:00", True),  # leap year
        ({"days_of_month": ["-3:-1"]}, "2026-02-26 00:00", True),
        ({"days_of_month": ["-3:-1"]}, "2026-02-25 23:59", False),
        ({"days_of_month": ["1:5", "31"]}, "2026-04-30 12:00", False),  # April has no 31st
        ({"days_of_month": ["25:31"]}, "2026-02-28 12:00", True),  # clamped to the month
        ({"days_of_month": ["-31:-1"]}, "2026-02-01 12:00", True),  # clamped to the month
        ({"days_of_month": ["-31:-30"]}, "2026-02-01 12:00", False),  # before Feb begins
        ({"months": ["november:december", "1"]}, "2026-01-15 12:00", True),
        ({"months": ["november:december", "1"]}, "2026-02-15 12:00", False),
        ({"years": ["2025:2026"]}, "2027-01-01 00:00", False),
        (
            {
                "weekdays": ["monday"],
                "times": [{"start_time": "00:00", "end_time": "24:00"}],
                "months": ["march"],
                "years": ["2026"],
            },
            "2026-03-09 23:59",
            True,
        ),
        ({}, "2026-03-09 12:00", True),  # an interval without fields is always
    ],
)
def test_interval_membership(spec: dict, utc: str, inside: bool):
    interval = TimeInterval.from_spec(TimeIntervalSpec.model_validate(spec))
    assert interval.contains(at(utc)) is inside


RECEIVERS = [{"name": "file", "file": {}}, {"name": "pager", "file": {"filename": "p.jsonl"}}]
NIGHT = {"name": "night", "time_intervals": [
    {"times": [{"start_time": "22:00", "end_time": "24:00"},
               {"start_time": "00:00", "end_time": "06:00"}]}]}  # fmt: skip


def _channels(child: dict | None = None, intervals: list | None = None, **root):
    child = child or {"receiver": "pager", "mute_time_intervals": ["night"], "continue": True}
    route = {"receiver": "file", "routes": [child, {"receiver": "file"}], **root}
    data = {"receivers": RECEIVERS, "route": route, "time_intervals": intervals or [NIGHT]}
    return parse_channels_config(data, "channels.yaml")


W = "channels.yaml: time_intervals[0].time_intervals[0]"


@pytest.mark.parametrize(
    ("intervals", "child", "root", "message"),
    [
        ([{"name": "x", "time_intervals": [{"weekdays": ["friday:monday"]}]}], None, {},
         f"{W}.weekdays[0]: expected a range that does not wrap"),
        ([{"name": "x", "time_intervals": [{"weekdays": ["monday", "funday"]}]}], None, {},
         f"{W}.weekdays[1]: expected weekday names"),
        ([{"name": "x", "time_intervals": [{"times": [{"start_time": "25:00",
                                                       "end_time": "26:00"}]}]}], None, {},
         f"{W}.times[0].start_time: expected a time HH:MM"),
        ([{"name": "x", "time_intervals": [{"times": [{"start_time": "17:00",
                                                       "end_time": "09:00"}]}]}], None, {},
         f"{W}.times[0]: expected end_time after start_time"),
        ([{"name": "x", "time_intervals": [{"location": "Mars/Olympus_Mons"}]}], None, {},
         f"{W}.location: expected an IANA time zone"),
        ([{"name": "x", "time_intervals": [{"days_of_month": ["0"]}]}], None, {},
         f"{W}.days_of_month[0]: expected days 1..31 or -31..-1"),
        ([{"name": "x", "time_intervals": [{"days_of_month": ["-1:5"]}]}], None, {},
         f"{W}.days_of_month[0]: expected a negative end day"),
        ([{"name": "x", "time_intervals": [{"months": ["13"]}]}], None, {},
         f"{W}.months[0]: expected a month name or 1..12"),
        ([{"name": "x", "time_intervals": [{"years": ["2027:2026"]}]}], None, {},
         f"{W}.years[0]: expected positive years"),
        ([NIGHT, NIGHT], None, {}, "time_intervals[1].name: expected a unique name"),
        (None, {"receiver": "pager", "active_time_intervals": ["night", "day"]}, {},
         "route.routes[0].active_time_intervals[1]: expected the name of an interval under "
         "time_intervals (no 'day')"),
        (None, None, {"mute_time_intervals": ["night"]},
         "route.mute_time_intervals: expected none on the root route"),
        (None, None, {"repeat_interval": "0s"}, "route.repeat_interval: expected a duration"),
    ],
)  # fmt: skip
def test_interval_config_errors_name_file_and_key(intervals, child, root, message):
    with pytest.raises(ChannelConfigError) as err:
        _channels(child, intervals, **root)
    assert message in str(err.value)


def test_mute_and_active_intervals_are_not_inherited():
    config = _channels({"receiver": "pager", "mute_time_intervals": ["night"],
                        "routes": [{"receiver": "file", "matchers": ["team=db"]}]})  # fmt: skip
    routing = routing_of(config)
    pager = routing.root.routes[0]
    assert routing.muted_by(pager, at("2026-03-09 23:00")) == "mute time interval night"
    assert routing.muted_by(pager, at("2026-03-09 12:00")) is None
    assert routing.muted_by(pager.routes[0], at("2026-03-09 23:00")) is None
    active = Route("pager", active_time_intervals=("night",))
    assert routing.muted_by(active, at("2026-03-09 23:00")) is None
    assert "outside active time intervals night" in routing.muted_by(active, at("2026-03-09 12:00"))


@pytest.mark.parametrize(
    ("repeat", "interval", "last", "due"),
    [
        (3600, 300, 0, 3600),  # a multiple of group_interval: exactly repeat_interval later
        (3600, 420, 0, 3780),  # else the first group_interval flush after it (9 x 7 min)
        (3600, 0, 100, 3700),  # group_interval 0s: any tick after it
        (60, 300, 0, 300),  # never sooner than the next flush
    ],
)
def test_repeat_due_at(repeat: float, interval: float, last: float, due: float):
    route = Route("r", group_interval=interval, repeat_interval=repeat)
    assert repeat_due_at(route, last) == due


def _commit(store: OpsStore, notes: list[dict], state: State, now: float, to=("pd",)) -> None:
    fired = int(datetime.fromisoformat(notes[0]["starts_at"]).timestamp())
    insts = [Instance(n["alertname"], n["fingerprint"], n["labels"], state, fired_at=fired)
             for n in notes]  # fmt: skip
    store.commit_tick(stream="requests", last_step=None, offsets={}, instances=insts,
                      notifications=notes, receivers=to, buffer=None, now=now)  # fmt: skip


def test_repeat_re_triggers_the_same_pagerduty_incident_until_resolved(tmp_path: Path):
    route = Route("pd", group_by=("alertname",), group_wait=0, group_interval=300,
                  repeat_interval=3600)  # fmt: skip
    routing, fire = Routing(route), note()
    with OpsStore(tmp_path / "ops.sqlite") as store, http_receiver() as (url, rec):
        pd = [PagerDutyReceiver("pd", "rk-1", url=url)]
        _commit(store, [fire], State.FIRING, now=0.0)
        sent = [deliver_due(store, pd, now=t, routing=routing).delivered
                for t in (0.0, 300.0, 3599.0, 3600.0, 3601.0, 3900.0, 7200.0)]  # fmt: skip
        assert sent == [1, 0, 0, 1, 0, 0, 1]
        repeats = [r for r in store.outbox_rows() if ":repeat@" in r["dedup_key"]]
        assert len(repeats) == 2 and {r["state"] for r in repeats} == {"delivered"}
        _commit(store, [note(status="resolved")], State.RESOLVED, now=7300.0)
        assert deliver_due(store, pd, now=7500.0, routing=routing).delivered == 1
        assert deliver_due(store, pd, now=20000.0, routing=routing).delivered == 0
    events = [(b["event_action"], b["dedup_key"]) for b in rec.bodies]
    assert events == [("trigger", fire["fingerprint"])] * 3 + [("resolve", fire["fingerprint"])]


def test_mute_drops_then_the_next_flush_after_it_notifies(tmp_path: Path):
    config = _channels(group_wait="0s", group_interval="5m", repeat_interval="12h")
    d = build_delivery(config, tmp_path / "notifications", env={})
    fire, gone = note(), note("Slow", severity="warning")
    with OpsStore(tmp_path / "ops.sqlite") as store:
        # both fire at 23:00, inside "night" for the pager route; the file route has no mute
        _commit(store, [fire, gone], State.FIRING, now=at("2026-03-09 23:00"),
                to=d.routing.receivers_for)  # fmt: skip
        first = deliver_due(store, d.channels, now=at("2026-03-09 23:00"), routing=d.routing)
        assert (first.delivered, first.suppressed) == (2, 2)
        # "Slow" resolves during the night: the pager never heard of it, so it hears nothing
        _commit(store, [note("Slow", "resolved", severity="warning")], State.RESOLVED,
                now=at("2026-03-10 01:00"), to=d.routing.receivers_for)  # fmt: skip
        for t, sent in (("2026-03-10 01:00", 1), ("2026-03-10 05:59", 0)):  # the file's resolved
            assert deliver_due(store, d.channels, now=at(t), routing=d.routing).delivered == sent
        after = deliver_due(store, d.channels, now=at("2026-03-10 06:00"), routing=d.routing)
        assert after.delivered == 1
        rows = store.outbox_rows(limit=20)
    pager = [(r["alertname"], r["state"]) for r in rows if r["receiver"] == "pager"]
    assert sorted(pager) == [("HighErrorRate", "delivered"), ("HighErrorRate", "muted"),
                             ("Slow", "muted"), ("Slow", "muted")]  # fmt: skip
    (caught_up,) = [n for n in _lines(tmp_path / "notifications" / "p.jsonl")]
    assert caught_up["notify_reason"] == "mute time interval ended"
    assert caught_up["dedup_key"].endswith(":unmuted@2026-03-10T06:00:00Z")


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_tick_repeats_a_firing_group_not_in_a_mute_interval_then_after_it(tmp_path: Path):
    paths = Paths(tmp_path / "data")
    storm = with_incident("error_storm", "api_gateway", 20, 90)  # still firing at the end
    write_lines(paths.landing / "requests/a.jsonl", request_lines(range(90), storm))
    lunch = {
        "name": "lunch",
        "time_intervals": [
            {"weekdays": ["monday:friday"], "times": [{"start_time": "12:00", "end_time": "13:00"}]}
        ],
    }
    config = parse_channels_config({
        "receivers": [{"name": "file", "file": {}}],
        "route": {"receiver": "file", "group_by": ["alertname", "component"], "group_wait": "0s",
                  "group_interval": "5m", "repeat_interval": "1h",
                  "routes": [{"receiver": "file", "mute_time_intervals": ["lunch"]}]},
        "time_intervals": [lunch],
    })  # fmt: skip
    d = build_delivery(config, paths.notifications, env={})
    cursor: dict[str, int] = {}
    seen = []
    for t in ("10:00", "10:30", "11:00", "11:01", "12:00", "12:55", "13:00", "13:05"):
        result = run_alert_tick(paths, cursor, channels=d.channels, routing=d.routing,
                                now=at(f"2026-03-02 {t}"))  # a Monday  # fmt: skip
        cursor = result.cursor
        seen.append(len(notifications(paths.data)))
    assert seen == [1, 1, 2, 2, 2, 2, 3, 3]  # repeat at 11:00; 12:00 falls in lunch: at 13:00
    first, *repeats = notifications(paths.data)
    assert [n["dedup_key"] for n in repeats] == [
        f"{first['dedup_key']}:repeat@2026-03-02T11:00:00Z",
        f"{first['dedup_key']}:repeat@2026-03-02T12:00:00Z",
    ]
    assert all(n["fingerprint"] == first["fingerprint"] for n in repeats)
    with OpsStore(paths.ops_db) as store:
        states = sorted(r["state"] for r in store.outbox_rows())
    assert states == ["delivered"] * 3  # nothing was queued during lunch to be dropped
