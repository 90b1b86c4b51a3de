"""The read_json fast path: taken exactly for plain JSON-object content, same rows and reasons as
the careful line reader, and one deterministically named file per date."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from synmon.ingest.content import read_new
from synmon.ingest.jsonlines import parse_sql
from synmon.ingest.lake import source_slug
from synmon.ingest.schemas import EVENTS, REQUESTS
from tests.test_ingest.conftest import Zone
from tests.test_ingest.test_rules import BAD, with_


def test_fast_path_only_for_plain_json_objects(zone: Zone) -> None:
    good = with_() + "\n"
    zone.write("requests", "plain.jsonl", good * 3)
    zone.write("requests", "broken.jsonl", good + '{"ts": "2026-08-21T09:00:00Z", \n' + good)
    zone.write("requests", "stdout.jsonl", '{"date":1787302801.5,' + good[1:])
    zone.write("requests", "blank.jsonl", good + "\n" + good)
    zone.write("requests", "partial.jsonl", good + good[:10])
    per_file = zone.ingest("requests").streams["requests"].per_file
    readers = {path.split("/")[1]: r.reader for path, r in per_file.items()}
    assert readers == {
        "plain.jsonl": "read_json",
        "broken.jsonl": "lines",
        "stdout.jsonl": "lines",
        "blank.jsonl": "lines",
        "partial.jsonl": "lines",
    }
    [bad] = zone.quarantine("requests")
    assert (bad["file"], bad["line"], bad["reason"]) == (
        "requests/broken.jsonl",
        2,
        "not valid JSON",
    )
    assert per_file["requests/plain.jsonl"].loaded == 3
    assert per_file["requests/partial.jsonl"].records_in == 1


def _parsed(path: Path, tmp: Path, spec: object, fast: bool) -> list[tuple]:
    content = read_new(path, tmp)
    assert content.plain
    now = datetime.now(UTC).replace(tzinfo=None)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    sql = parse_sql(spec, content, "x", now, fast=fast)  # type: ignore[arg-type]
    return con.execute(f"SELECT * EXCLUDE (_raw) FROM ({sql}) ORDER BY _line").fetchall()


def test_fast_and_careful_readers_agree(tmp_path: Path) -> None:
    lines = [with_()] + [ln for ln, why in BAD if ln.startswith("{") and why != "not valid JSON"]
    lines += [
        with_(status="200", latency_ms="1e3", tokens_in=7.0, host={"nested": [1, 2]}),
        with_(collector_host="fb-1", request_id=None, method=True),
        json.dumps({"Status": 200, "STATUS": 201}),
        with_(component="é😀"),
    ]
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join(lines) + "\n")
    fast = _parsed(path, tmp_path / "t", REQUESTS, True)
    assert len(fast) == len(lines)
    assert fast == _parsed(path, tmp_path / "t", REQUESTS, False)
    events = tmp_path / "e.jsonl"
    events.write_text(
        '{"ts": 1787306402, "event": "x", "passed": "maybe", "accuracy": 1.5, "tokens": 3}\n'
        '{"ts": "2026-08-21T10:00:00Z", "event": "y", "false_positive": false}\n'
    )
    assert _parsed(events, tmp_path / "t", EVENTS, True) == _parsed(
        events, tmp_path / "t", EVENTS, False
    )


def test_one_file_per_date_with_every_line(zone: Zone) -> None:
    days = [21, 22, 21, 23, 22, 21] * 500
    text = "".join(
        with_(ts=f"2026-08-{d}T09:00:00Z", request_id=f"r{i}") + "\n" for i, d in enumerate(days)
    )
    path = zone.write("requests", "a.jsonl", text)
    report = zone.ingest("requests")
    assert report.streams["requests"].per_file["requests/a.jsonl"].reader == "read_json"
    slug = source_slug("a.jsonl")
    name = f"{slug}-0-{path.stat().st_size}.parquet"
    assert zone.lake_files() == [f"requests/date=2026-08-{d}/{name}" for d in (21, 22, 23)]
    con = duckdb.connect()
    for d in (21, 22, 23):
        file = zone.lake / f"requests/date=2026-08-{d}/{name}"
        got = sorted(r[0] for r in con.execute(f"SELECT _line FROM '{file}'").fetchall())
        assert got == [i + 1 for i, day in enumerate(days) if day == d]
