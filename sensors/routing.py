"""Alert routing, grouping, inhibition and silences, as Alertmanager defines them.

Pure logic, no I/O and no Dagster. A `Route` tree sends each alert (a label set) to receivers:
a node matches when all its matchers do, children are tried in order and the first matching child
wins unless it has `continue`; a node with no matching child takes the alert itself. Settings
(`group_by`, `group_wait`, `group_interval`, `repeat_interval`) are inherited down the tree when
the config is built; `mute_time_intervals` and `active_time_intervals` are not (as in
Alertmanager, each route names its own). Inhibition mutes a target alert while a source alert
with equal `equal` labels fires; a silence mutes every alert its matchers match between its start
and end. `repeat_due_at` says when an unchanged firing group is notified again, `next_flush_at`
when the group's next flush after a given time is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sensors.time_intervals import TimeInterval, any_contains

_MATCHER = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$")


@dataclass(frozen=True)
class LabelMatcher:
    """`label op value`, op one of =, !=, =~, !~ (regular expressions fully anchored). A missing
    label matches as the empty string, as in Alertmanager."""

    label: str
    op: Literal["=", "!=", "=~", "!~"]
    value: str

    @classmethod
    def parse(cls, raw: str) -> LabelMatcher:
        """`component=api_gateway`, `severity=~"warning|info"` (quotes optional)."""
        match = _MATCHER.match(raw)
        if not match:
            raise ValueError(f'a matcher such as component="api_gateway" (got {raw!r})')
        label, op, value = match.groups()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1].replace('\\"', '"')
        if op in ("=~", "!~"):
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"a valid regular expression in {raw!r} ({exc})") from None
        return cls(label, op, value)  # type: ignore[arg-type]

    def matches(self, labels: Mapping[str, str]) -> bool:
        got = str(labels.get(self.label, ""))
        if self.op == "=":
            return got == self.value
        if self.op == "!=":
            return got != self.value
        found = re.fullmatch(self.value, got) is not None
        return found if self.op == "=~" else not found

    def __str__(self) -> str:
        return f'{self.label}{self.op}"{self.value}"'


def matches_all(matchers: Iterable[LabelMatcher], labels: Mapping[str, str]) -> bool:
    return all(m.matches(labels) for m in matchers)


@dataclass(frozen=True)
class Route:
    """One node of the routing tree, with its inherited settings already filled in."""

    receiver: str
    matchers: tuple[LabelMatcher, ...] = ()
    continue_: bool = False
    group_by: tuple[str, ...] = ("alertname",)
    group_wait: float = 30.0
    group_interval: float = 300.0
    repeat_interval: float = 4 * 3600.0
    routes: tuple[Route, ...] = ()
    mute_time_intervals: tuple[str, ...] = ()
    active_time_intervals: tuple[str, ...] = ()


def match_routes(route: Route, labels: Mapping[str, str]) -> list[Route]:
    """The routes (leaves or nodes without a matching child) that take an alert, in tree order."""
    if not matches_all(route.matchers, labels):
        return []
    found: list[Route] = []
    for child in route.routes:
        got = match_routes(child, labels)
        found += got
        if got and not child.continue_:
            break
    return found or [route]


def group_labels(route: Route, labels: Mapping[str, str]) -> dict[str, str]:
    """The labels that identify an alert's group on `route` (`...` groups by every label)."""
    if "..." in route.group_by:
        return dict(sorted(labels.items()))
    return {k: str(labels[k]) for k in route.group_by if k in labels}


def group_key(route: Route, labels: Mapping[str, str]) -> str:
    """A stable key for (route, group labels); two routes with one receiver never share it."""
    path = ",".join(str(m) for m in route.matchers)
    values = ",".join(f'{k}="{v}"' for k, v in group_labels(route, labels).items())
    return f"{{{path}}}:{{{values}}}"


def flush_at(route: Route, first_pending_at: float, last_flush_at: float | None) -> float:
    """When a group's pending notifications go out: `group_wait` after the first one for a new
    group, otherwise `group_interval` after the group's previous notification."""
    if last_flush_at is None:
        return first_pending_at + route.group_wait
    return max(first_pending_at, last_flush_at + route.group_interval)


