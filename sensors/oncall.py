"""The on-call file, config/oncall.yaml: schedules, escalation policies, incident settings.

Owns the schema and its validation (errors name the file, key path and expectation, as
alerts.yaml does) and on-call resolution: who is on call on a schedule at an instant, from a
rotation (members taking turns, handing off at a local wall-clock time in the schedule's time
zone, so a handoff stays at 09:00 across DST changes) and overrides (the latest listed wins).
Dagster-free and light (PyYAML, pydantic, zoneinfo): the alert tick uses it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sensors.alert_config import SEVERITIES, Duration
from synmon.configfile import read_yaml, validate_model

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class OncallConfigError(ValueError):
    """config/oncall.yaml does not validate; the message lists file, key path and expectation."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rotation(_Strict):
    """Members take turns; each turn starts at `handoff` local time (daily, or weekly on
    `handoff_day`); the first turn (members[0]) starts on the handoff at or after `start`."""

    type: Literal["daily", "weekly"] = "weekly"
    members: list[str] = Field(min_length=1)
    start: date
    handoff: time = time(9, 0)
    handoff_day: Literal[WEEKDAYS] = "monday"  # type: ignore[valid-type]


class Override(_Strict):
    """`user` is on call from `start` to `end` (ISO datetimes; naive ones are schedule-local)."""

    user: str
    start: datetime
    end: datetime

    @model_validator(mode="after")
    def _ordered(self) -> Override:
        if (self.start.tzinfo is None) != (self.end.tzinfo is None) or self.end <= self.start:
            raise ValueError("end after start (both with or both without a UTC offset)")
        return self


class Schedule(_Strict):
    name: str
    time_zone: str = "UTC"
    rotation: Rotation
    overrides: list[Override] = []

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"an IANA time zone such as Europe/Berlin (got {value!r})") from None
        return value


class Target(_Strict):
    """Whom a level pages: whoever is on call on `schedule`, or a named `user`."""

    schedule: str | None = None
    user: str | None = None

    @model_validator(mode="after")
    def _one(self) -> Target:
        if (self.schedule is None) == (self.user is None):
            raise ValueError("exactly one of schedule or user")
        return self


class Level(_Strict):
    targets: list[Target] = Field(min_length=1)
    receivers: list[str] = Field(min_length=1)
    timeout: Duration = 900


class Policy(_Strict):
    name: str
    levels: list[Level] = Field(min_length=1)
    repeat: int = Field(default=0, ge=0)  # extra passes over all levels after the first


class IncidentSettings(_Strict):
    severities: list[Literal[SEVERITIES]] = ["critical", "high"]  # type: ignore[valid-type]
    group_by: list[str] = ["alertname", "component"]
    auto_resolve: bool = True
    escalation_policy: str


class RunFailures(_Strict):
    receivers: list[str] = Field(min_length=1)


class OncallConfig(_Strict):
    incidents: IncidentSettings
    schedules: list[Schedule] = []
    escalation_policies: list[Policy] = Field(min_length=1)
    run_failures: RunFailures

    def schedule(self, name: str) -> Schedule:
        return next(s for s in self.schedules if s.name == name)

    def policy(self, name: str | None = None) -> Policy:
        name = name or self.incidents.escalation_policy
        return next(p for p in self.escalation_policies if p.name == name)


def _cross_checks(config: OncallConfig) -> list[str]:
    problems = []
    schedules = {s.name for s in config.schedules}
    policies = [p.name for p in config.escalation_policies]
    if config.incidents.escalation_policy not in policies:
        problems.append(
            f"incidents.escalation_policy: expected one of {policies}, "
            f"got {config.incidents.escalation_policy!r}"
        )
    for i, policy in enumerate(config.escalation_policies):
        for j, level in enumerate(policy.levels):
            for k, target in enumerate(level.targets):
                if target.schedule is not None and target.schedule not in schedules:
                    problems.append(
                        f"escalation_policies[{i}].levels[{j}].targets[{k}].schedule: expected "
                        f"one of {sorted(schedules)}, got {target.schedule!r}"
                    )
    return problems


def parse_oncall_config(data: Any, source: str = "<memory>") -> OncallConfig:
    """Validate already-parsed YAML; OncallConfigError lists `source: key.path: expected ...`."""
    return validate_model(OncallConfig, data, source, OncallConfigError, _cross_checks)


def load_oncall_config(path: str | Path) -> OncallConfig:
    """Read and validate an oncall.yaml file."""
    path = Path(path)
    return parse_oncall_config(read_yaml(path, OncallConfigError), str(path))


def _aware(value: datetime, zone: ZoneInfo) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)


def _turn_start(rotation: Rotation, local: datetime) -> date:
    """The local date of the latest handoff at or before `local`."""
    day = local.date() if local.time() >= rotation.handoff else local.date() - timedelta(days=1)
    if rotation.type == "weekly":
        day -= timedelta(days=(day.weekday() - WEEKDAYS.index(rotation.handoff_day)) % 7)
    return day


def _first_turn(rotation: Rotation) -> date:
    if rotation.type == "daily":
        return rotation.start
    wanted = WEEKDAYS.index(rotation.handoff_day)
    return rotation.start + timedelta(days=(wanted - rotation.start.weekday()) % 7)


def on_call(schedule: Schedule, at: datetime) -> str | None:
    """Who is on call on `schedule` at the aware instant `at` (None before the first turn)."""
    zone = ZoneInfo(schedule.time_zone)
    for override in reversed(schedule.overrides):
        if _aware(override.start, zone) <= at < _aware(override.end, zone):
            return override.user
    rotation = schedule.rotation
    turn, first = _turn_start(rotation, at.astimezone(zone)), _first_turn(rotation)
    if turn < first:
        return None
    period = 1 if rotation.type == "daily" else 7
    return rotation.members[((turn - first).days // period) % len(rotation.members)]


def resolve_targets(config: OncallConfig, level: Level, at: float) -> list[str]:
    """The people a level pages at epoch second `at` (schedules resolved, duplicates dropped)."""
    instant = datetime.fromtimestamp(at, UTC)
    people: list[str] = []
    for target in level.targets:
        who = target.user or on_call(config.schedule(str(target.schedule)), instant)
        if who and who not in people:
            people.append(who)
    return people
