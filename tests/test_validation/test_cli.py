"""`synmon validate` (registered by the lead): text and JSON output, exit code by severity."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from pathlib import Path

import pytest

from synmon.commands import validate
from tests.test_validation.conftest import write_lake


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir")
    validate.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


def test_json_and_exit_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = {"component": "api_gateway", "endpoint": "/x", "request_id": None, "latency_ms": 1.0}
    rows = [{**base, "ts": datetime(2026, 11, 1, 1, i), "status": 200} for i in range(3)]
    rows.append({**base, "ts": datetime(2026, 11, 1, 2), "status": 1000})
    write_lake(tmp_path / "data" / "lake", "requests", rows)
    code = _run(
        ["--data-dir", str(tmp_path / "data"), "validate", "--dataset", "requests", "--json"]
    )
    doc = json.loads(capsys.readouterr().out)
    assert code == 1 and doc["passed"] is False
    (requests,) = doc["datasets"]
    failed = {e["id"]: e["unexpected_count"] for e in requests["expectations"] if not e["success"]}
    # request_id is null in every row: the soft 99%-present rule fails, uniqueness skips nulls.
    assert failed == {"status_http_range": 1, "request_id_present": 4}
    assert requests["rows_checked"] == 4


def test_text_output_soft_only_exits_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    row = {"ts": datetime(2026, 11, 1), "event": "page_view"}
    write_lake(tmp_path / "lake", "events", [row])
    code = _run(["validate", "--lake", str(tmp_path / "lake"), "--dataset", "events"])
    out = capsys.readouterr().out
    assert code == 0
    assert "events: FAILED (warn)" in out
    assert "warn event_known" in out and "1 rows (100%)" in out
