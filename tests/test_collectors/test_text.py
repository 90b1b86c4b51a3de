"""Request lines assembled by Arrow match a per-record f-string rendering of the same columns."""

from __future__ import annotations

import numpy as np

from collectors import sim_platform as P
from collectors.sim_requests import STATUS_CODES, DayRequests, format_day
from collectors.sim_text import fixed_strings, join_lines, pick, strings
from synmon.catalog import COMPONENTS, DOMAINS

DAY_MS = 20_000 * P.DAY_MS  # 2024-10-04


def _day(rng: np.random.Generator, n: int) -> DayRequests:
    endpoint = rng.integers(0, len(P.ENDPOINTS), n)
    comp = np.array([COMPONENTS.index(P.ENDPOINTS[e].component) for e in endpoint])
    latency = np.concatenate([[0.004, 0.005, 99.995, 1449.999, 5300.126], rng.random(n - 5) * 900])
    tokens = np.concatenate([[0, 9, 10, 99_999, 100_000, 1_234_567], rng.integers(0, 5000, n - 6)])
    cost = np.concatenate([[0.0, 0.0000004, 0.0000005, 0.25, 1.7], rng.random(n - 5) * 0.01])
    return DayRequests(
        ts_ms=np.sort(DAY_MS + rng.integers(0, P.DAY_MS, n)),
        endpoint=endpoint,
        component=comp,
        host=comp * 2 + rng.integers(0, 2, n),
        status=rng.integers(0, len(STATUS_CODES), n),
        latency_ms=latency,
        domain=rng.integers(-1, len(DOMAINS), n),
        user=rng.integers(0, 999_999, n),
        tokens_in=tokens,
        tokens_out=tokens[::-1].copy(),
        cost_usd=cost,
        ids=rng.integers(0, 256, (n, 24), dtype=np.uint8),
    )


def _expected(day: DayRequests, i: int) -> str:
    ep, ms = P.ENDPOINTS[day.endpoint[i]], int(day.ts_ms[i] % P.DAY_MS)
    clock = f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"
    domain = "null" if day.domain[i] < 0 else f'"{DOMAINS[day.domain[i]]}"'
    cents = int(np.rint(day.latency_ms[i] * 100))
    micro = int(np.rint(min(day.cost_usd[i], 0.999999) * 1e6))
    return (
        f'{{"ts":"2024-10-04T{clock}Z","request_id":"{day.ids[i, :8].tobytes().hex()}",'
        f'"trace_id":"{day.ids[i, 8:].tobytes().hex()}","component":"{ep.component}",'
        f'"endpoint":"{ep.path}","method":"{ep.method}","status":{STATUS_CODES[day.status[i]]},'
        f'"latency_ms":{cents // 100}.{cents % 100:02d},"domain":{domain},'
        f'"user_id":"u-{day.user[i]:06d}","tokens_in":{day.tokens_in[i]},'
        f'"tokens_out":{day.tokens_out[i]},"cost_usd":0.{micro:06d},'
        f'"host":"{P.HOSTS[day.host[i]]}"}}\n'
    )


def test_format_day_matches_per_record_rendering() -> None:
    day = _day(np.random.default_rng(3), 400)
    text = bytes(format_day(day, "2024-10-04")).decode()
    assert text == "".join(_expected(day, i) for i in range(len(day)))
    first = text.splitlines()[0]
    assert '"latency_ms":0.00,' in first and '"cost_usd":0.000000,' in first


def test_format_day_of_an_empty_day_is_empty() -> None:
    empty = np.zeros(0, dtype=np.int64)
    day = DayRequests(
        *[empty] * 5, np.zeros(0), *[empty] * 4, np.zeros(0), np.zeros((0, 24), np.uint8)
    )
    assert bytes(format_day(day, "2024-10-04")) == b""


def test_join_lines_mixes_tables_matrices_and_literals() -> None:
    table = strings(["a", "", "ccc"])
    rows = fixed_strings(np.frombuffer(b"xyzw", np.uint8).reshape(2, 2))
    out = join_lines([pick(table, np.array([2, 1])), "-", rows, "\n"], 2)
    assert bytes(out) == b"ccc-xy\n-zw\n"
