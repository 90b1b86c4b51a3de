"""OTLP/JSON requests (the bodies POSTed to /v1/metrics and /v1/traces) into lake rows.

`otlpdocs` cuts a landing file into request documents and walks their resource and scope levels.
Metric data points become samples of the
`metrics` dataset the way Prometheus exposes them: a sum or gauge point is one sample, a histogram
point one `<name>_bucket` sample per cumulative bound (`le`) plus `_sum` and `_count`, an
exponential histogram the same with its bounds computed from `scale`, a summary one sample per
quantile plus `_sum` and `_count`. Spans become rows of the `spans` dataset. int64 fields may be
JSON strings or numbers; unknown fields are ignored. Records are samples (metrics) or spans; a
data point or span that cannot be read is one quarantined record with the document's line, and
so is a resource or scope level that is not the shape OTLP defines (its points cannot be counted).
Sums and histograms keep their `aggregationTemporality` ('delta' or 'cumulative') per sample.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta
from typing import Any

from synmon.ingest.otlpdocs import BadPoint, Reject, as_object, attributes, leaves, shown
from synmon.ingest.prometheus import MIN_TS, MetricRow

EPOCH = datetime(1970, 1, 1)
STATUS = {0: "unset", 1: "ok", 2: "error"}
STATUS_NAMES = {"STATUS_CODE_UNSET": 0, "STATUS_CODE_OK": 1, "STATUS_CODE_ERROR": 2}


def _label(v: Any) -> str:
    return v if isinstance(v, str) else json.dumps(v)


def _time(point: dict[str, Any], key: str, now: datetime) -> datetime:
    raw = point.get(key)
    if raw in (None, "", 0, "0"):
        raise BadPoint(f"{key}: missing")
    try:
        nanos = int(raw)
        ts = EPOCH + timedelta(microseconds=nanos // 1000)
    except (TypeError, ValueError, OverflowError):
        raise BadPoint(f"{key}: {str(raw)[:40]!r} is not an integer in range") from None
    if ts < MIN_TS or ts > now + timedelta(days=1):
        raise BadPoint(f"{key}: {ts.isoformat()} is outside 2000-01-01..now+1d")
    return ts


def _num(v: Any, what: str) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        raise BadPoint(f"{what}: {str(v)[:40]!r} is not a number") from None


def _bound(x: float) -> str:
    return "+Inf" if x == math.inf else repr(float(x))


def _samples(kind: str, point: dict[str, Any]) -> list[tuple[str, float, dict[str, str]]]:
    """(suffix, value, extra labels) of one data point."""
    if kind in ("sum", "gauge"):
        if "asDouble" in point:
            return [("", _num(point["asDouble"], "asDouble"), {})]
        if "asInt" in point:
            return [("", _num(point["asInt"], "asInt"), {})]
        raise BadPoint("value: neither asDouble nor asInt")
    count = _num(point.get("count", 0), "count")
    out: list[tuple[str, float, dict[str, str]]] = []
    if kind == "histogram":
        counts = [_num(c, "bucketCounts") for c in point.get("bucketCounts", [])]
        bounds = [_num(b, "explicitBounds") for b in point.get("explicitBounds", [])]
        if counts and len(counts) != len(bounds) + 1:
            raise BadPoint(f"bucketCounts: {len(counts)} counts for {len(bounds)} bounds")
        running = 0.0
        for le, c in zip([*bounds, math.inf], counts, strict=False):
            running += c
            out.append(("_bucket", running, {"le": _bound(le)}))
    elif kind == "exponentialHistogram":
        out.extend(_exponential(point, count))
    elif kind == "summary":
        for q in point.get("quantileValues", []):
            out.append(
                (
                    "",
                    _num(q.get("value", 0), "value"),
                    {"quantile": repr(float(q.get("quantile", 0)))},
                )
            )
    if "sum" in point:
        out.append(("_sum", _num(point["sum"], "sum"), {}))
    out.append(("_count", count, {}))
    return out


def _exponential(point: dict[str, Any], count: float) -> list[tuple[str, float, dict[str, str]]]:
    """Cumulative `le` buckets of an exponential histogram: negative, zero, positive, +Inf."""
    scale = int(point.get("scale", 0))
    base = 2.0 ** (2.0**-scale)
    out = []
    running = 0.0
    neg = point.get("negative") or {}
    neg_counts = [_num(c, "negative.bucketCounts") for c in neg.get("bucketCounts", [])]
    neg_off = int(neg.get("offset", 0))
    for i in reversed(range(len(neg_counts))):  # most negative first: (-base^(k+1), -base^k]
        running += neg_counts[i]
        out.append(("_bucket", running, {"le": _bound(-(base ** (neg_off + i)))}))
    running += _num(point.get("zeroCount", 0), "zeroCount")
    out.append(("_bucket", running, {"le": _bound(float(point.get("zeroThreshold", 0)))}))
    pos = point.get("positive") or {}
    pos_off = int(pos.get("offset", 0))
    for i, c in enumerate(pos.get("bucketCounts", [])):
        running += _num(c, "positive.bucketCounts")
        out.append(("_bucket", running, {"le": _bound(base ** (pos_off + i + 1))}))
    out.append(("_bucket", count, {"le": "+Inf"}))
    return out


TYPES = {
    "gauge": "gauge",
    "histogram": "histogram",
    "exponentialHistogram": "histogram",
    "summary": "summary",
}


TEMPORALITY = {
    1: "delta",
    2: "cumulative",
    "AGGREGATION_TEMPORALITY_DELTA": "delta",
    "AGGREGATION_TEMPORALITY_CUMULATIVE": "cumulative",
}


def _temporality(kind: str, data: dict[str, Any]) -> str | None:
    """'delta', 'cumulative' or None (a gauge, or temporality left unspecified)."""
    if kind == "summary":
        return "cumulative"  # the OTLP summary is cumulative by definition
    if kind == "gauge":
        return None
    return TEMPORALITY.get(data.get("aggregationTemporality"))  # type: ignore[arg-type]


def metric_rows(
    doc: Any, line: int, source: str, now: datetime
) -> tuple[list[MetricRow], list[Reject]]:
    """Samples and rejects of one ExportMetricsServiceRequest document."""
    metrics, rejects = leaves(doc, line, "resourceMetrics", "scopeMetrics", "metrics")
    rows: list[MetricRow] = []
    for resource, metric in metrics:
        if not isinstance(metric, dict):
            rejects.append((line, f"metric: {shown(metric)} is not an object", json.dumps(metric)))
            continue
        name = metric.get("name", "")
        kind = next((k for k in (*TYPES, "sum") if k in metric), None)
        data = metric.get(kind) if kind else None
        if not isinstance(data, dict) or not isinstance(data.get("dataPoints", []), list):
            why = (
                "metric without a known data type"
                if kind is None
                else (f"{kind}: not an object with a dataPoints list")
            )
            rejects.append((line, f"{name or '?'}: {why}", json.dumps(metric)[:65536]))
            continue
        for point in data.get("dataPoints") or []:
            try:
                if not name or not isinstance(name, str):
                    raise BadPoint("metric without a name")
                if not isinstance(point, dict):
                    raise BadPoint(f"dataPoint: {shown(point)} is not an object")
                assert kind is not None
                mtype = TYPES.get(kind) or ("counter" if data.get("isMonotonic") else "gauge")
                ts = _time(point, "timeUnixNano", now)
                labels = {k: _label(v) for k, v in resource.items()}
                labels |= {k: _label(v) for k, v in attributes(point.get("attributes")).items()}
                temporality = _temporality(kind, data)
                for suffix, value, extra in _samples(kind, point):
                    all_labels = labels | extra
                    rows.append(
                        MetricRow(
                            ts=ts,
                            name=name + suffix,
                            type=mtype,
                            value=value,
                            host=all_labels.get("host.name") or all_labels.get("host"),
                            component=all_labels.get("service.name"),
                            le=extra.get("le"),
                            quantile=extra.get("quantile"),
                            labels=json.dumps(all_labels, sort_keys=True),
                            _source=source,
                            _line=line,
                            temporality=temporality,
                        )
                    )
            except (BadPoint, TypeError, ValueError, AttributeError, OverflowError) as exc:
                raw = json.dumps({"metric": name, "dataPoint": point})[:65536]
                rejects.append((line, f"{name or '?'}: {exc}", raw))
    return rows, rejects


def _hex_id(span: dict[str, Any], key: str, width: int, required: bool) -> str | None:
    value = span.get(key) or ""
    if not isinstance(value, str):
        raise BadPoint(f"{key}: {shown(value)} is not a hex string")
    if not value:
        if required:
            raise BadPoint(f"{key}: missing")
        return None
    if len(value) != width or any(c not in "0123456789abcdefABCDEF" for c in value):
        raise BadPoint(f"{key}: {value[:40]!r} is not {width} hex digits")
    return value.lower()


def _status(status: dict[str, Any]) -> str:
    code = status.get("code", 0)
    code = STATUS_NAMES.get(code, code) if isinstance(code, str) else code
    if isinstance(code, bool) or not isinstance(code, int | float | str):
        raise BadPoint(f"status.code: {shown(code)} is not a status code")
    try:
        return STATUS.get(int(code), "unset")
    except ValueError:
        raise BadPoint(f"status.code: {shown(code)} is not a status code") from None


def span_rows(
    doc: Any, line: int, source: str, now: datetime
) -> tuple[list[dict[str, Any]], list[Reject]]:
    """Rows of the `spans` dataset and rejects of one ExportTraceServiceRequest document."""
    spans, rejects = leaves(doc, line, "resourceSpans", "scopeSpans", "spans")
    rows: list[dict[str, Any]] = []
    for resource, span in spans:
        try:
            if not isinstance(span, dict):
                raise BadPoint(f"{shown(span)} is not an object")
            start = _time(span, "startTimeUnixNano", now)
            end = _time(span, "endTimeUnixNano", now)
            nanos = int(span["endTimeUnixNano"]) - int(span["startTimeUnixNano"])
            if nanos < 0:
                raise BadPoint("endTimeUnixNano: before startTimeUnixNano")
            status = as_object(span, "status")
            message = status.get("message")
            rows.append(
                {
                    "ts": start.isoformat(),
                    "trace_id": _hex_id(span, "traceId", 32, True),
                    "span_id": _hex_id(span, "spanId", 16, True),
                    "parent_span_id": _hex_id(span, "parentSpanId", 16, False),
                    "name": _label(span.get("name") or ""),
                    "component": _label(resource["service.name"])
                    if "service.name" in resource
                    else None,
                    "kind": _label(span.get("kind", 0)),
                    "end_ts": end.isoformat(),
                    "duration_ms": repr(nanos / 1e6),
                    "status": _status(status),
                    "status_message": None if message is None else _label(message),
                    "attributes": json.dumps(attributes(span.get("attributes"))),
                    "_source": source,
                    "_line": line,
                }
            )
        except (BadPoint, TypeError, ValueError, KeyError, AttributeError, OverflowError) as exc:
            rejects.append((line, f"span: {exc}", json.dumps(span)[:65536]))
    return rows, rejects
