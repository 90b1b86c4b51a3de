"""Report periods: a UTC day or an ISO week, its label, the one before it, and the default choice
(the last complete day or week in the data, never the wall clock)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

ReportKind = Literal["daily", "weekly", "dashboard"]
KINDS: tuple[ReportKind, ...] = ("daily", "weekly")


@dataclass(frozen=True)
class Period:
    """A closed range of UTC days, `start` to `end` inclusive."""

    kind: ReportKind
    start: date
    end: date

    @classmethod
    def containing(cls, kind: ReportKind, day: date) -> Period:
        """The day itself, or the ISO week (Monday to Sunday) that contains it."""
        if kind == "daily":
            return cls(kind, day, day)
        if kind == "weekly":
            monday = day - timedelta(days=day.weekday())
            return cls(kind, monday, monday + timedelta(days=6))
        raise ValueError(f"report kind must be one of {KINDS}, got {kind!r}")

    @property
    def label(self) -> str:
        """`YYYY-MM-DD` for a day, `YYYY-Www` (ISO year and week) for a week."""
        if self.kind == "daily":
            return self.start.isoformat()
        iso = self.start.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def seconds(self) -> int:
        return self.days * 86_400

    @property
    def start_ts(self) -> datetime:
        """First instant of the period (naive UTC, like the warehouse's TIMESTAMP columns)."""
        return datetime.combine(self.start, time())

    @property
    def end_ts(self) -> datetime:
        """First instant after the period (exclusive bound)."""
        return datetime.combine(self.end + timedelta(days=1), time())

    def previous(self) -> Period:
        return Period(self.kind, self.start - timedelta(self.days), self.start - timedelta(1))

    def describe(self) -> str:
        """Human text with the zone, e.g. `Mon 2026-11-23 00:00 to Tue 2026-11-24 00:00 UTC`."""
        fmt = "%a %Y-%m-%d %H:%M"
        return f"{self.start_ts.strftime(fmt)} to {self.end_ts.strftime(fmt)} UTC"


@dataclass(frozen=True)
class Window(Period):
    """The dashboard's rolling 24 hours ending at `end_hour` (exclusive, naive UTC). For marts
    whose grain is a day, `start` = `end` = the UTC day the window starts on: the complete day
    that overlaps it most (a partial day would read as a drop)."""

    end_hour: datetime = datetime(1970, 1, 1)

    @classmethod
    def ending(cls, end_hour: datetime) -> Window:
        first = end_hour - timedelta(hours=24)
        return cls("dashboard", first.date(), first.date(), end_hour)

    @property
    def label(self) -> str:
        return f"24 h to {self.end_hour:%Y-%m-%d %H:%M} UTC"

    @property
    def days(self) -> int:
        return 1

    @property
    def start_ts(self) -> datetime:
        return self.end_hour - timedelta(hours=24)

    @property
    def end_ts(self) -> datetime:
        return self.end_hour

    def previous(self) -> Window:
        return Window.ending(self.end_hour - timedelta(hours=24))

    def describe(self) -> str:
        fmt = "%a %Y-%m-%d %H:%M"
        return f"{self.start_ts.strftime(fmt)} to {self.end_ts.strftime(fmt)} UTC"


def last_complete_period(kind: ReportKind, last_complete_day: date) -> Period:
    """The latest day, or the latest ISO week whose Sunday is not after `last_complete_day`."""
    if kind == "daily":
        return Period.containing(kind, last_complete_day)
    week = Period.containing(kind, last_complete_day)
    return week if week.end <= last_complete_day else week.previous()


def period_for_partition(kind: ReportKind, key: str) -> Period:
    """The period a report partition stands for: a daily key `YYYY-MM-DD` is that UTC day; a
    weekly key is the Monday that starts the ISO week (Dagster's weekly partitions with
    `day_offset=1` are keyed by their first day)."""
    day = date.fromisoformat(key)
    if kind == "weekly" and day.weekday() != 0:
        raise ValueError(f"a weekly report partition starts on a Monday, got {key!r}")
    return Period.containing(kind, day)


def partition_key(period: Period) -> str:
    """The partition key of a daily or weekly period (its first day), the inverse of
    `period_for_partition`."""
    return period.start.isoformat()
