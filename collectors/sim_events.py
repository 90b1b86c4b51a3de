"""One simulated day of business and quality events, derived from that day's requests.

Successful work requests emit events when they complete (about 30% of request volume):
`content_generated` (api_gateway POST /v1/generate), `validation_result` (domain_validator POST
/validate), `quality_score` (quality_assurance POST /assess), `user_feedback` (api_gateway GET
/v1/content/{id}); plus `deploy` events a few times a week per component and the deploy (and
rollback) around a quality regression.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from collectors import sim_platform as P
from collectors.sim_incidents import Incident
from collectors.sim_requests import DayRequests, user_table_rows
from collectors.sim_text import LineBuilder, clock, table, zero_padded
from synmon.catalog import COMPONENTS, DOMAINS

EVENT_TYPES = ("content_generated", "validation_result", "quality_score", "user_feedback")
# event type per endpoint (index into EVENT_TYPES, -1 none) and the chance a request emits it
_SOURCE = {
    ("api_gateway", "/v1/generate"): (0, 1.0),
    ("domain_validator", "/validate"): (1, 0.5),
    ("quality_assurance", "/assess"): (2, 0.6),
    ("api_gateway", "/v1/content/{id}"): (3, 0.25),
}
_KIND = np.array([_SOURCE.get((e.component, e.path), (-1, 0.0))[0] for e in P.ENDPOINTS])
_EMIT_P = np.array([_SOURCE.get((e.component, e.path), (-1, 0.0))[1] for e in P.ENDPOINTS])
_QUALITY = np.array([P.DOMAIN_QUALITY[d] for d in DOMAINS])
_HEAD_TABLE = table(
    [f'Z","event":"{t}","component":"{c}","domain":' for t in EVENT_TYPES for c in COMPONENTS]
)
_DOMAIN_TABLE = table([f'"{d}","user_id":"u-' for d in DOMAINS])
_BOOL = table(["false", "true"])
QUALITY_DROP = 0.22


def day_events(
    rng: np.random.Generator, day: DayRequests, date: str, day_ms: int, incidents: list[Incident]
) -> tuple[bytes, int]:
    """The day's event lines (sorted by time) and how many there are."""
    ok = day.status == 0
    emit = ok & (_KIND[day.endpoint] >= 0) & (rng.random(len(day)) < _EMIT_P[day.endpoint])
    idx = np.flatnonzero(emit)
    ts = day.ts_ms[idx] + np.rint(day.latency_ms[idx]).astype(np.int64)
    feedback = _KIND[day.endpoint[idx]] == 3  # people rate content a while after reading it
    ts[feedback] += rng.integers(5_000, 300_000, int(feedback.sum()))
    inside = ts < day_ms + P.DAY_MS
    idx, ts = idx[inside], ts[inside]
    order = np.argsort(ts, kind="stable")
    idx, ts = idx[order], ts[order]
    kind = _KIND[day.endpoint[idx]]
    domain = day.domain[idx]
    n = len(idx)

    quality = _QUALITY[domain] + rng.normal(0.0, 0.07, n)
    for inc in incidents:
        if inc.kind == "quality_regression":
            hit = (domain == DOMAINS.index(str(inc.domain))) & inc.covers(ts)
            quality[hit] -= QUALITY_DROP
    quality = np.clip(quality, 0.0, 1.0)

    tails = np.zeros((n, 80), dtype=np.uint8)
    for k in range(len(EVENT_TYPES)):
        rows = np.flatnonzero(kind == k)
        block = _tail(rng, k, rows, day, idx, quality)
        tails[rows, : block.shape[1]] = block

    b = LineBuilder(n)
    clock(b.lit(f'{{"ts":"{date}T'), ts % P.DAY_MS)
    b.take(_HEAD_TABLE, kind * len(COMPONENTS) + day.component[idx])
    b.take(_DOMAIN_TABLE, domain)
    user = day.user[idx]
    b.take(zero_padded(user_table_rows(user), 6), user)
    b.lit('"').block(tails).lit("}\n")
    lines = b.build()
    deploys = deploy_lines(rng, day_ms, date, incidents, ts_range=(day_ms, day_ms + P.DAY_MS))
    return _merge(lines, ts, deploys), n + len(deploys)


