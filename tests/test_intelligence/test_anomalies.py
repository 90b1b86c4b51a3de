"""The anomalies asset: hourly series from the marts, the detector on simulated incidents, and
precision / recall against a labels file."""

from __future__ import annotations

from datetime import timedelta

import dagster as dg
import duckdb
import pandas as pd

from assets.anomalies import anomalies
from assets.resources import SynmonData
from synmon.anomaly.hourly import (
    detect_anomalies,
    incident_scores,
    load_hourly_series,
    summarize_scores,
)
from synmon.settings import Paths
from tests.test_intelligence.warehouses import END, hourly_marts, write_labels

SPIKE_AT = END - timedelta(days=9, hours=-14)
STORM_AT = END - timedelta(days=4, hours=-10)


def test_hourly_series_per_component_leave_out_the_partial_hour(tmp_path) -> None:
    db = tmp_path / "w.duckdb"
    hourly_marts(db, days=3)
    series = load_hourly_series(db)
    assert sorted(series) == sorted(
        f"{c}:{m}"
        for c in ("api_gateway", "reasoning_tracer")
        for m in ("requests", "error_rate", "latency_p95", "cpu")
    )
    requests = series["api_gateway:requests"]
    assert requests.index.max() == END - timedelta(hours=1)
    with duckdb.connect(str(db), read_only=True) as con:
        expected = con.execute(
            "select sum(requests) from rpt_performance_hourly "
            "where component = 'api_gateway' and hour = ?",
            [END - timedelta(hours=1)],
        ).fetchone()[0]
    assert requests.iloc[-1] == expected


def test_detector_finds_the_injected_incidents(tmp_path) -> None:
    db = tmp_path / "w.duckdb"
    hourly_marts(
        db,
        days=30,
        latency_spike=("reasoning_tracer", SPIKE_AT, 2),
        error_storm=("api_gateway", STORM_AT, 1),
    )
    table = detect_anomalies(load_hourly_series(db))
    assert list(table.columns) == ["series", "ts", "value", "expected", "score", "severity"]
    assert (table["score"] >= 0.5).all()
    spike = table[(table["series"] == "reasoning_tracer:latency_p95") & (table["ts"] == SPIKE_AT)]
    assert len(spike) == 1 and spike["value"].iloc[0] > 3 * spike["expected"].iloc[0]
    storm = table[(table["series"] == "api_gateway:error_rate") & (table["ts"] == STORM_AT)]
    assert len(storm) == 1 and storm["severity"].iloc[0] in ("high", "critical")

    incidents = [
        {
            "id": "INC-1",
            "kind": "latency_spike",
            "component": "reasoning_tracer",
            "start": f"{SPIKE_AT:%Y-%m-%dT%H:%M:%S}.000Z",
            "end": f"{SPIKE_AT:%Y-%m-%d}T16:00:00Z",
        },
        {
            "id": "INC-2",
            "kind": "error_storm",
            "component": "api_gateway",
            "start": f"{STORM_AT:%Y-%m-%dT%H:%M:%S}.000Z",
            "end": f"{STORM_AT:%Y-%m-%d}T11:00:00Z",
        },
        {
            "id": "INC-3",
            "kind": "quality_regression",
            "component": "quality_assurance",
            "start": f"{STORM_AT:%Y-%m-%d}T09:00:00Z",
            "end": f"{STORM_AT:%Y-%m-%d}T11:00:00Z",
        },
    ]
    scores = incident_scores(table, incidents, set(load_hourly_series(db)))
    assert list(scores["incident"]) == ["INC-1", "INC-2"]  # no hourly series shows quality
    assert (scores["recall"] == 1.0).all()
    assert (scores["precision"] > 0).all()
    summary = summarize_scores(scores)
    assert summary["incident_recall"] == 1.0


def test_an_incident_on_a_quiet_series_is_a_miss() -> None:
    table = pd.DataFrame(
        {
            "series": ["a:cpu"],
            "ts": [pd.Timestamp("2026-01-01 03:00")],
            "value": [1.0],
            "expected": [0.5],
            "score": [0.6],
            "severity": ["low"],
        }
    )
    incidents = [
        {
            "id": "X",
            "kind": "capacity_saturation",
            "component": "a",
            "start": "2026-01-02T10:00:00.000Z",
            "end": "2026-01-02T12:00:00.000Z",
        }
    ]
    scores = incident_scores(table, incidents, {"a:cpu", "a:latency_p95"})
    assert scores.iloc[0].to_dict() | {} == {
        "incident": "X",
        "kind": "capacity_saturation",
        "series": "a:cpu, a:latency_p95",
        "start": "2026-01-02 10:00:00",
        "hits": 0,
        "flags": 1,
        "precision": 0.0,
        "recall": 0.0,
    }


def test_asset_writes_the_table_and_reports_recall(data_paths: Paths) -> None:
    hourly_marts(data_paths.warehouse, days=30, latency_spike=("api_gateway", SPIKE_AT, 2))
    write_labels(data_paths.labels, [("INC-1", "latency_spike", "api_gateway", SPIKE_AT, 2)])
    result = dg.materialize(
        [anomalies], resources={"data": SynmonData(data_dir=str(data_paths.data))}
    )
    assert result.success
    meta = result.asset_materializations_for_node("anomalies")[0].metadata
    assert meta["incident_recall"].value == 1.0
    with duckdb.connect(str(data_paths.warehouse), read_only=True) as con:
        n = con.execute("select count(*) from anomalies").fetchone()[0]
    assert meta["dagster/row_count"].value == n > 0
