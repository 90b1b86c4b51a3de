"""The read_json fast path: taken exactly for plain JSON-object content, same rows and reasons as
the careful line reader, and one deterministically named file per date."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from synmon.ingest.content import read_new
from synmon.ingest.jsonlines import fast_sql, parse_sql
from synmon.ingest.lake import source_slug
from synmon.ingest.schemas import EVENTS, REQUESTS, JsonStream
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


def _both(
    path: Path, tmp: Path, spec: JsonStream, typed: bool = False
) -> tuple[list[tuple], list[tuple]]:
    """(fast rows: typed columns and `_ok`, careful rows: typed columns and `_reason`)."""
    content = read_new(path, tmp)
    now = datetime.now(UTC).replace(tzinfo=None)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"CREATE TEMP TABLE f AS {fast_sql(spec, content.read_path, now, typed)}")
    fast = con.execute("SELECT * EXCLUDE (_zero_one) FROM f ORDER BY rowid").fetchall()
    sql = parse_sql(spec, content, "x", now)
    careful = con.execute(
        f"SELECT * EXCLUDE (_source, _line, _raw) FROM ({sql}) ORDER BY _line"
    ).fetchall()
    return fast, careful


def test_fast_and_careful_readers_agree(tmp_path: Path) -> None:
    """A row is `_ok` exactly when the careful reader finds no reason, with the same values."""
    lines = [with_()] + [ln for ln, why in BAD if ln.startswith("{") and why != "not valid JSON"]
    lines += [
        with_(status="200", latency_ms="1e3", tokens_in=7.0, host={"nested": [1, 2]}),
        with_(collector_host="fb-1", request_id=None, method=True),
        json.dumps({"Status": 200, "STATUS": 201}),
        with_(component="é😀"),
        with_(ts="2026-08-21T11:00:00+02:00", tokens_out=2147483647),
        with_(ts=1787302800, status=404.0),
        "null",
        "{}",
    ]
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join(lines) + "\n")
    fast, careful = _both(path, tmp_path / "t", REQUESTS)
    assert len(fast) == len(careful) == len(lines)
    assert [r[-1] for r in fast] == [r[-1] is None for r in careful]
    assert sum(r[-1] for r in fast) == 6
    assert [r[:-1] for r in fast if r[-1]] == [r[:-1] for r in careful if r[-1] is None]
    events = tmp_path / "e.jsonl"
    events.write_text(
        '{"ts": 1787306402, "event": "x", "passed": "maybe", "accuracy": 1.5, "tokens": 3}\n'
        '{"ts": "2026-08-21T10:00:00Z", "event": "y", "false_positive": false}\n'
        '{"ts": "2026-08-21T10:00:00Z", "event": "z", "passed": "TRUE", "satisfaction": 5}\n'
    )
    fast, careful = _both(events, tmp_path / "t", EVENTS)
    assert [r[-1] for r in fast] == [r[-1] is None for r in careful] == [False, True, True]
    assert [r[:-1] for r in fast if r[-1]] == [r[:-1] for r in careful if r[-1] is None]


def test_typed_fast_reader_is_never_laxer_than_the_careful_one(tmp_path: Path) -> None:
    """`read_json` typing times and numbers itself: a row is `_ok` only where the careful reader
    finds no reason, with the same values; a careful-valid row may miss `_ok` only for a number
    exactly 0 or 1 (what a JSON boolean becomes), and a JSON boolean is never `_ok`."""
    lines = [
        with_(),
        with_(latency_ms=True),
        with_(tokens_in=False),
        with_(cost_usd=True, tokens_out=3),
        with_(tokens_out=0),
        with_(cost_usd=1, latency_ms=1.0),
        with_(status="200", latency_ms="12.5"),
        with_(status=99),
        with_(status=200.5),
        with_(latency_ms=-1),
        with_(latency_ms="NaN"),
        with_(latency_ms="1e400"),
        with_(ts="2026-08-21T11:00:00+02:00"),
        with_(ts="2026-08-21 11:00:00"),
        with_(ts="1999-12-31T23:59:59Z"),
        with_(ts="2999-01-01T00:00:00Z"),
        with_(component=None, endpoint=...),
        with_(collector_host="fb-1", host=...),
        json.dumps({"Status": 200, "STATUS": 201}),
        "{}",
    ]
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join(lines) + "\n")
    fast, careful = _both(path, tmp_path / "t", REQUESTS, typed=True)
    assert len(fast) == len(careful) == len(lines)
    for i, (f, c) in enumerate(zip(fast, careful, strict=True)):
        if f[-1]:
            assert c[-1] is None and f[:-1] == c[:-1], lines[i]
        elif c[-1] is None:
            record = json.loads(lines[i])
            assert any(
                record.get(k) in (0, 1)
                for k in ("latency_ms", "tokens_in", "cost_usd", "tokens_out")
            ), lines[i]
    assert [bool(f[-1]) for f in fast].count(True) == 5
    assert not any(
        f[-1] for f, line in zip(fast, lines, strict=True) if "true" in line or "false" in line
    )
    for refused in (
        with_(ts=1787302800),
        with_(status="many"),
        with_(tokens_in=" 5 "),
        with_(host=1),
    ):
        path.write_text(with_() + "\n" + refused + "\n")
        if "host" in refused:  # text fields take any JSON value, as the careful reader does
            assert len(_both(path, tmp_path / "t", REQUESTS, typed=True)[0]) == 2
            continue
        with pytest.raises(duckdb.InvalidInputException):
            _both(path, tmp_path / "t", REQUESTS, typed=True)


def test_booleans_and_refused_values_through_the_fast_path(zone: Zone) -> None:
    """End to end: a JSON boolean in a number field is quarantined with the careful reason while
    the file stays on the fast path, zeros and ones load, and a value typed `read_json` refuses
    (epoch-second `ts`) sends the file through the untyped read, still the fast path."""
    lines = [with_(request_id=f"r{i}", tokens_out=i % 3) for i in range(30)]
    lines[4] = with_(request_id="r4", latency_ms=True)
    lines[9] = with_(request_id="r9", cost_usd=False)
    zone.write("requests", "bools.jsonl", "\n".join(lines) + "\n")
    epoch = [with_(request_id=f"e{i}") for i in range(5)] + [with_(ts=1787302800)]
    zone.write("requests", "epoch.jsonl", "\n".join(epoch) + "\n")
    per_file = zone.ingest("requests").streams["requests"].per_file
    assert {p: (r.reader, r.loaded, r.quarantined) for p, r in per_file.items()} == {
        "requests/bools.jsonl": ("read_json", 28, 2),
        "requests/epoch.jsonl": ("read_json", 6, 0),
    }
    bad = sorted((r["line"], r["reason"]) for r in zone.quarantine("requests"))
    assert bad == [
        (5, "latency_ms: 'true' is not a number"),
        (10, "cost_usd: 'false' is not a number"),
    ]
    rows = {r["request_id"]: r for r in zone.rows("requests", order="_line")}
    assert [rows[f"r{i}"]["tokens_out"] for i in (0, 1, 2, 3)] == [0, 1, 2, 0]
    assert [rows[f"r{i}"]["_line"] for i in (0, 3, 29)] == [1, 4, 30]


def test_fast_path_loads_and_quarantines_like_the_careful_one(zone: Zone) -> None:
    """The same lines through read_json (with the careful reader for its rows not `_ok`) and
    through the careful reader alone (a blank line sends the whole file there)."""
    lines = [with_(request_id=f"r{i}") for i in range(50)]
    lines[3:3] = [ln for ln, why in BAD if ln.startswith("{") and why != "not valid JSON"]
    lines.insert(
        7,
        '{"date": 1787302801.5, "component": "a", "endpoint": "/", "status": 201, "latency_ms": 1}',
    )
    zone.write("requests", "fast.jsonl", "\n".join(lines) + "\n")
    zone.write("requests", "slow.jsonl", "\n".join(lines) + "\n\n")
    per_file = zone.ingest("requests").streams["requests"].per_file
    assert per_file["requests/fast.jsonl"].reader == "read_json"
    assert per_file["requests/slow.jsonl"].reader == "lines"
    assert per_file["requests/fast.jsonl"].loaded == per_file["requests/slow.jsonl"].loaded == 51

    def by_file(rows: list[dict], key: str) -> dict[str, list[tuple]]:
        out: dict[str, list[tuple]] = {}
        for r in rows:
            out.setdefault(r.pop(key), []).append(tuple(r.items()))
        return out

    lake = by_file(zone.rows("requests", order="_line"), "_source")
    assert lake["requests/fast.jsonl"] == lake["requests/slow.jsonl"]
    date_line = dict(lake["requests/fast.jsonl"][3])
    assert (date_line["_line"], date_line["ts"]) == (8, datetime(2026, 8, 21, 9, 0, 1, 500000))
    bad = by_file(
        [{k: v for k, v in r.items() if k != "ingested_at"} for r in zone.quarantine("requests")],
        "file",
    )
    assert bad["requests/fast.jsonl"] == bad["requests/slow.jsonl"]
    assert len(bad["requests/fast.jsonl"]) == len(lines) - 51


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


def test_lines_appended_during_the_fast_read(zone: Zone, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever read_json and the pre-scan each saw of a growing file (here a blank line, more
    records and a partial one arrive as the fast read starts), every complete line lands once,
    with its own number, and the partial line waits."""
    import synmon.ingest.core as core

    path = zone.write(
        "requests", "g.jsonl", "".join(with_(request_id=f"r{i}") + "\n" for i in range(2000))
    )
    real = core.start_fast

    def racing(con: duckdb.DuckDBPyConnection, stream: str, p: Path, offset: int) -> object:
        fast = real(con, stream, p, offset)
        with p.open("a") as fh:
            fh.write("\n" + "".join(with_(request_id=f"r{i}") + "\n" for i in range(2000, 2100)))
            fh.write(with_(request_id="r2100")[:20])
        return fast

    monkeypatch.setattr(core, "start_fast", racing)
    assert zone.ingest("requests").total()["loaded"] == 2100
    monkeypatch.setattr(core, "start_fast", real)
    rows = zone.rows("requests", order="_line")
    expected = [(i + 1, f"r{i}") for i in range(2000)]
    expected += [(i + 2, f"r{i}") for i in range(2000, 2100)]
    assert [(r["_line"], r["request_id"]) for r in rows] == expected
    with path.open("a") as fh:
        fh.write(with_(request_id="r2100")[20:] + "\n")
    assert zone.ingest("requests").total()["loaded"] == 1
    assert zone.rows("requests", order="_line")[-1]["_line"] == 2102
