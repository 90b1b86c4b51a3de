"""Time intervals for mute and active routes, in Alertmanager's `time_intervals` syntax.

Owns the schema of channels.yaml's top-level `time_intervals:` (validated per item, so an error
names the key path down to `weekdays[1]`) and the question "does this interval contain this
instant". A named interval is a list of intervals; it contains an instant when any of them does.
One interval contains an instant when every field it sets does, read on the wall clock of its
`location` (an IANA zone, default UTC): `times` (start inclusive, end exclusive, `24:00` allowed),
`weekdays` (`monday:friday`, a range never wraps past Saturday as in Alertmanager, which counts
from Sunday), `days_of_month` (`1:5`, `-1` is the last day, clamped to the month), `months`
(`january:march` or 1..12) and `years`. Pure: zoneinfo and pydantic, no I/O.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

WEEKDAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")  # fmt: skip
_TIME = re.compile(r"^(?:([01][0-9]|2[0-3]):([0-5][0-9])|(24):(00))$")


def _split(raw: str) -> tuple[str, str]:
    parts = raw.strip().lower().split(":")
    if len(parts) > 2 or not all(parts):
        raise ValueError(f"a value or a range such as a:b (got {raw!r})")
    return parts[0], parts[-1]


def _weekday(raw: str) -> tuple[int, int]:
    names = _split(raw)
    if any(n not in WEEKDAYS for n in names):
        raise ValueError(f"weekday names such as monday or monday:friday (got {raw!r})")
    lo, hi = (WEEKDAYS.index(n) for n in names)
    if lo > hi:
        raise ValueError(f"a range that does not wrap past saturday (got {raw!r}; "
                         "list both parts instead, e.g. ['saturday', 'sunday'])")  # fmt: skip
    return lo, hi


def _month_number(name: str) -> int:
    if name in MONTHS:
        return MONTHS.index(name) + 1
    if name.isdigit() and 1 <= int(name) <= 12:
        return int(name)
    raise ValueError(f"a month name or 1..12 (got {name!r})")


def _month(raw: str) -> tuple[int, int]:
    lo, hi = (_month_number(n) for n in _split(raw))
    if lo > hi:
        raise ValueError(f"an end month after the start month (got {raw!r})")
    return lo, hi


def _int(name: str, raw: str) -> int:
    if not re.fullmatch(r"-?[0-9]+", name):
        raise ValueError(f"whole numbers (got {raw!r})")
    return int(name)


def _day_of_month(raw: str) -> tuple[int, int]:
    lo, hi = (_int(n, raw) for n in _split(raw))
    for day in (lo, hi):
        if day == 0 or not -31 <= day <= 31:
            raise ValueError(f"days 1..31 or -31..-1 (got {raw!r})")
    if lo < 0 < hi:
        raise ValueError(f"a negative end day when the start day is negative (got {raw!r})")
    # as Alertmanager: refuse a range that is empty in every month (a month has >= 28 days)
    if (28 + lo if lo < 0 else lo) > (28 + hi if hi < 0 else hi):
        raise ValueError(f"an end day that is not always before the start day (got {raw!r})")
    return lo, hi


def _year(raw: str) -> tuple[int, int]:
    lo, hi = (_int(n, raw) for n in _split(raw))
    if lo < 1 or lo > hi:
        raise ValueError(f"positive years, the end not before the start (got {raw!r})")
    return lo, hi


def _minute_of_day(raw: str) -> int:
    match = _TIME.match(raw.strip()) if isinstance(raw, str) else None
    if not match:
        raise ValueError(f"a time HH:MM between 00:00 and 24:00 (got {raw!r})")
    hours, minutes = (int(g) for g in match.groups() if g is not None)
    return hours * 60 + minutes


def _zone(raw: str) -> str:
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"an IANA time zone such as Europe/Berlin (got {raw!r})") from None
    return raw


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _keep(check: Any) -> AfterValidator:
    """A validator that runs `check` for its errors and keeps the text as written."""
    return AfterValidator(lambda value: (check(value), value)[1])


TimeText = Annotated[str, _keep(_minute_of_day)]
WeekdayRange = Annotated[str, _keep(_weekday)]
DayOfMonthRange = Annotated[str, _keep(_day_of_month)]
MonthRange = Annotated[str, _keep(_month)]
YearRange = Annotated[str, _keep(_year)]


class TimeRangeSpec(_Strict):
    start_time: TimeText
    end_time: TimeText

    @model_validator(mode="after")
    def _ordered(self) -> TimeRangeSpec:
        if _minute_of_day(self.start_time) >= _minute_of_day(self.end_time):
            raise ValueError(f"end_time after start_time (got {self.start_time}-{self.end_time})")
        return self


class TimeIntervalSpec(_Strict):
    """One entry of a named interval's `time_intervals` list, as written in channels.yaml."""

    times: list[TimeRangeSpec] | None = None
    weekdays: list[WeekdayRange] | None = None
    days_of_month: list[DayOfMonthRange] | None = None
    months: list[MonthRange] | None = None
    years: list[YearRange] | None = None
    location: Annotated[str, AfterValidator(_zone)] = "UTC"


