"""Anomalies over the hourly series per component: reading the series from the marts, running the
causal detector (`synmon.anomaly.detector`) with hourly spans, writing the `anomalies` table, and
precision and recall against the simulator's labelled incidents. Dagster-free: the `anomalies`
asset, the bench and the tests call these functions.

Series, one point per complete hour: `<component>:requests`, `<component>:error_rate` and
`<component>:latency_p95` from `rpt_performance_hourly` (summed over endpoints; p95 is the
request-weighted mean of the endpoints' p95, since percentiles do not add up), and
`<component>:cpu` from `rpt_resources_hourly` (mean over the component's hosts).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

# Which hourly series shows each simulated incident kind (quality shows in no hourly series).
INCIDENT_SERIES = {
    "latency_spike": ("latency_p95",),
    "error_storm": ("error_rate",),
    "capacity_saturation": ("cpu", "latency_p95"),
}
# The detector averages its surprise over a few points, so an alarm may come just after the end.
DETECTION_SLACK = pd.Timedelta(hours=2)
ANOMALY_COLUMNS = ["series", "ts", "value", "expected", "score", "severity"]
# The detector's defaults count 5-minute points (tuned on NAB); these are the same spans for hourly
# points: a day of level, two weeks of scale, a week of reference, two months of memory, and a
# point window of 2 so a one-hour incident is not averaged away.
HOURLY_PARAMS = {
    "level_window": 24,
    "scale_window": 336,
    "point_window": 2,
    "shift_window": 6,
    "reference_window": 168,
    "memory": 1440,
    "warmup": 72,
    "suppress": 24,
}

_PERFORMANCE_SQL = """
select component, hour as ts, sum(requests) as requests,
    sum(errors) / nullif(sum(requests), 0) as error_rate,
    sum(latency_p95_ms * requests) / nullif(sum(requests), 0) as latency_p95
from rpt_performance_hourly
where hour < (select max(hour) from rpt_performance_hourly)
group by all order by component, ts
"""
_CPU_SQL = """
select component, hour as ts, avg(cpu_utilization) as cpu
from rpt_resources_hourly
where hour < (select max(hour) from rpt_resources_hourly)
group by all order by component, ts
"""


def load_hourly_series(warehouse: Path) -> dict[str, pd.Series]:
    """The hourly series per component, complete hours only, each indexed by hour in order."""
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        perf = con.execute(_PERFORMANCE_SQL).df()
        cpu = con.execute(_CPU_SQL).df()
    series: dict[str, pd.Series] = {}
    for frame, metrics in ((perf, ("requests", "error_rate", "latency_p95")), (cpu, ("cpu",))):
        for component, part in frame.groupby("component", sort=True):
            index = pd.DatetimeIndex(part["ts"])
            for metric in metrics:
                values = pd.Series(part[metric].to_numpy(dtype=float), index=index).dropna()
                if metric == "requests":
                    full = pd.date_range(index.min(), index.max(), freq="h")
                    values = values.reindex(full, fill_value=0.0)
                if len(values):
                    series[f"{component}:{metric}"] = values
    return series


def detect_anomalies(series: dict[str, pd.Series]) -> pd.DataFrame:
    """Run the causal detector over every series; keep the points it flags (score >= 0.5)."""
    from synmon.anomaly.detector import (
        ANOMALY_THRESHOLD,
        DetectorParams,
        detect,
        points_per_day,
    )

    params = DetectorParams(**HOURLY_PARAMS)
    frames = []
    for name, values in sorted(series.items()):
        scored = detect(values, points_per_day(values.index), params)
        flagged = scored[scored["score"] >= ANOMALY_THRESHOLD]
        if not flagged.empty:
            frames.append(flagged.rename_axis("ts").reset_index().assign(series=name))
    if not frames:
        return pd.DataFrame(columns=ANOMALY_COLUMNS)
    out = pd.concat(frames, ignore_index=True)[ANOMALY_COLUMNS]
    return out.sort_values(["ts", "series"], ignore_index=True)


def write_anomalies(warehouse: Path, table: pd.DataFrame) -> None:
    """Replace the content of `anomalies` in one transaction."""
    import duckdb

    with duckdb.connect(str(warehouse)) as con:
        con.execute("begin")
        con.execute(
            "create or replace table anomalies (series varchar, ts timestamp, value double, "
            "expected double, score double, severity varchar)"
        )
        if not table.empty:
            con.register("anomalies_df", table)
            con.execute(
                f"insert into anomalies select {', '.join(ANOMALY_COLUMNS)} from anomalies_df"
            )
        con.execute("commit")


def load_incidents(path: Path) -> list[dict[str, Any]]:
    """The simulator's labels (collectors/sim_incidents.py), or [] when there is no file."""
    if not path.exists():
        return []
    return list(json.loads(path.read_text(encoding="utf-8")))


def incident_scores(
    table: pd.DataFrame, incidents: list[dict[str, Any]], series_names: set[str]
) -> pd.DataFrame:
    """Per labelled incident with an hourly series that should show it: the flags inside its
    window (the hours it touches, plus `DETECTION_SLACK`) on those series, all flags on them,
    precision (in-window flags / all flags on the series) and recall (1 if any flag is inside)."""
    rows = []
    ts = pd.to_datetime(table["ts"])
    for inc in incidents:
        metrics = INCIDENT_SERIES.get(str(inc["kind"]), ())
        names = [
            f"{inc['component']}:{m}" for m in metrics if f"{inc['component']}:{m}" in series_names
        ]
        if not names:
            continue
        start = pd.Timestamp(inc["start"]).tz_localize(None).floor("h")
        end = pd.Timestamp(inc["end"]).tz_localize(None) + DETECTION_SLACK
        on_series = table["series"].isin(names)
        inside = on_series & (ts >= start) & (ts < end)
        hits, flags = int(inside.sum()), int(on_series.sum())
        rows.append(
            {
                "incident": inc["id"],
                "kind": inc["kind"],
                "series": ", ".join(names),
                "start": str(start),
                "hits": hits,
                "flags": flags,
                "precision": hits / flags if flags else 0.0,
                "recall": 1.0 if hits else 0.0,
            }
        )
    return pd.DataFrame(
        rows,
        columns=["incident", "kind", "series", "start", "hits", "flags", "precision", "recall"],
    )


def summarize_scores(scores: pd.DataFrame) -> dict[str, float]:
    """Recall over incidents and precision over all flags on the incidents' series."""
    if scores.empty:
        return {"incident_recall": 0.0, "incident_precision": 0.0}
    flags = int(scores["flags"].sum())
    return {
        "incident_recall": float(scores["recall"].mean()),
        "incident_precision": float(scores["hits"].sum() / flags) if flags else 0.0,
        "incidents_scored": float(len(scores)),
    }


def incident_summary(
    table: pd.DataFrame, incidents: list[dict[str, Any]], series_names: set[str]
) -> tuple[dict[str, float], pd.DataFrame]:
    """Recall and precision over every flag and over flags of medium severity and up (suffix
    `_medium_up`: low-severity alarms are mostly the detector learning the first weeks), and the
    per-incident rows for every flag."""
    scores = incident_scores(table, incidents, series_names)
    summary = summarize_scores(scores)
    serious = table[table["severity"] != "low"]
    summary |= {
        f"{k}_medium_up": v
        for k, v in summarize_scores(incident_scores(serious, incidents, series_names)).items()
        if k != "incidents_scored"
    }
    return summary, scores
