"""Constructed landing request data for the alert tests."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

T0 = datetime(2026, 3, 1, tzinfo=UTC)
COMPONENTS = ("api_gateway", "dspy_optimizer", "domain_validator")

# (component, minute) -> (latency_ms, status) of one request
Shape = Callable[[str, int, random.Random], tuple[float, int]]


def normal(component: str, minute: int, rng: random.Random) -> tuple[float, int]:
    return rng.lognormvariate(5.0, 0.5), 500 if rng.random() < 0.02 else 200


def with_incident(kind: str, component: str, start: int, end: int) -> Shape:
    """Normal traffic plus a latency spike or error storm on one component in [start, end)."""

    def shape(comp: str, minute: int, rng: random.Random) -> tuple[float, int]:
        latency, status = normal(comp, minute, rng)
        if comp == component and start <= minute < end:
            if kind == "latency_spike":
                latency = rng.uniform(3500, 6000)
            else:
                status = 503 if rng.random() < 0.4 else status
        return latency, status

    return shape


def request_lines(minutes: range, shape: Shape = normal, per_minute: int = 6, seed: int = 1):
    rng = random.Random(seed)
    for minute in minutes:
        for comp in COMPONENTS:
            for i in range(per_minute):
                ts = T0 + timedelta(minutes=minute, seconds=i * 60 / per_minute + rng.random())
                latency, status = shape(comp, minute, rng)
                yield json.dumps(
                    {
                        "ts": ts.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                        "request_id": f"r-{minute}-{comp}-{i}",
                        "component": comp,
                        "endpoint": "/v1/generate",
                        "method": "POST",
                        "status": status,
                        "latency_ms": round(latency, 2),
                        "domain": "science",
                        "user_id": "u-1",
                        "host": f"{comp}-0",
                    }
                )


def write_lines(path: Path, lines, mode: str = "w") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open(mode, encoding="utf-8") as fh:
        for line in lines:
            fh.write(line + "\n")
    return path


def notifications(data_dir: Path) -> list[dict]:
    path = data_dir / "notifications" / "alerts.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def minute(n: int) -> str:
    return (T0 + timedelta(minutes=n)).strftime("%Y-%m-%dT%H:%M:%SZ")