def next_flush_at(route: Route, last_flush_at: float | None, after: float) -> float:
    """The group's first `group_interval` flush at or after `after` (flushes tick every
    `group_interval` from the last notification, never sooner than one interval after it).
    Without a last notification, or with `group_interval` 0s, any tick from `after` on."""
    if last_flush_at is None or route.group_interval <= 0:
        return after
    flushes = max(1, -(-(after - last_flush_at) // route.group_interval))
    return last_flush_at + flushes * route.group_interval


def repeat_due_at(route: Route, last_flush_at: float) -> float:
    """When an unchanged, still firing group is notified again: at the first `group_interval`
    flush at or after `repeat_interval` since its last notification (Alertmanager checks the
    repeat only when the group flushes)."""
    return next_flush_at(route, last_flush_at, last_flush_at + route.repeat_interval)


@dataclass(frozen=True)
class InhibitRule:
    """While a `source` alert fires, mute `target` alerts whose `equal` labels have equal values."""

    source: tuple[LabelMatcher, ...]
    target: tuple[LabelMatcher, ...]
    equal: tuple[str, ...] = ()


def inhibited(
    labels: Mapping[str, str], firing: Sequence[Mapping[str, str]], rules: Sequence[InhibitRule]
) -> bool:
    """True if some firing alert other than this one inhibits `labels` under `rules`."""
    for rule in rules:
        if not matches_all(rule.target, labels):
            continue
        for source in firing:
            if dict(source) == dict(labels) or not matches_all(rule.source, source):
                continue
            if all(source.get(k, "") == labels.get(k, "") for k in rule.equal):
                return True
    return False


@dataclass(frozen=True)
class Silence:
    """Mutes matching alerts from `starts_at` to `ends_at` (epoch seconds, wall time)."""

    id: str
    matchers: tuple[LabelMatcher, ...]
    starts_at: float
    ends_at: float
    comment: str = ""
    created_by: str = ""

    def active(self, now: float) -> bool:
        return self.starts_at <= now < self.ends_at


def silenced_by(labels: Mapping[str, str], silences: Iterable[Silence], now: float) -> str | None:
    """The id of an active silence that matches `labels`, if any."""
    for silence in silences:
        if silence.active(now) and matches_all(silence.matchers, labels):
            return silence.id
    return None


@dataclass(frozen=True)
class Routing:
    """The routing tree, inhibition rules and which receivers skip resolved notifications."""

    root: Route
    inhibit_rules: tuple[InhibitRule, ...] = ()
    no_resolved: frozenset[str] = field(default_factory=frozenset)
    time_intervals: Mapping[str, tuple[TimeInterval, ...]] = field(default_factory=dict)

    @classmethod
    def broadcast(cls, receivers: Sequence[str]) -> Routing:
        """Every alert to every receiver at once, each notification on its own (no grouping)."""
        leaves = tuple(
            Route(name, continue_=True, group_by=("...",), group_wait=0, group_interval=0)
            for name in receivers
        )
        return cls(Route(receivers[0] if receivers else "", group_wait=0, routes=leaves))

    def receivers_for(self, notification: Mapping[str, Any]) -> list[str]:
        """Receivers that get this notification (each once, resolved only where wanted)."""
        names = dict.fromkeys(r.receiver for r in match_routes(self.root, notification["labels"]))
        if notification.get("status") == "resolved":
            return [n for n in names if n not in self.no_resolved]
        return list(names)

    def route_for(self, receiver: str, labels: Mapping[str, str]) -> Route:
        """The first route that sends `labels` to `receiver` (its grouping settings apply)."""
        for route in match_routes(self.root, labels):
            if route.receiver == receiver:
                return route
        return Route(receiver, group_by=("...",), group_wait=0, group_interval=0)

    def muted_by(self, route: Route, now: float) -> str | None:
        """Why `route` sends nothing at `now` (a mute interval holds it, or none of its active
        intervals does), or None when it may send."""
        for name in route.mute_time_intervals:
            if any_contains(self.time_intervals.get(name, ()), now):
                return f"mute time interval {name}"
        active = route.active_time_intervals
        if active and not any(any_contains(self.time_intervals.get(n, ()), now) for n in active):
            return f"outside active time intervals {', '.join(active)}"
        return None
