"""The pre-scan's in-place chunk checks and the per-date writer: same results as the plain way."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

import synmon.ingest.content as content_mod
import synmon.ingest.lines as lines_mod
from synmon.ingest import lake as lk
from synmon.ingest.cleaning import MARK
from synmon.ingest.content import read_new
from synmon.ingest.jsonload import FAST, _clustered_days
from synmon.ingest.lake import source_slug
from tests.test_ingest.conftest import Zone
from tests.test_ingest.test_rules import with_


@pytest.mark.parametrize("chunk", [7, 64, 1000])
def test_scan_in_small_chunks_matches_the_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """Lines straddling chunks, a multi-byte character cut by a chunk edge, a BOM and a partial
    last line: hash, line count and end are those of the bytes, whatever the chunk size."""
    monkeypatch.setattr(content_mod, "CHUNK", chunk)
    lines = [b'{"a": "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"}', b'{"b": 1}' * 9, b"{}", b'{"c": 2}']
    body = content_mod.BOM + b"\n".join(lines) + b"\n"
    path = tmp_path / "f.jsonl"
    path.write_bytes(body + b'{"partial"')
    got = read_new(path, tmp_path / "t")
    assert (got.end, got.n_lines, got.partial) == (len(body), len(lines), True)
    assert got.sha256 == hashlib.sha256(body).hexdigest()
    assert got.copied and got.read_path.read_bytes() == body[len(content_mod.BOM) :]
    assert _line_ends(got) == _newline_offsets(got.read_path.read_bytes())


@pytest.mark.parametrize("chunk", [5, 40, 4096])
def test_scan_in_small_chunks_cleans_dirty_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(content_mod, "CHUNK", chunk)
    good = b'{"ok": "' + b"x" * 30 + b'"}'
    body = b"\n".join([good, b'{"bad": "\xff"}', good, b"a\rb", good, b"c\x01", good]) + b"\n"
    path = tmp_path / "f.jsonl"
    path.write_bytes(body)
    got = read_new(path, tmp_path / "t")
    assert (got.end, got.n_lines, got.sha256) == (len(body), 7, hashlib.sha256(body).hexdigest())
    assert _line_ends(got) == _newline_offsets(got.read_path.read_bytes())
    copy = got.read_path.read_bytes().split(b"\n")[:-1]
    assert copy[0::2] == [good] * 4
    assert [line.split(MARK)[1] for line in copy[1::2]] == [
        b"not UTF-8 text (byte 9)",
        b"carriage return inside line",
        b"control bytes in line",
    ]


def _line_ends(got: content_mod.NewContent) -> list[int]:
    return [int(x) for x in got.line_ends]


def _newline_offsets(data: bytes) -> list[int]:
    return [i for i, b in enumerate(data) if b == 10]


@pytest.mark.parametrize("chunk", [3, 50, 8192])
def test_line_ends_and_picked_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """Where each new line ends in the reader's file, for the source itself, a grown file's copy
    and an unterminated last line kept for the reader; `pick_lines` gives those lines back."""
    monkeypatch.setattr(content_mod, "CHUNK", chunk)
    lines = [b'{"n": %d, "pad": "%s"}' % (i, b"y" * (i * 7 % 23)) for i in range(12)]
    path = tmp_path / "f.jsonl"
    path.write_bytes(b"\n".join(lines[:8]) + b"\n")
    whole = read_new(path, tmp_path / "t")
    assert not whole.copied and _line_ends(whole) == _newline_offsets(path.read_bytes())
    picked = tmp_path / "picked"
    assert lines_mod.pick_lines(whole, [0, 3, 7], picked) == 3
    assert picked.read_bytes() == b"1\x01%b\n4\x01%b\n8\x01%b\n" % (lines[0], lines[3], lines[7])
    with path.open("ab") as fh:
        fh.write(b"\n".join(lines[8:]))  # the last line has no newline
    grown = read_new(
        path,
        tmp_path / "t",
        offset=whole.end,
        lines_before=8,
        prefix_sha256=whole.sha256,
        keep_tail=True,
    )
    assert grown.copied and grown.n_lines == 4 and grown.tail == len(lines[11])
    assert _line_ends(grown) == _newline_offsets(grown.read_path.read_bytes())
    lines_mod.pick_lines(grown, [0, 3], picked)
    assert picked.read_bytes() == b"9\x01%b\n12\x01%b\n" % (lines[8], lines[11])
    doc = tmp_path / "doc.json"
    doc.write_bytes(lines[0] + b"\n" + lines[1])  # read from the start, the tail kept
    tail = read_new(doc, tmp_path / "t", keep_tail=True)
    assert not tail.copied and _line_ends(tail) == [len(lines[0]), doc.stat().st_size]
    lines_mod.pick_lines(tail, [1], picked)
    assert picked.read_bytes() == b"2\x01%b\n" % lines[1]


def _fast_table(con: duckdb.DuckDBPyConnection, days: list[int]) -> None:
    con.execute(
        f"CREATE TABLE {FAST} AS SELECT TIMESTAMP '2026-08-01' + INTERVAL (d) DAY AS ts,"
        f" true AS _ok FROM unnest({days}) t(d)"
    )


def test_dates_in_time_order_are_clustered_and_shuffled_ones_are_not() -> None:
    con = duckdb.connect()
    _fast_table(con, sorted(i // 20000 for i in range(60000)))
    assert _clustered_days(con, 0) == ["2026-08-01", "2026-08-02", "2026-08-03"]
    con.execute(f"DROP TABLE {FAST}")
    _fast_table(con, [i % 3 for i in range(60000)])
    assert _clustered_days(con, 0) is None
    con.execute(f"DROP TABLE {FAST}")
    _fast_table(con, list(range(400)))  # many dates: one partitioned COPY
    assert _clustered_days(con, 0) is None


def test_write_days_writes_what_write_partitions_does(tmp_path: Path) -> None:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE t AS SELECT TIMESTAMP '2026-08-01' + INTERVAL (i * 7) MINUTE AS ts,"
        " i AS _line FROM range(1000) r(i)"
    )
    days = [str(r[0]) for r in con.execute("SELECT DISTINCT ts::DATE FROM t ORDER BY 1").fetchall()]
    by_days = lk.write_days(con, "(SELECT * FROM t)", days, tmp_path / "a", "requests", "n-0-9")
    by_parts = lk.write_partitions(con, "(SELECT * FROM t)", tmp_path / "b", "requests", "n-0-9")
    assert by_days == by_parts and sum(by_days.values()) == 1000
    for day in days:
        rows = [
            con.execute(
                f"SELECT * FROM '{root}/requests/date={day}/n-0-9.parquet' ORDER BY _line"
            ).fetchall()
            for root in (tmp_path / "a", tmp_path / "b")
        ]
        assert rows[0] == rows[1]
    assert not list((tmp_path / "a" / lk.TMP_DIR).iterdir())


def test_many_dates_in_one_file_load_by_the_partitioned_copy(zone: Zone) -> None:
    """More dates than a COPY each is worth: every line lands once in its date's one file."""
    start = date(2025, 1, 1)
    days = [(start + timedelta(days=i * 7 % 400)).isoformat() for i in range(400)]
    text = "".join(
        with_(ts=f"{d}T09:00:00Z", request_id=f"r{i}") + "\n" for i, d in enumerate(days)
    )
    path = zone.write("requests", "many.jsonl", text)
    report = zone.ingest("requests")
    assert report.streams["requests"].per_file["requests/many.jsonl"].reader == "read_json"
    name = f"{source_slug('many.jsonl')}-0-{path.stat().st_size}.parquet"
    assert zone.lake_files() == sorted(f"requests/date={d}/{name}" for d in set(days))
    rows = zone.rows("requests", order="_line")
    assert [(r["_line"], r["request_id"]) for r in rows] == [(i + 1, f"r{i}") for i in range(400)]
