"""Prometheus text exposition and OpenMetrics into rows of the `metrics` dataset.

Parsing is prometheus_client's official parsers: OpenMetrics for a page ending in `# EOF`, the
0.0.4 text parser otherwise or when the stricter OpenMetrics parser rejects a real page (it refuses
negative histogram sums, which client_golang does expose). If a page fails as a whole, each sample
line is parsed on its own so one bad line is quarantined with the parser's message and the rest
load. The `type` column comes from the page's own `# TYPE` lines (the text parser forgets it for
OpenMetrics suffixes); samples without a timestamp get the file's modification time (the scrape).
An OpenMetrics page without its `# EOF` (recognised by `# UNIT` or an OpenMetrics-only type) is
still read as OpenMetrics, so its timestamps are seconds.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as openmetrics_families,
)
from prometheus_client.parser import text_string_to_metric_families as text_families

SUFFIXES = ("_bucket", "_sum", "_count", "_total", "_created", "_gsum", "_gcount", "_info")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}
MIN_TS = datetime(2000, 1, 1)


@dataclass(frozen=True)
class MetricRow:
    ts: datetime
    name: str
    type: str
    value: float
    host: str | None
    component: str | None
    le: str | None
    quantile: str | None
    labels: str
    _source: str
    _line: int
    temporality: str | None = None  # OTLP sums and histograms; Prometheus is cumulative (NULL)


def _declared_types(lines: list[str]) -> dict[str, str]:
    types: dict[str, str] = {}
    for line in lines:
        parts = line.split()
        if len(parts) >= 4 and parts[0] == "#" and parts[1] == "TYPE":
            kind = parts[3].lower()
            types[parts[2]] = "untyped" if kind in ("unknown", "untyped") else kind
    return types


def _type_of(name: str, declared: dict[str, str]) -> str:
    if name in declared:
        return declared[name] if declared[name] in TYPES else "untyped"
    for suffix in SUFFIXES:
        if name.endswith(suffix) and name[: -len(suffix)] in declared:
            kind = declared[name[: -len(suffix)]]
            return kind if kind in TYPES else "untyped"
    return "untyped"


def _ts_seconds(ts: Any) -> float | None:
    if ts is None:
        return None
    if hasattr(ts, "sec"):
        return float(ts.sec) + float(ts.nsec) / 1e9
    return float(ts)


def _strip_exemplar(line: str) -> str:
    return line.split(" # {", 1)[0] if not line.startswith("#") else line


def _samples_whole(text: str, openmetrics: bool) -> tuple[list[Any] | None, float]:
    """(all samples of the page in order or None, factor turning sample timestamps to seconds).

    An OpenMetrics page the OpenMetrics parser rejects goes through the text parser without its
    exemplars; that parser reads timestamps as milliseconds, OpenMetrics writes seconds.
    """
    if openmetrics:
        try:
            return [s for family in openmetrics_families(text) for s in family.samples], 1.0
        except (ValueError, TypeError, KeyError, IndexError):
            text = "\n".join(_strip_exemplar(line) for line in text.split("\n"))
    scale = 1000.0 if openmetrics else 1.0
    try:
        return [s for family in text_families(text) for s in family.samples], scale
    except (ValueError, TypeError, KeyError, IndexError):
        return None, scale


_OM_TYPES = {"unknown", "info", "stateset", "gaugehistogram"}


def _is_openmetrics(text: str) -> bool:
    """An OpenMetrics page: it ends in `# EOF`, or (cut short) has a `# UNIT`/`# EOF` line or a
    type only OpenMetrics declares. Its timestamps are seconds, not the 0.0.4 milliseconds."""
    if text.rstrip().endswith("# EOF"):
        return True
    for line in text.split("\n"):
        if line.startswith(("# UNIT ", "# EOF")):
            return True
        parts = line.split()
        if len(parts) >= 4 and parts[:2] == ["#", "TYPE"] and parts[3] in _OM_TYPES:
            return True
    return False


def parse_exposition(
    text: str, source: str, first_line: int, scrape_time: datetime, now: datetime
) -> tuple[list[MetricRow], list[tuple[int, str, str]], int]:
    """Rows and (line, reason, raw) rejects for sample lines numbered >= `first_line`.

    Returns (rows, rejects, records_in); records_in counts the sample lines in range.
    """
    lines = text.split("\n")
    declared = _declared_types(lines)
    sample_lines = [
        (i + 1, line) for i, line in enumerate(lines) if line.strip() and not line.startswith("#")
    ]
    wanted = [(n, line) for n, line in sample_lines if n >= first_line]
    pairs: list[tuple[int, str, Any]] = []
    rejects: list[tuple[int, str, str]] = []
    openmetrics = _is_openmetrics(text)
    if openmetrics and not text.rstrip().endswith("# EOF"):
        text = text.rstrip("\n") + "\n# EOF\n"  # a page cut short: its samples still count
    whole, scale = _samples_whole(text, openmetrics)
    if whole is not None and len(whole) == len(sample_lines):
        offset = len(sample_lines) - len(wanted)
        pairs = [(n, line, s) for (n, line), s in zip(wanted, whole[offset:], strict=True)]
    else:
        for n, line in wanted:
            try:
                one = _strip_exemplar(line) if openmetrics else line
                samples = [s for f in text_families(one + "\n") for s in f.samples]
            except (ValueError, TypeError, KeyError, IndexError) as exc:
                rejects.append((n, f"not a valid exposition sample: {str(exc)[:160]}", line))
                continue
            if len(samples) != 1:
                rejects.append((n, "not a valid exposition sample", line))
                continue
            pairs.append((n, line, samples[0]))
    rows: list[MetricRow] = []
    default_ts = scrape_time.astimezone(UTC).replace(tzinfo=None)
    upper = now.astimezone(UTC).replace(tzinfo=None) + timedelta(days=1)
    for n, line, s in pairs:
        seconds = _ts_seconds(s.timestamp)
        if seconds is not None and not hasattr(s.timestamp, "sec"):
            seconds *= scale
        if seconds is not None and not math.isfinite(seconds):
            rejects.append((n, f"timestamp: {seconds} is not finite", line))
            continue
        ts = default_ts if seconds is None else datetime(1970, 1, 1) + timedelta(seconds=seconds)
        if ts < MIN_TS or ts > upper:
            rejects.append((n, f"timestamp: {ts.isoformat()} is outside 2000-01-01..now+1d", line))
            continue
        labels = dict(s.labels)
        rows.append(
            MetricRow(
                ts=ts,
                name=s.name,
                type=_type_of(s.name, declared),
                value=float(s.value),
                host=labels.get("host") or labels.get("instance"),
                component=labels.get("component") or labels.get("job"),
                le=labels.get("le"),
                quantile=labels.get("quantile"),
                labels=json.dumps(labels, sort_keys=True),
                _source=source,
                _line=n,
            )
        )
    return rows, rejects, len(wanted)
