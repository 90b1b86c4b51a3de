"""Numbers 0 and 1 on the fast path: loaded as read unless their line may hold a JSON boolean.

A typed `read_json` reads `true` as 1 and `false` as 0, which the careful reader refuses ("not a
number"). Rows with a 0 or 1 are common (no tokens, no cost), so the fast path looks at just their
lines (`lines.boolean_lines`) instead of parsing them all again.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import synmon.ingest.lines as lines_mod
from synmon.ingest.content import read_new
from synmon.ingest.lines import boolean_lines
from tests.test_ingest.conftest import Zone
from tests.test_ingest.test_rules import with_

NUMBERS = ("status", "latency_ms", "tokens_in", "tokens_out", "cost_usd")

# Lines a careful reader and `boolean_lines` must tell apart, beside plain ones with zeros.
TRICKY = [
    with_(tokens_out=True),
    with_(cost_usd=False, tokens_in=0),
    '{"ts": "2026-08-21T09:00:00Z", "component": "a", "endpoint": "/", "status": 200,'
    ' "latency_ms": 3, "tokens_in" :  true}',
    '{"ts":"2026-08-21T09:00:00Z","component":"a","endpoint":"/","status":200,"latency_ms":1,'
    '"Tokens_Out":false}',
    '{"ts":"2026-08-21T09:00:00Z","component":"a","endpoint":"/","status":200,"latency_ms":1,'
    '"tokens\\u005fout":true}',
    with_(tokens_out=0, cached=False, note="true: it was"),
    with_(tokens_out=1, note="a:true", flags=[True, False]),
    with_(latency_ms=0, tokens_in=1, cost_usd=0),
]


def _expected(line: str) -> bool:
    """Independently: a number field (any case) holds a JSON boolean, or the line has `\\`."""
    if "\\" in line:
        return True
    record = json.loads(line)
    return any(k.lower() in NUMBERS and isinstance(v, bool) for k, v in record.items())


@pytest.mark.parametrize(("every", "split"), [(1, 10**9), (7, 10**9), (1, 50), (3, 50)])
def test_boolean_lines_finds_booleans_in_number_fields(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, every: int, split: int
) -> None:
    """Dense rows (numpy over whole spans) and sparse ones (line by line), in one pass or in two
    halves on two threads, give the same answer: exactly the lines with a boolean as a number
    field's value, or a backslash."""
    monkeypatch.setattr(lines_mod, "_SPLIT", split)
    lines = [with_(request_id=f"r{i}", tokens_out=i % 2) for i in range(400)]
    for i, line in enumerate(TRICKY):
        lines[10 + 37 * i] = line
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join(lines) + "\n")
    content = read_new(path, tmp_path / "t")
    rows = np.arange(0, len(lines), every)
    got = boolean_lines(content, rows, NUMBERS)
    assert got == [int(r) for r in rows if _expected(lines[r])]
    assert len(got) == {1: 5, 3: 1, 7: 1}[every]


def test_zero_ones_load_like_the_careful_reader(zone: Zone) -> None:
    """The same lines through the fast path and through the careful reader alone (a blank line
    sends a file there): equal lake rows and quarantine, and the zeros and ones all load."""
    lines = [with_(request_id=f"r{i}", tokens_out=i % 3, cost_usd=i % 2) for i in range(300)]
    lines[5:5] = TRICKY
    zone.write("requests", "fast.jsonl", "\n".join(lines) + "\n")
    zone.write("requests", "slow.jsonl", "\n".join(lines) + "\n\n")
    per_file = zone.ingest("requests").streams["requests"].per_file
    fast, slow = per_file["requests/fast.jsonl"], per_file["requests/slow.jsonl"]
    assert (fast.reader, slow.reader) == ("read_json", "lines")
    assert (fast.loaded, fast.quarantined) == (slow.loaded, slow.quarantined)
    # The careful reader refuses a boolean under a number field's exact (unescaped) key.
    refused = [ln for ln in TRICKY if any(isinstance(json.loads(ln).get(k), bool) for k in NUMBERS)]
    assert fast.quarantined == len(refused) == 4

    def by_file(rows: list[dict], key: str) -> dict[str, list[tuple]]:
        out: dict[str, list[tuple]] = {}
        for r in rows:
            r.pop("ingested_at", None)
            out.setdefault(r.pop(key), []).append(tuple(r.items()))
        return out

    lake = by_file(zone.rows("requests", order="_line"), "_source")
    assert lake["requests/fast.jsonl"] == lake["requests/slow.jsonl"]
    zeros = [dict(r)["tokens_out"] for r in lake["requests/fast.jsonl"]]
    assert zeros.count(0) >= 100 and zeros.count(1) >= 100
    bad = by_file(zone.quarantine("requests"), "file")
    assert bad["requests/fast.jsonl"] == bad["requests/slow.jsonl"]
