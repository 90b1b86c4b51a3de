"""Same seed and end: byte-identical landing files and labels. Another seed: different data."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from collectors.simulate import generate
from synmon.cli import main

END = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a = generate(tmp_path / "a" / "landing", days=3, end=END, seed=5, scale=0.05)
    b = generate(tmp_path / "b" / "landing", days=3, end=END, seed=5, scale=0.05)
    c = generate(tmp_path / "c" / "landing", days=3, end=END, seed=6, scale=0.05)
    da, db, dc = (_digest(tmp_path / x) for x in "abc")
    assert da == db
    assert len(da) == 4 + 4 + 4 + 1  # requests, events, metrics per day, labels
    assert a.records == b.records
    changed = [k for k in da if da[k] != dc.get(k)]
    assert len(changed) == len(da)
    assert c.records != a.records
    assert not list(tmp_path.rglob(".*.tmp"))


def test_worker_threads_write_the_same_bytes(tmp_path: Path) -> None:
    generate(tmp_path / "one" / "landing", days=3, end=END, seed=5, scale=0.05, workers=1)
    generate(tmp_path / "two" / "landing", days=3, end=END, seed=5, scale=0.05, workers=2)
    assert _digest(tmp_path / "one") == _digest(tmp_path / "two")


def test_rejects_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate(tmp_path / "landing", days=0)
    with pytest.raises(ValueError):
        generate(tmp_path / "landing", days=2, scale=0)


def test_cli_generate_json_and_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    argv = ["--data-dir", str(data), "generate", "--days", "2", "--scale", "0.05"]
    assert main([*argv, "--end", "2026-03-04T05:06:07Z", "--seed", "5", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["end"] == "2026-03-04T05:06:07.000Z"
    assert summary["records"]["requests"] == summary["streams"]["requests"]["records"] > 0
    assert len(summary["incidents"]) == 4
    assert (data / "labels" / "incidents.json").is_file()
    assert len(list((data / "landing" / "requests").glob("requests-*.jsonl"))) == 3

    out = tmp_path / "elsewhere" / "landing"
    assert main([*argv, "--out", str(out)]) == 0
    text = capsys.readouterr().out
    for stream in ("requests", "events", "metrics"):
        assert re.search(rf"^\s+{stream}\s+[\d,]+ records", text, re.M)
    assert (out.parent / "labels" / "incidents.json").is_file()
    with pytest.raises(SystemExit) as bad:
        main([*argv, "--end", "yesterday"])
    assert bad.value.code == 2
