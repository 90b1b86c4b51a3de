"""The hourly anomaly core in `synmon.anomaly.hourly`: Dagster-free, and its incident scoring by
hand (the detector on simulated incidents is in tests/test_intelligence/test_anomalies.py)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from synmon.anomaly.hourly import detect_anomalies, incident_summary, write_anomalies


def test_module_imports_no_dagster() -> None:
    code = "import sys, synmon.anomaly.hourly; print('dagster' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _table(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "series": [r[0] for r in rows],
            "ts": pd.to_datetime([r[1] for r in rows]),
            "value": 1.0,
            "expected": 0.5,
            "score": 0.6,
            "severity": [r[2] for r in rows],
        }
    )


def test_incident_summary_by_hand() -> None:
    incidents = [
        {
            "id": "E1",
            "kind": "error_storm",
            "component": "api",
            "start": "2026-01-02T10:20:00Z",
            "end": "2026-01-02T11:00:00Z",
        }
    ]
    # window: 10:00 (start floored to the hour) to 13:00 (end + 2 h slack)
    table = _table(
        [
            ("api:error_rate", "2026-01-02 10:00", "high"),  # hit
            ("api:error_rate", "2026-01-02 12:00", "low"),  # hit, low severity
            ("api:error_rate", "2026-01-05 03:00", "low"),  # false alarm
            ("api:requests", "2026-01-02 10:00", "high"),  # not a series of this incident
        ]
    )
    summary, scores = incident_summary(table, incidents, {"api:error_rate", "api:requests"})
    assert scores[["hits", "flags"]].iloc[0].tolist() == [2, 3]
    assert summary == pytest.approx(
        {
            "incident_recall": 1.0,
            "incident_precision": 2 / 3,
            "incidents_scored": 1.0,
            "incident_recall_medium_up": 1.0,
            "incident_precision_medium_up": 1.0,
        }
    )


def test_detect_and_write_a_level_shift(tmp_path) -> None:
    rng = np.random.default_rng(2)
    hours = pd.date_range("2026-01-01", periods=24 * 21, freq="h")
    daily = 100 + 30 * np.sin(2 * np.pi * hours.hour.to_numpy() / 24)
    values = daily + rng.normal(0, 3, len(hours))
    values[460:466] += 150  # a six-hour spike
    table = detect_anomalies({"api:requests": pd.Series(values, index=hours)})
    assert ((table["ts"] >= hours[460]) & (table["ts"] <= hours[467])).any()
    db = tmp_path / "warehouse.duckdb"
    write_anomalies(db, table)
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from anomalies").fetchone()[0] == len(table)
