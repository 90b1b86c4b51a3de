"""One simulated day of API requests: vectorised draws, incident effects, and the JSON lines.

Requests land as Fluent Bit's out_file `format: plain` writes them: one compact JSON object per
line, keys in the order of docs/architecture.md, `host` last (the collector's filter adds it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from collectors import sim_platform as P
from collectors.sim_incidents import Incident
from collectors.sim_text import (
    DIGITS3,
    LineBuilder,
    clock,
    decimal_strings,
    fixed_strings,
    join_lines,
    pick,
    strings,
    zero_padded,
)
from synmon.catalog import COMPONENTS, DOMAINS

STATUS_CODES = np.array([200, 400, 401, 404, 429, 500, 502, 503, 504])
CLIENT_CODES = np.array([1, 2, 3, 4])
SERVER_CODES = np.array([5, 6, 7, 8])
GOLDEN = (5**0.5 - 1) / 2

EP = P.endpoint_arrays()
# Everything between `trace_id` and `latency_ms`'s value depends on endpoint and status only.
_ENDPOINT_STATUS = strings(
    [
        f'","component":"{e.component}","endpoint":"{e.path}","method":"{e.method}",'
        f'"status":{code},"latency_ms":'
        for e in P.ENDPOINTS
        for code in STATUS_CODES
    ]
)
_CENTS = strings([f".{i:02d}" for i in range(100)])
_DOMAIN_TABLE = strings(
    [f',"domain":"{d}","user_id":"u-' for d in DOMAINS] + [',"domain":null,"user_id":"u-']
)
_HOST_TABLE = strings([f',"host":"{h}"}}\n' for h in P.HOSTS])
_DOMAIN_FACTOR = np.array([P.DOMAIN_TOKEN_FACTOR[d] for d in DOMAINS] + [1.0])
_DOMAIN_P = np.array([P.DOMAIN_SHARE[d] for d in DOMAINS])


@dataclass
class DayRequests:
    """Column arrays of one day's requests, sorted by time. `domain` is -1 where null;
    `status` indexes STATUS_CODES."""

    ts_ms: npt.NDArray[np.int64]
    endpoint: npt.NDArray[np.int64]
    component: npt.NDArray[np.int64]
    host: npt.NDArray[np.int64]
    status: npt.NDArray[np.int64]
    latency_ms: npt.NDArray[np.float64]
    domain: npt.NDArray[np.int64]
    user: npt.NDArray[np.int64]
    tokens_in: npt.NDArray[np.int64]
    tokens_out: npt.NDArray[np.int64]
    cost_usd: npt.NDArray[np.float64]
    ids: npt.NDArray[np.uint8]  # (n, 24) random bytes: request_id then trace_id

    def __len__(self) -> int:
        return len(self.ts_ms)

    @property
    def status_code(self) -> npt.NDArray[np.int64]:
        return STATUS_CODES[self.status]


class ErrorSpacing:
    """Carries, per component, how many requests have passed since its last non-incident 5xx, so
    the MIN_ERROR_GAP rule holds across day boundaries."""

    def __init__(self) -> None:
        self.since = np.full(len(COMPONENTS), P.MIN_ERROR_GAP, dtype=np.int64)

    def thin(self, positions: npt.NDArray[np.int64], total: int, comp: int) -> list[int]:
        """Keep candidate positions (in the component's request order) that respect the gap."""
        last = -int(self.since[comp])
        kept = []
        for pos in positions.tolist():
            if pos - last >= P.MIN_ERROR_GAP:
                kept.append(pos)
                last = pos
        self.since[comp] = total - last
        return kept


def simulate_day(
    rng: np.random.Generator,
    day_ms: int,
    window: tuple[int, int],
    scale: float,
    incidents: list[Incident],
    spacing: ErrorSpacing,
) -> DayRequests:
    """The requests of the UTC day starting at `day_ms`, clipped to `window` = (start, end) ms."""
    start_ms, end_ms = window
    rates = P.minute_rates(day_ms, start_ms, scale)
    rates *= np.repeat(rng.lognormal(0.0, 0.08, 24), 60)
    minute = np.repeat(np.arange(1440), rng.poisson(rates))
    ts = day_ms + minute * P.MINUTE_MS + rng.integers(0, P.MINUTE_MS, len(minute))
    order = np.argsort(ts, kind="stable")
    ts, minute = ts[order], minute[order]
    keep = (ts >= start_ms) & (ts < end_ms)
    ts, minute = ts[keep], minute[keep]
    n = len(ts)

    endpoint = rng.choice(len(P.ENDPOINTS), n, p=EP["probability"])
    comp = EP["component"][endpoint]
    host = comp * 2 + rng.integers(0, 2, n)
    domain = np.where(EP["has_domain"][endpoint], rng.choice(len(DOMAINS), n, p=_DOMAIN_P), -1)
    elapsed = (day_ms + P.DAY_MS / 2 - start_ms) / P.DAY_MS
    user = (P.user_population(elapsed, scale) * rng.random(n) ** 2.2).astype(np.int64)

    latency = _latency(rng, endpoint, minute)
    tokens_in, tokens_out = _tokens(rng, endpoint, domain)
    status = _status(rng, comp, ts, day_ms, incidents, spacing)

    for inc in incidents:
        hit = (comp == COMPONENTS.index(inc.component)) & inc.covers(ts)
        if inc.kind == "latency_spike":
            latency[hit] += rng.lognormal(np.log(4200.0), 0.25, int(hit.sum()))
        elif inc.kind == "capacity_saturation":
            latency[hit] *= rng.uniform(1.4, 1.9, int(hit.sum()))
    failed = status >= SERVER_CODES[0]
    tokens_out[failed] = 0
    cost = tokens_in * EP["price_in"][endpoint] + tokens_out * EP["price_out"][endpoint]
    ids = rng.integers(0, 256, (n, 24), dtype=np.uint8)
    return DayRequests(
        ts, endpoint, comp, host, status, latency, domain, user, tokens_in, tokens_out, cost, ids
    )


def _latency(
    rng: np.random.Generator, endpoint: npt.NDArray[np.int64], minute: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]:
    """Lognormal body with a Pareto tail (truncated at the ceiling), slower under load."""
    n = len(endpoint)
    median, sigma = EP["median"][endpoint], EP["sigma"][endpoint]
    latency = median * np.exp(sigma * rng.standard_normal(n))
    tail = rng.random(n) < P.TAIL_PROBABILITY
    xm = median[tail] * np.exp(1.645 * sigma[tail])
    cut = 1.0 - (xm / P.LATENCY_CEILING_MS) ** P.TAIL_ALPHA
    latency[tail] = xm / (1.0 - rng.random(int(tail.sum())) * cut) ** (1.0 / P.TAIL_ALPHA)
    load = P.MINUTE_SHAPE[minute] / P.MINUTE_SHAPE.max()
    latency *= 0.94 + 0.12 * load
    return np.minimum(latency, P.LATENCY_CEILING_MS * (0.93 + 0.07 * rng.random(n)))


def _tokens(
    rng: np.random.Generator, endpoint: npt.NDArray[np.int64], domain: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    n = len(endpoint)
    factor = _DOMAIN_FACTOR[domain]  # -1 picks the trailing 1.0
    tin = EP["tokens_in"][endpoint] * factor * rng.lognormal(0.0, 0.35, n)
    tout = EP["tokens_out"][endpoint] * factor * rng.lognormal(0.0, 0.45, n)
    return np.rint(tin).astype(np.int64), np.rint(tout).astype(np.int64)


def _status(
    rng: np.random.Generator,
    comp: npt.NDArray[np.int64],
    ts: npt.NDArray[np.int64],
    day_ms: int,
    incidents: list[Incident],
    spacing: ErrorSpacing,
) -> npt.NDArray[np.int64]:
    """Mostly 200; 2% client errors; rare 5xx, raised in short bursts but spaced (see
    MIN_ERROR_GAP); an error storm fails a steady ~45% of its component's requests."""
    n = len(ts)
    status = np.zeros(n, dtype=np.int64)
    client = rng.random(n) < P.CLIENT_ERROR_RATE
    status[client] = rng.choice(CLIENT_CODES, int(client.sum()), p=[0.3, 0.15, 0.35, 0.2])
    p_server = np.full(n, P.SERVER_ERROR_RATE)
    for c in range(len(COMPONENTS)):
        for _ in range(rng.poisson(1.2)):
            begin = day_ms + int(rng.integers(0, P.DAY_MS))
            length = int(rng.integers(3, 13)) * P.MINUTE_MS
            p_server[(comp == c) & (ts >= begin) & (ts < begin + length)] = 0.05
    candidate = rng.random(n) < p_server
    server_codes = rng.choice(SERVER_CODES, n, p=[0.4, 0.25, 0.25, 0.1])

    storm = np.zeros(n, dtype=bool)
    for inc in incidents:
        if inc.kind != "error_storm":
            continue
        hit = np.flatnonzero((comp == COMPONENTS.index(inc.component)) & inc.covers(ts))
        storm[hit] = True
        # A low-discrepancy sequence keeps the failed share near 45% in every short window.
        k = np.arange(len(hit)) + int(ts[hit[0]] if len(hit) else 0) % 1000
        fail = hit[np.modf(k * GOLDEN)[0] < 0.45]
        status[fail] = rng.choice(SERVER_CODES[:3], len(fail), p=[0.5, 0.2, 0.3])
    for c in range(len(COMPONENTS)):
        seq = np.flatnonzero((comp == c) & ~storm)
        kept = spacing.thin(np.flatnonzero(candidate[seq]), len(seq), c)
        status[seq[kept]] = server_codes[seq[kept]]
    return status


def format_day(day: DayRequests, date: str) -> pa.Buffer:
    """The day's JSON lines (`date` is YYYY-MM-DD): fixed-width runs come from byte matrices,
    the rest from lookup tables and decimal casts, joined row by row by Arrow."""
    n = len(day)
    head = LineBuilder(n)
    clock(head.lit(f'{{"ts":"{date}T'), day.ts_ms % P.DAY_MS)
    head.lit('Z","request_id":"').hex_id(day.ids[:, :8])
    head.lit('","trace_id":"').hex_id(day.ids[:, 8:])
    cents = np.rint(day.latency_ms * 100).astype(np.int64)
    user = LineBuilder(n).take(zero_padded(user_table_rows(day.user), 6), day.user)
    micro = np.rint(np.minimum(day.cost_usd, 0.999999) * 1e6).astype(np.int64)
    cost = LineBuilder(n).lit(',"cost_usd":0.').take(DIGITS3, micro // 1000)
    cost.take(DIGITS3, micro % 1000)
    return join_lines(
        [
            fixed_strings(head.matrix()),
            pick(_ENDPOINT_STATUS, day.endpoint * len(STATUS_CODES) + day.status),
            decimal_strings(cents // 100),
            pick(_CENTS, cents % 100),
            pick(_DOMAIN_TABLE, np.where(day.domain < 0, len(DOMAINS), day.domain)),
            fixed_strings(user.lit('","tokens_in":').matrix()),
            decimal_strings(day.tokens_in),
            ',"tokens_out":',
            decimal_strings(day.tokens_out),
            fixed_strings(cost.matrix()),
            pick(_HOST_TABLE, day.host),
        ],
        n,
    )


def user_table_rows(user: npt.NDArray[np.int64]) -> int:
    """Table size for user ids, rounded up so a few sizes serve every day (tables are cached)."""
    top = int(user.max()) + 1 if len(user) else 1
    return min(1_000_000, 1 << max(10, (top - 1).bit_length()))
