"""The validation scope: latest partitions, a reservoir sample above max_rows, derived columns."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from pathlib import Path

from synmon.quality import lake_partitions, read_scope
from tests.test_validation.conftest import write_lake

T0 = datetime(2026, 11, 1, 12)


def _requests(days: int, per_day: int) -> list[dict[str, object]]:
    return [
        {"ts": T0 + timedelta(days=d, seconds=i), "request_id": f"{d}-{i}", "status": 200}
        for d in range(days)
        for i in range(per_day)
    ]


def test_latest_partitions_only(tmp_path: Path) -> None:
    write_lake(tmp_path, "requests", _requests(5, 10))
    assert lake_partitions(tmp_path, "requests") == [f"2026-11-0{d}" for d in range(1, 6)]
    frame, scope = read_scope(tmp_path, "requests", latest_partitions=2)
    assert sorted(frame["date"].unique()) == ["2026-11-04", "2026-11-05"]
    assert (scope.rows_checked, scope.rows_in_scope, scope.partitions_total) == (20, 20, 5)
    assert not scope.sampled
    assert scope.describe() == "latest 2 of 5 partitions (2026-11-04..2026-11-05), all 20 rows"
    frame, scope = read_scope(tmp_path, "requests", latest_partitions=0)
    assert len(frame) == 50 and len(scope.partitions) == 5


def test_sample_above_max_rows(tmp_path: Path) -> None:
    write_lake(tmp_path, "requests", _requests(2, 30))
    frame, scope = read_scope(tmp_path, "requests", latest_partitions=0, max_rows=25)
    assert len(frame) == 25 and scope.sampled and scope.rows_in_scope == 60
    assert "a reservoir sample of 25 of 60 rows" in scope.describe()
    again, _ = read_scope(tmp_path, "requests", latest_partitions=0, max_rows=25)
    assert sorted(again["request_id"]) == sorted(frame["request_id"])  # repeatable


def test_derived_columns_tell_null_from_nan(tmp_path: Path) -> None:
    rows = [
        {"ts": T0, "name": "a", "type": "gauge", "value": 1.0},
        {"ts": T0, "name": "b", "type": "gauge", "value": math.nan},
        {"ts": T0, "name": "c", "type": "gauge", "value": None},
    ]
    write_lake(tmp_path, "metrics", rows)
    frame, _ = read_scope(tmp_path, "metrics", derived={"value_is_null": "value is null"})
    got = dict(zip(frame["name"], frame["value_is_null"], strict=True))
    assert got == {"a": False, "b": False, "c": True}


def test_empty_lake(tmp_path: Path) -> None:
    frame, scope = read_scope(tmp_path, "events")
    assert frame.empty and scope.rows_checked == 0
    assert "no date partitions" in scope.describe()
