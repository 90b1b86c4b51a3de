"""A small lake laid out per docs/architecture.md, with the frames it was written from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

COMPONENTS = ("api_gateway", "domain_validator", "quality_assurance")
ENDPOINTS = ("/v1/generate", "/v1/validate")
HOSTS = {"api_gateway-0": "api_gateway", "domain_validator-0": "domain_validator"}
GAUGES = (
    "synmon_cpu_utilization_ratio",
    "synmon_memory_utilization_ratio",
    "synmon_disk_utilization_ratio",
)
START = pd.Timestamp("2026-03-01")
DAYS = 3

REQUEST_COLUMNS = """
    cast(ts as timestamp) as ts, request_id, trace_id, component, endpoint, method,
    cast(status as integer) as status, cast(latency_ms as double) as latency_ms, domain, user_id,
    cast(tokens_in as integer) as tokens_in, cast(tokens_out as integer) as tokens_out,
    cast(cost_usd as double) as cost_usd, host, _source, cast(_line as bigint) as _line
"""
METRIC_COLUMNS = """
    cast(ts as timestamp) as ts, name, type, cast(value as double) as value, host, component,
    cast(le as varchar) as le, cast(quantile as varchar) as quantile, labels,
    cast(null as varchar) as temporality, _source,
    cast(_line as bigint) as _line
"""


EVENT_COLUMNS = """
    cast(ts as timestamp) as ts, event, component, domain, user_id, content_id,
    cast(tokens as integer) as tokens, cast(passed as boolean) as passed,
    cast(accuracy as double) as accuracy, cast(false_positive as boolean) as false_positive,
    cast(quality_score as double) as quality_score, cast(satisfaction as double) as satisfaction,
    version, _source, cast(_line as bigint) as _line
