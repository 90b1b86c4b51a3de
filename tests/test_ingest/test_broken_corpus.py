"""A corpus of broken input for every stream, through the real `synmon ingest --json`.

Each file is written as a list of records, each marked by the rule it follows: `G` (loads) or `B`
(quarantined), so the expected (records_in, loaded, quarantined) come from the rules in
docs/ingest.md, not from running the code. `UNREADABLE` files (binary, broken gzip) count nothing
and name their reason in the manifest. Blank lines (spaces, tabs, CR) are not records; a last line
without its newline waits (JSON lines, access, Prometheus), so it is not a record yet.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from synmon.cli import main
from tests.test_ingest import broken_corpus as bc
from tests.test_ingest.conftest import Zone


def _ingest(zone: Zone, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    args = ["ingest", "--landing", str(zone.landing), "--lake", str(zone.lake), "--json"]
    assert main(["--data-dir", str(zone.landing.parent / "data"), *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_every_broken_input_is_counted_once(zone: Zone, capsys: pytest.CaptureFixture[str]) -> None:
    cases = bc.corpus()
    for stream, name, data, _ in cases:
        zone.write(stream, name, data)
    _, apache = bc.access()
    assert apache == [
        True,
        False,
        False,
        False,
        False,
        False,
        False,
        True,
    ]  # the stock regex, as Fluent Bit applies it
    doc = _ingest(zone, capsys)
    got = {p: c for s in doc["streams"].values() for p, c in s["per_file"].items()}
    want = {}
    for stream, name, _, records in cases:
        ok = [] if records == bc.UNREADABLE else records
        want[f"{stream}/{name}"] = {
            "records_in": len(ok), "loaded": sum(ok), "quarantined": len(ok) - sum(ok),
        }  # fmt: skip
    assert got == want
    for s in doc["streams"].values():
        assert s["records_in"] == s["loaded"] + s["quarantined"]
        assert s["files"] == len(s["per_file"])
    total = doc["total"]
    assert total["records_in"] == total["loaded"] + total["quarantined"]
    assert total["records_in"] == sum(c["records_in"] for c in want.values())

    errors = {m["path"]: m["error"] for s in doc["streams"] for m in _manifests(zone, s)}
    unreadable = {f"{s}/{n}" for s, n, _, r in cases if r == bc.UNREADABLE}
    assert {p for p, e in errors.items() if e} == unreadable
    assert "binary content" in errors["requests/binary.bin"]
    assert "truncated gzip" in errors["requests/truncated.jsonl.gz"]
    assert "gzip" in errors["requests/corrupt.gz"]

    for stream in doc["streams"]:
        rows = zone.quarantine(stream)
        per_file: dict[str, int] = {}
        for row in rows:
            per_file[row["file"]] = per_file.get(row["file"], 0) + 1
            assert row["line"] >= 1 and row["file"].startswith(f"{stream}/")
            assert len(row["raw"]) <= 65536
            _readable_reason(row["reason"])
        assert per_file == {p: c["quarantined"] for p, c in want.items()
                            if p.startswith(f"{stream}/") and c["quarantined"]}  # fmt: skip
    before = zone.lake_files()
    again = _ingest(zone, capsys)
    assert again["total"]["records_in"] == 0
    assert zone.lake_files() == before


def _manifests(zone: Zone, stream: str) -> list[dict[str, Any]]:
    folder = zone.lake / "_manifest" / stream
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]


def _readable_reason(reason: str) -> None:
    """A reason names what was wrong in words, never a Python internal."""
    assert reason and len(reason) < 400
    for internal in ("Traceback", "object has no attribute", "NoneType", "not subscriptable"):
        assert internal not in reason, reason


def test_quarantine_names_the_line_and_the_rule(
    zone: Zone, capsys: pytest.CaptureFixture[str]
) -> None:
    for stream, name, data, _ in bc.corpus():
        if name in ("page.prom", "numbers.jsonl", "otelcol.jsonl"):
            zone.write(stream, name, data)
    _ingest(zone, capsys)
    prom = {r["line"]: r["reason"] for r in zone.quarantine("metrics")}
    assert sorted(prom) == [4, 5, 6, 7]
    assert "outside 2000-01-01" in prom[6] and "not a valid exposition sample" in prom[5]
    reasons = [r["reason"] for r in zone.quarantine("requests")]
    assert "status: '1e3' is not in 100..599" in reasons
    assert "status: '0x10' is not a number" in reasons
    assert "tokens_in: '3000000000' is not in 0..2147483647" in reasons
    spans = [r["reason"] for r in zone.quarantine("traces")]
    assert "span: traceId: 'xyz' is not 32 hex digits" in spans
    assert "span: traceId: 5 is not a hex string" in spans
    assert "span: startTimeUnixNano: missing" in spans


@pytest.mark.parametrize("stream", ["traces", "metrics"])
def test_otlp_document_without_newline_waits_until_it_parses(zone: Zone, stream: str) -> None:
    if stream == "traces":
        body = {"resourceSpans": [{"scopeSpans": [{"spans": [bc.span(), bc.span()]}]}]}
    else:
        body = bc.metrics_doc(bc.gauge("g", [{"timeUnixNano": bc.NANOS, "asInt": "5"}] * 2))
    pretty = json.dumps(body, indent=2).encode()
    cut = pretty.index(b"\n", len(pretty) // 2) + 1  # a writer stopped at a line end, mid-document
    zone.write(stream, "sdk.json", pretty[:cut])
    first = zone.ingest(stream).streams[stream]
    assert first.counts()["records_in"] == 0 and zone.quarantine(stream) == []
    zone.append(stream, "sdk.json", pretty[cut:-3].decode())  # still inside the document
    assert zone.ingest(stream).streams[stream].records_in == 0
    zone.append(stream, "sdk.json", pretty[-3:].decode())  # complete, no trailing newline
    done = zone.ingest(stream).streams[stream]
    assert (done.records_in, done.loaded, done.quarantined) == (2, 2, 0)
    zone.append(stream, "sdk.json", "\n" + json.dumps(body) + "\n")  # the next POST, one line
    more = zone.ingest(stream).streams[stream]
    assert (more.records_in, more.loaded) == (2, 2)
    assert len(zone.rows("spans" if stream == "traces" else "metrics")) == 4
    assert zone.ingest(stream).streams[stream].records_in == 0