class NamedIntervalSpec(_Strict):
    """A top-level `time_intervals:` entry: a name routes refer to, and its intervals."""

    name: str = Field(min_length=1)
    time_intervals: list[TimeIntervalSpec] = Field(min_length=1)


Ranges = tuple[tuple[int, int], ...] | None


@cache
def _zoneinfo(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@dataclass(frozen=True)
class TimeInterval:
    """A built interval: each field None (any) or inclusive ranges; `times` in minutes of the
    day, end exclusive; weekdays counted from Sunday = 0."""

    times: Ranges = None
    weekdays: Ranges = None
    days_of_month: Ranges = None
    months: Ranges = None
    years: Ranges = None
    location: str = "UTC"

    @classmethod
    def from_spec(cls, spec: TimeIntervalSpec) -> TimeInterval:
        def ranges(values: list[str] | None, parse: Any) -> Ranges:
            return None if values is None else tuple(parse(v) for v in values)

        times = None if spec.times is None else tuple(
            (_minute_of_day(t.start_time), _minute_of_day(t.end_time)) for t in spec.times
        )  # fmt: skip
        return cls(times, ranges(spec.weekdays, _weekday),
                   ranges(spec.days_of_month, _day_of_month), ranges(spec.months, _month),
                   ranges(spec.years, _year), spec.location)  # fmt: skip

    def contains(self, epoch: float) -> bool:
        """True if the instant `epoch` (UTC seconds) falls in this interval."""
        t = datetime.fromtimestamp(epoch, _zoneinfo(self.location))
        minute = t.hour * 60 + t.minute
        if self.times is not None and not any(lo <= minute < hi for lo, hi in self.times):
            return False
        if self.days_of_month is not None and not _in_days(self.days_of_month, t):
            return False
        checks = ((self.months, t.month), (self.weekdays, (t.weekday() + 1) % 7),
                  (self.years, t.year))  # fmt: skip
        return all(r is None or any(lo <= v <= hi for lo, hi in r) for r, v in checks)


def _in_days(ranges: Iterable[tuple[int, int]], t: datetime) -> bool:
    """Alertmanager's day-of-month test: negative days count back from the month's end."""
    days = calendar.monthrange(t.year, t.month)[1]
    for lo, hi in ranges:
        lo = days + lo + 1 if lo < 0 else lo
        hi = days + hi + 1 if hi < 0 else hi
        if lo > days:
            continue
        if max(lo, -days) <= t.day <= min(hi, days):
            return True
    return False


def build_intervals(specs: Sequence[NamedIntervalSpec]) -> dict[str, tuple[TimeInterval, ...]]:
    """name -> its intervals, from the validated config."""
    return {s.name: tuple(TimeInterval.from_spec(i) for i in s.time_intervals) for s in specs}


def any_contains(intervals: Iterable[TimeInterval], epoch: float) -> bool:
    return any(i.contains(epoch) for i in intervals)


def interval_problems(
    names: Sequence[str], routes: Iterable[tuple[str, Sequence[str], Sequence[str]]]
) -> list[str]:
    """Config errors as Alertmanager has them: duplicate interval names, a route naming an
    undefined interval, intervals on the root route. `routes` is (key path, mute, active)."""
    problems = [f"time_intervals[{i}].name: expected a unique name (got {n!r})"
                for i, n in enumerate(names) if list(names).index(n) != i]  # fmt: skip
    for where, mute, active in routes:
        for key, used in (("mute_time_intervals", mute), ("active_time_intervals", active)):
            if used and where == "route":
                problems.append(f"route.{key}: expected none on the root route (put it on a "
                                "child route)")  # fmt: skip
            problems += [f"{where}.{key}[{j}]: expected the name of an interval under "
                         f"time_intervals (no {name!r})"
                         for j, name in enumerate(used) if name not in names]  # fmt: skip
    return problems