def _tail(
    rng: np.random.Generator,
    kind: int,
    rows: npt.NDArray[np.int64],
    day: DayRequests,
    idx: npt.NDArray[np.int64],
    quality: npt.NDArray[np.float64],
) -> npt.NDArray[np.uint8]:
    """The event-specific fields of the rows of one event type, as a byte matrix."""
    m = len(rows)
    b = LineBuilder(m)
    if kind == 0:
        tokens = np.rint(900 * rng.lognormal(0.0, 0.4, m)).astype(np.int64)
        b.lit(',"content_id":"c-').hex_id(day.ids[idx[rows], :6])
        b.lit('","tokens":').integer(tokens)
    elif kind == 1:
        accuracy = np.clip(rng.beta(18, 1.6, m), 0, 1)
        passed = (accuracy > 0.8) & (rng.random(m) < 0.97)
        false_positive = ~passed & (rng.random(m) < 0.15)
        b.lit(',"passed":').take(_BOOL, passed.astype(np.int64))
        b.lit(',"accuracy":').decimal(accuracy, 3)
        b.lit(',"false_positive":').take(_BOOL, false_positive.astype(np.int64))
    elif kind == 2:
        b.lit(',"quality_score":').decimal(quality[rows], 3)
    else:
        stars = 1 + np.digitize(quality[rows] + rng.normal(0, 0.12, m), [0.55, 0.68, 0.78, 0.88])
        b.lit(',"satisfaction":').integer(stars)
    return b.matrix()


def deploy_lines(
    rng: np.random.Generator,
    day_ms: int,
    date: str,
    incidents: list[Incident],
    ts_range: tuple[int, int],
) -> list[tuple[int, bytes]]:
    """Routine deploys on weekdays (each component about twice a week) and the regression's
    deploy and rollback, as (ts_ms, line)."""
    out: list[tuple[int, bytes]] = []
    weekday = (day_ms // P.DAY_MS + 3) % 7
    for c, name in enumerate(COMPONENTS):
        if weekday < 5 and rng.random() < 0.4:
            ts = day_ms + int(rng.integers(10 * 60, 17 * 60)) * P.MINUTE_MS
            version = f"1.{(day_ms // P.DAY_MS) % 97}.{c}"
            out.append((ts, _deploy(ts, date, name, version)))
    for inc in incidents:
        if inc.kind != "quality_regression":
            continue
        rollback = f"{inc.version}-rollback"
        for ts, version in ((inc.start_ms, str(inc.version)), (inc.end_ms, rollback)):
            if ts_range[0] <= ts < ts_range[1]:
                out.append((ts, _deploy(ts, date, inc.component, version)))
    return sorted(out)


def _deploy(ts_ms: int, date: str, component: str, version: str) -> bytes:
    ms = ts_ms % P.DAY_MS
    clock = f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"
    return (
        f'{{"ts":"{date}T{clock}Z","event":"deploy","component":"{component}","domain":null,'
        f'"user_id":null,"version":"{version}"}}\n'
    ).encode()


def _merge(lines: bytes, ts: npt.NDArray[np.int64], extra: list[tuple[int, bytes]]) -> bytes:
    """Insert the few extra lines into the time-ordered block."""
    if not extra:
        return lines
    starts = np.concatenate([[0], np.flatnonzero(np.frombuffer(lines, np.uint8) == 10) + 1])
    parts, prev = [], 0
    for t, line in extra:
        at = int(np.searchsorted(ts, t, side="right"))
        parts += [lines[starts[prev] : starts[at]], line]
        prev = at
    parts.append(lines[starts[prev] :])
    return b"".join(parts)
