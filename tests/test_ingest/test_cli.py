"""`synmon ingest` and `synmon quarantine` as people and outside checks call them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from synmon.cli import main

REQ = '{"ts":"2026-08-21T09:00:00Z","component":"api","endpoint":"/x","status":200,"latency_ms":1}'


def test_ingest_json_shape_and_quarantine_listing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    landing, lake = tmp_path / "in", tmp_path / "out"
    (landing / "requests").mkdir(parents=True)
    (landing / "requests" / "r.jsonl").write_text(f"{REQ}\n{REQ.replace('200', '999')}\n")
    args = ["--data-dir", str(tmp_path / "data"), "ingest", "--landing", str(landing)]
    assert main([*args, "--lake", str(lake), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["streams"]["requests"] == {
        "files": 1,
        "records_in": 2,
        "loaded": 1,
        "quarantined": 1,
        "per_file": {"requests/r.jsonl": {"records_in": 2, "loaded": 1, "quarantined": 1}},
    }
    assert doc["streams"]["events"]["files"] == 0
    assert doc["total"] == {"files": 1, "records_in": 2, "loaded": 1, "quarantined": 1}
    assert not (tmp_path / "data").exists()

    assert main(["quarantine", "--lake", str(lake), "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    [rec] = listing["records"]
    assert (rec["file"], rec["line"], rec["reason"]) == (
        "requests/r.jsonl",
        2,
        "status: '999' is not in 100..599",
    )

    assert main([*args, "--lake", str(lake)]) == 0
    table = capsys.readouterr().out
    assert table.splitlines()[0].split() == [
        "stream",
        "files",
        "records_in",
        "loaded",
        "quarantined",
    ]
    assert "total" in table
