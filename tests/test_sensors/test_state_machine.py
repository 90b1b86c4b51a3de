"""The Prometheus alert state machine as a table: one verdict per 1-minute step.

B = breach, . = ok, _ = no data; N = inactive. Expected transitions are (state, step index).
"""

import pytest

from sensors.rules import Instance, State, advance, runs_from_steps

CODES = {"B": "breach", ".": "ok", "_": "no_data"}
P, F, R, N = State.PENDING, State.FIRING, State.RESOLVED, State.INACTIVE

CASES = [
    # name, verdicts, for (steps), keep_firing_for (steps), no_data, expected transitions, end state
    ("never breaches", "........", 0, 0, "ok", [], N),
    ("for 0 fires at once", "..BB..", 0, 0, "ok", [(P, 2), (F, 2), (R, 4)], R),
    ("pending then firing after for", "BBBBB.", 3, 0, "ok", [(P, 0), (F, 3), (R, 5)], R),
    (
        "pending shorter than for is dropped",
        "BB.BB.",
        3,
        0,
        "ok",
        [(P, 0), (N, 2), (P, 3), (N, 5)],
        N,
    ),
    ("firing exactly at for", "BBBB", 3, 0, "ok", [(P, 0), (F, 3)], F),
    (
        "flapping never fires",
        "B.B.B.B.",
        2,
        0,
        "ok",
        [(P, 0), (N, 1), (P, 2), (N, 3), (P, 4), (N, 5), (P, 6), (N, 7)],
        N,
    ),
    (
        "flapping while firing resolves and re-arms",
        "BBB.BBB",
        1,
        0,
        "ok",
        [(P, 0), (F, 1), (R, 3), (P, 4), (F, 5)],
        F,
    ),
    ("keep_firing_for bridges a short gap", "BB..BB....", 0, 3, "ok", [(P, 0), (F, 0), (R, 9)], R),
    ("keep_firing_for expires in a long gap", "BB.....", 0, 3, "ok", [(P, 0), (F, 0), (R, 5)], R),
    ("no data counts as ok by default", "BBB__", 1, 0, "ok", [(P, 0), (F, 1), (R, 3)], R),
    (
        "keep_state holds through no data",
        "BBB__BB.",
        1,
        0,
        "keep_state",
        [(P, 0), (F, 1), (R, 7)],
        R,
    ),
    ("keep_state keeps pending clock", "B__B", 3, 0, "keep_state", [(P, 0), (F, 3)], F),
]


@pytest.mark.parametrize(
    ("verdicts", "for_steps", "keep_steps", "no_data", "expected", "end"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_state_machine(verdicts, for_steps, keep_steps, no_data, expected, end):
    step, t0 = 60, 1_000_020
    runs = runs_from_steps(t0, step, [CODES[c] for c in verdicts])
    inst, transitions = advance(
        Instance("R", "fp", {}), runs, for_s=for_steps * step,
        keep_firing_for_s=keep_steps * step, no_data=no_data,
    )  # fmt: skip
    assert [(t.state, (t.at - t0) // step) for t in transitions] == expected
    assert inst.state == end


@pytest.mark.parametrize(("split"), [1, 2, 3, 4, 5, 6, 7])
def test_splitting_the_steps_across_ticks_changes_nothing(split):
    """State carried between ticks gives the same transitions as one long evaluation."""
    step, t0, verdicts = 60, 0, [CODES[c] for c in "BBB..BBBB..."]
    kwargs = {"for_s": 120, "keep_firing_for_s": 60}
    whole_inst, whole = advance(
        Instance("R", "fp", {}), runs_from_steps(t0, step, verdicts), **kwargs
    )
    inst, first = advance(
        Instance("R", "fp", {}), runs_from_steps(t0, step, verdicts[:split]), **kwargs
    )
    inst, second = advance(
        inst, runs_from_steps(t0 + split * step, step, verdicts[split:]), **kwargs
    )
    assert first + second == whole
    assert inst == whole_inst


def test_resolved_transition_carries_when_it_started_firing():
    runs = runs_from_steps(0, 60, [CODES[c] for c in "BBBB.."])
    _, transitions = advance(Instance("R", "fp", {}), runs, for_s=120, keep_firing_for_s=0)
    firing, resolved = [t for t in transitions if t.state in (F, R)]
    assert firing.fired_at == resolved.fired_at == 120
    assert resolved.at == 240
