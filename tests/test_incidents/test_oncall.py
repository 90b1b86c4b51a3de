"""Who is on call at time T: rotations, handoffs in a time zone (DST), overrides, errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sensors.oncall import (
    OncallConfigError,
    load_oncall_config,
    on_call,
    parse_oncall_config,
    resolve_targets,
)
from synmon.settings import CONFIG_DIR

BASE = {
    "incidents": {"escalation_policy": "p"},
    "escalation_policies": [
        {"name": "p", "levels": [{"targets": [{"schedule": "weekly"}], "receivers": ["file"]}]}
    ],
    "run_failures": {"receivers": ["file"]},
}
SCHEDULES = [
    {
        "name": "weekly",
        "time_zone": "Europe/Berlin",
        "rotation": {"type": "weekly", "members": ["alice", "bob", "carol"],
                     "start": "2026-01-05", "handoff": "09:00", "handoff_day": "monday"},
        "overrides": [
            {"user": "dave", "start": "2026-03-10T12:00", "end": "2026-03-11T12:00"},
            {"user": "erin", "start": "2026-03-10T18:00Z", "end": "2026-03-10T20:00Z"},
        ],
    },
    {
        "name": "daily",
        "time_zone": "America/New_York",
        "rotation": {"type": "daily", "members": ["x", "y"], "start": "2026-03-07",
                     "handoff": "08:00"},
    },
]  # fmt: skip
CONFIG = parse_oncall_config({**BASE, "schedules": SCHEDULES})


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("schedule", "at", "who"),
    [
        # Berlin is UTC+1 in winter: Monday 09:00 local is 08:00 UTC
        ("weekly", "2026-01-05T07:59", None),  # before the first handoff
        ("weekly", "2026-01-05T08:00", "alice"),
        ("weekly", "2026-01-12T07:59", "alice"),  # one minute before the handoff
        ("weekly", "2026-01-12T08:00", "bob"),
        ("weekly", "2026-01-19T08:00", "carol"),
        ("weekly", "2026-01-26T08:00", "alice"),  # wraps around
        # week 10 of the rotation (2026-03-09): 9 % 3 = 0 -> alice, overrides on top
        (
            "weekly",
            "2026-03-10T10:59",
            "alice",
        ),  # dave's override starts at 12:00 local = 11:00 UTC
        ("weekly", "2026-03-10T11:00", "dave"),
        ("weekly", "2026-03-10T18:30", "erin"),  # the later override wins while it lasts
        ("weekly", "2026-03-10T20:00", "dave"),
        ("weekly", "2026-03-11T11:00", "alice"),  # override end is exclusive
        # after the spring DST change (2026-03-29) Monday 09:00 Berlin is 07:00 UTC
        ("weekly", "2026-03-30T06:59", "carol"),  # week 12 since 2026-01-05: 12 % 3 = 0
        ("weekly", "2026-03-30T07:00", "alice"),
        # New York: EST (UTC-5) until 2026-03-08, then EDT (UTC-4); handoff 08:00 local
        ("daily", "2026-03-07T12:59", None),
        ("daily", "2026-03-07T13:00", "x"),
        ("daily", "2026-03-08T11:59", "x"),  # DST day: 08:00 EDT is 12:00 UTC
        ("daily", "2026-03-08T12:00", "y"),
        ("daily", "2026-03-09T11:59", "y"),
        ("daily", "2026-03-09T12:00", "x"),
    ],
)
def test_who_is_on_call(schedule: str, at: str, who: str | None):
    assert on_call(CONFIG.schedule(schedule), utc(at)) == who


def test_level_targets_resolve_schedules_and_users_without_duplicates():
    config = parse_oncall_config(
        {**BASE, "schedules": SCHEDULES, "escalation_policies": [{"name": "p", "levels": [
            {"targets": [{"schedule": "weekly"}, {"user": "lead"}, {"user": "alice"}],
             "receivers": ["file"]}]}]}
    )  # fmt: skip
    level = config.policy().levels[0]
    assert resolve_targets(config, level, utc("2026-01-06T00:00").timestamp()) == ["alice", "lead"]
    assert level.timeout == 900


def test_shipped_config_loads():
    config = load_oncall_config(CONFIG_DIR / "oncall.yaml")
    assert config.incidents.severities == ["critical", "high"]
    assert [len(p.levels) for p in config.escalation_policies] == [2]


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        (
            {"incidents": {"escalation_policy": "nope"}},
            "incidents.escalation_policy: expected one of",
        ),
        ({"schedules": [{**SCHEDULES[0], "time_zone": "Mars/Base"}]}, "schedules[0].time_zone"),
        ({"schedules": []}, "escalation_policies[0].levels[0].targets[0].schedule"),
        (
            {
                "escalation_policies": [
                    {"name": "p", "levels": [{"targets": [{}], "receivers": ["f"]}]}
                ]
            },
            "exactly one of schedule or user",
        ),
        (
            {
                "escalation_policies": [
                    {
                        "name": "p",
                        "levels": [
                            {"targets": [{"user": "a"}], "receivers": ["f"], "timeout": "soon"}
                        ],
                    }
                ]
            },
            "escalation_policies[0].levels[0].timeout: expected a duration",
        ),
    ],
)
def test_errors_name_the_key_path(patch: dict, message: str):
    with pytest.raises(OncallConfigError) as err:
        parse_oncall_config({**BASE, "schedules": SCHEDULES, **patch}, "oncall.yaml")
    assert "oncall.yaml: " in str(err.value) and message in str(err.value)
