"""Alert decisions: rule evaluation over request rows and the Prometheus alert state machine.

Pure logic, no I/O of its own and no Dagster. `evaluate_rule` runs vectorised SQL on a DuckDB
connection the caller owns (table `rows`, see sensors/alerts.py): requests are bucketed per
evaluation step, the window is a RANGE frame over the buckets, and the rule is evaluated only at
the steps where the window's content changes (a bucket enters or leaves). Consecutive steps with
the same verdict collapse into runs, and `advance` walks the runs with Prometheus' rules for
`for` and `keep_firing_for`. Times are integer UTC epoch seconds on the evaluation grid.
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


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _col(label: str) -> str:
    return f"coalesce(cast({label} as varchar), '')"


def _where(rule: Rule) -> str:
    parts = ["true"]
    for m in rule.expr.filters:
        col, lit = _col(m.label), _lit(m.value)
        parts.append(
            {
                "=": f"{col} = {lit}",
                "!=": f"{col} <> {lit}",
                "=~": f"regexp_full_match({col}, {lit})",
                "!~": f"not regexp_full_match({col}, {lit})",
            }[m.op]
        )
    return " and ".join(parts)


def _value_sql(rule: Rule) -> str:
    agg, window = rule.expr.aggregation, rule.expr.window
    q = rule.expr.quantile
    if q is not None:
        return f"list_aggregate(l, 'quantile_cont', {q})"
    return {
        "count": "n::double",
        "rate": f"n / {window}",
        "error_rate": "e / nullif(n, 0)",
        "avg": "sm / nullif(nv, 0)",
        "sum": "sm",
        "min": "mn",
        "max": "mx",
    }[agg]


def evaluate_rule(
    con: Any, rule: Rule, *, step: int, first: int, last: int, instances: dict[str, Instance]
) -> RuleOutcome:
    """Evaluate `rule` at every step in `first..last` over table `rows` of `con`.

    `instances` are the rule's stored instances by fingerprint; pending and firing ones are
    evaluated even when no rows carry their labels (they see no data and move on).
    """
    by = rule.expr.by
    keys = ", ".join(f"{_col(b)} as {b}" for b in by)
    key_sel = "".join(f"{b}, " for b in by)
    part = f"partition by {', '.join(by)}" if by else ""
    window, f = rule.expr.window, rule.expr.field
    lists = f", list({f}) filter (where {f} is not null) as l" if rule.expr.quantile else ""
    con.execute(f"""
        create or replace temp table _m as
        select {keys}{", " if by else ""}(epoch_ms(ts) // {step * 1000}) * {step} as b,
            count(*) as n, count(*) filter (where status >= 500) as e, count({f}) as nv,
            sum({f}) as sm, min({f}) as mn, max({f}) as mx{lists}
        from rows
        where ts >= make_timestamp({(first - window) * 1_000_000})
          and ts < make_timestamp({last * 1_000_000}) and {_where(rule)}
        group by all""")
    seed = f"select {first} as s"
    if by:
        active = [i for i in instances.values() if i.state in (State.PENDING, State.FIRING)]
        con.execute(
            f"create or replace temp table _active ({', '.join(f'{b} varchar' for b in by)})"
        )
        if active:
            con.executemany(
                f"insert into _active values ({', '.join('?' for _ in by)})",
                [[i.labels.get(b, "") for b in by] for i in active],
            )
        cols = ", ".join(by)
        keys_sql = f"select {cols} from _m union select {cols} from _active"
        seed = f"select {cols}, {first} as s from ({keys_sql})"
    con.execute(f"""
        create or replace temp table _v as
        with probes as (
            select distinct * from (
                select {key_sel}b + {step} as s from _m
                union all select {key_sel}b + {window + step} from _m
                union all {seed}
            ) where s between {first} and {last}
        ),
        framed as (
            select {key_sel}b + {step} as s, probe, sum(n) over w as n, sum(e) over w as e,
                sum(nv) over w as nv, sum(sm) over w as sm, min(mn) over w as mn,
                max(mx) over w as mx{", flatten(list(l) over w) as l" if lists else ""}
            from (
                select *, false as probe from _m
                union all by name select {key_sel}s - {step} as b, true as probe from probes
            )
            window w as ({part} order by b range between {window - step} preceding and current row)
        )
        select {key_sel}s, coalesce(n, 0) as n, {_value_sql(rule)} as value from framed where probe
        """)
    op = {"==": "=", "!=": "<>"}.get(rule.comparison, rule.comparison)
    changes = con.execute(f"""
        select {key_sel}s, verdict from (
            select *, verdict is distinct from lag(verdict) over ({part} order by s) as changed
            from (select *, case when n < {rule.min_requests} or value is null or isnan(value)
                    then 'no_data' when value {op} {rule.threshold} then 'breach' else 'ok' end
                    as verdict from _v)
        ) where changed order by {key_sel}s""").fetchall()
    return _walk(con, rule, step, last, instances, changes)


def _walk(
    con: Any, rule: Rule, step: int, last: int, instances: dict[str, Instance], changes: list
) -> RuleOutcome:
    by = rule.expr.by
    runs_by_key: dict[tuple, list[Run]] = {}
    for row in changes:
        key, start, verdict = tuple(row[: len(by)]), row[len(by)], row[len(by) + 1]
        runs = runs_by_key.setdefault(key, [])
        if runs:
            runs[-1] = replace(runs[-1], end=start - step)
        runs.append(Run(start, last, verdict))
    outcome = RuleOutcome()
    sends: list[tuple[Instance, Transition, tuple]] = []
    for key, runs in runs_by_key.items():
        labels = alert_labels(rule, dict(zip(by, key, strict=True)))
        fp = fingerprint(labels)
        before = instances.get(fp, Instance(rule.name, fp, labels))
        after, transitions = advance(
            before,
            runs,
            for_s=rule.for_,
            keep_firing_for_s=rule.keep_firing_for,
            no_data=rule.no_data,
        )
        if after != before:
            outcome.instances.append(after)
        for tr in transitions:
            if tr.state in (State.FIRING, State.RESOLVED):
                sends.append((after, tr, key))
    if sends:
        values = _values_at(con, by, [(key, tr.at) for _, tr, key in sends])
        for (inst, tr, _), value in zip(sends, values, strict=True):
            outcome.notifications.append(notification(rule, inst, replace(tr, value=value)))
    return outcome


def _values_at(con: Any, by: list[str], points: list[tuple[tuple, int]]) -> list[float | None]:
    """The rule's value at each (key, step): the latest evaluated change step at or before it."""
    cols = ", ".join(f"{b} varchar" for b in by)
    con.execute(f"create or replace temp table _at (i int, {cols}{', ' if by else ''}t bigint)")
    con.executemany(
        f"insert into _at values (?, {'?, ' * len(by)}?)",
        [[i, *key, at] for i, (key, at) in enumerate(points)],
    )
    on = "".join(f"_at.{b} = _v.{b} and " for b in by)
    rows = con.execute(
        f"select _at.i, _v.value from _at asof left join _v on {on}_at.t >= _v.s order by _at.i"
    ).fetchall()
    return [None if v is None or v != v else float(v) for _, v in rows]
