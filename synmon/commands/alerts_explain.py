"""`synmon alerts test RULE --at TIME`: evaluate one rule on stored data and say why it would fire.

The rows come from the landing zone (every requests file, read like the alert sensor reads them)
or from the ops store's row buffer. The rule is evaluated with the sensor's own code
(`sensors.rule_sql.evaluate_rule`) from an inactive start far enough before TIME for `for` and
`keep_firing_for` to play out, so the state shown is the one the sensor would reach at TIME. The
value per label set is the rule's aggregation over the window [TIME - window, TIME). Helper of
synmon/commands/alerts.py (no subcommand of its own); heavy imports stay inside functions.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sensors.landing_sql import column_type, read_requests_sql

MAX_LOOKBACK = 7 * 86400  # how far back a pending/firing alert's start is traced


@dataclass
class SeriesVerdict:
    """One label set of the rule at TIME: its window value, verdict, state and the reason."""

    labels: dict[str, str]
    requests: int
    value: float | None
    verdict: str  # breach, ok, no_data
    state: str  # inactive, pending, firing, resolved
    since: str | None
    fires_at: str | None
    reason: str


@dataclass
class RuleTest:
    """The whole answer of `synmon alerts test`."""

    rule: str
    at: str
    step_s: int
    window_s: int
    window: list[str]
    aggregation: str
    field: str
    by: list[str]
    filters: list[str]
    comparison: str
    threshold: float
    min_requests: int
    for_s: int
    keep_firing_for_s: int
    source: str
    rows: int
    series: list[SeriesVerdict] = field(default_factory=list)

    @property
    def would_fire(self) -> bool:
        return any(s.state == "firing" for s in self.series)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "would_fire": self.would_fire}


def parse_time(raw: str, now: float | None = None) -> int:
    """Epoch seconds of `now`, an epoch number, or an ISO 8601 time (naive means UTC)."""
    text = raw.strip()
    if text == "now":
        return int(datetime.now(UTC).timestamp() if now is None else now)
    try:
        return int(float(text))
    except ValueError:
        pass
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"a time such as 2026-03-01T10:30:00Z, epoch seconds or now (got {raw!r})"
        ) from None
    return int((stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)).timestamp())


def _iso(epoch: int | None) -> str | None:
    return (
        None if epoch is None else datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    )


def _dur(seconds: int) -> str:
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return "".join(f"{v}{u}" for v, u in ((h, "h"), (m, "m"), (s, "s")) if v) or "0s"


def rule_columns(rule: Any) -> list[str]:
    """Request columns the rule reads (status always)."""
    cols = {"status", rule.expr.field, *rule.expr.by, *(m.label for m in rule.expr.filters)}
    return sorted(cols)


def load_landing_rows(con: Any, landing: Path, columns: list[str], lo: int, hi: int) -> int:
    """Table `rows` (ts and `columns`): the rows in [lo, hi) of every file under `landing`."""
    types = "".join(f", {c} {column_type(c)}" for c in columns)
    con.execute(f"create or replace table rows (ts timestamp{types})")
    files = sorted(
        str(p) for p in landing.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(landing).parts)
    ) if landing.is_dir() else []  # fmt: skip
    if files:
        con.execute(
            f"insert into rows select * from ({read_requests_sql(columns, ignore_errors=True)})"
            f" where ts >= make_timestamp({lo * 1_000_000})"
            f" and ts < make_timestamp({hi * 1_000_000})",
            [files],
        )
    return int(con.execute("select count(*) from rows").fetchone()[0])


def load_buffer_rows(con: Any, buffer: list[tuple], columns: list[str], lo: int, hi: int) -> int:
    """Table `rows` from the ops store's buffer (tuples of BUFFER_COLUMNS, epoch seconds first)."""
    from sensors.ops_store import BUFFER_COLUMNS

    types = "".join(f", {c} {column_type(c)}" for c in columns)
    con.execute(f"create or replace table rows (ts timestamp{types})")
    picks = [BUFFER_COLUMNS.index(c) for c in columns]
    keep = [
        (int(row[0] * 1_000_000), *(row[i] for i in picks))
        for row in buffer
        if row[0] is not None and lo <= row[0] < hi
    ]
    if keep:
        marks = "".join(f", cast(? as {column_type(c)})" for c in columns)
        con.executemany(f"insert into rows values (make_timestamp(?){marks})", keep)
    return len(keep)


def _window_values(con: Any, rule: Any, at: int) -> dict[tuple, tuple[int, float | None]]:
    """(requests, value) per `by` key over [at - window, at), as the sensor computes them."""
    from sensors.rule_sql import window_value_sql

    width = len(rule.expr.by)
    out = {}
    for row in con.execute(window_value_sql(rule, at)).fetchall():
        value = row[width + 1]
        out[tuple(row[:width])] = (
            int(row[width]),
            None if value is None or value != value else value,
        )
    return out


def _verdict(rule: Any, n: int, value: float | None) -> str:
    import operator

    ops = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le,
           "==": operator.eq, "!=": operator.ne}  # fmt: skip
    if n < rule.min_requests or value is None:
        return "no_data"
    return "breach" if ops[rule.comparison](value, rule.threshold) else "ok"


