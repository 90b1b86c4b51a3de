"""Alerts on capacity_plan and anomalies: which label sets fire and resolve, and when."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd

from assets.resources import SynmonData
from sensors.alert_config import load_alerts_config
from sensors.intel_alerts import intelligence_alert_sensor, run_intel_tick
from synmon.capacity import PLAN_COLUMNS, write_capacity_plan
from synmon.settings import CONFIG_DIR, Paths

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
TODAY = NOW.date()


def _plan(rows: list[tuple[str, str, int | None, int | None]]) -> pd.DataFrame:
    """(resource, component, days to forecast crossing, days to upper-bound crossing)."""

    def day(n: int | None) -> object:
        return None if n is None else TODAY + timedelta(days=n)

    return pd.DataFrame(
        [
            (res, comp, 0.8, day(f), day(u), 0.5, 0.9, 0.95, TODAY + timedelta(days=30), "prophet")
            for res, comp, f, u in rows
        ],
        columns=list(PLAN_COLUMNS),
    )


def _anomalies(warehouse: Path, rows: list[tuple[str, float, float]]) -> None:
    """(series, hours before NOW, score)."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "create or replace table anomalies (series varchar, ts timestamp, value double,"
            " expected double, score double, severity varchar)"
        )
        for series, hours, score in rows:
            ts = (NOW - timedelta(hours=hours)).replace(tzinfo=None)
            con.execute("insert into anomalies values (?, ?, 1, 0, ?, 'high')", [series, ts, score])


def _sent(paths: Paths) -> list[dict]:
    path = paths.notifications / "alerts.jsonl"
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


def test_rules_fire_per_label_set_and_resolve(data_paths: Paths) -> None:
    config = load_alerts_config(CONFIG_DIR / "alerts.yaml")
    plan = _plan(
        [
            ("cpu", "api_gateway", 5, 2),  # forecast within 14 days: CapacityLimitSoon
            ("memory", "api_gateway", None, 20),  # only the upper bound, within 30 days
            ("disk", "api_gateway", 40, 35),  # beyond both horizons: nothing
        ]
    )
    write_capacity_plan(data_paths.warehouse, plan)
    _anomalies(
        data_paths.warehouse,
        [("requests:api_gateway", 1, 0.85), ("cpu:api_gateway", 10, 0.95), ("p95:x", 1, 0.6)],
    )
    now = NOW.timestamp()
    result = run_intel_tick(data_paths, config=config, now=now)
    names = sorted(n["alertname"] for n in _sent(data_paths))
    assert names == [
        "AnomalyDetected",
        "CapacityLimitPossible",
        "CapacityLimitPossible",
        "CapacityLimitSoon",
    ]
    soon = next(n for n in _sent(data_paths) if n["alertname"] == "CapacityLimitSoon")
    assert soon["labels"]["resource"] == "cpu" and soon["value"] == 5.0
    assert soon["annotations"]["summary"] == "cpu of api_gateway reaches its limit in 5 days"
    possible = {
        n["labels"]["resource"]
        for n in _sent(data_paths)
        if n["alertname"] == "CapacityLimitPossible"
    }
    assert possible == {"cpu", "memory"}  # cpu's upper bound crosses on day 2 as well
    anomaly = next(n for n in _sent(data_paths) if n["alertname"] == "AnomalyDetected")
    assert anomaly["labels"]["series"] == "requests:api_gateway" and anomaly["value"] == 0.85
    assert result.new_notifications == 4 and not result.missing

    # The same tables again: nothing new is sent.
    again = run_intel_tick(data_paths, config=config, now=now + 60)
    assert again.new_notifications == 0 and len(_sent(data_paths)) == 4

    # The cpu forecast moves out: its two alerts resolve, memory keeps firing.
    write_capacity_plan(data_paths.warehouse, _plan([("memory", "api_gateway", None, 20)]))
    later = run_intel_tick(data_paths, config=config, now=now + 120)
    resolved = [n for n in _sent(data_paths) if n["status"] == "resolved"]
    assert later.new_notifications == 2
    assert {(n["alertname"], n["labels"]["resource"]) for n in resolved} == {
        ("CapacityLimitSoon", "cpu"),
        ("CapacityLimitPossible", "cpu"),
    }


def test_missing_tables_are_reported_not_fatal(data_paths: Paths) -> None:
    config = load_alerts_config(CONFIG_DIR / "alerts.yaml")
    _anomalies(data_paths.warehouse, [])
    result = run_intel_tick(data_paths, config=config, now=NOW.timestamp())
    assert result.missing == ["capacity_plan"]
    assert "not built yet: capacity_plan" in result.summary and not _sent(data_paths)


def test_sensor_runs_only_when_the_tables_are_rebuilt(data_paths: Paths) -> None:
    write_capacity_plan(data_paths.warehouse, _plan([("cpu", "api_gateway", 1, 1)]))
    _anomalies(data_paths.warehouse, [])
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(instance=instance, resources={"data": SynmonData()})
        first = intelligence_alert_sensor(context)
        assert first.cursor is None and "unchanged" in first.skip_reason.skip_message

        instance.report_runless_asset_event(dg.AssetMaterialization("capacity_plan"))
        ran = intelligence_alert_sensor(context)
        assert ran.cursor and "capacity_plan" in json.loads(ran.cursor)
        assert {n["alertname"] for n in _sent(data_paths)} == {
            "CapacityLimitSoon",
            "CapacityLimitPossible",
        }

        context = dg.build_sensor_context(
            instance=instance, resources={"data": SynmonData()}, cursor=ran.cursor
        )
        idle = intelligence_alert_sensor(context)
        assert "unchanged" in idle.skip_reason.skip_message
