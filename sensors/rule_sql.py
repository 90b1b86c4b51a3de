"""Rule evaluation over request rows: vectorised SQL on a DuckDB connection the caller owns.

Table `rows` (see sensors/alerts.py) holds the requests. They are counted per evaluation step
(bucket); a window is a RANGE frame over the buckets, and a rule is evaluated only at the steps
where its window's content changes (a bucket enters or leaves). Quantile rules never sort a
window: per-bucket counts of values below and at the threshold decide almost every step exactly
(see `_quantile_verdict`); the few steps where the quantile's bounds straddle the threshold, and
the values notifications carry, get the exact quantile from the rows of their window.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from sensors.alert_config import Rule
from sensors.rules import (
    Instance,
    RuleOutcome,
    Run,
    State,
    Transition,
    advance,
    alert_labels,
    fingerprint,
    notification,
)

AMBIGUOUS = "'ambiguous'"


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _num(x: float) -> str:
    """A DOUBLE literal that round-trips exactly (a bare 0.15 would be a DECIMAL)."""
    return f"'{float(x)!r}'::double"


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


_VALUES = {
    "count": "n::double",
    "error_rate": "e / nullif(n, 0)",
    "avg": "sm / nullif(nv, 0)",
    "sum": "sm",
    "min": "mn",
    "max": "mx",
}
# Orderings of a quantile against the threshold T that window counts prove (see
# `_quantile_verdict`), and which orderings satisfy each comparison.
_TRUTH = {
    ">": ">", ">=": "=>", "<": "<", "<=": "<=", "==": "=", "!=": "<>",
}  # fmt: skip
_MARGIN = 8 * 2.0**-53  # relative: quantile_cont's rounding error is at most ~3 units of 2^-53


def _band(threshold: float) -> tuple[float, float]:
    """Just below and just above T: a quantile whose bounds lie outside is surely below/above."""
    spread = abs(threshold) * _MARGIN + 1e-300
    return math.nextafter(threshold - spread, -math.inf), math.nextafter(
        threshold + spread, math.inf
    )


def _quantile_verdict(rule: Rule, lo: str, hi: str) -> str:
    """SQL deciding a quantile rule from window counts alone, or 'ambiguous'.

    quantile_cont interpolates x_lo * (1 - d) + x_hi * d between the order statistics at floor
    (`lo`) and ceil (`hi`) of (nv - 1) q; with lo = hi it is x_lo itself. With every value finite
    and >= 0 (else `bad` > 0) the result lies in [x_lo, x_hi] up to a relative rounding error of
    3 * 2^-53. So counts of values below/at T decide: lo = hi compares x_lo with T exactly, x_lo
    above T's band means above T, x_hi below the band means below T. Otherwise (the bounds
    straddle the band) the exact quantile decides.
    """
    cases = {
        ">": f"{lo} = {hi} and {lo} >= c_le",
        "=": f"{lo} = {hi} and {lo} >= c_lt",
        "<": f"{lo} = {hi}",
    }
    cases[">"] = f"{cases['>']} or {lo} >= c_above"
    cases["<"] = f"{cases['<']} or {hi} < c_below"
    whens = [
        f"when {cond} then {chr(39) + ('breach' if order in _TRUTH[rule.comparison] else 'ok')}'"
        for order, cond in cases.items()
    ]
    return f"case when bad > 0 then {AMBIGUOUS} {' '.join(whens)} else {AMBIGUOUS} end"


def _bucket(step: int) -> str:
    return f"(epoch_ms(ts) // {step * 1000}) * {step}"


def evaluate_rule(
    con: Any, rule: Rule, *, step: int, first: int, last: int, instances: dict[str, Instance]
) -> RuleOutcome:
    """Evaluate `rule` at every step in `first..last` over table `rows` of `con`.

    `instances` are the rule's stored instances by fingerprint; pending and firing ones are
    evaluated even when no rows carry their labels (they see no data and move on). Quantile
    rules are decided from per-step counts against the threshold; only where those cannot decide
    (and for notification values) is the exact quantile computed from the rows.
    """
    by = rule.expr.by
    keys = ", ".join(f"{_col(b)} as {b}" for b in by)
    key_sel = "".join(f"{b}, " for b in by)
    part = f"partition by {', '.join(by)}" if by else ""
    window, f, q = rule.expr.window, rule.expr.field, rule.expr.quantile
    sums = ["n", "e", "nv", "sm", "mn", "mx"]
    extra = ""
    if q is not None:
        t = _num(rule.threshold)
        below, above = (_num(x) for x in _band(rule.threshold))
        extra = (
            f", count(*) filter (where {f} < {below}) as c_below, count(*) filter (where {f} < {t})"
            f" as c_lt, count(*) filter (where {f} <= {t}) as c_le,"
            f" count(*) filter (where {f} <= {above}) as c_above,"
            f" count(*) filter (where not isfinite({f}) or {f} < 0) as bad"
        )
        sums += ["c_below", "c_lt", "c_le", "c_above", "bad"]
    con.execute(f"""
        create or replace temp table _m as
        select {keys}{", " if by else ""}{_bucket(step)} as b,
            count(*) as n, count(*) filter (where status >= 500) as e, count({f}) as nv,
            sum({f}) as sm, min({f}) as mn, max({f}) as mx{extra}
        from rows
        where ts >= make_timestamp({(first - window) * 1_000_000})
          and ts < make_timestamp({last * 1_000_000}) and {_where(rule)}
        group by all""")
    keys_sql = ""
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
    if q is None:
        value = _VALUES.get(rule.expr.aggregation, f"n / {window}")
        op = {"==": "=", "!=": "<>"}.get(rule.comparison, rule.comparison)
        decide = (
            f"case when value is null or isnan(value) then 'no_data'"
            f" when value {op} {_num(rule.threshold)} then 'breach' else 'ok' end"
        )
    else:
        value = "null::double"
        rank = f"(nv - 1)::double * {_num(q)}"
        verdict = _quantile_verdict(rule, f"floor({rank})", f"ceil({rank})")
        decide = f"case when nv = 0 then 'no_data' else ({verdict}) end"
    con.execute(f"""
        create or replace temp table _v as
        with framed as ({_frames(con, rule, step, first, last, keys_sql, sums)})
        select * exclude (verdict), case when n < {rule.min_requests} then 'no_data'
            else verdict end as verdict
        from (select {key_sel}s, coalesce(n, 0) as n, {value} as value, {decide} as verdict
              from framed where probe and s between {first} and {last})
        """)
    exact_steps = _settle_ambiguous(con, rule, step) if q is not None else 0
    changes = con.execute(f"""
        select {key_sel}s, verdict from (
            select *, verdict is distinct from lag(verdict) over ({part} order by s) as changed
            from _v
        ) where changed order by {key_sel}s""").fetchall()
    outcome = _walk(con, rule, step, last, instances, changes)
    outcome.exact_steps = exact_steps
    return outcome


def _frames(
    con: Any, rule: Rule, step: int, first: int, last: int, keys_sql: str, cols: list[str]
) -> str:
    """SQL of the window aggregates per key at the evaluation steps (`s`, `probe` marks rows to
    evaluate), from the buckets in `_m`.

    Dense data (most keys have a bucket at most steps) gets a full grid of steps and a ROWS frame,
    the fastest frame; sparse data is evaluated only where a bucket enters or leaves a window.
    """
    by, window = rule.expr.by, rule.expr.window
    key_sel = "".join(f"{b}, " for b in by)
    part = f"partition by {', '.join(by)}" if by else ""
    aggs = "".join(f", {dict(mn='min', mx='max').get(c, 'sum')}({c}) over w as {c}" for c in cols)
    grid_steps = (last - first + window) // step
    n_keys = con.execute(f"select count(*) from ({keys_sql or 'select 1'})").fetchone()[0]
    n_buckets = con.execute("select count(*) from _m").fetchone()[0]
    if n_keys * grid_steps <= 2 * n_buckets:
        keys_from = f"({keys_sql})" if by else "(select 1)"
        return f"""
            select {key_sel}b + {step} as s, true as probe{aggs}
            from (select {key_sel}unnest(range({first - window}, {last}, {step})) as b
                  from {keys_from}) left join _m using ({key_sel}b)
            window w as ({part} order by b rows between {window // step - 1} preceding
                         and current row)"""
    seed = f"select {key_sel}{first} as s from ({keys_sql})" if by else f"select {first} as s"
    return f"""
        with probes as (
            select distinct * from (
                select {key_sel}b + {step} as s from _m
                union all select {key_sel}b + {window + step} from _m
                union all {seed}
            ) where s between {first} and {last}
        )
        select {key_sel}b + {step} as s, probe{aggs}
        from (
            select *, false as probe from _m
            union all by name select {key_sel}s - {step} as b, true as probe from probes
        )
        window w as ({part} order by b range between {window - step} preceding and current row)"""


def _exact_into(con: Any, rule: Rule, step: int) -> None:
    """Table `_ex (i, value)`: the exact quantile at each point of `_at (i, <by>, t)`, computed
    from the rows of the window [t - window, t) (points expanded to their buckets, then joined)."""
    by, window, f, q = rule.expr.by, rule.expr.window, rule.expr.field, rule.expr.quantile
    keys = "".join(f", {_col(b)} as {b}" for b in by)
    on = "".join(f"r.{b} = p.{b} and " for b in by)
    con.execute(f"""
        create or replace temp table _ex as
        with p as (select i{"".join(f", {b}" for b in by)},
                          unnest(range(t - {window}, t, {step})) as b from _at),
        r as (select {_bucket(step)} as b{keys}, {f} from rows where {_where(rule)})
        select p.i, quantile_cont(r.{f}, {_num(q)}) as value
        from p join r on {on}r.b = p.b group by p.i""")


def _settle_ambiguous(con: Any, rule: Rule, step: int) -> int:
    """Decide the steps the counts left open from the exact quantile of their windows; returns
    how many there were."""
    by = rule.expr.by
    con.execute(f"""create or replace temp table _at as select row_number() over () as i,
        {"".join(f"{b}, " for b in by)}s as t from _v where verdict = 'ambiguous'""")
    count = con.execute("select count(*) from _at").fetchone()[0]
    if not count:
        return 0
    _exact_into(con, rule, step)
    op = {"==": "=", "!=": "<>"}.get(rule.comparison, rule.comparison)
    on = "".join(f"_v.{b} = x.{b} and " for b in by)
    con.execute(f"""
        update _v set value = x.value, verdict = case when x.value is null or isnan(x.value)
            then 'no_data' when x.value {op} {_num(rule.threshold)} then 'breach' else 'ok' end
        from (select _at.*, _ex.value from _at left join _ex using (i)) x
        where {on}_v.s = x.t""")
    return int(count)


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
        values = _values_at(con, rule, step, [(key, tr.at) for _, tr, key in sends])
        for (inst, tr, _), value in zip(sends, values, strict=True):
            outcome.notifications.append(notification(rule, inst, replace(tr, value=value)))
    return outcome


def _values_at(
    con: Any, rule: Rule, step: int, points: list[tuple[tuple, int]]
) -> list[float | None]:
    """The rule's value at each (key, step): the latest evaluated step at or before it, or for a
    quantile (decided from counts) the exact quantile of the step's window."""
    by = rule.expr.by
    cols = ", ".join(f"{b} varchar" for b in by)
    con.execute(f"create or replace temp table _at (i int, {cols}{', ' if by else ''}t bigint)")
    con.executemany(
        f"insert into _at values (?, {'?, ' * len(by)}?)",
        [[i, *key, at] for i, (key, at) in enumerate(points)],
    )
    if rule.expr.quantile is not None:
        _exact_into(con, rule, step)
        sql = "select _at.i, _ex.value from _at left join _ex using (i) order by _at.i"
    else:
        on = "".join(f"_at.{b} = _v.{b} and " for b in by)
        sql = f"select _at.i, _v.value from _at asof left join _v on {on}_at.t >= _v.s order by 1"
    return [None if v is None or v != v else float(v) for _, v in con.execute(sql).fetchall()]


def window_value_sql(rule: Rule, at: int) -> str:
    """SQL giving `<by...>, n, value` per label set over the rows of `rows` in [at - window, at):
    the rule's value at step `at` (an exact quantile for pNN), for tools that explain a step."""
    by, f, window = rule.expr.by, rule.expr.field, rule.expr.window
    keys = "".join(f"{_col(b)} as {b}, " for b in by)
    q = rule.expr.quantile
    value = "q" if q is not None else _VALUES.get(rule.expr.aggregation, f"n / {window}")
    quantile = f", quantile_cont({f}, {_num(q)}) as q" if q is not None else ""
    return f"""
        select {"".join(f"{b}, " for b in by)}n, ({value})::double as value from (
            select {keys}count(*) as n, count(*) filter (where status >= 500) as e,
                count({f}) as nv, sum({f}) as sm, min({f}) as mn, max({f}) as mx{quantile}
            from rows
            where ts >= make_timestamp({(at - window) * 1_000_000})
              and ts < make_timestamp({at * 1_000_000}) and {_where(rule)}
            {"group by all" if by else ""}
        ) where n > 0"""
