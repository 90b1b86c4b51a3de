"""Insights: week-over-week regressions with their drivers, capacity, cost and anomaly findings,
ranking, and queries that reproduce the numbers."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.insights import INTELLIGENCE_ASSETS, insights
from assets.resources import SynmonData
from synmon.insights import build_insights, insights_table, write_insights
from synmon.settings import Paths
from tests.test_intelligence.warehouses import END, hourly_marts, request_marts


def _add_capacity_and_anomalies(db) -> None:
    last = END.date() - timedelta(days=1)
    with duckdb.connect(str(db)) as con:
        con.execute(
            "create table capacity_plan as select * from (values "
            "('cpu', 'api_gateway', 0.8, ?::date, ?::date, 0.7, 0.85, 0.9, ?::date, 'prophet'),"
            "('memory', 'api_gateway', 0.85, null::date, null::date, 0.5, 0.5, 0.6, ?::date, "
            "'prophet')) as t(resource, component, \"limit\", first_crossing, "
            "first_crossing_upper, current_peak, forecast_peak, upper_peak, horizon_end, model)",
            [
                last + timedelta(days=5),
                last + timedelta(days=3),
                last + timedelta(days=30),
                last + timedelta(days=30),
            ],
        )
        con.execute(
            "create table anomalies as select * from (values "
            "('api_gateway:error_rate', ?::timestamp, 0.4, 0.01, 0.9, 'critical'),"
            "('api_gateway:cpu', ?::timestamp, 0.9, 0.5, 0.6, 'low')) "
            "as t(series, ts, value, expected, score, severity)",
            [END - timedelta(hours=3), END - timedelta(days=5)],
        )


@pytest.fixture
def warehouse(tmp_path):
    db = tmp_path / "warehouse.duckdb"
    request_marts(db, error_jump=0.30, cost_spike=3.0)
    hourly_marts(db, days=3)
    _add_capacity_and_anomalies(db)
    return db


def test_error_rate_regression_names_its_drivers(warehouse) -> None:
    findings = build_insights(warehouse)
    regression = [f for f in findings if f.kind == "regression"]
    assert [f.evidence["metric"] for f in regression] == ["error_rate"]
    ev = regression[0].evidence
    assert ev["after"] > ev["before"] + 0.02
    assert ev["drivers"]["component"]["value"] == "reasoning_tracer"
    assert ev["drivers"]["endpoint"]["value"] == "/v1/b"
    assert ev["drivers"]["domain"]["value"] == "arts"
    # every slice's contribution adds up to the change: the one bad slice carries nearly all of it
    assert ev["drivers"]["domain"]["share_of_change"] == pytest.approx(1.0, abs=0.1)
    assert "reasoning_tracer" in regression[0].detail or "arts" in regression[0].detail


def test_no_regression_when_nothing_changes(tmp_path) -> None:
    db = tmp_path / "warehouse.duckdb"
    request_marts(db)
    assert [f for f in build_insights(db) if f.kind == "regression"] == []


def test_findings_are_ranked_and_their_queries_show_the_numbers(warehouse) -> None:
    findings = build_insights(warehouse)
    kinds = [f.kind for f in findings]
    assert {"regression", "capacity", "cost_spike", "anomaly"} <= set(kinds)
    assert [f.score for f in findings] == sorted((f.score for f in findings), reverse=True)
    capacity = [f for f in findings if f.kind == "capacity"]
    assert len(capacity) == 1 and "api_gateway cpu" in capacity[0].title
    cost = [f for f in findings if f.kind == "cost_spike"]
    assert [f.evidence["component"] for f in cost] == ["api_gateway"]
    assert cost[0].evidence["cost_usd"] == pytest.approx(
        3 * cost[0].evidence["baseline_usd"], rel=0.2
    )
    anomaly = [f for f in findings if f.kind == "anomaly"]
    assert [f.evidence["series"] for f in anomaly] == [
        "api_gateway:error_rate"
    ]  # only the last 24 h

    write_insights(warehouse, findings)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select rank, kind, evidence, query from insights order by rank"
        ).fetchall()
        assert [r[0] for r in rows] == list(range(1, len(findings) + 1))
        for _, kind, evidence, query in rows:
            assert json.loads(evidence)
            assert con.execute(query).fetchall(), f"the {kind} query returns nothing"


def test_insights_table_rows_follow_the_contract() -> None:
    from synmon.insights import Finding

    rows = insights_table(
        [Finding("anomaly", "t", "d", 1.23456, "select 1", {"day": date(2026, 1, 1)})]
    )
    assert rows == [
        {
            "rank": 1,
            "kind": "anomaly",
            "title": "t",
            "detail": "d",
            "evidence": '{"day": "2026-01-01"}',
            "query": "select 1",
            "score": 1.2346,
        }
    ]


def test_insights_asset_materializes(data_paths: Paths) -> None:
    request_marts(data_paths.warehouse, error_jump=0.30)
    hourly_marts(data_paths.warehouse, days=3)
    _add_capacity_and_anomalies(data_paths.warehouse)
    result = dg.materialize(
        [insights], resources={"data": SynmonData(data_dir=str(data_paths.data))}
    )
    assert result.success
    meta = result.asset_materializations_for_node("insights")[0].metadata
    assert meta["kind/regression"].value == 1
    assert {a.key.to_user_string() for a in INTELLIGENCE_ASSETS} == {
        "anomalies",
        "capacity_plan",
        "insights",
    }


def test_a_quiet_week_writes_an_empty_insights_table(tmp_path: Path) -> None:
    import duckdb

    from synmon.insights import write_insights

    warehouse = tmp_path / "w.duckdb"
    write_insights(warehouse, [])
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from insights").fetchone() == (0,)
