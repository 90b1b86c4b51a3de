"""Landing files for the trace and histogram marts, and the reference those marts must match.

`write_traces` writes OTLP/JSON trace exports the way an OTel Collector's file exporter does (one
ExportTraceServiceRequest per line) plus one pretty-printed SDK export; `write_histograms` writes a
Prometheus text exposition dump with hourly-ish scrapes of a histogram (and a process restart);
`write_otlp_sample_pair` lands the shared upstream OTLP metrics example (delta temporality) and
the next delta export of the same series. `bucket_quantile` is a line-by-line port of
Prometheus' promql/quantile.go bucketQuantile, the reference for rpt_metric_histogram_hourly.
"""

from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from synmon.settings import REPO_ROOT

T0 = pd.Timestamp("2026-03-01")
T0_NS = T0.value
SERVICES = ("api_gateway", "content_generator", "domain_validator", None)
OPERATIONS = ("POST /v1/generate", "GET /v1/status", "llm.call", "db.query")
HISTOGRAM = "synmon_generation_duration_seconds"
BOUNDS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, math.inf)
HOSTS = ("content_generator-0", "content_generator-1")
SCRAPE_MINUTES = 10
SCRAPES = 25
RESTART = (HOSTS[1], 13)  # host and scrape index at which the process restarted
OTLP_SAMPLE = REPO_ROOT.parent / "shared" / "data" / "real" / "otlp_json" / "metrics.json"


@dataclass(frozen=True)
class Traces:
    """What was landed, one row per span: the expected content of stg_lake__spans."""

    spans: pd.DataFrame


def _span(i: int, start: int, duration: int, code: object, kind: object, name: str) -> dict:
    trace = i // 5
    span = {
        "traceId": f"{trace + 1:032X}",
        "spanId": f"{i + 1:016x}",
        "name": name,
        "kind": kind,
        "startTimeUnixNano": str(start),
        "endTimeUnixNano": start + duration,  # int64 may be a string or a number
        "status": {"code": code} if code is not None else {},
        "attributes": [{"key": "http.route", "value": {"stringValue": name}}],
    }
    if i % 5:
        span["parentSpanId"] = f"{trace * 5 + 1:016x}"
    return span


def _document(service: str | None, spans: list[dict]) -> dict:
    resource = {"attributes": []}
    if service is not None:
        resource["attributes"].append({"key": "service.name", "value": {"stringValue": service}})
    scope = {"scope": {"name": "synmon-test"}, "spans": spans}
    return {"resourceSpans": [{"resource": resource, "scopeSpans": [scope]}]}


def write_traces(landing: Path, n: int = 2400, seed: int = 11) -> Traces:
    """`n` spans over five hours from 00:00 on 2026-03-01, in two landing files of `traces`."""
    rng = np.random.default_rng(seed)
    starts = T0_NS + rng.integers(0, 5 * 3600 * 10**9, n)
    durations = np.round(rng.lognormal(np.log(40e6), 0.9, n)).astype(np.int64)
    services = rng.integers(0, len(SERVICES), n)
    operations = rng.integers(0, len(OPERATIONS), n)
    codes = rng.choice([None, 0, 1, 2, "STATUS_CODE_OK", "STATUS_CODE_ERROR"], n,
                       p=[0.3, 0.2, 0.35, 0.05, 0.08, 0.02])  # fmt: skip
    kinds = rng.choice([1, 2, 3, "SPAN_KIND_SERVER"], n)
    by_service: dict[int, list[dict]] = {}
    for i in range(n):
        span = _span(i, int(starts[i]), int(durations[i]), codes[i], kinds[i],
                     OPERATIONS[operations[i]])  # fmt: skip
        by_service.setdefault(int(services[i]), []).append(span)
    folder = landing / "traces"
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for s, spans in sorted(by_service.items()):
        for k in range(0, len(spans), 250):
            lines.append(json.dumps(_document(SERVICES[s], spans[k : k + 250])))
    # The last document as an SDK would POST it: one pretty-printed request in its own file.
    (folder / "otelcol-traces.jsonl").write_text("\n".join(lines[:-1]) + "\n")
    (folder / "sdk-export.json").write_text(json.dumps(json.loads(lines[-1]), indent=2) + "\n")
    is_error = np.array([c in (2, "STATUS_CODE_ERROR") for c in codes])
    frame = pd.DataFrame(
        {
            "component": [SERVICES[s] or "unknown_service" for s in services],
            "operation": [OPERATIONS[o] for o in operations],
            "ts": pd.to_datetime(starts // 1000 * 1000),
            "duration_ms": durations / 1e6,
            "is_error": is_error,
        }
    )
    return Traces(spans=frame)


def _labels(host: str, le: str | None = None) -> str:
    bound = f',le="{le}"' if le is not None else ""
    return f'{{host="{host}",component="content_generator"{bound}}}'


def _le(bound: float) -> str:
    return "+Inf" if math.isinf(bound) else repr(bound)


def write_histograms(landing: Path, seed: int = 5) -> pd.DataFrame:
    """A Prometheus dump of `HISTOGRAM` per host every 10 minutes; returns its bucket samples.

    Columns of the returned frame: host, ts, upper_bound, value (cumulative, as exposed).
    """
    rng = np.random.default_rng(seed)
    finite = np.array(BOUNDS[:-1])
    rows: list[tuple[str, pd.Timestamp, float, float]] = []
    lines = {"bucket": [], "sum": [], "count": []}
    for host in HOSTS:
        cumulative = np.zeros(len(BOUNDS))
        total = 0.0
        for k in range(SCRAPES):
            ts = T0 + pd.Timedelta(minutes=SCRAPE_MINUTES * k)
            obs = rng.lognormal(np.log(0.4), 0.8, rng.poisson(300))
            counts = np.append((obs[:, None] <= finite).sum(axis=0), len(obs))
            if (host, k) == RESTART:
                cumulative, total = np.zeros(len(BOUNDS)), 0.0
            cumulative = cumulative + counts
            total += float(obs.sum())
            ms = ts.value // 10**6
            for bound, value in zip(BOUNDS, cumulative, strict=True):
                rows.append((host, ts, bound, float(value)))
                lines["bucket"].append(
                    f"{HISTOGRAM}_bucket{_labels(host, _le(bound))} {int(value)} {ms}"
                )
            lines["sum"].append(f"{HISTOGRAM}_sum{_labels(host)} {total!r} {ms}")
            lines["count"].append(f"{HISTOGRAM}_count{_labels(host)} {int(cumulative[-1])} {ms}")
    text = [f"# HELP {HISTOGRAM} Time to generate one content item.",
            f"# TYPE {HISTOGRAM} histogram",
            *lines["bucket"], *lines["sum"], *lines["count"]]  # fmt: skip
    folder = landing / "metrics"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "metrics-2026-03-01.prom").write_text("\n".join(text) + "\n")
    return pd.DataFrame(rows, columns=["host", "ts", "upper_bound", "value"])


