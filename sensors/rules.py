"""Alert decisions: the Prometheus alert state machine and the notifications it produces.

Pure logic, no I/O and no Dagster. sensors/rule_sql.py turns request rows into runs of verdicts
(consecutive evaluation steps with one verdict); `advance` walks the runs with Prometheus' rules
for `for` and `keep_firing_for`. Times are integer UTC epoch seconds on the evaluation grid.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from jinja2.sandbox import SandboxedEnvironment

from sensors.alert_config import Rule

Verdict = Literal["breach", "ok", "no_data"]


class State(StrEnum):
    INACTIVE = "inactive"
    PENDING = "pending"
    FIRING = "firing"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class Instance:
    """One alert instance (a rule and a label set) and where it stands."""

    rule: str
    fingerprint: str
    labels: dict[str, str]
    state: State = State.INACTIVE
    active_at: int | None = None
    fired_at: int | None = None
    resolved_at: int | None = None
    keep_firing_since: int | None = None
    value: float | None = None


@dataclass(frozen=True)
class Run:
    """Consecutive evaluation steps `start..end` (inclusive) with one verdict."""

    start: int
    end: int
    verdict: Verdict


@dataclass(frozen=True)
class Transition:
    """A change of state at step `at`; `fired_at` is when the alert started firing, if it did."""

    state: State
    at: int
    fired_at: int | None = None
    value: float | None = None


@dataclass
class RuleOutcome:
    """What one evaluation of a rule changed: instances to store and notifications to send."""

    instances: list[Instance] = field(default_factory=list)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    exact_steps: int = 0  # steps a quantile rule's counts could not decide (exact quantile used)


def advance(
    inst: Instance, runs: list[Run], *, for_s: int, keep_firing_for_s: int, no_data: str = "ok"
) -> tuple[Instance, list[Transition]]:
    """Walk `runs` in order from `inst`'s state, as Prometheus' alerting rule evaluation would.

    Breach while inactive: pending (active_at); pending for `for_s`: firing (fired_at). No breach:
    pending goes back to inactive, firing resolves once `keep_firing_for_s` has passed since the
    first non-breaching step. `no_data="keep_state"` leaves the state alone on steps without data.
    """
    out: list[Transition] = []
    for run in runs:
        if run.verdict == "no_data" and no_data == "keep_state":
            continue
        if run.verdict == "breach":
            inst = replace(inst, keep_firing_since=None)
            if inst.state in (State.INACTIVE, State.RESOLVED):
                inst = replace(inst, state=State.PENDING, active_at=run.start, fired_at=None)
                inst = replace(inst, resolved_at=None)
                out.append(Transition(State.PENDING, run.start))
            if inst.state is State.PENDING:
                active_at = run.start if inst.active_at is None else inst.active_at
                fire_at = max(run.start, active_at + for_s)
                if fire_at <= run.end:
                    inst = replace(inst, state=State.FIRING, fired_at=fire_at)
                    out.append(Transition(State.FIRING, fire_at, fire_at))
        elif inst.state is State.PENDING:
            inst = replace(inst, state=State.INACTIVE, active_at=None)
            out.append(Transition(State.INACTIVE, run.start))
        elif inst.state is State.FIRING:
            since = run.start if inst.keep_firing_since is None else inst.keep_firing_since
            resolve_at = max(run.start, since + keep_firing_for_s)
            if resolve_at <= run.end:
                inst = replace(inst, state=State.RESOLVED, resolved_at=resolve_at)
                inst = replace(inst, keep_firing_since=None)
                out.append(Transition(State.RESOLVED, resolve_at, inst.fired_at))
            else:
                inst = replace(inst, keep_firing_since=since)
    return inst, out


def runs_from_steps(start: int, step: int, verdicts: list[Verdict]) -> list[Run]:
    """Collapse one verdict per step (from `start`) into runs; handy for tests and tools."""
    runs: list[Run] = []
    for i, verdict in enumerate(verdicts):
        at = start + i * step
        if runs and runs[-1].verdict == verdict:
            runs[-1] = replace(runs[-1], end=at)
        else:
            runs.append(Run(at, at, verdict))
    return runs


def alert_labels(rule: Rule, by_values: dict[str, str]) -> dict[str, str]:
    """The label set of an alert: alertname, severity, the rule's labels, then the `by` labels."""
    return {"alertname": rule.name, "severity": rule.severity, **rule.labels, **by_values}


def fingerprint(labels: dict[str, str]) -> str:
    canonical = json.dumps(sorted(labels.items()), separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def iso(epoch_s: int | None) -> str | None:
    if epoch_s is None:
        return None
    return datetime.fromtimestamp(epoch_s, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_TEMPLATES = SandboxedEnvironment(autoescape=False)


def render_annotations(rule: Rule, labels: dict[str, str], value: float | None) -> dict[str, str]:
    """Render annotation templates in a sandbox; a template that fails keeps its raw text."""
    out = {}
    for key, text in rule.annotations.items():
        try:
            out[key] = _TEMPLATES.from_string(text).render(
                value=value if value is not None else float("nan"),
                labels=labels,
                threshold=rule.threshold,
                rule=rule.name,
            )
        except Exception as exc:  # a bad template must not stop the alert
            out[key] = f"{text} (template error: {type(exc).__name__})"
    return out


def notification(rule: Rule, inst: Instance, tr: Transition) -> dict[str, Any]:
    """The message for a firing or resolved transition; `dedup_key` makes re-delivery harmless."""
    starts_at = iso(tr.fired_at)
    return {
        "status": tr.state.value,
        "alertname": rule.name,
        "severity": rule.severity,
        "labels": inst.labels,
        "annotations": render_annotations(rule, inst.labels, tr.value),
        "value": tr.value,
        "starts_at": starts_at,
        "ends_at": iso(tr.at) if tr.state is State.RESOLVED else None,
        "fingerprint": inst.fingerprint,
        "dedup_key": f"{inst.fingerprint}:{tr.state.value}:{starts_at}",
    }
