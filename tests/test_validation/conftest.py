"""Fixtures for validation tests: a clean lake from the simulator, and hand-written bad lakes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from collectors.simulate import generate
from synmon.ingest import ingest_landing

END = datetime(2026, 11, 20, tzinfo=UTC)

# Lake column types per docs/architecture.md (the `date` partition column is added on write).
SCHEMAS: dict[str, dict[str, str]] = {
    "requests": {
        "ts": "TIMESTAMP", "request_id": "VARCHAR", "trace_id": "VARCHAR",
        "component": "VARCHAR", "endpoint": "VARCHAR", "method": "VARCHAR",
        "status": "INTEGER", "latency_ms": "DOUBLE", "domain": "VARCHAR", "user_id": "VARCHAR",
        "tokens_in": "INTEGER", "tokens_out": "INTEGER", "cost_usd": "DOUBLE", "host": "VARCHAR",
        "_source": "VARCHAR", "_line": "BIGINT",
    },
    "events": {
        "ts": "TIMESTAMP", "event": "VARCHAR", "component": "VARCHAR", "domain": "VARCHAR",
        "user_id": "VARCHAR", "content_id": "VARCHAR", "tokens": "INTEGER", "passed": "BOOLEAN",
        "accuracy": "DOUBLE", "false_positive": "BOOLEAN", "quality_score": "DOUBLE",
        "satisfaction": "DOUBLE", "version": "VARCHAR", "_source": "VARCHAR", "_line": "BIGINT",
    },
    "metrics": {
        "ts": "TIMESTAMP", "name": "VARCHAR", "type": "VARCHAR", "value": "DOUBLE",
        "host": "VARCHAR", "component": "VARCHAR", "le": "VARCHAR", "quantile": "VARCHAR",
        "labels": "VARCHAR", "_source": "VARCHAR", "_line": "BIGINT",
    },
}  # fmt: skip


def write_lake(lake: Path, dataset: str, rows: list[dict[str, Any]], name: str = "t") -> None:
    """Write rows (missing keys are NULL) as `<lake>/<dataset>/date=D/<name>.parquet` by `ts`."""
    schema = SCHEMAS[dataset]
    con = duckdb.connect()
    con.execute("create table t (" + ", ".join(f'"{c}" {t}' for c, t in schema.items()) + ")")
    for row in rows:
        unknown = set(row) - set(schema)
        assert not unknown, unknown
        con.execute(
            "insert into t values (" + ", ".join("?" for _ in schema) + ")",
            [row.get(c) for c in schema],
        )
    for (day,) in con.execute("select distinct cast(ts as date)::varchar from t").fetchall():
        out = lake / dataset / f"date={day}" / f"{name}.parquet"
        out.parent.mkdir(parents=True, exist_ok=True)
        con.execute(
            f"copy (select * from t where cast(ts as date) = '{day}') to '{out}' (format parquet)"
        )
    con.close()


@pytest.fixture(scope="session")
def clean_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir whose landing zone is 3 simulated days (small scale), ingested into the lake."""
    data = tmp_path_factory.mktemp("clean") / "data"
    generate(data / "landing", days=3, end=END, seed=7, scale=0.05)
    report = ingest_landing(data / "landing", data / "lake", ["requests", "events", "metrics"])
    assert report.reconciled
    return data
