"""The simulator's injected incidents: when and where they happen, and their ground-truth labels.

Four incidents per run, at seed-dependent times: a latency spike, an error storm, a capacity
saturation (each on a different component, during business hours) and a quality regression after
a quality_assurance deploy. None starts in the first 14 days (for runs of at least 21 days; shorter
runs keep the first third clear) and at least one starts in the last 7 days.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from collectors.sim_platform import DAY_MS, MINUTE_MS, SCRAPE_MS
from synmon.catalog import COMPONENTS, DOMAINS

KINDS = ("latency_spike", "error_storm", "capacity_saturation", "quality_regression")
HOUR_MS = 60 * MINUTE_MS


@dataclass(frozen=True)
class Incident:
    id: str
    kind: str
    component: str
    domain: str | None
    start_ms: int
    end_ms: int
    version: str | None = None  # the deploy that caused a quality regression

    @property
    def start(self) -> str:
        return rfc3339(self.start_ms)

    @property
    def end(self) -> str:
        return rfc3339(self.end_ms)

    def covers(self, ts_ms: np.ndarray) -> np.ndarray:
        return (ts_ms >= self.start_ms) & (ts_ms < self.end_ms)

    def label(self) -> dict[str, object]:
        """The ground-truth record written to the labels file."""
        minutes = (self.end_ms - self.start_ms) // MINUTE_MS
        description, signal = {
            "latency_spike": (
                f"{self.component} responds slowly for {minutes} minutes (upstream model stall)",
                "requests: p95 latency_ms over 10-minute windows > 3000 ms",
            ),
            "error_storm": (
                f"{self.component} fails a large share of requests for {minutes} minutes",
                "requests: share of status >= 500 over 10-minute windows >= 25%",
            ),
            "capacity_saturation": (
                f"both {self.component} hosts run out of CPU for {minutes} minutes",
                "metrics: synmon_cpu_utilization_ratio >= 0.92 on both hosts; latency up",
            ),
            "quality_regression": (
                f"quality_assurance deploy {self.version} lowers {self.domain} quality scores "
                f"until it is rolled back",
                f"events: mean quality_score of domain {self.domain} drops by >= 0.15 after "
                f"the deploy event",
            ),
        }[self.kind]
        return {
            "id": self.id,
            "kind": self.kind,
            "component": self.component,
            "domain": self.domain,
            "start": self.start,
            "end": self.end,
            "description": description,
            "signal": signal,
        }


def rfc3339(ts_ms: int) -> str:
    moment = datetime.fromtimestamp(ts_ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts_ms % 1000:03d}Z"


def schedule(seed: int, start_ms: int, end_ms: int) -> list[Incident]:
    """Place the four incidents inside [start_ms, end_ms) as the module doc describes."""
    rng = np.random.default_rng([seed, 0x1C1DE])
    days = (end_ms - start_ms) / DAY_MS
    warmup_ms = int((14 if days >= 21 else days // 3) * DAY_MS)
    first_ms = start_ms + warmup_ms
    last_week_ms = max(first_ms, end_ms - 7 * DAY_MS)

    components = [str(c) for c in rng.permutation(COMPONENTS)[:3]]
    durations = {
        "latency_spike": int(rng.integers(45, 76)) * MINUTE_MS,
        "error_storm": int(rng.integers(30, 51)) * MINUTE_MS,
        "capacity_saturation": int(rng.integers(12, 17)) * SCRAPE_MS,
    }
    recent = str(rng.choice(list(durations)))
    incidents: list[Incident] = []
    for kind, component in zip(durations, components, strict=True):
        lo = last_week_ms if kind == recent else first_ms
        begin = _business_hours_start(rng, lo, end_ms - durations[kind] - HOUR_MS, kind)
        incidents.append(Incident("", kind, component, None, begin, begin + durations[kind]))

    regression_ms = int(rng.integers(72 * 60, 96 * 60)) * MINUTE_MS
    latest = max(first_ms, end_ms - int(2.5 * DAY_MS))
    day0 = first_ms + int(rng.uniform(0, 1) * max(0, latest - first_ms - DAY_MS))
    deploy = _business_hours_start(rng, day0, min(day0 + DAY_MS, latest), "quality_regression")
    major, minor = int(rng.integers(2, 4)), int(rng.integers(10, 40))
    incidents.append(
        Incident(
            "",
            "quality_regression",
            "quality_assurance",
            str(rng.choice(DOMAINS)),
            deploy,
            min(end_ms, deploy + regression_ms),
            version=f"{major}.{minor}.0",
        )
    )
    incidents.sort(key=lambda inc: (inc.start_ms, inc.kind))
    return [
        Incident(f"INC-{i + 1:03d}", x.kind, x.component, x.domain, x.start_ms, x.end_ms, x.version)
        for i, x in enumerate(incidents)
    ]


def _business_hours_start(rng: np.random.Generator, lo_ms: int, hi_ms: int, kind: str) -> int:
    """A start time in [lo_ms, hi_ms] between 09:00 and 17:00 UTC, on a 15-minute boundary for
    metric-visible incidents (so every covered scrape is inside the incident)."""
    hi_ms = max(hi_ms, lo_ms)
    for _ in range(200):
        t = int(rng.integers(lo_ms, hi_ms + 1))
        day = t - t % DAY_MS
        t = day + int(rng.integers(9 * 60, 16 * 60)) * MINUTE_MS
        if kind == "capacity_saturation":
            t -= t % SCRAPE_MS
        if lo_ms <= t <= hi_ms:
            return t
    return lo_ms - lo_ms % SCRAPE_MS + SCRAPE_MS


def write_labels(path: Path, incidents: list[Incident]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps([i.label() for i in incidents], indent=2) + "\n")
    tmp.replace(path)


def incident_dict(incident: Incident) -> dict[str, object]:
    """The label plus the internal fields, for the JSON summary."""
    return {**incident.label(), **{k: v for k, v in asdict(incident).items() if k == "version"}}
