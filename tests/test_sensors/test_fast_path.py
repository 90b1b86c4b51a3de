"""The count-based quantile decisions equal an exact evaluation, step by step.

The oracle evaluates every step in plain Python (quantile_cont's interpolation, the same float
operations DuckDB does), walks the state machine and compares the notifications. The data puts
the threshold inside the quantile's bounds often (values on, just around and far from it), so
the exact fallback runs, in the dense (grid) and the sparse (change points) evaluation.
"""

import math
import random

import duckdb
import pytest

from sensors.alert_config import load_alerts_config
from sensors.rule_sql import evaluate_rule
from sensors.rules import (
    Instance,
    State,
    advance,
    alert_labels,
    fingerprint,
    iso,
    runs_from_steps,
)
from synmon.settings import CONFIG_DIR

STEP, T0 = 60, 1_772_323_200  # 2026-03-01T00:00:00Z
THRESHOLD = 2500.0


def _rows(dense: bool, seed: int) -> list[tuple[int, str, int, float | None]]:
    rng = random.Random(seed)
    near = [2499.0, 2500.0, 2500.0, math.nextafter(THRESHOLD, 0), 2501.0, 2600.0, 2400.0]
    rows = []
    for minute in range(300):
        for comp in ("a", "b"):
            if not dense and rng.random() < 0.7:
                continue  # sparse: most minutes have no request
            share = 0.02 + 0.08 * (1 + math.sin(minute / 17 + (comp == "b"))) / 2
            for _ in range(rng.randint(1, 8) if dense else rng.randint(1, 4)):
                value = rng.choice(near) if rng.random() < share else rng.uniform(50, 400)
                if rng.random() < 0.02:
                    value = None
                ts = T0 + minute * STEP + rng.randrange(STEP)
                rows.append((ts, comp, 500 if rng.random() < 0.05 else 200, value))
    return rows


def _window_values(con, rows, q: float, points: list[tuple[str, int, int]]) -> list:
    """quantile_cont of each (component, start, end) window, one list per window: the exact
    evaluation the fast path must reproduce."""
    lists = [[r[3] for r in rows if r[1] == c and lo <= r[0] < hi and r[3] is not None]
             for c, lo, hi in points]  # fmt: skip
    got = con.execute(
        f"select list_aggregate(l, 'quantile_cont', {q!r}::double) from"
        " (select unnest(?::double[][]) as l, generate_subscripts(?::int[], 1) as i) order by i",
        [lists, [0] * len(lists)],
    ).fetchall()
    return [v if lst else None for (v,), lst in zip(got, lists, strict=True)]


def _oracle(con, rule, rows, first: int, last: int) -> list[tuple]:
    window, q = rule.expr.window, rule.expr.quantile
    compare = {">": float.__gt__, ">=": float.__ge__, "<": float.__lt__, "<=": float.__le__}
    out = []
    for comp in ("a", "b"):
        verdicts, steps = [], range(first, last + 1, STEP)
        values = dict(
            zip(steps, _window_values(con, rows, q, [(comp, s - window, s) for s in steps]),
                strict=True)
        )  # fmt: skip
        for s in steps:
            inside = [r for r in rows if r[1] == comp and s - window <= r[0] < s]
            value = values[s]
            if len(inside) < rule.min_requests or value is None:
                verdicts.append("no_data")
            else:
                hit = compare[rule.comparison](value, rule.threshold)
                verdicts.append("breach" if hit else "ok")
        labels = alert_labels(rule, {"component": comp})
        inst = Instance(rule.name, fingerprint(labels), labels)
        _, transitions = advance(
            inst, runs_from_steps(first, STEP, verdicts), for_s=rule.for_,
            keep_firing_for_s=rule.keep_firing_for,
        )  # fmt: skip
        for tr in transitions:
            if tr.state in (State.FIRING, State.RESOLVED):
                out.append((comp, tr.state.value, tr.fired_at, tr.at, values[tr.at]))
    return sorted(out, key=lambda x: (x[0], x[3], x[1]))


@pytest.mark.parametrize("dense", [True, False], ids=["dense", "sparse"])
@pytest.mark.parametrize("comparison", [">", ">=", "<", "<="])
def test_count_decisions_equal_exact_evaluation(dense: bool, comparison: str):
    base = {r.name: r for r in load_alerts_config(CONFIG_DIR / "alerts.yaml").rules}
    rule = base["HighLatencyP95"].model_copy(
        update={"comparison": comparison, "threshold": THRESHOLD, "min_requests": 3, "for_": 120}
    )
    rows = _rows(dense, seed=7)
    con = duckdb.connect()
    con.execute(
        "create table rows (ts timestamp, component varchar, status int, latency_ms double)"
    )
    con.execute(
        "insert into rows select make_timestamp(t * 1000000), c, s, l from"
        " (select unnest(?::bigint[]) t, unnest(?::varchar[]) c, unnest(?::int[]) s,"
        " unnest(?::double[]) l)",
        [list(col) for col in zip(*rows, strict=True)],
    )
    first, last = T0 + 11 * STEP, T0 + 299 * STEP
    out = evaluate_rule(con, rule, step=STEP, first=first, last=last, instances={})
    assert out.exact_steps > 0  # the threshold sat inside the bounds: the exact path ran
    got = sorted(
        (n["labels"]["component"], n["status"], n["starts_at"], n["ends_at"] or n["starts_at"],
         n["value"])
        for n in out.notifications
    )  # fmt: skip
    expected = _oracle(con, rule, rows, first, last)
    assert expected  # the data does make alerts fire and resolve
    assert got == sorted((c, st, iso(f), iso(at), v) for c, st, f, at, v in expected)


def test_quantile_cont_stays_inside_its_order_statistics():
    """The fast path's premise: DuckDB's interpolated quantile of finite values >= 0 lies in
    [x_lo, x_hi] up to a relative error far below the decision band (8 * 2^-53)."""
    rng = random.Random(3)
    con = duckdb.connect()
    lists = [
        sorted(rng.choice([rng.uniform(0, 5e3), rng.uniform(0, 1e-3), rng.uniform(0, 1e7), 2500.0])
               for _ in range(rng.randint(2, 60)))
        for _ in range(3000)
    ]  # fmt: skip
    got = con.execute(
        "select list_aggregate(l, 'quantile_cont', 0.95::double)"
        " from (select unnest(?::double[][]) l)",
        [lists],
    ).fetchall()
    eps = 4 * 2.0**-53
    for (value,), values in zip(got, lists, strict=True):
        rn = (len(values) - 1) * 0.95
        lo, hi = values[math.floor(rn)], values[math.ceil(rn)]
        assert lo * (1 - eps) <= value <= hi * (1 + eps)
        if lo == hi or math.floor(rn) == math.ceil(rn):
            assert value == lo