"""
EVENT_TYPES = ("content_generated", "validation_result", "quality_score", "user_feedback", "deploy")
COUNTERS = ("process_cpu_seconds_total", "node_network_receive_bytes_total")


@dataclass(frozen=True)
class Lake:
    root: Path
    requests: pd.DataFrame
    metrics: pd.DataFrame
    events: pd.DataFrame | None = None


def _requests(rng: np.random.Generator, n: int) -> pd.DataFrame:
    seconds = np.sort(rng.uniform(0, DAYS * 86400, n))
    status = rng.choice(
        [200, 201, 404, 429, 500, 503], size=n, p=[0.8, 0.05, 0.05, 0.02, 0.05, 0.03]
    )
    return pd.DataFrame(
        {
            "ts": START + pd.to_timedelta(np.round(seconds * 1000), unit="ms"),
            "request_id": [f"req-{i:06d}" for i in range(n)],
            "trace_id": [f"trace-{i:06d}" for i in range(n)],
            "component": rng.choice(COMPONENTS, n),
            "endpoint": rng.choice(ENDPOINTS, n),
            "method": "POST",
            "status": status,
            "latency_ms": np.round(rng.lognormal(5.0, 0.8, n), 3),
            "domain": rng.choice(["science", "arts"], n),
            "user_id": [f"user-{u:03d}" for u in rng.integers(0, 120, n)],
            "tokens_in": rng.integers(10, 500, n),
            "tokens_out": rng.integers(10, 2000, n),
            "cost_usd": np.round(rng.uniform(0.0001, 0.02, n), 6),
            "host": "collector-0",
            "_line": np.arange(1, n + 1),
        }
    )


def _metrics(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    scrapes = pd.date_range(START, periods=DAYS * 24 * 4, freq="15min")
    for host, component in HOSTS.items():
        for ts in scrapes[: 5 * 4]:  # the first five hours only: hosts without data have no rows
            for name in GAUGES:
                rows.append((ts, name, "gauge", rng.uniform(0, 1), host, component, ""))
    for host, component in HOSTS.items():
        # Counters rise and sometimes reset to a small value (a restart); the network counter has
        # two devices whose rates add up per host.
        for name, devices in zip(COUNTERS, ([""], ["eth0", "eth1"]), strict=True):
            for device in devices:
                value = rng.uniform(0, 1e4)
                for i, ts in enumerate(scrapes[: 5 * 4]):
                    if i:
                        reset = rng.random() < 0.2
                        value = rng.uniform(0, 50) if reset else value + rng.uniform(0, 900)
                    rows.append((ts, name, "counter", value, host, component, device))
    columns = ["ts", "name", "type", "value", "host", "component", "device"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["le"] = None
    frame["quantile"] = None
    device = np.where(frame["device"] == "", "", ',"device":"' + frame["device"] + '"')
    frame["labels"] = (
        '{"host":"' + frame["host"] + '","component":"' + frame["component"] + '"' + device + "}"
    )
    frame = frame.drop(columns="device")
    frame["_line"] = np.arange(1, len(frame) + 1)
    return frame


def _events(rng: np.random.Generator, requests: pd.DataFrame, n: int) -> pd.DataFrame:
    pick = requests.sample(n=n, random_state=int(rng.integers(1 << 31))).sort_values("ts")
    event = rng.choice(EVENT_TYPES, n, p=[0.3, 0.3, 0.2, 0.15, 0.05])
    is_val = event == "validation_result"
    passed = rng.random(n) < 0.9
    return pd.DataFrame(
        {
            "ts": pick["ts"].to_numpy() + pd.Timedelta(milliseconds=5),
            "event": event,
            "component": pick["component"].to_numpy(),
            "domain": pick["domain"].to_numpy(),
            "user_id": pick["user_id"].to_numpy(),
            "content_id": np.where(event == "content_generated", "c-1", None),
            "tokens": np.where(event == "content_generated", rng.integers(10, 900, n), None),
            "passed": np.where(is_val, passed, None),
            "accuracy": np.where(is_val, np.round(rng.uniform(0.5, 1, n), 3), np.nan),
            "false_positive": np.where(is_val, ~passed & (rng.random(n) < 0.5), None),
            "quality_score": np.where(event == "quality_score", rng.uniform(0, 1, n), np.nan),
            "satisfaction": np.where(event == "user_feedback", rng.integers(1, 6, n), np.nan),
            "version": np.where(event == "deploy", "v1.2.3", None),
            "_line": np.arange(1, n + 1),
        }
    )


def _write(
    con: duckdb.DuckDBPyConnection, lake: Path, dataset: str, frame: pd.DataFrame, columns: str
) -> None:
    for day, part in frame.groupby(frame["ts"].dt.date):
        folder = lake / dataset / f"date={day.isoformat()}"
        folder.mkdir(parents=True, exist_ok=True)
        part = part.assign(_source=f"{dataset}/{dataset}-{day.isoformat()}.jsonl")
        con.register("part", part)
        target = folder / f"{dataset}-{day.isoformat()}-0-{len(part)}.parquet"
        con.execute(f"copy (select {columns} from part) to '{target}' (format parquet)")
        con.unregister("part")


def build_lake(data_dir: Path, seed: int = 7, n_requests: int = 6000, n_events: int = 0) -> Lake:
    """Requests and metrics over three days under `data_dir/lake`; events only when n_events > 0
    (without, a partial lake)."""
    rng = np.random.default_rng(seed)
    lake = data_dir / "lake"
    requests = _requests(rng, n_requests)
    metrics = _metrics(rng)
    events = _events(rng, requests, n_events) if n_events else None
    con = duckdb.connect()
    try:
        _write(con, lake, "requests", requests, REQUEST_COLUMNS)
        _write(con, lake, "metrics", metrics, METRIC_COLUMNS)
        if events is not None:
            _write(con, lake, "events", events, EVENT_COLUMNS)
    finally:
        con.close()
    return Lake(root=lake, requests=requests, metrics=metrics, events=events)