def write_otlp_sample_pair(landing: Path) -> None:
    """The upstream OTLP metrics example as landed, and the next delta export 30 minutes later.

    Both are delta: each point counts its own interval's observations. The later export:
    my.histogram buckets (<=1, >1) at 4 and 3 (cumulative 4, 7), count 7;
    my.exponential.histogram zero bucket 2, positive offset 1 buckets (2,4] 1 and (4,8] 4, count 7.
    """
    folder = landing / "metrics"
    folder.mkdir(parents=True, exist_ok=True)
    raw = OTLP_SAMPLE.read_text()
    (folder / "otel-sample.json").write_text(raw)
    later = copy.deepcopy(json.loads(raw))
    for metric in later["resourceMetrics"][0]["scopeMetrics"][0]["metrics"]:
        kind = next(k for k in ("sum", "gauge", "histogram", "exponentialHistogram") if k in metric)
        for point in metric[kind]["dataPoints"]:
            point["timeUnixNano"] = str(int(point["timeUnixNano"]) + 30 * 60 * 10**9)
        if kind == "histogram":
            metric[kind]["dataPoints"][0].update(bucketCounts=["4", "3"], count="7", sum=9)
        if kind == "exponentialHistogram":
            point = metric[kind]["dataPoints"][0]
            point.update(count="7", zeroCount="2", sum=30)
            point["positive"]["bucketCounts"] = ["1", "4"]
    (folder / "otel-later.jsonl").write_text(json.dumps(later) + "\n")


def bucket_increases(samples: pd.DataFrame) -> pd.DataFrame:
    """Hourly increase per host and bound; resets as rate(); a step counts in its later hour."""
    out = []
    for (host, bound), g in samples.groupby(["host", "upper_bound"]):
        g = g.sort_values("ts")
        value, previous = g["value"].to_numpy(), g["value"].shift().to_numpy()
        increase = np.where(value >= previous, value - previous, value)[1:]
        hours = g["ts"].dt.floor("h").to_numpy()[1:]
        for hour, inc in pd.Series(increase).groupby(hours):
            out.append((host, hour, bound, inc.sum()))
    return pd.DataFrame(out, columns=["host", "hour", "upper_bound", "bucket_increase"])


def bucket_quantile(q: float, buckets: list[tuple[float, float]]) -> float | None:
    """Prometheus bucketQuantile (None where it gives NaN); skips its 1e-12 precision fix."""
    ordered = sorted(buckets)
    if not ordered or not math.isinf(ordered[-1][0]):
        return None
    merged: list[list[float]] = []
    for bound, count in ordered:
        if merged and merged[-1][0] == bound:
            merged[-1][1] += count
        else:
            merged.append([bound, count])
    top = merged[0][1]
    for b in merged[1:]:
        top = max(top, b[1])
        b[1] = top
    if len(merged) < 2 or merged[-1][1] == 0:
        return None
    rank = q * merged[-1][1]
    b = next((i for i in range(len(merged) - 1) if merged[i][1] >= rank), len(merged) - 1)
    if b == len(merged) - 1:
        return merged[-2][0]
    if b == 0 and merged[0][0] <= 0:
        return merged[0][0]
    start, end, count = 0.0, merged[b][0], merged[b][1]
    if b > 0:
        start = merged[b - 1][0]
        count -= merged[b - 1][1]
        rank -= merged[b - 1][1]
    return start + (end - start) * (rank / count)
