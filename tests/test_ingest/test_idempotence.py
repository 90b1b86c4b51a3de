"""Nothing twice: re-runs, growth, partial lines, rewritten files and killed runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from synmon.ingest.lake import source_slug
from tests.test_ingest.conftest import Zone

REPO = Path(__file__).resolve().parents[2]


def req(i: int, day: int = 21) -> str:
    return (
        json.dumps(
            {
                "ts": f"2026-08-{day:02d}T09:00:{i % 60:02d}Z",
                "component": "api",
                "endpoint": "/v1/x",
                "status": 200 + i % 3,
                "latency_ms": i / 4,
                "request_id": f"r{i}",
            }
        )
        + "\n"
    )


def test_rerun_adds_nothing(zone: Zone) -> None:
    zone.write("requests", "a.jsonl", "".join(req(i) for i in range(10)) + "garbage\n")
    first = zone.ingest()
    files, rows = zone.lake_files(), zone.rows("requests")
    second = zone.ingest()
    assert first.total() == {"files": 1, "records_in": 11, "loaded": 10, "quarantined": 1}
    assert second.total() == {"files": 0, "records_in": 0, "loaded": 0, "quarantined": 0}
    assert zone.lake_files() == files and zone.rows("requests") == rows


def test_growth_and_partial_trailing_line(zone: Zone) -> None:
    path = zone.write("requests", "a.jsonl", req(0) + req(1) + req(2)[:20])
    assert zone.ingest().total()["records_in"] == 2
    with path.open("ab") as fh:
        fh.write((req(2)[20:] + req(3, day=22)).encode())
    grown = zone.ingest()
    assert grown.total() == {"files": 1, "records_in": 2, "loaded": 2, "quarantined": 0}
    assert grown.streams["requests"].partitions == {"2026-08-21", "2026-08-22"}
    rows = zone.rows("requests")
    assert [(r["_line"], r["request_id"]) for r in rows] == [
        (1, "r0"),
        (2, "r1"),
        (3, "r2"),
        (4, "r3"),
    ]
    first_end = len(req(0) + req(1))
    slug = source_slug("a.jsonl")
    assert zone.lake_files() == sorted(
        [
            f"requests/date=2026-08-21/{slug}-0-{first_end}.parquet",
            f"requests/date=2026-08-21/{slug}-{first_end}-{path.stat().st_size}.parquet",
            f"requests/date=2026-08-22/{slug}-{first_end}-{path.stat().st_size}.parquet",
        ]
    )
    manifest = json.loads((zone.lake / "_manifest/requests" / f"{slug}.json").read_text())
    assert manifest["bytes_consumed"] == path.stat().st_size
    assert (manifest["records_in"], manifest["loaded"], manifest["quarantined"]) == (4, 4, 0)


def test_rewritten_file_is_new_content_and_says_so(zone: Zone) -> None:
    path = zone.write("requests", "a.jsonl", req(0) + req(1))
    zone.ingest()
    path.write_text(req(7))
    report = zone.ingest()
    assert report.total()["loaded"] == 1
    assert "re-read" in report.streams["requests"].per_file["requests/a.jsonl"].note
    assert sorted(r["request_id"] for r in zone.rows("requests")) == ["r0", "r1", "r7"]
    manifest = json.loads(
        (zone.lake / "_manifest/requests" / f"{source_slug('a.jsonl')}.json").read_text()
    )
    assert manifest["generation"] == 1 and "shrank" in manifest["note"]


def test_outputs_of_a_run_killed_before_its_manifest_are_replaced(zone: Zone) -> None:
    path = zone.write("requests", "a.jsonl", req(0))
    zone.ingest()
    end = path.stat().st_size
    slug = source_slug("a.jsonl")
    orphan = zone.lake / "requests/date=2026-08-21" / f"{slug}-{end}-{end + 10}.parquet"
    os.link(orphan.with_name(f"{slug}-0-{end}.parquet"), orphan)
    zone.append("requests", "a.jsonl", req(1))
    zone.ingest()
    assert not orphan.exists()
    assert [r["request_id"] for r in zone.rows("requests")] == ["r0", "r1"]


def test_sigkill_at_any_point_then_rerun_gives_the_same_lake(tmp_path: Path) -> None:
    lines = "".join(req(i, day=1 + i % 28) for i in range(30_000))
    lakes = {}
    for name, kill_after in (("clean", None), ("killed", 2.5)):
        zone = Zone(tmp_path / name / "landing", tmp_path / name / "lake")
        zone.write("requests", "big.jsonl", lines)
        if kill_after is not None:
            code = (
                f"from synmon.ingest import ingest_landing; "
                f"ingest_landing({str(zone.landing)!r}, {str(zone.lake)!r})"
            )
            proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO)
            time.sleep(kill_after)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        zone.ingest()
        lakes[name] = (zone.lake_files(), zone.rows("requests"))
    assert lakes["killed"] == lakes["clean"]
    rows = lakes["clean"][1]
    assert [r["request_id"] for r in rows] == [f"r{i}" for i in range(30_000)]
    assert [r["_line"] for r in rows] == list(range(1, 30_001))
