"""Fluent Bit's out_file metrics text (cmetrics' text encoder) into rows of the `metrics` dataset.

For metrics, out_file ignores `format` and writes one sample per line:
`<RFC3339 nano UTC ts> <name>{<labels>} = <value>`, with histograms as
`= { buckets = { 0.5=0, 1=1, +Inf=1 }, sum=0.75, count=1 }` (summaries the same with
`quantiles`). A histogram line expands into one `_bucket` sample per bound plus `_sum` and
`_count`, as Prometheus exposes it; records are samples, and a line that does not parse is one
quarantined record. The text carries no type: a bucket line is a histogram, a quantile line a
summary, a `_total` name a counter, anything else untyped.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime, timedelta

from synmon.ingest.prometheus import MIN_TS, MetricRow

LINE = re.compile(r"^(\S+) ([A-Za-z_:][A-Za-z0-9_:.]*)(\{.*\})? = (.+)$")
HEAD = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z [A-Za-z_:]")
LABEL = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_.]*)="((?:[^"\\]|\\.)*)"\s*(,|$)')
COMPOUND = re.compile(r"^\{\s*(buckets|quantiles) = \{(.*)\},\s*sum=(\S+),\s*count=(\S+)\s*\}$")
Reject = tuple[int, str, str]


def looks_like(first_line: str) -> bool:
    """Whether a line is in out_file's metrics text form."""
    return bool(HEAD.match(first_line)) and " = " in first_line


def _labels(text: str | None) -> dict[str, str]:
    if not text or text == "{}":
        return {}
    body, out, pos = text[1:-1], {}, 0
    while pos < len(body):
        m = LABEL.match(body, pos)
        if not m:
            raise ValueError(f"labels: cannot read {body[pos : pos + 40]!r}")
        out[m.group(1)] = re.sub(r"\\(.)", lambda e: {"n": "\n"}.get(e[1], e[1]), m.group(2))
        pos = m.end()
    return out


def _value(text: str) -> float:
    low = text.strip().lower()
    if low in ("nan", "-nan"):
        return math.nan
    if low in ("inf", "+inf"):
        return math.inf
    if low == "-inf":
        return -math.inf
    return float(low)


def _samples(value: str) -> tuple[str, list[tuple[str, float, str | None, str | None]]]:
    """(type, [(suffix, value, le, quantile)]) of one value part."""
    if not value.startswith("{"):
        return "", [("", _value(value), None, None)]
    m = COMPOUND.match(value)
    if not m:
        raise ValueError("value: not a number nor a { buckets|quantiles = {...}, sum=, count= }")
    kind, body, total, count = m.groups()
    out: list[tuple[str, float, str | None, str | None]] = []
    for pair in filter(None, (p.strip() for p in body.split(","))):
        bound, _, num = pair.partition("=")
        if kind == "buckets":
            out.append(("_bucket", _value(num), bound.strip(), None))
        else:
            out.append(("", _value(num), None, bound.strip()))
    out += [("_sum", _value(total), None, None), ("_count", _value(count), None, None)]
    return ("histogram" if kind == "buckets" else "summary"), out


def parse_text(
    text: str, source: str, first_line: int, now: datetime
) -> tuple[list[MetricRow], list[Reject], int]:
    """(rows, rejects, records_in) of the non-blank lines of `text`, numbered from `first_line`."""
    rows: list[MetricRow] = []
    rejects: list[Reject] = []
    upper = now.astimezone(UTC).replace(tzinfo=None) + timedelta(days=1)
    for i, line in enumerate(text.split("\n")):
        if not line.strip():
            continue
        n = first_line + i
        m = LINE.match(line)
        if not m:
            rejects.append(
                (n, "not a Fluent Bit metrics text line (<ts> name{labels} = value)", line)
            )
            continue
        stamp, name, label_text, value = m.groups()
        try:
            ts = datetime.fromisoformat(stamp).astimezone(UTC).replace(tzinfo=None)
            if ts < MIN_TS or ts > upper:
                raise ValueError(f"timestamp: {stamp} is outside 2000-01-01..now+1d")
            labels = _labels(label_text)
            kind, samples = _samples(value)
        except ValueError as exc:
            rejects.append((n, str(exc)[:200], line))
            continue
        kind = kind or ("counter" if name.endswith("_total") else "untyped")
        for suffix, number, le, quantile in samples:
            extra = {"le": le} if le is not None else {"quantile": quantile} if quantile else {}
            all_labels = labels | extra
            rows.append(
                MetricRow(
                    ts=ts,
                    name=name + suffix,
                    type=kind,
                    value=number,
                    host=labels.get("host") or labels.get("hostname") or labels.get("instance"),
                    component=labels.get("component") or labels.get("job"),
                    le=le,
                    quantile=quantile,
                    labels=json.dumps(all_labels, sort_keys=True),
                    _source=source,
                    _line=n,
                )
            )
    return rows, rejects, len(rows) + len(rejects)
