"""The GX 1.x wrapper: known bad rows fail the right expectations with the right counts.

Every bad lake is written by hand (ingest would quarantine most of these rows), so the expected
counts are known from the rows themselves; a simulated, ingested lake must pass every suite.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from synmon.quality import DATASETS, SuiteError, SuiteResult, load_suite, validate_dataset
from synmon.quality.runner import validate_frame
from tests.test_validation.conftest import write_lake

T0 = datetime(2026, 11, 10, 8)


def _request(i: int, day: int = 0, **over: Any) -> dict[str, Any]:
    row = {
        "ts": T0 + timedelta(days=day, seconds=i), "request_id": f"r{day}-{i}",
        "component": "api_gateway", "endpoint": "/v1/generate", "method": "POST",
        "status": 200, "latency_ms": 12.5, "domain": "science", "tokens_in": 10,
        "tokens_out": 20, "cost_usd": 0.001, "host": "api_gateway-0",
    }  # fmt: skip
    row.update(over)
    return row


def _failed(result: SuiteResult) -> dict[str, int]:
    return {o.id: o.unexpected_count for o in result.failed}


@pytest.fixture(scope="module")
def bad_requests(tmp_path_factory: pytest.TempPathFactory) -> SuiteResult:
    lake = tmp_path_factory.mktemp("bad_requests")
    rows = [_request(i) for i in range(40)] + [_request(i, day=1) for i in range(40)]
    rows[0]["status"] = 700
    rows[1]["status"] = 42
    rows[2]["latency_ms"] = -1.0
    rows[3]["endpoint"] = None
    rows[4]["component"] = "billing"
    rows[5]["request_id"] = rows[6]["request_id"]  # a duplicate pair within 2026-11-10
    rows[40]["request_id"] = "r0-7"  # same id as day 0's row 7, other partition: fine
    # An old partition outside the default scope of 1 partition... and inside the scope of 2.
    write_lake(lake, "requests", rows)
    return validate_dataset(lake, "requests", latest_partitions=2)


def test_bad_requests_fail_the_right_rules_with_counts(bad_requests: SuiteResult) -> None:
    assert _failed(bad_requests) == {
        "status_http_range": 2,
        "latency_nonnegative": 1,
        "endpoint_not_null": 1,
        "component_known": 1,
        "request_id_unique_per_partition": 2,
    }
    assert not bad_requests.passed and bad_requests.severity == "error"
    status = bad_requests.outcome("status_http_range")
    assert status.element_count == 80 and status.unexpected_percent == 2.5
    assert sorted(status.sample) == [42, 700]
    assert bad_requests.outcome("component_known").sample == ["billing"]
    assert bad_requests.scope.rows_checked == 80
    assert bad_requests.outcome("ts_not_null").success


def test_soft_failures_only_are_warn(tmp_path: Path) -> None:
    write_lake(tmp_path, "requests", [_request(i, domain="cooking") for i in range(3)])
    result = validate_dataset(tmp_path, "requests")
    assert _failed(result) == {"domain_known": 3}
    assert result.severity == "warn" and not result.passed


def test_bad_events(tmp_path: Path) -> None:
    base = {"ts": T0, "component": "domain_validator", "domain": "arts"}
    rows = [
        {**base, "event": "validation_result", "accuracy": 0.9, "passed": True},
        {**base, "event": "validation_result", "accuracy": 1.5, "passed": True},
        {**base, "event": "validation_result", "passed": False},  # no accuracy
        {**base, "event": "quality_score", "quality_score": -0.1},
        {**base, "event": "user_feedback", "satisfaction": 7.0},
        {**base, "event": "user_feedback", "satisfaction": 3.0},
        {**base, "event": "page_view"},
        {**base, "event": "content_generated", "tokens": 5, "content_id": "c1"},
    ]
    write_lake(tmp_path, "events", rows)
    result = validate_dataset(tmp_path, "events")
    assert _failed(result) == {
        "accuracy_unit_range": 1,
        "quality_score_unit_range": 1,
        "satisfaction_1_to_5": 1,
        "event_known": 1,
        "validation_has_accuracy": 1,
    }
    assert result.severity == "error"
    # The conditional rule only counts validation_result rows.
    assert result.outcome("validation_has_accuracy").element_count == 3


def test_bad_metrics_nan_allowed_null_not(tmp_path: Path) -> None:
    base = {"ts": T0, "host": "api_gateway-0", "component": "api_gateway"}
    rows = [
        {**base, "name": "synmon_cpu_utilization_ratio", "type": "gauge", "value": 0.5},
        {**base, "name": "rpc_duration_seconds", "type": "summary", "value": math.nan},
        {**base, "name": "synmon_inflight_requests", "type": "gauge", "value": None},
        {**base, "name": "process_cpu_seconds_total", "type": "counter", "value": -3.0},
        {**base, "name": "weird", "type": "bogus", "value": 1.0},
        {**base, "name": None, "type": "gauge", "value": 1.0},
    ]
    write_lake(tmp_path, "metrics", rows)
    result = validate_dataset(tmp_path, "metrics")
    assert _failed(result) == {
        "value_not_null": 1,
        "type_known": 1,
        "name_not_null": 1,
        "counter_nonnegative": 1,
    }


@pytest.mark.parametrize("dataset", DATASETS)
def test_simulated_ingested_lake_passes(clean_data: Path, dataset: str) -> None:
    result = validate_dataset(clean_data / "lake", dataset, latest_partitions=0)
    assert result.scope.rows_checked > 0
    assert result.passed, _failed(result)
    assert all(not o.error for o in result.outcomes)


def test_empty_dataset_fails_as_warn(tmp_path: Path) -> None:
    result = validate_dataset(tmp_path, "events")
    assert not result.passed and result.severity == "warn" and result.outcomes == ()


def test_missing_column_is_an_error_outcome(tmp_path: Path) -> None:
    import pandas as pd

    suite = load_suite("requests")
    outcomes = validate_frame(pd.DataFrame({"ts": [T0], "date": ["2026-11-10"]}), suite)
    endpoint = next(o for o in outcomes if o.id == "endpoint_not_null")
    assert not endpoint.success and "endpoint" in endpoint.error


def test_unknown_gx_expectation_is_a_suite_error(tmp_path: Path) -> None:
    (tmp_path / "requests.yaml").write_text(
        "dataset: requests\nexpectations:\n"
        "  - {id: a, expectation: expect_column_values_to_be_purple, kwargs: {column: ts},"
        " severity: warn}\n"
    )
    write_lake(tmp_path / "lake", "requests", [_request(0)])
    with pytest.raises(SuiteError, match="no expectation 'expect_column_values_to_be_purple'"):
        validate_dataset(tmp_path / "lake", "requests", suites_dir=tmp_path)
