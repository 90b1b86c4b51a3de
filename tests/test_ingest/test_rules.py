"""Every request validity rule of issue 3, lossless coercions, and inputs that are not text."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.test_ingest.conftest import Zone

GOOD = {
    "ts": "2026-08-21T09:00:00Z",
    "component": "api_gateway",
    "endpoint": "/v1/generate",
    "status": 200,
    "latency_ms": 12.5,
}
# Whole days, so every pytest-xdist worker collects the same test ids.
FUTURE = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT00:00:00Z")


def with_(**changes: object) -> str:
    record = {k: v for k, v in {**GOOD, **changes}.items() if v is not ...}
    return json.dumps(record)


BAD = [
    (with_(ts=...), "ts: missing"),
    (with_(component=...), "component: missing"),
    (with_(endpoint=...), "endpoint: missing"),
    (with_(status=...), "status: missing"),
    (with_(latency_ms=...), "latency_ms: missing"),
    (with_(component=""), "component: empty"),
    (with_(latency_ms="fast"), "latency_ms: 'fast' is not a number"),
    (with_(latency_ms=-1), "latency_ms: '-1' is negative"),
    (
        '{"ts":"2026-08-21T09:00:00Z","component":"a","endpoint":"/","status":200,"latency_ms":NaN}',
        "latency_ms: 'NaN' is not finite",
    ),
    (with_(latency_ms="NaN"), "latency_ms: 'NaN' is not finite"),
    (with_(latency_ms="inf"), "latency_ms: 'inf' is not finite"),
    (with_(status="OK"), "status: 'OK' is not a number"),
    (with_(status=200.5), "status: '200.5' is not an integer"),
    (with_(status=99), "status: '99' is not in 100..599"),
    (with_(status=600), "status: '600' is not in 100..599"),
    (with_(status=True), "status: 'true' is not a number"),
    (with_(ts="yesterday"), "ts: 'yesterday' is not an RFC 3339 time or epoch seconds"),
    (with_(ts="1999-12-31T23:59:59Z"), "ts: '1999-12-31T23:59:59Z' is before 2000-01-01"),
    (with_(ts=946684799), "ts: '946684799' is before 2000-01-01"),
    (with_(ts=FUTURE), f"ts: '{FUTURE}' is more than one day in the future"),
    (with_(tokens_in="many"), "tokens_in: 'many' is not a number"),
    (with_(cost_usd=-0.5), "cost_usd: '-0.5' is negative"),
    ("not json at all", "not a JSON object or a Fluent Bit record line"),
    ('{"ts": "2026-08-21T09:00:00Z", "component": ', "not valid JSON"),
    ("[1, 2, 3]", "not a JSON object or a Fluent Bit record line"),
    ("app.access: [1787302800.0, {broken]", "not a JSON object or a Fluent Bit record line"),
]


@pytest.mark.parametrize(("line", "reason"), BAD, ids=[r for _, r in BAD])
def test_each_bad_record_is_quarantined_with_its_reason(zone: Zone, line: str, reason: str) -> None:
    zone.write("requests", "r.jsonl", f"{with_()}\n{line}\n")
    report = zone.ingest("requests")
    assert report.streams["requests"].counts() == {
        "files": 1,
        "records_in": 2,
        "loaded": 1,
        "quarantined": 1,
    }
    [row] = zone.quarantine("requests")
    assert (row["stream"], row["file"], row["line"]) == ("requests", "requests/r.jsonl", 2)
    assert row["reason"] == reason
    assert row["raw"] == line


def test_several_problems_are_all_named(zone: Zone) -> None:
    zone.write("requests", "r.jsonl", with_(status="x", latency_ms=-3, endpoint=...) + "\n")
    zone.ingest("requests")
    [row] = zone.quarantine("requests")
    assert row["reason"] == (
        "endpoint: missing; status: 'x' is not a number; latency_ms: '-3' is negative"
    )


def test_lossless_coercions_load(zone: Zone) -> None:
    lines = [
        with_(status="200", latency_ms="12.5", tokens_in="7", cost_usd="0.25"),
        with_(status=404.0, ts=1787302800),
        with_(ts="1787302800.5"),
        with_(ts="2026-08-21T11:00:00+02:00"),
        with_(ts="2026-08-21T09:00:00.123456789Z"),
    ]
    zone.write("requests", "r.jsonl", "\n".join(lines) + "\n")
    report = zone.ingest("requests")
    assert report.streams["requests"].quarantined == 0
    rows = zone.rows("requests")
    assert (rows[0]["status"], rows[0]["latency_ms"], rows[0]["tokens_in"]) == (200, 12.5, 7)
    assert rows[0]["cost_usd"] == 0.25
    assert rows[1]["status"] == 404
    assert [r["ts"] for r in rows[1:]] == [
        datetime(2026, 8, 21, 9, 0),
        datetime(2026, 8, 21, 9, 0, 0, 500000),
        datetime(2026, 8, 21, 9, 0),
        datetime(2026, 8, 21, 9, 0, 0, 123456),
    ]


def test_blank_lines_are_not_records_and_crlf_is_fine(zone: Zone) -> None:
    zone.write("requests", "r.jsonl", f"{with_()}\r\n\n   \n{with_(status=201)}\r\n")
    report = zone.ingest("requests")
    assert report.streams["requests"].counts()["records_in"] == 2
    assert [(r["_line"], r["status"]) for r in zone.rows("requests")] == [(1, 200), (4, 201)]


def test_lines_that_are_not_utf8_text_are_quarantined_not_lost(zone: Zone) -> None:
    data = (with_() + "\n").encode() + b'{"ts": "\xff\xfe"}\n' + b"a\x01b\n" + b"x\ry\n"
    data += (with_(status=503) + "\n").encode()
    zone.write("requests", "r.jsonl", data)
    report = zone.ingest("requests")
    assert report.streams["requests"].counts() == {
        "files": 1,
        "records_in": 5,
        "loaded": 2,
        "quarantined": 3,
    }
    rows = zone.quarantine("requests")
    assert [(r["line"], r["reason"]) for r in rows] == [
        (2, "not UTF-8 text (byte 8)"),
        (3, "control bytes in line"),
        (4, "carriage return inside line"),
    ]
    assert rows[0]["raw"] == '{"ts": "\\xff\\xfe"}'
    assert [r["status"] for r in zone.rows("requests")] == [200, 503]


def test_unreadable_files_are_recorded_and_the_run_goes_on(zone: Zone) -> None:
    whole = gzip.compress(((with_() + "\n") * 50_000).encode())
    zone.write("requests", "truncated.jsonl.gz", whole[: len(whole) // 2])
    zone.write("requests", "binary.bin", bytes(range(256)) * 4)
    zone.write("requests", "ok.jsonl", with_() + "\n")
    report = zone.ingest("requests")
    errors = report.streams["requests"].errors
    assert set(errors) == {"requests/truncated.jsonl.gz", "requests/binary.bin"}
    assert errors["requests/truncated.jsonl.gz"].startswith("truncated gzip")
    assert errors["requests/binary.bin"].startswith("binary content")
    assert report.streams["requests"].counts() == {
        "files": 3,
        "records_in": 1,
        "loaded": 1,
        "quarantined": 0,
    }
    again = zone.ingest("requests")
    assert again.total()["files"] == 0
