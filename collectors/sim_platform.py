"""The simulated platform's shape: endpoints, latencies, tokens, prices and the traffic curve.

Everything here is a fixed description of the SynThesisAI platform as the simulator plays it; the
random draws happen in the stream modules. Latency numbers are milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from synmon.catalog import COMPONENTS

DAY_MS = 86_400_000
MINUTE_MS = 60_000
SCRAPE_MS = 60 * MINUTE_MS

BASE_REQUESTS_PER_DAY = 30_000
GROWTH_PER_90_DAYS = 1.25
WEEKEND_FACTOR = 0.6
BASE_USERS = 12_000
MAX_USERS = 1_000_000  # user ids have six digits

# Normal operation never exceeds this latency: it is the platform's upstream timeout, and it keeps
# every component's windowed p95 below the 1500 ms alert threshold outside incidents.
LATENCY_CEILING_MS = 1450.0
TAIL_PROBABILITY = 0.03
TAIL_ALPHA = 1.7
CLIENT_ERROR_RATE = 0.02
SERVER_ERROR_RATE = 0.004
# At least this many requests of a component between two 5xx outside incidents, which bounds the
# 5xx rate of any run of >= 20 consecutive requests below 8% (worst case 2 in 26).
MIN_ERROR_GAP = 25


@dataclass(frozen=True)
class Endpoint:
    component: str
    method: str
    path: str
    share: float  # of the component's requests
    median_ms: float
    sigma: float
    tokens_in: float  # median; 0 means the endpoint calls no model
    tokens_out: float
    has_domain: bool = True


COMPONENT_SHARE: dict[str, float] = {
    "api_gateway": 0.34,
    "dspy_optimizer": 0.12,
    "marl_coordinator": 0.14,
    "domain_validator": 0.15,
    "quality_assurance": 0.15,
    "reasoning_tracer": 0.10,
}

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("api_gateway", "POST", "/v1/generate", 0.45, 180, 0.35, 0, 0),
    Endpoint("api_gateway", "GET", "/v1/content/{id}", 0.35, 35, 0.40, 0, 0),
    Endpoint("api_gateway", "GET", "/v1/health", 0.20, 4, 0.30, 0, 0, has_domain=False),
    Endpoint("dspy_optimizer", "POST", "/optimize", 0.55, 420, 0.30, 1800, 600),
    Endpoint("dspy_optimizer", "POST", "/compile", 0.25, 520, 0.28, 2400, 300),
    Endpoint("dspy_optimizer", "GET", "/programs/{id}", 0.20, 25, 0.35, 0, 0),
    Endpoint("marl_coordinator", "POST", "/coordinate", 0.60, 350, 0.30, 1200, 900),
    Endpoint("marl_coordinator", "POST", "/agents/{id}/step", 0.30, 160, 0.35, 600, 300),
    Endpoint("marl_coordinator", "GET", "/state", 0.10, 12, 0.30, 0, 0, has_domain=False),
    Endpoint("domain_validator", "POST", "/validate", 0.75, 140, 0.35, 700, 120),
    Endpoint("domain_validator", "GET", "/rules/{domain}", 0.25, 18, 0.30, 0, 0),
    Endpoint("quality_assurance", "POST", "/assess", 0.70, 230, 0.32, 1100, 200),
    Endpoint("quality_assurance", "GET", "/reports/{id}", 0.30, 30, 0.35, 0, 0),
    Endpoint("reasoning_tracer", "POST", "/trace", 0.60, 270, 0.33, 900, 1400),
    Endpoint("reasoning_tracer", "GET", "/traces/{id}", 0.40, 40, 0.40, 0, 0),
)

# USD per 1000 tokens (input, output), by component.
PRICE_PER_1K: dict[str, tuple[float, float]] = {
    "api_gateway": (0.0, 0.0),
    "dspy_optimizer": (0.003, 0.015),
    "marl_coordinator": (0.0025, 0.010),
    "domain_validator": (0.0005, 0.0015),
    "quality_assurance": (0.001, 0.004),
    "reasoning_tracer": (0.003, 0.012),
}

DOMAIN_SHARE: dict[str, float] = {
    "science": 0.22,
    "technology": 0.20,
    "reading": 0.13,
    "engineering": 0.15,
    "arts": 0.12,
    "mathematics": 0.18,
}
DOMAIN_TOKEN_FACTOR: dict[str, float] = {
    "science": 1.2,
    "technology": 1.0,
    "reading": 0.85,
    "engineering": 1.1,
    "arts": 0.9,
    "mathematics": 1.3,
}
DOMAIN_QUALITY: dict[str, float] = {
    "science": 0.84,
    "technology": 0.86,
    "reading": 0.81,
    "engineering": 0.83,
    "arts": 0.79,
    "mathematics": 0.82,
}

HOSTS: tuple[str, ...] = tuple(f"{c}-{i}" for c in COMPONENTS for i in (0, 1))


def component_index(name: str) -> int:
    return COMPONENTS.index(name)


def endpoint_arrays() -> dict[str, npt.NDArray]:
    """Per-endpoint parameters as arrays indexed by endpoint number."""
    comp = np.array([component_index(e.component) for e in ENDPOINTS], dtype=np.int64)
    share = np.array([COMPONENT_SHARE[e.component] * e.share for e in ENDPOINTS])
    prices = np.array([PRICE_PER_1K[e.component] for e in ENDPOINTS])
    return {
        "component": comp,
        "probability": share / share.sum(),
        "median": np.array([e.median_ms for e in ENDPOINTS]),
        "sigma": np.array([e.sigma for e in ENDPOINTS]),
        "tokens_in": np.array([e.tokens_in for e in ENDPOINTS]),
        "tokens_out": np.array([e.tokens_out for e in ENDPOINTS]),
        "has_domain": np.array([e.has_domain for e in ENDPOINTS]),
        "price_in": prices[:, 0] / 1000,
        "price_out": prices[:, 1] / 1000,
    }


def _hour_shape() -> npt.NDArray[np.float64]:
    hours = np.arange(24 * 60) / 60.0
    shape = 0.25 + np.exp(-0.5 * ((hours - 14.5) / 3.2) ** 2)
    return shape / shape.mean()


MINUTE_SHAPE = _hour_shape()
_WEEKDAY_FACTOR = 7 / (5 + 2 * WEEKEND_FACTOR)


def minute_rates(day_start_ms: int, range_start_ms: int, scale: float) -> npt.NDArray[np.float64]:
    """Expected requests in each minute of the UTC day starting at `day_start_ms`.

    Daily seasonality (business-hours peak around 14:30 UTC), weekends 40% lower, and 25% growth
    every 90 days counted from the start of the simulated range.
    """
    weekday = (day_start_ms // DAY_MS + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    week = _WEEKDAY_FACTOR * (WEEKEND_FACTOR if weekday >= 5 else 1.0)
    minute_ms = day_start_ms + np.arange(1440) * MINUTE_MS
    elapsed_days = (minute_ms - range_start_ms) / DAY_MS
    growth = GROWTH_PER_90_DAYS ** (elapsed_days / 90.0)
    return BASE_REQUESTS_PER_DAY * scale / 1440 * MINUTE_SHAPE * week * growth


def user_population(elapsed_days: float, scale: float) -> int:
    """Registered users who may send requests, growing a bit faster than traffic."""
    users = BASE_USERS * scale * GROWTH_PER_90_DAYS ** (1.4 * elapsed_days / 90.0)
    return min(MAX_USERS, max(50, int(users)))