def _reason(rule: Any, n: int, value: float | None, verdict: str, inst: Any, at: int) -> str:
    cmp, t = rule.comparison, rule.threshold
    shown = "none" if value is None else f"{value:.6g}"
    if inst.state == "firing":
        why = f"firing since {_iso(inst.fired_at)} (pending from {_iso(inst.active_at)})"
        if verdict != "breach" and inst.keep_firing_since is not None:
            until = inst.keep_firing_since + rule.keep_firing_for
            why += f"; not breaching now, keep_firing_for holds it until {_iso(until)}"
        return why
    if inst.state == "pending":
        fires = inst.active_at + rule.for_
        return (f"pending since {_iso(inst.active_at)}: {shown} {cmp} {t:g}, fires at "
                f"{_iso(fires)} if it keeps breaching (for {_dur(rule.for_)})")  # fmt: skip
    prefix = f"resolved at {_iso(inst.resolved_at)}; " if inst.state == "resolved" else ""
    if verdict == "no_data":
        if n < rule.min_requests:
            need = rule.min_requests
            return f"{prefix}no data: {n} request(s) in the window, min_requests is {need}"
        return f"{prefix}no data: no {rule.expr.field} values in the window"
    return f"{prefix}not breaching: {shown} is not {cmp} {t:g}"


def explain_rule(
    config: Any, rule_name: str, at: int, *, landing: Path | None = None,
    buffer: list[tuple] | None = None,
) -> RuleTest:  # fmt: skip
    """Evaluate `rule_name` of `config` at `at` (rounded down to the evaluation grid) on the
    requests under `landing`, or else on `buffer` rows; KeyError names the known rules."""
    import duckdb

    from sensors.rule_sql import evaluate_rule
    from sensors.rules import Instance, State, alert_labels, fingerprint

    rules = {r.name: r for r in config.rules}
    if rule_name not in rules:
        raise KeyError(f"no rule {rule_name!r}; rules: {', '.join(rules) or 'none'}")
    rule, step = rules[rule_name], config.evaluation.interval
    at = at // step * step
    lo, hi = at - MAX_LOOKBACK - rule.expr.window, at
    con = duckdb.connect()
    try:
        columns = rule_columns(rule)
        if landing is not None:
            rows, source = load_landing_rows(con, landing, columns, lo, hi), "landing"
        else:
            rows, source = load_buffer_rows(con, buffer or [], columns, lo, hi), "ops buffer"
        # Walk from an inactive start; while an alert was already pending at that start, its
        # true `active_at` lies further back: look further back (up to MAX_LOOKBACK).
        lookback = rule.for_ + rule.keep_firing_for + 2 * step
        while True:
            first = at - lookback
            outcome = evaluate_rule(con, rule, step=step, first=first, last=at, instances={})
            walked = {i.fingerprint: i for i in outcome.instances}
            open_at_start = any(
                i.state in (State.PENDING, State.FIRING) and (i.active_at or first) <= first
                for i in walked.values()
            )
            if not open_at_start or lookback >= MAX_LOOKBACK:
                break
            lookback = min(lookback * 4, MAX_LOOKBACK)
        values = _window_values(con, rule, at)
    finally:
        con.close()
    by = rule.expr.by
    keys = set(values) | {tuple(i.labels.get(b, "") for b in by) for i in walked.values()}
    result = RuleTest(
        rule=rule.name, at=_iso(at) or "", step_s=step, window_s=rule.expr.window,
        window=[_iso(at - rule.expr.window) or "", _iso(at) or ""],
        aggregation=rule.expr.aggregation, field=rule.expr.field, by=list(by),
        filters=[f'{m.label}{m.op}"{m.value}"' for m in rule.expr.filters],
        comparison=rule.comparison, threshold=rule.threshold, min_requests=rule.min_requests,
        for_s=rule.for_, keep_firing_for_s=rule.keep_firing_for, source=source, rows=rows,
    )  # fmt: skip
    for key in sorted(keys):
        labels = alert_labels(rule, dict(zip(by, key, strict=True)))
        fp = fingerprint(labels)
        inst = walked.get(fp, Instance(rule.name, fp, labels, State.INACTIVE))
        n, value = values.get(key, (0, None))
        verdict = _verdict(rule, n, value)
        since = {"firing": inst.fired_at, "pending": inst.active_at}.get(inst.state.value)
        fires = inst.active_at + rule.for_ if inst.state is State.PENDING else None
        result.series.append(
            SeriesVerdict(
                labels=dict(zip(by, key, strict=True)),
                requests=n,
                value=value,
                verdict=verdict,
                state=inst.state.value,
                since=_iso(since),
                fires_at=_iso(fires),
                reason=_reason(rule, n, value, verdict, inst, at),
            )
        )
    return result


def render_text(test: RuleTest) -> str:
    """The human form: the rule's parameters, one line per label set, the overall answer."""
    where = f" where {' and '.join(test.filters)}" if test.filters else ""
    by = f" by {', '.join(test.by)}" if test.by else ""
    measure = test.aggregation
    if measure not in ("count", "rate", "error_rate"):
        measure += f"({test.field})"
    lines = [
        f"{test.rule} at {test.at} (evaluation step {_dur(test.step_s)}, source: {test.source}, "
        f"{test.rows} row(s) read)",
        f"  {measure} over [{test.window[0]}, {test.window[1]}){by}{where}"
        f" {test.comparison} {test.threshold:g}; min_requests {test.min_requests}, for "
        f"{_dur(test.for_s)}, keep_firing_for {_dur(test.keep_firing_for_s)}",
    ]
    if not test.series:
        lines.append("  no label set has data in the window: nothing would fire")
    for s in test.series:
        labels = ",".join(f"{k}={v}" for k, v in s.labels.items()) or "(no labels)"
        value = "-" if s.value is None else f"{s.value:.6g}"
        lines.append(f"  {labels:<32} n={s.requests:<6} value={value:<10} {s.verdict:<8} "
                     f"{s.state:<8} {s.reason}")  # fmt: skip
    fired = sum(s.state == "firing" for s in test.series)
    lines.append(f"would fire: {'yes' if fired else 'no'} ({fired} of {len(test.series)} firing)")
    return "\n".join(lines)
