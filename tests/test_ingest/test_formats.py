"""Every shape real Fluent Bit writes, read from the real samples, checked against values the
test computes itself with the json module."""

from __future__ import annotations

import gzip
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.test_ingest.conftest import FLUENT_BIT, Zone

SAMPLES = [
    "a_tail_logs/tail_json_parser.plain.jsonl",
    "a_tail_logs/tail_filter_parser.plain.jsonl",
    "a_tail_logs/tail_regex_parser.plain.jsonl",
    "a_tail_logs/tail_json_parser.default.log",
    "a_tail_logs/stdout.json_lines.jsonl",
    "c_dummy_formats/dummy.plain.jsonl",
    "c_dummy_formats/dummy.out_file_default.log",
    "c_dummy_formats/stdout.json_lines.jsonl",
]


def expected_records(path: Path) -> list[dict]:
    """The records of a Fluent Bit output file, decoded independently of synmon."""
    records = []
    for line in path.read_text().splitlines():
        m = re.match(r"^\S+: \[[0-9.]+, (\{.*\})\]$", line)
        records.append(json.loads(m.group(1) if m else line))
    return records


def utc(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00")).astimezone(UTC).replace(tzinfo=None)


@pytest.fixture(scope="module")
def fluent_bit() -> Path:
    if not FLUENT_BIT.is_dir():
        pytest.skip(f"real Fluent Bit samples not found at {FLUENT_BIT}")
    return FLUENT_BIT


@pytest.mark.parametrize("sample", SAMPLES)
@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gz"])
def test_real_fluent_bit_shapes(zone: Zone, fluent_bit: Path, sample: str, compress: bool) -> None:
    src = fluent_bit / sample
    data = src.read_bytes()
    name = src.name + (".gz" if compress else "")
    zone.write("requests", name, gzip.compress(data) if compress else data)
    expected = expected_records(src)

    report = zone.ingest("requests")

    counts = report.to_json()["streams"]["requests"]["per_file"][f"requests/{name}"]
    assert counts == {"records_in": len(expected), "loaded": len(expected), "quarantined": 0}
    rows = zone.rows("requests")
    assert [r["_line"] for r in rows] == list(range(1, len(expected) + 1))
    for row, rec in zip(rows, expected, strict=True):
        assert row["ts"] == utc(rec["ts"])
        assert (row["component"], row["endpoint"], row["method"]) == (
            rec["component"],
            rec["endpoint"],
            rec["method"],
        )
        assert row["status"] == rec["status"]
        assert row["latency_ms"] == pytest.approx(rec["latency_ms"])
        assert row["user_id"] == rec["user_id"]
        assert row["host"] == rec.get("collector_host")
        assert row["_source"] == f"requests/{name}"
    assert report.streams["requests"].partitions == {r["ts"].date().isoformat() for r in rows}


def test_fluent_bit_time_stands_in_for_missing_ts(zone: Zone) -> None:
    record = '{"component":"api","endpoint":"/x","status":200,"latency_ms":1.5}'
    zone.write(
        "requests",
        "mixed.log",
        f"app.access: [1787302800.250000000, {record}]\n"
        f'{{"date":1787302801.5,{record[1:]}\n'
        f"{record}\n",
    )
    zone.ingest("requests")
    rows = zone.rows("requests")
    assert [r["ts"] for r in rows] == [
        utc("2026-08-21T09:00:00.250Z"),
        utc("2026-08-21T09:00:01.5Z"),
    ]
    [bad] = zone.quarantine("requests")
    assert (bad["line"], bad["reason"]) == (3, "ts: missing")


def test_events_typed_per_event_type(zone: Zone) -> None:
    lines = [
        {
            "ts": "2026-08-21T10:00:00Z",
            "event": "content_generated",
            "component": "marl_coordinator",
            "domain": "science",
            "user_id": "u1",
            "content_id": "c1",
            "tokens": 512,
        },
        {
            "ts": "2026-08-21T10:00:01Z",
            "event": "validation_result",
            "passed": True,
            "accuracy": 0.93,
            "false_positive": "false",
        },
        {"ts": 1787306402, "event": "quality_score", "quality_score": 0.8},
        {"ts": "2026-08-21T10:00:03Z", "event": "user_feedback", "satisfaction": 4},
        {"ts": "2026-08-21T10:00:04Z", "event": "deploy", "version": "1.4.2"},
        {"ts": "2026-08-21T10:00:05Z", "event": "validation_result", "accuracy": 1.5},
        {"ts": "2026-08-21T10:00:06Z", "event": "user_feedback", "satisfaction": 9},
        {"ts": "2026-08-21T10:00:07Z", "passed": "maybe"},
    ]
    zone.write("events", "events-2026-08-21.jsonl", "".join(json.dumps(r) + "\n" for r in lines))
    report = zone.ingest("events")
    assert report.streams["events"].counts() == {
        "files": 1,
        "records_in": 8,
        "loaded": 5,
        "quarantined": 3,
    }
    rows = zone.rows("events")
    assert rows[0]["tokens"] == 512 and rows[0]["content_id"] == "c1"
    assert (rows[1]["passed"], rows[1]["accuracy"], rows[1]["false_positive"]) == (
        True,
        0.93,
        False,
    )
    assert rows[2]["ts"] == datetime(2026, 8, 21, 10, 0, 2)
    assert rows[3]["satisfaction"] == 4.0 and rows[4]["version"] == "1.4.2"
    reasons = [q["reason"] for q in zone.quarantine("events")]
    assert reasons == [
        "accuracy: '1.5' is not in 0..1",
        "satisfaction: '9' is not in 1..5",
        "event: missing; passed: 'maybe' is not true or false",
    ]
